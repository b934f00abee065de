// Thin RAII layer over libgit2, in git's vocabulary (oid, revwalk, range).
// One Repository per thread: libgit2 handles are not shared across threads.
#pragma once

#include <git2.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace beaver::git {

// Calls git_libgit2_init() once per process, tunes the object cache and
// declares the repository extensions git 2.39 accepts besides libgit2's
// (preciousObjects, partialClone, worktreeConfig: none changes how objects
// are read).
void init_library();

// The object directories git adds from its environment, in git's order:
// GIT_OBJECT_DIRECTORY (a pre-receive hook's quarantine, where a push's new
// objects wait) then each of GIT_ALTERNATE_OBJECT_DIRECTORIES (':'-separated,
// a '"'-quoted entry as git writes it). Absolute paths; empty outside hooks.
std::vector<std::string> environment_object_dirs();

// Makes a libgit2 handle read what git reads: the object directories of the
// environment added as alternates. Every handle beaver opens goes through it.
void set_up_objects(git_repository* repo);

struct Oid {
  git_oid raw{};
  Oid() = default;
  explicit Oid(const git_oid& o) : raw(o) {}
  static std::optional<Oid> from_hex(std::string_view hex);  // full 40-hex only
  std::string hex() const;
  bool operator==(const Oid& o) const { return git_oid_equal(&raw, &o.raw); }
  bool operator<(const Oid& o) const { return git_oid_cmp(&raw, &o.raw) < 0; }
};
struct OidHash {
  std::size_t operator()(const Oid& o) const {
    std::size_t h;
    static_assert(sizeof h <= sizeof o.raw.id);
    std::memcpy(&h, o.raw.id, sizeof h);
    return h;
  }
};

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using CommitPtr = std::unique_ptr<git_commit, Deleter<git_commit, git_commit_free>>;
using TreePtr = std::unique_ptr<git_tree, Deleter<git_tree, git_tree_free>>;
using DiffPtr = std::unique_ptr<git_diff, Deleter<git_diff, git_diff_free>>;
using PatchPtr = std::unique_ptr<git_patch, Deleter<git_patch, git_patch_free>>;
using RevwalkPtr = std::unique_ptr<git_revwalk, Deleter<git_revwalk, git_revwalk_free>>;
using ReferencePtr = std::unique_ptr<git_reference, Deleter<git_reference, git_reference_free>>;

// The last libgit2 error as text.
std::string last_error();

// Revisions as `git rev-list` takes them: the commits to include and those
// whose ancestry is excluded.
struct RevisionSet {
  std::vector<Oid> include;
  std::vector<Oid> exclude;
};

struct Person {
  std::string name, email;
  std::int64_t time = 0;  // seconds since the epoch
  int offset = 0;         // minutes east of UTC
};

struct CommitInfo {
  Oid id;
  std::vector<Oid> parents;
  Person author, committer;
  std::string message;   // as git log shows it: converted to UTF-8 when the commit declares another
                         // encoding, else the stored bytes (which may be any bytes)
  std::string encoding;  // the commit's declared encoding when it is not UTF-8
};

// Reads a commit's metadata and message (converted to UTF-8 when it declares
// another encoding). Throws beaver::Error when the commit cannot be read.
CommitInfo read_commit_info(git_repository* repo, const Oid& id);

class Repository {
public:
  // Opens the repository containing `path` (a work tree, a .git dir or a bare
  // repository). Throws beaver::Error naming the path when there is none.
  static Repository open(const std::string& path);

  git_repository* get() const { return repo_.get(); }
  const std::string& git_dir() const { return git_dir_; }  // absolute, with trailing '/'
  // The directory every worktree shares (git_repository_commondir: the main
  // .git for a linked worktree, else git_dir()); absolute, with trailing '/'.
  const std::string& common_dir() const { return common_dir_; }
  const std::string& path() const { return path_; }        // what was opened, for messages and `git -C`
  bool bare() const { return git_repository_is_bare(repo_.get()); }

  // Resolves arguments the way `git rev-list` does (A..B, A...B, ^A, --all,
  // HEAD~3, tags, dates, :/text: anything `git rev-parse` accepts), by asking
  // `git rev-parse --revs-only`. Throws beaver::Error for an unknown revision.
  RevisionSet resolve(const std::vector<std::string>& args) const;

  // Resolves one revision to a commit (peeling tags). Throws when it is not one.
  Oid resolve_commit(const std::string& rev) const;

  // Commits reachable from include and not from exclude, parents before
  // children (reverse topological order, like `git rev-list --topo-order --reverse`).
  std::vector<Oid> walk(const RevisionSet& revs) const;
  // The newest `limit` commits, newest first (commit date order, like
  // `git log -n`); stops walking as soon as it has them.
  std::vector<Oid> walk_newest(const RevisionSet& revs, std::size_t limit) const;

  CommitInfo commit_info(const Oid& id) const;

  // The commit an abbreviated id (4..40 hex digits) names, when exactly one does.
  std::optional<Oid> lookup_commit_prefix(std::string_view hex) const;

  // The best common ancestor of two commits (git merge-base), or nullopt.
  std::optional<Oid> merge_base(const Oid& a, const Oid& b) const;

  // All tags as (name, commit) with tags peeled to commits; others skipped.
  std::vector<std::pair<std::string, Oid>> tags() const;
  // Every branch and tag tip (what `beaver index` indexes by default).
  RevisionSet all_refs() const;

  // Every value of a multi-valued git config key (repository, global and
  // system config, as `git config --get-all KEY` lists them), in order.
  std::vector<std::string> config_values(const std::string& key) const;
  // A single-valued key: the last value, as `git config --get KEY` gives it.
  std::optional<std::string> config_value(const std::string& key) const;
  // A path-valued key (`git config --type=path`): "~/" is the home
  // directory, and a relative path is relative to the top of the work tree
  // (the common git directory in a bare repository), as core.hooksPath is.
  std::optional<std::string> config_path(const std::string& key) const;

  // Runs git with this repository as its directory (and its work tree, whose
  // .gitattributes git reads); used where git itself is the reference
  // (rev-parse syntax, rename detection).
  std::vector<std::string> git_command() const;

  // Another libgit2 handle on the same repository, for another thread; with
  // the work tree when there is one (its .gitattributes decide binary files,
  // as for git). Throws beaver::Error when it cannot be opened.
  git_repository* open_handle() const;
  // True for a shallow clone ($GIT_DIR/shallow: git/shallow.h).
  bool shallow() const;
  // True for a partial clone (`git clone --filter=...`: extensions.partialClone
  // or a remote.<name>.promisor): blobs may be missing on purpose, and git
  // would fetch them on demand. beaver never lets its git helpers fetch.
  bool partial() const { return !promisor_.empty(); }
  const std::string& promisor_remote() const { return promisor_; }

private:
  std::vector<Oid> walk_sorted(const RevisionSet& revs, unsigned sorting, std::size_t limit) const;
  std::vector<Oid> walk_with_git(const RevisionSet& revs, unsigned sorting, std::size_t limit) const;
  std::shared_ptr<git_repository> repo_;
  std::string git_dir_;
  std::string common_dir_;
  std::string promisor_;  // the promisor remote of a partial clone
  std::string workdir_;  // empty for a bare repository
  std::string path_;
};

}  // namespace beaver::git
