// The diff of a non-merge commit against its first parent (or the empty tree
// for a root commit), as `git log -p` prints it with git's default
// configuration: Myers, 3 lines of context, indent heuristic, renames on.
//
// Most commits are rendered in-process by libgit2, whose xdiff is git's own.
// libgit2 cannot reproduce git byte for byte in three cases, so those commits
// are handed to `git diff-tree` itself (DiffRender::needs_git):
//  - a commit that adds and deletes files (git's rename detection scores
//    similarity differently from libgit2's, and "similarity index" is hashed);
//  - a binary file (git hashes its abbreviated blob ids, whose length depends
//    on the repository's object count);
//  - a type change (file <-> symlink <-> submodule), which git prints as a
//    deletion and an addition in its own order.
#pragma once

#include "git/patch_id.h"
#include "git/repository.h"
#include "util/process.h"

#include <functional>
#include <string>
#include <vector>

namespace beaver::git {

struct DiffRender {
  std::string text;       // the diff, from the first "diff --git" line
  bool needs_git = false; // rendered by git_diff_tree_batch instead
  bool merge = false;     // a merge commit: no diff (beaver, like git log -p --no-merges, skips them)
  std::string error;      // set when objects could not be read (e.g. a missing blob)
};

// What git consults besides the objects: gitattributes. With no attribute
// file anywhere (the usual bare mirror), none is looked up per file, which
// saves two system calls and a lookup for every file of every commit.
struct DiffSettings {
  bool check_attributes = true;
  unsigned attr_flags = GIT_ATTR_CHECK_FILE_THEN_INDEX;
};
DiffSettings diff_settings_for(git_repository* repo);

// Renders one commit with libgit2. Never throws for problems with the
// commit's objects: they are reported in DiffRender::error. A file that
// gitattributes marks binary (-diff) or hands to a diff driver goes to git;
// one marked `diff` is text even with NUL bytes, as in git.
// With a parser, the lines go straight into it and DiffRender::text stays
// empty (the parser is reset when the commit turns out to need git).
DiffRender render_diff(git_repository* repo, const Oid& commit, const DiffSettings& settings = {},
                       PatchParser* parser = nullptr);

struct BatchResult {
  Oid commit;
  std::string text;   // diff text of the commit
  std::string error;  // git's message when it could not produce the diff
};

// One `git diff-tree --stdin` kept running across many requests (starting
// git per batch costs more than the diffs of a small batch).
class DiffTreeSession {
public:
  explicit DiffTreeSession(const Repository& repo);
  ~DiffTreeSession();
  // Same contract as git_diff_tree_batch.
  void run(const std::vector<Oid>& commits, const std::function<void(BatchResult&&)>& on_commit);

private:
  const Repository& repo_;
  Child child_;
  unsigned requests_ = 0;
};

// Runs `git diff-tree --stdin -p -M --root` over the commits, calling
// on_commit for each as its diff completes. A commit git fails on (missing
// object) is reported with its error and the batch resumes after it.
void git_diff_tree_batch(const Repository& repo, const std::vector<Oid>& commits,
                         const std::function<void(BatchResult&&)>& on_commit);

}  // namespace beaver::git
