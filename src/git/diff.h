// The diff of a non-merge commit against its first parent (or the empty tree
// for a root commit), as `git log -p` prints it with git's default
// configuration: Myers, 3 lines of context, indent heuristic, renames on.
//
// Every commit is rendered in-process by libgit2, whose xdiff is git's own,
// but two things only git itself can say exactly:
//  - which deleted and added files are renames, and their similarity index
//    (git's diffcore-rename scores differently from libgit2's, and the
//    "similarity index" line is hashed by patch-id);
//  - the abbreviated blob ids git prints for a binary file (patch-id hashes
//    them; their length depends on the repository's objects).
// A commit that needs either comes back with DiffRender::needs_pairs; its
// file pairs are then asked of `git diff-tree --raw -M --abbrev`, which is
// cheap (no diff is computed), and the commit is rendered again with them.
// Only a type change (file <-> symlink <-> submodule, which git prints as a
// deletion and an addition in its own order) and a file with a configured
// diff driver are left to `git diff-tree -p` (DiffRender::needs_git).
#pragma once

#include "git/patch_id.h"
#include "git/repository.h"
#include "util/process.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace beaver::git {

// One file pair as `git diff-tree -r -M --raw --abbrev` prints it.
struct FilePair {
  std::uint32_t old_mode = 0, new_mode = 0;
  std::string old_abbrev, new_abbrev;  // git's abbreviations ("0000000" for no file)
  char status = 'M';                   // A, D, M, R, T, ...
  int score = 0;                       // similarity index of a rename, in percent
  std::string old_path, new_path;      // equal unless renamed
};

// Parses one line of raw output (":100644 100644 abc def R095\told\tnew");
// nullopt when it is not one.
std::optional<FilePair> parse_raw_line(std::string_view line);

struct DiffRender {
  std::string text;         // the diff, from the first "diff --git" line
  bool needs_pairs = false; // render again with git's file pairs
  bool needs_git = false;   // rendered by `git diff-tree -p` instead
  bool merge = false;     // a merge commit: no diff (beaver, like git log -p --no-merges, skips them)
  std::string error;      // set when objects could not be read (e.g. a missing blob)
};

// What git consults besides the objects: gitattributes. With no attribute
// file anywhere (the usual bare mirror), none is looked up per file, which
// saves two system calls and a lookup for every file of every commit.
// And core.bigFileThreshold: a blob larger than it is binary unless
// gitattributes say otherwise (git's diff_filespec_is_binary()); its content
// is then never read.
inline constexpr std::uint64_t kDefaultBigFileThreshold = std::uint64_t(512) << 20;  // git's default
struct DiffSettings {
  bool check_attributes = true;
  unsigned attr_flags = GIT_ATTR_CHECK_FILE_THEN_INDEX;
  std::uint64_t big_file_threshold = kDefaultBigFileThreshold;
  bool all_by_git = false;  // every non-merge commit needs_git (patch-id --git-config)
};
// Reads the repository's settings (gitattributes files, core.bigFileThreshold
// from the repository's, the user's and the system's config).
DiffSettings diff_settings_for(git_repository* repo);

// How `git diff-tree -p` is run. By default with git's default diff
// settings whatever the config says (diff.suppressBlankEmpty and
// diff.indentHeuristic are read by plumbing too, and are overridden);
// follow_config: as the config says, with `options` (git/config.h:
// DiffConfig::diff_tree_options) for the settings only porcelain reads.
struct GitDiffOptions {
  bool follow_config = false;
  std::vector<std::string> options;
};

// Renders one commit with libgit2. Never throws for problems with the
// commit's objects: they are reported in DiffRender::error. A file that
// gitattributes marks binary (-diff) is binary; one marked `diff` is text
// even with NUL bytes, as in git; one handed to a diff driver goes to git.
// With a parser, the lines go straight into it and DiffRender::text stays
// empty (the parser is reset when the commit turns out to need more).
// `pairs` are git's file pairs for the commit (from RawSession); with them
// renames and binary files are rendered too.
DiffRender render_diff(git_repository* repo, const Oid& commit, const DiffSettings& settings = {},
                       PatchParser* parser = nullptr, const std::vector<FilePair>* pairs = nullptr);

struct BatchResult {
  Oid commit;
  std::string text;   // diff text of the commit
  std::string error;  // git's message when it could not produce the diff
};

// One `git diff-tree --stdin` kept running across many requests (starting
// git per batch costs more than the diffs of a small batch).
class DiffTreeSession {
public:
  explicit DiffTreeSession(const Repository& repo, GitDiffOptions options = {});
  ~DiffTreeSession();
  // Same contract as git_diff_tree_batch.
  void run(const std::vector<Oid>& commits, const std::function<void(BatchResult&&)>& on_commit);

private:
  const Repository& repo_;
  GitDiffOptions options_;
  Child child_;
  unsigned requests_ = 0;
};

// One `git diff-tree --stdin -r -M --raw --abbrev` kept running: git's file
// pairs of each commit. A commit git cannot read (a missing blob among the
// rename candidates) is reported with `error` set and empty pairs.
struct PairsResult {
  Oid commit;
  std::vector<FilePair> pairs;
  std::string error;
};
class RawSession {
public:
  explicit RawSession(const Repository& repo);
  ~RawSession();
  void run(const std::vector<Oid>& commits, const std::function<void(PairsResult&&)>& on_commit);

private:
  const Repository& repo_;
  Child child_;
  unsigned requests_ = 0;
};

// Renders one commit exactly as git does, asking git for what libgit2
// cannot say (its sessions are started on first need and kept).
class ExactRenderer {
public:
  explicit ExactRenderer(const Repository& repo);
  ~ExactRenderer();
  // The text of the commit's diff, and whether git had to render it; with
  // the handle's settings (diff_settings_for, read once) unless given.
  DiffRender render(git_repository* handle, const Oid& commit, const DiffSettings* settings = nullptr);

private:
  const Repository& repo_;
  std::optional<DiffSettings> settings_;
  std::unique_ptr<RawSession> raw_;
  std::unique_ptr<DiffTreeSession> git_;
};

// Runs `git diff-tree --stdin -p -M --root` over the commits, calling
// on_commit for each as its diff completes. A commit git fails on (missing
// object) is reported with its error and the batch resumes after it.
void git_diff_tree_batch(const Repository& repo, const std::vector<Oid>& commits,
                         const std::function<void(BatchResult&&)>& on_commit, const GitDiffOptions& options = {});

}  // namespace beaver::git
