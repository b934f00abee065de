#include "match/apply.h"

#include "git/shallow.h"
#include "util/error.h"

#include <git2/sys/mempack.h>

#include <set>
#include <string_view>

namespace beaver::match {

TreePicker::TreePicker(const git::Repository& repo, bool in_memory) {
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
  if (!in_memory) return;
  git_odb* odb = nullptr;
  git_odb_backend* mempack = nullptr;
  if (git_repository_odb(&odb, raw) != 0 || git_mempack_new(&mempack) != 0 ||
      git_odb_add_backend(odb, mempack, 1000) != 0) {
    git_odb_free(odb);
    throw Error("cannot prepare an in-memory object store: {}", git::last_error());
  }
  git_odb_free(odb);
}

TreePicker::~TreePicker() = default;

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
  // target_limit paths differ among the three trees (default 1000); git's
  // merges only look at the renames that matter, up to merge.renameLimit
  // (7000). Picked onto an older tree, a renamed file would otherwise be a
  // modify/delete conflict git cherry-pick never sees: first git's limit,
  // then, when a file was deleted on one side, again with none.
  auto merge = [&](unsigned limit) {
    git_merge_options opts;
    git_merge_options_init(&opts, GIT_MERGE_OPTIONS_VERSION);
    opts.target_limit = limit;
    git_index* raw = nullptr;
    if (git_merge_trees(&raw, repo_.get(), base, ours, theirs, &opts) != 0)
      throw Error("cannot apply {}: {}", id.hex(), git::last_error());
    return std::unique_ptr<git_index, git::Deleter<git_index, git_index_free>>(raw);
  };
  auto index = merge(rename_limit_);
  auto one_side_deleted = [](git_index* i) {
    git_index_conflict_iterator* it = nullptr;
    if (git_index_conflict_iterator_new(&it, i) != 0) return false;
    const git_index_entry *a, *o, *t;
    bool found = false;
    while (!found && git_index_conflict_next(&a, &o, &t, it) == 0) found = a && (!o || !t);
    git_index_conflict_iterator_free(it);
    return found;
  };
  if (git_index_has_conflicts(index.get()) && rename_limit_ < kNoLimit && one_side_deleted(index.get()))
    index = merge(kNoLimit);
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
    return r;
  }
  git_oid tree;
  if (git_index_write_tree_to(&tree, idx, repo_.get()) != 0) throw Error("cannot apply {}: {}", id.hex(), git::last_error());
  r.tree = git::Oid(tree);
  r.kind = r.tree == onto ? PickResult::Empty : PickResult::Applies;
  return r;
}

git::Oid TreePicker::tree_of(const git::Oid& commit) {
  git_commit* c = nullptr;
  if (git_commit_lookup(&c, repo_.get(), &commit.raw) != 0) throw Error("{}: {}", commit.hex(), git::last_error());
  git::CommitPtr owned(c);
  return git::Oid(*git_commit_tree_id(c));
}

}  // namespace beaver::match
