#include "match/apply.h"

#include "git/shallow.h"
#include "util/error.h"
#include "util/file.h"
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
  scratch_ = make_temp_dir("beaver-pick");
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


// An entry of a tree at a path: absent (mode 0) or (mode, id).
struct Entry {
  unsigned mode = 0;
  git_oid id{};
  bool operator==(const Entry& o) const { return mode == o.mode && (mode == 0 || git_oid_equal(&id, &o.id)); }
};

Entry entry_at(git_tree* tree, const char* path) {
  Entry e;
  git_tree_entry* te = nullptr;
  if (tree && git_tree_entry_bypath(&te, tree, path) == 0) {
    e.mode = git_tree_entry_filemode(te);
    e.id = *git_tree_entry_id(te);
    git_tree_entry_free(te);
  }
  return e;
}

bool is_file(unsigned mode) { return mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE; }

std::string parent_dir(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

bool has_dir(git_tree* tree, const std::string& dir) {
  if (dir.empty()) return true;
  return entry_at(tree, dir.c_str()).mode == GIT_FILEMODE_TREE;
}

}  // namespace

// The pick one path at a time: only the paths the commit changes (its diff
// from its parent, renames found as git's merges find them) are looked at;
// every other path is the target's, as in a three-way merge where only one
// side changed it. Returns nullopt when a path needs what only a whole-tree
// merge knows (the target lacks a path the commit changes: it may have
// moved; a content merge that conflicts; a new file in a directory the
// target does not have: git may see a directory rename); `ask_git` then
// says to skip libgit2's whole-tree merge and let git decide.
std::optional<PickResult> TreePicker::pick_paths(git_tree* base, git_tree* ours, git_tree* theirs, const git::Oid& onto,
                                                 bool& ask_git) {
  git_diff_options dopts;
  git_diff_options_init(&dopts, GIT_DIFF_OPTIONS_VERSION);
  git_diff* raw_diff = nullptr;
  if (git_diff_tree_to_tree(&raw_diff, repo_.get(), base, theirs, &dopts) != 0) return std::nullopt;
  git::DiffPtr diff(raw_diff);
  git_diff_find_options fopts;
  git_diff_find_options_init(&fopts, GIT_DIFF_FIND_OPTIONS_VERSION);
  fopts.flags = GIT_DIFF_FIND_RENAMES;
  fopts.rename_limit = rename_limit_;
  if (git_diff_find_similar(raw_diff, &fopts) != 0) return std::nullopt;
  std::vector<git_tree_update> updates;
  std::vector<std::string> paths;  // owns the updates' paths
  std::vector<git_oid> merged;     // owns merged blobs' ids
  std::size_t n = git_diff_num_deltas(raw_diff);
  paths.reserve(2 * n);
  merged.reserve(n);
  auto upsert = [&](const std::string& path, const git_oid& id, unsigned mode) {
    paths.push_back(path);
    git_tree_update u{};
    u.action = GIT_TREE_UPDATE_UPSERT;
    u.id = id;
    u.filemode = git_filemode_t(mode);
    updates.push_back(u);
  };
  auto remove = [&](const std::string& path) {
    paths.push_back(path);
    git_tree_update u{};
    u.action = GIT_TREE_UPDATE_REMOVE;
    updates.push_back(u);
  };
  // The content merge of a file changed on both sides; nullopt when it conflicts.
  auto merge_file = [&](const Entry& b, const Entry& o, const Entry& t, const char* path) -> std::optional<Entry> {
    if (!is_file(b.mode) || !is_file(o.mode) || !is_file(t.mode)) return std::nullopt;
    unsigned mode = o.mode == b.mode ? t.mode : t.mode == b.mode ? o.mode : 0;
    if (mode == 0) return std::nullopt;
    git_blob *bb = nullptr, *ob = nullptr, *tb = nullptr;
    std::optional<Entry> out;
    if (git_blob_lookup(&bb, repo_.get(), &b.id) == 0 && git_blob_lookup(&ob, repo_.get(), &o.id) == 0 &&
        git_blob_lookup(&tb, repo_.get(), &t.id) == 0) {
      auto input = [&](git_blob* blob) {
        git_merge_file_input in;
        git_merge_file_input_init(&in, GIT_MERGE_FILE_INPUT_VERSION);
        in.ptr = static_cast<const char*>(git_blob_rawcontent(blob));
        in.size = std::size_t(git_blob_rawsize(blob));
        in.path = path;
        return in;
      };
      git_merge_file_input ai = input(bb), oi = input(ob), ti = input(tb);
      ai.mode = b.mode;
      oi.mode = o.mode;
      ti.mode = t.mode;
      git_merge_file_result result{};
      if (!git_blob_is_binary(ob) && !git_blob_is_binary(tb) && !git_blob_is_binary(bb) &&
          git_merge_file(&result, &ai, &oi, &ti, nullptr) == 0) {
        git_oid id;
        if (result.automergeable && git_blob_create_from_buffer(&id, repo_.get(), result.ptr, result.len) == 0) {
          Entry e;
          e.mode = mode;
          e.id = id;
          out = e;
        }
        git_merge_file_result_free(&result);
      }
    }
    git_blob_free(bb);
    git_blob_free(ob);
    git_blob_free(tb);
    return out;
  };
  for (std::size_t k = 0; k < n; ++k) {
    const git_diff_delta* d = git_diff_get_delta(raw_diff, k);
    std::string from = d->old_file.path, to = d->new_file.path;
    Entry b{d->old_file.mode, d->old_file.id}, t{d->new_file.mode, d->new_file.id};
    if (d->status == GIT_DELTA_ADDED) b = Entry{};
    if (d->status == GIT_DELTA_DELETED) t = Entry{};
    Entry o = entry_at(ours, from.c_str());  // the target at the commit's old path (for an addition: the same path)
    Entry o_to = from == to ? o : entry_at(ours, to.c_str());
    switch (d->status) {
      case GIT_DELTA_ADDED:
        if (o_to == t) break;
        if (o_to.mode != 0) return std::nullopt;  // add/add
        if (!has_dir(ours, parent_dir(to)) && has_dir(base, parent_dir(to))) {
          ask_git = true;  // the directory moved on the target: git's directory renames
          return std::nullopt;
        }
        upsert(to, t.id, t.mode);
        break;
      case GIT_DELTA_DELETED:
        if (!(o == b)) return std::nullopt;  // modify/delete, or the target moved it: rename/delete
        remove(from);
        break;
      case GIT_DELTA_MODIFIED:
      case GIT_DELTA_TYPECHANGE:
        if (o == t) break;
        if (o == b) {
          upsert(to, t.id, t.mode);
          break;
        }
        if (o.mode == 0) return std::nullopt;  // the target may have moved it
        if (auto m = merge_file(b, o, t, to.c_str())) {
          merged.push_back(m->id);
          upsert(to, merged.back(), m->mode);
          break;
        }
        return std::nullopt;
      case GIT_DELTA_RENAMED:
        if (o.mode == 0) {
          if (o_to == t) break;
          return std::nullopt;
        }
        if (o_to.mode != 0 && !(o_to == t)) return std::nullopt;  // rename onto a path the target uses
        if (!has_dir(ours, parent_dir(to)) && has_dir(base, parent_dir(to))) {
          ask_git = true;
          return std::nullopt;
        }
        if (o == b) {
          remove(from);
          upsert(to, t.id, t.mode);
          break;
        }
        if (auto m = merge_file(b, o, t, to.c_str())) {
          merged.push_back(m->id);
          remove(from);
          upsert(to, merged.back(), m->mode);
          break;
        }
        return std::nullopt;
      default:
        return std::nullopt;  // copies, unreadable entries: the whole-tree merge
    }
  }
  for (std::size_t k = 0; k < updates.size(); ++k) updates[k].path = paths[k].c_str();
  git_oid tree;
  if (git_tree_create_updated(&tree, repo_.get(), ours, updates.size(), updates.data()) != 0) {
    git_error_clear();
    return std::nullopt;
  }
  PickResult r;
  r.tree = git::Oid(tree);
  r.kind = r.tree == onto ? PickResult::Empty : PickResult::Applies;
  return r;
}

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
  bool ask_git = false;
  if (auto fast = pick_paths(base, ours, theirs, onto, ask_git)) return *fast;
  if (ask_git)
    if (auto verdict = git_merge(base, ours, theirs)) {
      ++git_checked_;
      PickResult r;
      if (verdict->clean) {
        ++git_cleared_;
        r.tree = verdict->tree;
        r.kind = r.tree == onto ? PickResult::Empty : PickResult::Applies;
      } else {
        r.kind = PickResult::Conflicts;
        for (auto& path : verdict->conflicts) r.conflicts.push_back({path, {}});
      }
      return r;
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
