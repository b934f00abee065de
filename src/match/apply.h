// Cherry-picking without a work tree, a git index or a ref: a commit's
// change (against its first parent) merged onto a tree, as `git cherry-pick`
// merges it. libgit2's git_merge_trees answers first (in process, fast);
// when it finds a conflict, git's own merge (`git merge-tree --write-tree`
// of two commits whose base is the commit's parent: the same three trees)
// decides, because git's merge (ort, histogram diff, renames that matter)
// is what the maintainer will run and libgit2's sometimes conflicts where
// git does not. Used by `fixes --apply-check` and `backport` (the proof
// that each step applies, and `--apply`).
#pragma once

#include "git/repository.h"

#include <memory>
#include <string>
#include <vector>

namespace beaver::match {

struct ConflictFile {
  std::string path;
  std::vector<int> lines;  // where each conflict region starts in the merged file (1-based; empty: unknown)
};

struct PickResult {
  enum Kind { Applies, Empty, Conflicts } kind = Applies;
  git::Oid tree;                        // the resulting tree (Applies, Empty)
  std::vector<ConflictFile> conflicts;  // Conflicts
};

class TreePicker {
public:
  // scratch: objects the merges write go to a temporary object directory,
  // removed afterwards (nothing in the repository changes); otherwise to
  // the repository's object database (for commits a branch will name).
  TreePicker(const git::Repository& repo, bool scratch);
  ~TreePicker();
  TreePicker(const TreePicker&) = delete;
  TreePicker& operator=(const TreePicker&) = delete;

  // Picks `commit` onto `onto` (a tree). Empty: the result is `onto` itself.
  PickResult pick(const git::Oid& commit, const git::Oid& onto);
  git::Oid tree_of(const git::Oid& commit);
  git_repository* get() const { return repo_.get(); }
  // How many picks git's merge decided after libgit2 found a conflict, and
  // how many of those git merged cleanly.
  std::size_t git_checked() const { return git_checked_; }
  std::size_t git_cleared() const { return git_cleared_; }

private:
  struct GitVerdict {
    bool clean = false;
    git::Oid tree;
    std::vector<std::string> conflicts;
  };
  std::optional<GitVerdict> git_merge(git_tree* base, git_tree* ours, git_tree* theirs);
  std::optional<PickResult> pick_paths(git_tree* base, git_tree* ours, git_tree* theirs, const git::Oid& onto, bool& ask_git);

  std::string scratch_;                 // the temporary directory (scratch mode)
  std::vector<std::string> git_, env_;  // how to run git on the same objects
  static constexpr unsigned kNoLimit = 1u << 30;  // merge.renameLimit <= 0
  unsigned rename_limit_ = 7000;  // git's merge.renameLimit default
  std::size_t git_checked_ = 0, git_cleared_ = 0;
  std::unique_ptr<git_repository, git::Deleter<git_repository, git_repository_free>> repo_;
};

}  // namespace beaver::match
