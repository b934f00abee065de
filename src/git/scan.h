// The parallel pass that turns commits into fingerprints: every core renders
// diffs with libgit2 and hashes them. Commits that need git's word (see
// diff.h) go to `git diff-tree` processes, one per core, in the background
// while the next batch is rendered: `--raw` for renames and binary files
// (then rendered in-process), `-p` for the rare rest.
#pragma once

#include "git/diff.h"
#include "git/patch_id.h"
#include "git/repository.h"

#include <functional>
#include <string>
#include <vector>

namespace beaver::git {

struct ScanResult {
  Oid commit;
  CommitInfo info;       // when ScanOptions::with_info
  Fingerprint fp;
  bool merge = false;
  bool with_pairs = false;  // rendered with git's file pairs (renames, binary ids)
  bool by_git = false;      // rendered by git diff-tree -p
  std::string error;     // objects that could not be read; fp holds what could be
};

struct ScanOptions {
  unsigned threads = 0;            // 0: every core
  std::size_t chunk_size = 4096;   // commits handed to on_chunk at once
  bool with_info = false;          // also read each commit's metadata and message
  // follow_config: every diff by `git diff-tree -p` under the config's diff
  // settings (patch-id --git-config); default: git's default settings.
  GitDiffOptions git_diff;
  // Called after each chunk, in the order of `commits`, from the calling thread.
  std::function<void(std::vector<ScanResult>& chunk)> on_chunk;
  // Called from the calling thread with (commits done, total).
  std::function<void(std::size_t, std::size_t)> on_progress;
};

// A commit that could not be read in a partial clone makes scan say once
// (warn_partial_clone) that the clone is partial and how to fill it.
void scan(const Repository& repo, const std::vector<Oid>& commits, const ScanOptions& options);
void warn_partial_clone(const Repository& repo);

}  // namespace beaver::git
