// Reading the index: one commit's record with everything derived from it.
#pragma once

#include "git/repository.h"
#include "index/db.h"

#include <optional>
#include <string>
#include <vector>

namespace beaver::index {

struct RefRecord {
  std::string kind;      // fixes, cherry_picked_from, reverts, ...
  std::string target;    // the id as written
  std::string subject;   // the quoted subject (Fixes:)
  std::string state;     // resolved, by-subject, ambiguous, unknown, malformed, pending
  std::string resolved;  // 40 hex or empty
  int line = 0;
};

struct CommitRecord {
  std::int64_t id = 0;  // row id in the index (stable for the life of the index file)
  std::string oid;  // 40 hex
  std::vector<std::string> parents;
  std::string author_name, author_email;
  std::int64_t author_time = 0;
  std::string subject, norm_subject;
  bool merge = false;
  std::string patch_id, cf_id;  // 40 hex or empty
  std::string minhash;          // kMinHashSize x uint32 little-endian, or empty
  std::vector<std::uint64_t> hunks;  // hunk hashes
  int changed_lines = 0;
  std::int64_t committer_time = 0;
  int files = 0, insertions = 0, deletions = 0;
  bool by_git = false;
  std::string error;
  std::string first_tag, first_release;
  std::vector<std::pair<std::string, std::string>> trailers;
  std::vector<RefRecord> refs;
  std::vector<std::string> paths;
  std::vector<std::string> same_patch_id;  // other indexed commits with this patch-id
  std::vector<std::string> same_change;    // same changed lines (context-free id), different patch-id
};

class Reader {
public:
  explicit Reader(Database& db);
  std::optional<CommitRecord> commit(const git::Oid& id);
  std::size_t count();

private:
  Database& db_;
  Statement commit_, trailers_, refs_, paths_, same_, same_cf_;
};

std::string hex_of(std::string_view blob);
// A commit id from its 20 raw bytes as stored (a zero id when not 20 bytes).
git::Oid oid_of_blob(std::string_view blob);
// 20 raw bytes from 40 hex digits (empty when not 40 hex digits).
std::string blob_of_hex(std::string_view hex);

// The LSH band keys of a MinHash blob, as stored in the bands table: one per
// group of four rows, key = (group << 56) ^ (hash64(rows) >> 8).
std::vector<std::int64_t> band_keys(std::string_view minhash_blob);

}  // namespace beaver::index
