#include "match/graph.h"

#include "index/query.h"

#include <cstring>

namespace beaver::match {

CommitGraph::CommitGraph(index::Database& db) {
  {
    auto st = db.prepare("SELECT max(id), count(*) FROM commits");
    st.step();
    nodes_.resize(std::size_t(st.int64(0)) + 1);
    ids_.reserve(std::size_t(st.int64(1)));
  }
  std::vector<std::pair<std::int64_t, std::string>> parents;
  auto st = db.prepare("SELECT id, oid, parents FROM commits");
  while (st.step()) {
    std::int64_t id = st.int64(0);
    if (id < 0 || std::size_t(id) >= nodes_.size()) continue;
    nodes_[std::size_t(id)].oid = index::oid_of_blob(st.blob(1));
    ids_.emplace(nodes_[std::size_t(id)].oid, id);
    parents.emplace_back(id, std::string(st.blob(2)));
  }
  for (auto& [id, blob] : parents) {
    auto& node = nodes_[std::size_t(id)];
    for (std::size_t k = 0; k + GIT_OID_RAWSZ <= blob.size(); k += GIT_OID_RAWSZ) {
      auto it = ids_.find(index::oid_of_blob(std::string_view(blob).substr(k, GIT_OID_RAWSZ)));
      if (it != ids_.end()) node.parents.push_back(it->second);
    }
  }
}

std::optional<std::int64_t> CommitGraph::id(const git::Oid& oid) const {
  auto it = ids_.find(oid);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

std::vector<bool> CommitGraph::reachable(const std::vector<git::Oid>& tips, const std::vector<git::Oid>& hide) const {
  auto mark = [&](const std::vector<git::Oid>& from) {
    std::vector<bool> seen(nodes_.size(), false);
    std::vector<std::int64_t> stack;
    for (auto& t : from)
      if (auto i = id(t); i && !seen[std::size_t(*i)]) {
        seen[std::size_t(*i)] = true;
        stack.push_back(*i);
      }
    while (!stack.empty()) {
      std::int64_t n = stack.back();
      stack.pop_back();
      for (std::int64_t p : nodes_[std::size_t(n)].parents)
        if (!seen[std::size_t(p)]) {
          seen[std::size_t(p)] = true;
          stack.push_back(p);
        }
    }
    return seen;
  };
  std::vector<bool> in = mark(tips);
  if (!hide.empty()) {
    std::vector<bool> out = mark(hide);
    for (std::size_t k = 0; k < in.size(); ++k)
      if (out[k]) in[k] = false;
  }
  return in;
}

std::vector<git::Oid> CommitGraph::range(const std::vector<git::Oid>& tips, const std::vector<git::Oid>& hide) const {
  std::vector<bool> in = reachable(tips, hide);
  std::vector<git::Oid> out;
  std::vector<bool> done(nodes_.size(), false);
  // Iterative post-order: a commit is emitted once all its parents in the set are.
  std::vector<std::pair<std::int64_t, std::size_t>> stack;  // node, next parent to visit
  for (auto& t : tips) {
    auto start = id(t);
    if (!start || !in[std::size_t(*start)] || done[std::size_t(*start)]) continue;
    stack.emplace_back(*start, 0);
    done[std::size_t(*start)] = true;
    while (!stack.empty()) {
      auto& [n, next] = stack.back();
      const auto& parents = nodes_[std::size_t(n)].parents;
      if (next < parents.size()) {
        std::int64_t p = parents[next++];
        if (in[std::size_t(p)] && !done[std::size_t(p)]) {
          done[std::size_t(p)] = true;
          stack.emplace_back(p, 0);
        }
        continue;
      }
      out.push_back(nodes_[std::size_t(n)].oid);
      stack.pop_back();
    }
  }
  return out;
}

std::optional<git::Oid> CommitGraph::merge_base(const std::vector<bool>& reach, const git::Oid& other) const {
  auto start = id(other);
  if (!start || reach.size() != nodes_.size()) return std::nullopt;
  // The frontier where the walk from `other` enters the reachable set.
  std::vector<bool> seen(nodes_.size(), false);
  std::vector<std::int64_t> stack = {*start}, boundary;
  seen[std::size_t(*start)] = true;
  while (!stack.empty()) {
    std::int64_t n = stack.back();
    stack.pop_back();
    if (reach[std::size_t(n)]) {
      boundary.push_back(n);
      continue;
    }
    for (std::int64_t p : nodes_[std::size_t(n)].parents)
      if (!seen[std::size_t(p)]) {
        seen[std::size_t(p)] = true;
        stack.push_back(p);
      }
  }
  if (boundary.empty()) return std::nullopt;
  // Drop the frontier commits that are ancestors of another one: those
  // reachable from the parents of the frontier (a commit never reaches itself).
  std::vector<git::Oid> parents;
  for (auto b : boundary)
    for (auto p : nodes_[std::size_t(b)].parents) parents.push_back(nodes_[std::size_t(p)].oid);
  std::vector<bool> below = reachable(parents);
  std::vector<std::int64_t> best;
  for (auto b : boundary)
    if (!below[std::size_t(b)]) best.push_back(b);
  if (best.size() != 1) return std::nullopt;
  return nodes_[std::size_t(best[0])].oid;
}

}  // namespace beaver::match
