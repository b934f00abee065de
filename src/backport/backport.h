// `beaver backport`: what it takes to bring upstream commits to an older
// branch, and the proof that it applies.
//
// The request (commits and ranges of U, the upstream commits touching some
// paths, the commits that introduced a CoCo feature's markers and Kconfig
// symbols, the fixes `beaver fixes` says the branch lacks) minus what the
// branch already carries (the `stack` matcher); then, recursively, the
// prerequisites: the upstream commits since the branch left U that last
// changed the lines each step removes or sits next to (`git blame` of the
// step's parent, bounded by the branch: git-deps' rule); the missing
// `Fixes:` of every step, and reverts of steps (a reverted step leaves the
// plan unless asked). Steps go in upstream order and are cherry-picked in
// memory, one after the other, onto the branch: each applies, is empty or
// conflicts — never a guess.
#pragma once

#include "git/repository.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace beaver::backport {

struct Options {
  std::string upstream, onto;
  std::vector<std::string> revisions;  // commits and ranges of U, as git rev-parse reads them
  std::vector<std::string> paths;      // every upstream commit since the merge base touching these
  std::vector<std::string> features;   // feature ids of the CoCo catalog
  bool fixes = false;                  // the fixes `beaver fixes` reports missing
  bool keep_reverted = false;          // keep a reverted step, and its revert
  bool follow_fixes = true;            // add the missing Fixes: of every step
  int max_depth = 10;                  // prerequisite levels below a request
  std::size_t max_steps = 300;         // the plan stops growing here
  std::string index_path;
  std::function<void(std::size_t, std::size_t)> on_progress, on_match;
};

struct Conflict {
  std::string file;
  std::vector<int> lines;                  // where each conflict starts in the merged file
  std::vector<std::string> changed_on_branch;  // branch-only commits that changed the file (newest first, 40 hex)
};

struct Step {
  std::string commit, subject, author, release;  // release: first release tag containing it upstream
  std::string role;                              // requested, prerequisite, fix, revert
  std::vector<std::string> needed_by;            // the steps it is a prerequisite, fix or revert of
  std::vector<std::string> reasons;
  std::string result;                            // applies, empty, conflicts
  std::vector<Conflict> conflicts;
  std::vector<std::string> paths;
  int files = 0, lines = 0;  // lines: insertions + deletions upstream
  int depth = 0;             // 0: asked for
  std::size_t order = 0;     // upstream order (parents first)
};

struct Carried {
  std::string commit, subject;
  std::string carried_as;  // the branch commit (40 hex)
  std::string how;         // same (the commit itself), patch-id, context, similar, partial, ...
  std::string needed_by;   // the step that needed it, or "" when asked for
};

struct NotPlanned {
  std::string commit, subject, why;
};

struct Plan {
  std::string upstream_rev, onto_rev, upstream_oid, onto_oid, merge_base;
  std::string category;  // bugfix (1-5 steps), feature (6-50), mass (more)
  std::vector<Step> steps;
  std::vector<Carried> carried;
  std::vector<NotPlanned> not_planned;
  std::vector<std::string> limits;                 // bounds reached, said plainly
  std::vector<std::pair<std::string, int>> subsystems;  // top directories and how many steps touch each
  std::map<std::string, std::size_t> summary;
  std::size_t naive = 0;  // upstream commits since the merge base touching the plan's requested files
  double seconds = 0;
};

// Throws beaver::Error (exit 2) for input errors: an unknown revision or
// feature, nothing requested, no common history.
Plan plan(const git::Repository& repo, const Options& options);

// The category of a plan of n steps, as distro maintainers count them.
std::string category_of(std::size_t steps);

enum class Reference { Upstream, CherryPick };

struct ApplyOptions {
  std::string branch;      // create refs/heads/BRANCH (empty: none)
  std::string series_dir;  // write format-patch files there (empty: none)
  Reference reference = Reference::Upstream;
  bool force = false;      // replace an existing branch
};

// The message of a step's commit on the branch: the upstream message with
// its reference line (`commit X upstream.` after the subject, or `(cherry
// picked from commit X)` at the end) and, for a prerequisite, one
// `Stable-dep-of: <12 hex> ("subject")` trailer per step that needs it.
std::string backport_message(const std::string& upstream_message, const Step& step,
                             const std::vector<std::pair<std::string, std::string>>& needed_by_subjects, Reference reference);

// Cherry-picks every non-empty step onto the branch (author and message
// from upstream, the committer from git config) and writes the branch
// and/or the series. Refuses (beaver::Error, exit 1 semantics for the
// caller) when a step conflicts; never touches the work tree or the git
// index. Returns the new head (40 hex).
std::string apply(const git::Repository& repo, const Plan& plan, const ApplyOptions& options);

}  // namespace beaver::backport
