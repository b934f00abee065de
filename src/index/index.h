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
#include <string>
#include <vector>

namespace beaver::index {

struct UpdateOptions {
  std::string index_path;                 // empty: default_index_path()
  std::vector<std::string> revs;          // empty: every branch and tag
  std::string release_pattern = "v*";     // glob; tags matching it and not "-rc" are releases
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
  double seconds = 0;
};

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
