// Is this commit's change in upstream? The matcher behind `stack` and
// `rebase-diff`.
//
// Candidates come from the index only, never from a scan of upstream:
//   1. the same git patch-id (identical patch);
//   2. the same context-free id (same changed lines, other context: the clean
//      cherry-pick `git cherry` misses);
//   3. backport references in the message (cherry picked from / commit X
//      upstream / ...), resolved by the index;
//   4. shared hunk hashes and MinHash bands (modified and partial backports);
//   5. the same normalized subject.
// Every candidate but (1) is then confirmed on the diffs (patch_lines.h): a
// subject or a reference alone never makes a pair, and a hunk or line that
// hundreds of commits share is not evidence.
#pragma once

#include "index/db.h"
#include "index/query.h"
#include "match/patch_lines.h"

#include <cstdint>
#include <string>
#include <vector>

namespace beaver::match {

struct Pairing {
  std::string commit;   // the other commit, 40 hex
  std::string subject;
  std::string tag, release;  // first tag / release tag containing it (empty when none)
  // How the pair was made:
  //   patch-id   identical git patch-id
  //   same       the very commit (it is itself in upstream)
  //   context    same changed lines, different context
  //   similar    most changed lines agree (conflict-resolved or retouched backport)
  //   partial    this commit carries part of the other (a subset of its lines)
  //   part       the other is part of this commit (a squash of several)
  //   folded     (by reference only) this commit names several upstream
  //              commits and shares changed lines with this one, too few for
  //              the rules above: a follow-up fix folded into a squash
  //   folded     also: a named commit of a squash that only removes or
  //              rewrites lines another named commit adds (its reverse patch
  //              shares lines with that one), so none of its lines is here
  //   reworked   (by reference only) the message names it and the diffs
  //              share changed lines, too few for the rules above, or none but
  //              with the same subject in the same files: a backport reworked
  //              for an older base
  std::string how;
  bool by_reference = false;  // the message names this commit
  double similarity = 1.0;    // Dice coefficient of changed lines, in [0, 1]
  double covered = 1.0;       // share of this commit's changed lines found in the other
  double contained = 1.0;     // share of the other's changed lines found in this commit
};

struct UpstreamMatch {
  bool identical = false;       // a patch-id match (or the commit itself)
  std::vector<Pairing> pairs;   // identical ones first, then by similarity
};

struct MatchStats {
  std::size_t candidates = 0;  // candidates confirmed on diffs
  std::size_t common_keys = 0; // hunk / band keys skipped as too common
};

class UpstreamMatcher {
public:
  // `in_upstream` marks the candidate commits by index id (CommitGraph::reachable).
  UpstreamMatcher(index::Database& db, DiffCache& diffs, std::vector<bool> in_upstream);

  UpstreamMatch match(const index::CommitRecord& commit);

  // The diff comparison of two commits (for references the message claims).
  Similarity compare(const git::Oid& a, const git::Oid& b);

  bool in_upstream(std::int64_t id) const {
    return id >= 0 && std::size_t(id) < in_upstream_.size() && in_upstream_[std::size_t(id)];
  }
  // The pairing fields of one indexed commit (subject, tag, release).
  Pairing describe(std::int64_t id);
  const MatchStats& stats() const { return stats_; }

private:
  DiffCache& diffs_;
  std::vector<bool> in_upstream_;
  index::Statement by_patch_id_, by_cf_, by_hunk_, by_band_, by_subject_, by_oid_, row_, paths_;
  MatchStats stats_;
};

// Limit above which a hunk hash, band or subject is too common to be evidence.
inline constexpr int kCommonKeyLimit = 64;

}  // namespace beaver::match
