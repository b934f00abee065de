// What two patches have in common, line by line.
//
// The index finds candidate pairs cheaply (patch-id, context-free id, hunk
// hashes, MinHash bands, subjects, references); this module confirms them on
// the diffs themselves. A patch is reduced to the multiset of its changed
// lines: sign + content with all whitespace removed (as git patch-id strips
// it), paths ignored (so a backport onto a renamed file still agrees). Lines
// that say nothing on their own ("}", "{", "*/", blank) are left out unless a
// patch has nothing else.
#pragma once

#include "git/repository.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace beaver::git {
class ExactRenderer;
}

namespace beaver::match {

struct LineSet {
  std::vector<std::uint64_t> lines;    // sorted multiset of changed-line hashes
  std::vector<std::uint64_t> context;  // sorted multiset of (non-trivial) context-line hashes
  std::size_t distinct = 0;            // distinct values in `lines`
  int files = 0;
};

// With `inverted`, the lines of the reverse patch (added and removed swapped):
// what a commit that undoes or rewrites this one's lines shares with it.
LineSet line_set(std::string_view diff_text, bool inverted = false);

struct Similarity {
  double dice = 0;       // 2|A∩B| / (|A|+|B|): the similarity reported to users
  double in_first = 0;   // |A∩B| / |A|: how much of the first patch is in the second
  double in_second = 0;  // |A∩B| / |B|
  std::size_t common = 0;
  std::size_t common_distinct = 0;  // distinct lines among the common ones
  double context = 0;               // Dice coefficient of the context lines
};

Similarity compare(const LineSet& a, const LineSet& b);

// Diff texts of commits, rendered once (libgit2, or git diff-tree for the
// commits libgit2 cannot render as git does) and kept for the run.
class DiffCache {
public:
  // Reads objects through its own handle with the fast pack backend
  // (git/pack_backend.h); commits only git renders go to one long-lived
  // `git diff-tree` started on first need.
  // With keep_text false only the line sets stay in memory (a text asked for
  // again is rendered again).
  explicit DiffCache(const git::Repository& repo, bool keep_text = true);
  ~DiffCache();
  // The diff as `git show` prints it (from the first "diff --git"); empty for
  // a merge. Sets `error` when objects are missing.
  const std::string& text(const git::Oid& commit, std::string* error = nullptr);
  const LineSet& lines(const git::Oid& commit);
  // The changed lines of `commit` in the given paths only (git diff-tree with
  // a pathspec): for comparing a small patch with a huge commit (a subtree
  // import, a tree-wide cleanup) without rendering all of it.
  LineSet lines_in(const git::Oid& commit, const std::vector<std::string>& paths);
  std::size_t rendered() const { return texts_.size(); }

private:
  struct Entry {
    std::string text, error;
    bool text_dropped = false;
    std::unique_ptr<LineSet> lines;
  };
  Entry& entry(const git::Oid& commit);
  const git::Repository& repo_;
  bool keep_text_;
  std::unique_ptr<git_repository, git::Deleter<git_repository, git_repository_free>> handle_;
  std::unique_ptr<git::ExactRenderer> git_;
  std::map<git::Oid, Entry> texts_;
};

}  // namespace beaver::match
