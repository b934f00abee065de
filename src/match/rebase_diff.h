// `beaver rebase-diff`: two versions of a rebased downstream branch, commit
// by commit. Pairs are made in rounds, each cheaper than a diff: identical
// patch-id, then references both versions share, then the context-free id,
// then candidates that share a hunk, a MinHash band or a subject, confirmed
// on the diffs and assigned greedily by similarity. Every round is a hash
// lookup per commit, so the whole is near-linear, unlike the cubic
// assignment of `git range-diff`. What is left of the old version is matched
// against the upstream (merged-upstream) or reported dropped; what is left of
// the new version was added.
#pragma once

#include "git/repository.h"
#include "match/upstream.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace beaver::match {

struct RebaseOptions {
  std::string upstream;             // U
  std::string old_rev, new_rev;     // OLD and NEW versions of the branch
  std::string old_base, new_base;   // empty: merge base with U
  std::string index_path;
  bool full = false;                // keep the interdiff of changed commits
  std::function<void(std::size_t, std::size_t)> on_progress;
};

struct RebaseEntry {
  std::string status;               // kept | changed | merged-upstream | dropped | added
  std::string old_commit, new_commit;  // 40 hex or empty
  std::string subject;              // the new version's, else the old one's
  std::string old_subject;          // when it differs
  std::string how;                  // pairing: patch-id | reference | context | similar | subject
  double similarity = 1.0;
  std::string change;               // changed: what changed in the patch
  std::string interdiff;            // changed, with --full
  std::vector<Pairing> upstream;    // merged-upstream: the upstream commit(s)
  int old_index = 0, new_index = 0; // 1-based positions in each version (0: none)
};

struct RebaseReport {
  std::string upstream_rev, old_rev, new_rev;
  std::string upstream_oid, old_oid, new_oid, old_base_oid, new_base_oid;
  std::vector<RebaseEntry> entries;  // in the new version's order, removed ones where they were
  std::map<std::string, std::size_t> summary;
  double seconds = 0;
};

RebaseReport run_rebase_diff(const git::Repository& repo, const RebaseOptions& options);

}  // namespace beaver::match
