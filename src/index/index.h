// `beaver index`: the persistent, incremental commit index (schema.h).
//
// An update walks the requested revisions, skips commits already indexed,
// fingerprints the new ones on every core (git/scan.h), and writes them in
// transactions of a few thousand commits, so `kill -9` loses at most the
// chunk in flight and the next run resumes. Only a complete run records the
// tips it indexed; an unchanged repository is recognised from those tips
// without walking anything. A rebased branch is just new tips: its new
// commits are indexed, the old ones stay (rebase-diff needs them).
#pragma once

#include "git/repository.h"
#include "index/db.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace beaver::index {

struct UpdateOptions {
  std::string index_path;                 // empty: default_index_path()
  std::vector<std::string> revs;          // empty: every branch and tag
  // Glob of release tags (tags matching it and not "-rc" are releases).
  // Unset: the pattern stored in the index by the run that last set it, else
  // "v*". Setting another one recomputes every first release (cheap).
  std::optional<std::string> release_pattern;
  // User-defined reference patterns (message::ReferenceRules). Unset: git
  // config beaver.referencePattern (every value). Stored in the index: when
  // they (or the built-in conventions) changed since the last run, every
  // indexed commit's references are read again.
  std::optional<std::vector<std::string>> reference_patterns;
  bool rebuild = false;                   // delete the index file first
  unsigned threads = 0;                   // 0: every core
  std::size_t batch = 4096;               // commits per transaction
  std::function<void(const std::string&)> on_wait;          // another run holds the lock
  std::function<void(std::size_t, std::size_t)> on_progress;
};

struct Problem {
  std::string commit;  // 40 hex
  std::string what;
};

struct UpdateSummary {
  std::string index_path;
  bool up_to_date = false;       // nothing to do: tips unchanged
  std::size_t walked = 0;        // commits reachable from the revisions
  std::size_t new_commits = 0;   // indexed by this run
  std::size_t total_commits = 0; // in the index afterwards
  std::size_t by_git = 0;        // of the new ones, rendered by git diff-tree
  std::size_t refs_unresolved = 0;  // Fixes:/backport references that resolve to nothing or several
  std::vector<Problem> problems; // commits with unreadable objects (this run)
  std::vector<Problem> stored_problems;  // the same, found by earlier runs (still in the index)
  std::string release_pattern;   // the pattern in effect
  std::vector<std::string> reference_patterns;  // the user-defined reference patterns in effect
  std::size_t refs_reread = 0;   // commits whose references were read again (the patterns changed)
  std::size_t release_tags = 0;  // tags it matches
  std::vector<std::string> notes;  // said once on stderr too (warn_once): no release tag, shallow history
  double seconds = 0;
};

// `beaver index --verify`: SQLite's integrity check, and the index counted
// against the repository (every commit reachable from the indexed tips must be
// in it).
struct VerifyReport {
  std::string index_path;
  std::vector<std::string> integrity;   // PRAGMA integrity_check lines other than "ok"
  std::size_t indexed = 0;              // commit rows
  std::size_t reachable = 0;            // commits reachable from the stored tips that still exist
  std::vector<std::string> not_indexed; // reachable but missing from the index (first 20)
  std::size_t not_indexed_count = 0;
  std::size_t tips_gone = 0;            // stored tips no longer in the repository (rewritten history: not a fault)
  bool ok() const { return integrity.empty() && not_indexed_count == 0; }
};
VerifyReport verify(const git::Repository& repo, const std::string& index_path);

std::string default_index_path(const git::Repository& repo);

// Creates or refreshes the index. Throws beaver::Error for a corrupt or
// foreign index file (naming it, and suggesting --rebuild).
UpdateSummary update(const git::Repository& repo, const UpdateOptions& options);

// Opens an existing index for reading; throws when it is missing, foreign,
// corrupt or of another schema version.
Database open_for_reading(const std::string& path);

// Checks application id and schema version of an open database.
void check_schema(Database& db);

}  // namespace beaver::index
