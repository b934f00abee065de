// The on-disk format of the beaver index: one SQLite file, by default
// beaver/index.sqlite in the common git directory (shared by worktrees), in WAL mode.
//
// PRAGMA application_id = 0x42454156 ("BEAV") marks the file as ours;
// PRAGMA user_version = kSchemaVersion is the schema version below. A file
// with another application id or a newer version is refused with a clear
// error; `beaver index --rebuild` recreates it.
//
// Version 3 (version 1 kept first_tag and first_release in commits, version 2
// read fewer backport conventions; `beaver index` upgrades such a file in
// place, see kUpgradeFrom1 and kUpgradeFrom2):
//   meta(key, value)                 repository path, release pattern, dates,
//                                    reference_rules: the reference conventions
//                                    the refs were read with (the built-in ones'
//                                    version and the user's beaver.referencePattern
//                                    values, message::ReferenceRules::fingerprint);
//                                    when it differs from this run's, every
//                                    commit's references are read again
//   commits(id, oid, ...)            one row per indexed commit (merges too)
//       oid BLOB(20)                 commit id
//       parents BLOB                 parent ids, 20 bytes each
//       author_name, author_email, author_time, author_tz,
//       committer_name, committer_email, committer_time, committer_tz
//       subject, norm_subject        message::parse() subject and its normal form
//                                    (the message itself stays in git; trailers
//                                    and references are parsed into tables)
//       is_merge                     1 for a merge (no diff, no patch-id)
//       patch_id BLOB(20)            git patch-id --stable; NULL when git prints none
//       cf_id BLOB(20)               context-free id (git/patch_id.h)
//       minhash BLOB(64)             16 x uint32 little-endian MinHash of changed lines
//       hunk_hashes BLOB             uint64 little-endian hash of each hunk's changed lines
//       changed_lines, files, insertions, deletions
//       by_git                       1 when git diff-tree rendered the diff
//       error                        what could not be read (missing objects), or NULL
//   first_tags(commit_id, tag, release)  the earliest tag / release tag containing
//                                    the commit; no row when no tag contains it. A table
//                                    of its own because new tags change it: rewriting
//                                    small rows costs a tenth of rewriting commits.
//   paths(commit_id, seq, path, old_path, added, deleted, binary)
//   hunks(hash, commit_id)           lookup: commits by hunk hash (from commits.hunk_hashes)
//   bands(band, commit_id)           lookup: LSH bands of the MinHash, band = (i << 56) ^ hash of rows 4i..4i+3
//                                    Both are filled after the commits, sorted, for every commit
//                                    id above meta 'lookup_upto' (so an interrupted run is completed
//                                    by the next one).
//   trailers(commit_id, seq, key, value)
//   (the four tables above are WITHOUT ROWID, clustered on their key)
//   refs(commit_id, kind, target, subject, line, state, resolved)
//       kind: fixes | reverts | a backport convention of message::RefKind (cherry_picked_from,
//             commit_upstream, upstream_commit_bracketed, upstream_commit, git_commit_header,
//             backported_from, commit_line, master_commit, dep3_origin, applied_upstream,
//             upstream_status_backport, upstream_link) | the kind of a user pattern
//             (reference_pattern, or the NAME of kind=NAME:)
//       target: the id as written; state: resolved | by-subject | ambiguous | unknown | malformed
//       resolved: BLOB(20) when state is resolved or by-subject
//   tips(name, oid)                  the refs indexed by the last complete run
//   tags(name, oid, is_release)
#pragma once

#include <cstdint>

namespace beaver::index {

inline constexpr int kSchemaVersion = 3;
inline constexpr std::int32_t kApplicationId = 0x42454156;

inline constexpr const char* kSchema = R"SQL(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE commits(
  id INTEGER PRIMARY KEY,
  oid BLOB NOT NULL UNIQUE,
  parents BLOB,
  author_name TEXT, author_email TEXT, author_time INTEGER, author_tz INTEGER,
  committer_name TEXT, committer_email TEXT, committer_time INTEGER, committer_tz INTEGER,
  subject TEXT, norm_subject TEXT,
  is_merge INTEGER NOT NULL DEFAULT 0,
  patch_id BLOB, cf_id BLOB, minhash BLOB, hunk_hashes BLOB,
  changed_lines INTEGER, files INTEGER, insertions INTEGER, deletions INTEGER,
  by_git INTEGER NOT NULL DEFAULT 0,
  error TEXT
);
CREATE TABLE first_tags(commit_id INTEGER PRIMARY KEY, tag TEXT, release TEXT);
CREATE TABLE paths(commit_id INTEGER NOT NULL, seq INTEGER NOT NULL, path TEXT NOT NULL, old_path TEXT,
                   added INTEGER, deleted INTEGER, binary INTEGER, PRIMARY KEY(commit_id, seq)) WITHOUT ROWID;
CREATE TABLE hunks(hash INTEGER NOT NULL, commit_id INTEGER NOT NULL, PRIMARY KEY(hash, commit_id)) WITHOUT ROWID;
CREATE TABLE bands(band INTEGER NOT NULL, commit_id INTEGER NOT NULL, PRIMARY KEY(band, commit_id)) WITHOUT ROWID;
CREATE TABLE trailers(commit_id INTEGER NOT NULL, seq INTEGER NOT NULL, key TEXT, value TEXT,
                      PRIMARY KEY(commit_id, seq)) WITHOUT ROWID;
CREATE TABLE refs(commit_id INTEGER NOT NULL, kind TEXT NOT NULL, target TEXT, subject TEXT, line INTEGER,
                  state TEXT NOT NULL, resolved BLOB);
CREATE TABLE tips(name TEXT PRIMARY KEY, oid BLOB NOT NULL);
CREATE TABLE tags(name TEXT PRIMARY KEY, oid BLOB NOT NULL, is_release INTEGER NOT NULL);
)SQL";

// Version 1 to 2: first tags move out of commits into their table; paths
// are no longer indexed by name.
inline constexpr const char* kUpgradeFrom1 = R"SQL(
CREATE TABLE first_tags(commit_id INTEGER PRIMARY KEY, tag TEXT, release TEXT);
INSERT INTO first_tags(commit_id, tag, release)
  SELECT id, first_tag, first_release FROM commits WHERE first_tag IS NOT NULL OR first_release IS NOT NULL;
ALTER TABLE commits DROP COLUMN first_tag;
ALTER TABLE commits DROP COLUMN first_release;
DROP INDEX IF EXISTS paths_path;
PRAGMA user_version = 2;
)SQL";

// Version 2 to 3: more backport conventions (Xen's master commit:, DEP-3,
// Yocto, upstream commit URLs) and user-defined ones. No table changes: the
// missing meta 'reference_rules' makes the same run read every commit's
// references again.
inline constexpr const char* kUpgradeFrom2 = R"SQL(
PRAGMA user_version = 3;
)SQL";

// Secondary indexes. A large load drops them first and builds them at the
// end (sorting once beats updating B-trees row by row); every complete run
// ends by making sure they exist. A run killed in the middle of a large load
// leaves them missing until the next run: slower queries, same answers.
// (Version 1 also indexed paths by path; no query looks paths up by name, and
// building that index took 0.5-0.8 s of every large load on u-boot.)
inline constexpr const char* kIndexNames[] = {"commits_patch_id", "commits_cf_id", "commits_norm_subject",
                                              "refs_commit", "refs_resolved"};
inline constexpr const char* kIndexes = R"SQL(
CREATE INDEX IF NOT EXISTS commits_patch_id ON commits(patch_id) WHERE patch_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS commits_cf_id ON commits(cf_id) WHERE cf_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS commits_norm_subject ON commits(norm_subject);
CREATE INDEX IF NOT EXISTS refs_commit ON refs(commit_id);
CREATE INDEX IF NOT EXISTS refs_resolved ON refs(resolved) WHERE resolved IS NOT NULL;
)SQL";

}  // namespace beaver::index
