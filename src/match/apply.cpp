#include "match/apply.h"

#include "git/shallow.h"
#include "util/error.h"
#include "util/process.h"
#include "util/text.h"

#include <git2/odb_backend.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <string_view>

namespace beaver::match {

TreePicker::TreePicker(const git::Repository& repo, bool scratch) : git_(repo.git_command()) {
  git_repository* raw = nullptr;
  if (git_repository_open_bare(&raw, repo.git_dir().c_str()) != 0)
    throw Error("{}: cannot open the repository: {}", repo.path(), git::last_error());
  git::set_up_objects(raw);
  repo_.reset(raw);
  git_config* config = nullptr;
  if (git_repository_config_snapshot(&config, raw) == 0) {
    std::int32_t v = 0;
    if (git_config_get_int32(&v, config, "merge.renameLimit") == 0 || git_config_get_int32(&v, config, "diff.renameLimit") == 0)
      rename_limit_ = v > 0 ? unsigned(v) : kNoLimit;  // 0 or less: no limit, as git
    git_config_free(config);
  }
  git_error_clear();
  if (!scratch) return;
  // A private object directory in front of the repository's: what the
  // merges write lands there (libgit2 writes to the highest priority
  // backend), git reads the repository through it as an alternate.
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/beaver-pick-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) throw Error("cannot create a scratch directory under {}: {}", tmpl, std::strerror(errno));
  scratch_ = buf.data();
  std::string objects = scratch_ + "/objects";
  std::filesystem::create_directories(objects);
  git_odb* odb = nullptr;
  git_odb_backend* loose = nullptr;
  if (git_repository_odb(&odb, raw) != 0 || git_odb_backend_loose(&loose, objects.c_str(), 1, 0, 0, 0) != 0 ||
      git_odb_add_backend(odb, loose, 1000) != 0) {
    git_odb_free(odb);
    throw Error("cannot prepare a scratch object store in {}: {}", objects, git::last_error());
  }
  git_odb_free(odb);
  std::string alternates = repo.common_dir() + "objects";
  for (auto& d : git::environment_object_dirs()) alternates += ":" + d;
  env_ = {"GIT_OBJECT_DIRECTORY=" + objects, "GIT_ALTERNATE_OBJECT_DIRECTORIES=" + alternates};
}

TreePicker::~TreePicker() {
  repo_.reset();
  if (!scratch_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(scratch_, ec);
  }
}

namespace {

// Where each conflict region starts in the file git's merge would write.
std::vector<int> conflict_lines(git_repository* repo, const git_index_entry* ancestor, const git_index_entry* ours,
                                const git_index_entry* theirs) {
  std::vector<int> out;
  if (!ours || !theirs) return out;  // modify/delete: the whole file
  git_merge_file_result result{};
  if (git_merge_file_from_index(&result, repo, ancestor, ours, theirs, nullptr) != 0) return out;
  std::string_view text(result.ptr ? result.ptr : "", result.len);
  int line = 1;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    if (text.substr(pos, end - pos).starts_with("<<<<<<<")) out.push_back(line);
    ++line;
    pos = end + 1;
  }
  git_merge_file_result_free(&result);
  return out;
}

}  // namespace

PickResult TreePicker::pick(const git::Oid& id, const git::Oid& onto) {
  git_commit* c = nullptr;
  if (git_commit_lookup(&c, repo_.get(), &id.raw) != 0) throw Error("{}: {}", id.hex(), git::last_error());
  git::CommitPtr commit(c);
  git_tree *theirs = nullptr, *ours = nullptr, *base = nullptr;
  if (git_commit_tree(&theirs, commit.get()) != 0 || git_tree_lookup(&ours, repo_.get(), &onto.raw) != 0)
    throw Error("{}: {}", id.hex(), git::last_error());
  git::TreePtr t1(theirs), t2(ours), t3;
  if (!git::visible_parents(repo_.get(), commit.get()).empty()) {
    git_commit* parent = nullptr;
    if (git_commit_parent(&parent, commit.get(), 0) != 0) throw Error("{}: {}", id.hex(), git::last_error());
    git::CommitPtr p(parent);
    if (git_commit_tree(&base, parent) != 0) throw Error("{}: {}", id.hex(), git::last_error());
    t3.reset(base);
  }
  // libgit2 looks for renamed-and-edited files only while fewer than
  // target_limit paths differ among the three trees (default 1000), git up
  // to merge.renameLimit (7000): with git's limit fewer picks need git.
  git_merge_options opts;
  git_merge_options_init(&opts, GIT_MERGE_OPTIONS_VERSION);
  opts.target_limit = rename_limit_;
  git_index* raw_index = nullptr;
  if (git_merge_trees(&raw_index, repo_.get(), base, ours, theirs, &opts) != 0)
    throw Error("cannot apply {}: {}", id.hex(), git::last_error());
  std::unique_ptr<git_index, git::Deleter<git_index, git_index_free>> index(raw_index);
  git_index* idx = index.get();
  PickResult r;
  if (git_index_has_conflicts(idx)) {
    r.kind = PickResult::Conflicts;
    git_index_conflict_iterator* it = nullptr;
    git_index_conflict_iterator_new(&it, idx);
    const git_index_entry *a, *o, *t;
    std::set<std::string> seen;
    while (git_index_conflict_next(&a, &o, &t, it) == 0) {
      const git_index_entry* e = o ? o : t ? t : a;
      if (!e || !seen.insert(e->path).second) continue;
      r.conflicts.push_back({e->path, conflict_lines(repo_.get(), a, o, t)});
    }
    git_index_conflict_iterator_free(it);
    // libgit2 says it conflicts: git's merge decides.
    if (auto verdict = git_merge(base, ours, theirs)) {
      ++git_checked_;
      if (verdict->clean) {
        ++git_cleared_;
        PickResult clean;
        clean.tree = verdict->tree;
        clean.kind = clean.tree == onto ? PickResult::Empty : PickResult::Applies;
        return clean;
      }
      std::vector<ConflictFile> files;
      for (auto& path : verdict->conflicts) {
        auto known = std::find_if(r.conflicts.begin(), r.conflicts.end(), [&](const ConflictFile& f) { return f.path == path; });
        files.push_back(known != r.conflicts.end() ? *known : ConflictFile{path, {}});
      }
      if (!files.empty()) r.conflicts = std::move(files);
    }
    return r;
  }
  git_oid tree;
  if (git_index_write_tree_to(&tree, idx, repo_.get()) != 0) throw Error("cannot apply {}: {}", id.hex(), git::last_error());
  r.tree = git::Oid(tree);
  r.kind = r.tree == onto ? PickResult::Empty : PickResult::Applies;
  return r;
}

std::optional<TreePicker::GitVerdict> TreePicker::git_merge(git_tree* base, git_tree* ours, git_tree* theirs) {
  // Three commits in the object store: the parent's tree as the base, the
  // target and the commit's tree as its children; their merge is the pick.
  git_signature* sig = nullptr;
  if (git_signature_new(&sig, "beaver", "beaver@localhost", 0, 0) != 0) return std::nullopt;
  std::unique_ptr<git_signature, git::Deleter<git_signature, git_signature_free>> owned(sig);
  git::TreePtr empty;
  if (!base) {  // a root commit: its base is the empty tree
    git_treebuilder* tb = nullptr;
    git_oid id;
    git_tree* t = nullptr;
    if (git_treebuilder_new(&tb, repo_.get(), nullptr) != 0) return std::nullopt;
    int rc = git_treebuilder_write(&id, tb);
    git_treebuilder_free(tb);
    if (rc != 0 || git_tree_lookup(&t, repo_.get(), &id) != 0) return std::nullopt;
    empty.reset(t);
    base = t;
  }
  git_oid b, o, t;
  if (git_commit_create(&b, repo_.get(), nullptr, sig, sig, nullptr, "base", base, 0, nullptr) != 0) return std::nullopt;
  git_commit* bc = nullptr;
  if (git_commit_lookup(&bc, repo_.get(), &b) != 0) return std::nullopt;
  git::CommitPtr base_commit(bc);
  const git_commit* parents[] = {bc};
  if (git_commit_create(&o, repo_.get(), nullptr, sig, sig, nullptr, "ours", ours, 1, parents) != 0 ||
      git_commit_create(&t, repo_.get(), nullptr, sig, sig, nullptr, "theirs", theirs, 1, parents) != 0)
    return std::nullopt;
  std::vector<std::string> cmd = git_;
  cmd.insert(cmd.end(), {"merge-tree", "--write-tree", "--name-only", "--no-messages", git::Oid(o).hex(), git::Oid(t).hex()});
  ProcessOptions po;
  po.env = env_;
  ProcessResult pr = run_process(cmd, po);
  if (pr.exit_code != 0 && pr.exit_code != 1) return std::nullopt;  // git before 2.38, or a missing object: libgit2's verdict stands
  GitVerdict v;
  v.clean = pr.exit_code == 0;
  bool first = true, ok = true;
  for_each_line(pr.out, [&](std::string_view line) {
    if (first) {
      first = false;
      auto id = git::Oid::from_hex(line);
      if (!id) ok = false;
      else v.tree = *id;
      return;
    }
    if (!line.empty()) v.conflicts.emplace_back(line);
  });
  if (!ok || first) return std::nullopt;
  return v;
}

git::Oid TreePicker::tree_of(const git::Oid& commit) {
  git_commit* c = nullptr;
  if (git_commit_lookup(&c, repo_.get(), &commit.raw) != 0) throw Error("{}: {}", commit.hex(), git::last_error());
  git::CommitPtr owned(c);
  return git::Oid(*git_commit_tree_id(c));
}

}  // namespace beaver::match
