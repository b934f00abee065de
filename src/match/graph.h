// The commit graph as the index stores it, in memory: which indexed commits
// are reachable from a revision, without asking git to walk 100,000 commits.
#pragma once

#include "git/repository.h"
#include "index/db.h"

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

namespace beaver::match {

class CommitGraph {
public:
  // Loads ids and parents of every indexed commit.
  explicit CommitGraph(index::Database& db);

  std::optional<std::int64_t> id(const git::Oid& oid) const;
  const git::Oid& oid(std::int64_t id) const { return nodes_[std::size_t(id)].oid; }
  std::size_t size() const { return nodes_.size(); }

  // Marks every indexed commit reachable from `tips` and not from `hide`
  // (indexed by commit id). A parent that is not indexed ends the walk there.
  std::vector<bool> reachable(const std::vector<git::Oid>& tips, const std::vector<git::Oid>& hide = {}) const;

  // The commits reachable from `tips` and not from `hide`, parents before
  // children (like `git rev-list --topo-order --reverse`, though siblings may
  // come in another order): a walk over the index instead of the objects.
  std::vector<git::Oid> range(const std::vector<git::Oid>& tips, const std::vector<git::Oid>& hide) const;

  // The merge base of a commit whose ancestry is `reach` (from reachable())
  // and `other`, when there is exactly one best common ancestor; nullopt
  // otherwise (criss-cross merges, no common history, not indexed).
  std::optional<git::Oid> merge_base(const std::vector<bool>& reach, const git::Oid& other) const;

private:
  struct Node {
    git::Oid oid;
    std::vector<std::int64_t> parents;
  };
  std::vector<Node> nodes_;  // by id (ids are dense row ids; gaps stay empty)
  std::unordered_map<git::Oid, std::int64_t, git::OidHash> ids_;
};

}  // namespace beaver::match
