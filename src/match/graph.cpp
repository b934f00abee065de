#include "match/graph.h"

#include <cstring>

namespace beaver::match {

namespace {

git::Oid oid_of(std::string_view blob) {
  git::Oid o;
  if (blob.size() == GIT_OID_RAWSZ) std::memcpy(o.raw.id, blob.data(), GIT_OID_RAWSZ);
  return o;
}

}  // namespace

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
    nodes_[std::size_t(id)].oid = oid_of(st.blob(1));
    ids_.emplace(nodes_[std::size_t(id)].oid, id);
    parents.emplace_back(id, std::string(st.blob(2)));
  }
  for (auto& [id, blob] : parents) {
    auto& node = nodes_[std::size_t(id)];
    for (std::size_t k = 0; k + GIT_OID_RAWSZ <= blob.size(); k += GIT_OID_RAWSZ) {
      auto it = ids_.find(oid_of(std::string_view(blob).substr(k, GIT_OID_RAWSZ)));
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

}  // namespace beaver::match
