// Patch-ids and diff fingerprints, computed from diff text as `git log -p`
// prints it.
//
// The git-exact part is a line-by-line port of get_one_patchid() from git
// 2.39's builtin/patch-id.c in --stable mode, quirks included:
//  - hashing starts at the first "diff " line; "index" lines are skipped;
//  - every other line is hashed with all whitespace removed (git's isspace:
//    space, \t, \n, \r), and only up to an embedded NUL byte;
//  - "@@" hunk headers are not hashed, their counts drive the parser;
//  - "\ No newline..." lines are skipped;
//  - one SHA-1 per file, added byte-wise with carry (so file order does not
//    matter), a header-only file (mode change) shares its SHA-1 with the file
//    that follows it, because git only flushes at a hunk boundary;
//  - a binary file hashes the abbreviated blob ids of its "index" line, and
//    the "diff --git" line of the file right after a binary file is not
//    hashed (git 2.39 resets its state on that line and skips it).
//
// Alongside, the same pass computes fingerprints that later matching uses to
// find modified backports without reading diffs again:
//  - cf_id, the "context-free" id: like the stable patch-id but over the file
//    path and the changed (+/-) lines only, so a clean cherry-pick onto
//    different context (which `git cherry` misses) has the same cf_id;
//  - one 64-bit hash per hunk over its changed lines (partial backports share
//    whole hunks);
//  - a MinHash signature over the set of changed lines, whose agreement
//    estimates the Jaccard similarity of two patches;
//  - per-file statistics (paths, lines added and deleted, binary).
#pragma once

#include "util/sha1.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace beaver::git {

constexpr int kMinHashSize = 16;

struct FileStat {
  std::string path;      // new path ("b/" side), or the old path of a deletion
  std::string old_path;  // differs from path on a rename
  int added = 0;
  int deleted = 0;
  bool binary = false;
};

struct Fingerprint {
  std::string patch_id;                      // 40 hex; empty when git would print nothing
  std::string cf_id;                         // 40 hex; empty when no line changed
  std::vector<std::uint64_t> hunks;          // one per hunk with changed lines
  std::array<std::uint32_t, kMinHashSize> minhash{};  // all 0xffffffff when no line changed
  std::vector<FileStat> files;
  int changed_lines = 0;
};

// Feed the diff of one commit, a line at a time (each with its '\n' where
// git printed one). Lines before the first "diff " line are ignored, as git
// ignores the commit header and message.
class PatchParser {
public:
  PatchParser();
  void line(std::string_view line);
  // Convenience: splits text at '\n' and feeds each line.
  void text(std::string_view text);
  Fingerprint finish();
  void reset() { *this = PatchParser(); }

private:
  void flush_patch_hunk();
  void flush_cf_file();
  void changed_line(char sign, std::string_view stripped);
  void end_hunk();
  FileStat& file();

  Sha1 ctx_;
  Digest result_{};
  int patchlen_ = 0;
  int before_ = -1, after_ = -1;
  bool diff_is_binary_ = false;
  bool broken_ = false;
  bool in_header_ = false;  // git's parser stopped (the rest belongs to a zero id)
  std::string pre_oid_, post_oid_;

  // fingerprints
  Sha1 cf_ctx_;
  bool cf_dirty_ = false;
  Digest cf_result_{};
  bool cf_any_ = false;
  std::uint64_t hunk_hash_ = 0;
  bool hunk_dirty_ = false;
  Fingerprint fp_;
  std::string scratch_;
};

// Convenience for tests and one-off callers.
Fingerprint fingerprint_of(std::string_view diff_text);

// 64-bit hash used for hunk and line fingerprints (FNV-1a, then a final mix).
std::uint64_t hash64(std::string_view s, std::uint64_t seed = 0);

// Estimated Jaccard similarity of two MinHash signatures, in [0, 1].
double minhash_similarity(const std::array<std::uint32_t, kMinHashSize>& a,
                          const std::array<std::uint32_t, kMinHashSize>& b);

// Undoes git's C-style path quoting ("a/\303\251" -> a/é); returns the input
// unchanged when it is not quoted.
std::string unquote_path(std::string_view s);

}  // namespace beaver::git
