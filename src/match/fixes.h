// `beaver fixes`: every upstream fix a branch lacks, included or waived.
//
// What BRANCH carries: every commit it reaches, plus every upstream commit it
// carries as a backport (found by UpstreamMatcher: patch-id, references,
// fuzzy matching). Missing: upstream commits whose `Fixes:` (or revert)
// target is carried and that BRANCH does not carry itself; then, transitively,
// the fixes of those (depth 2, 3, ...). References the index could not
// resolve are listed, never dropped.
#pragma once

#include "git/repository.h"
#include "match/upstream.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace beaver::match {

struct Waiver {
  std::string commit;  // as written (an abbreviation is fine)
  std::string reason;
  std::string author, date;  // optional
  int line = 0;              // where it starts in the file
};

// Reads a waiver file (TOML: [[waiver]] tables with commit, reason, and
// optional author and date). Throws beaver::Error listing every problem with
// its line (malformed TOML, missing or mistyped keys, unknown keys).
std::vector<Waiver> read_waivers(const std::string& path);

struct MissingFix {
  std::string commit, subject, author;
  std::string tag, release;                 // first tag / release containing the fix
  std::vector<std::string> fixes;           // what it fixes: carried or missing upstream commits
  std::vector<std::string> fixed_in_branch_as;  // branch commits that carry what it fixes (depth 1)
  std::string group;                        // the carried commit at the root of its chain
  std::string group_subject;
  std::string group_release;                // first release of that carried commit
  int depth = 1;
  bool revert = false;                      // it reverts a carried commit
  std::vector<std::string> stable;          // Cc: stable hints ("6.8.x", or "" when none given)
  std::optional<bool> applies;              // --apply-check
  std::vector<std::string> conflicts;       // files that conflict
  std::optional<Waiver> waiver;
  std::size_t order = 0;                    // position in upstream (parents first)
};

struct UnresolvedRef {
  std::string commit, subject;  // the upstream commit with the reference
  std::string kind, target, quoted_subject, state, why;
};

struct FixesOptions {
  std::string upstream, branch, since;
  std::string waivers;     // path or empty
  std::string index_path;
  bool apply_check = false;
  bool apply_in_order = false;  // each on top of the earlier missing fixes
  std::function<void(std::size_t, std::size_t)> on_progress, on_match;
};

struct FixesReport {
  std::string upstream_rev, branch_rev, since_rev;
  std::string upstream_oid, branch_oid;
  std::vector<MissingFix> missing;   // unwaived, grouped, upstream order
  std::vector<MissingFix> waived;
  std::vector<UnresolvedRef> unresolved;
  std::vector<Waiver> stale_waivers;
  std::size_t carried_backports = 0;  // referenced (or referencing) upstream commits carried as backports
  std::size_t branch_only = 0;        // commits of BRANCH not in U
  std::map<std::string, std::size_t> summary;
  double seconds = 0;
};

FixesReport run_fixes(const git::Repository& repo, const FixesOptions& options);

}  // namespace beaver::match
