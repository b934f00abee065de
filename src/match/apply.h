// Cherry-picking in memory: a commit's change (against its first parent)
// merged onto a tree with git_merge_trees, as `git cherry-pick` would, without
// a work tree, a git index or a ref. Used by `fixes --apply-check` and
// `backport` (the proof that each step applies, and `--apply`).
#pragma once

#include "git/repository.h"

#include <memory>
#include <string>
#include <vector>

namespace beaver::match {

struct ConflictFile {
  std::string path;
  std::vector<int> lines;  // where each conflict region starts in the merged file (1-based)
};

struct PickResult {
  enum Kind { Applies, Empty, Conflicts } kind = Applies;
  git::Oid tree;                        // the resulting tree (Applies, Empty)
  std::vector<ConflictFile> conflicts;  // Conflicts
};

class TreePicker {
public:
  // in_memory: objects the merges write go to a libgit2 mempack (nothing on
  // disk changes); otherwise to the repository's object database (for
  // commits that a branch will name).
  TreePicker(const git::Repository& repo, bool in_memory);
  ~TreePicker();
  TreePicker(const TreePicker&) = delete;
  TreePicker& operator=(const TreePicker&) = delete;

  // Picks `commit` onto `onto` (a tree). Empty: the result is `onto` itself.
  PickResult pick(const git::Oid& commit, const git::Oid& onto);
  git::Oid tree_of(const git::Oid& commit);
  git_repository* get() const { return repo_.get(); }

private:
  std::unique_ptr<git_repository, git::Deleter<git_repository, git_repository_free>> repo_;
  static constexpr unsigned kNoLimit = 1u << 30;
  unsigned rename_limit_ = 7000;  // git's merge.renameLimit default
};

}  // namespace beaver::match
