// Shallow clones (`git clone --depth N`, CI checkouts): $GIT_DIR/shallow
// lists the commits whose parents the clone does not have. git treats them
// as having no parents at all (a "graft"): `git log -p` shows such a commit
// as adding every file, and its patch-id is that diff's. libgit2 1.5 does not
// know the file, so beaver applies it wherever it reads parents.
#pragma once

#include "git/repository.h"

#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

struct git_repository;

namespace beaver::git {

struct ShallowSet {
  std::unordered_set<std::string> raw;  // 20-byte ids
  std::vector<std::string> hex;         // sorted, for messages and the index
  bool contains(const git_oid& id) const {
    return !raw.empty() && raw.count(std::string(reinterpret_cast<const char*>(id.id), GIT_OID_RAWSZ));
  }
};

// The shallow boundary of the repository `repo` belongs to (read from its
// common git directory once per process; empty when the clone is complete).
std::shared_ptr<const ShallowSet> shallow_commits(git_repository* repo);

// Reads the file again (Repository::open does: a clone can be deepened
// between two runs in one process).
void reload_shallow(git_repository* repo);

// The parents git sees: none for a shallow commit, else the commit's own.
std::vector<Oid> visible_parents(git_repository* repo, const git_commit* commit);

}  // namespace beaver::git
