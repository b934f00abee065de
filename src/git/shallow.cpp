#include "git/shallow.h"

#include <git2.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <mutex>

namespace beaver::git {

namespace {
std::mutex g_mutex;
std::map<std::string, std::shared_ptr<const ShallowSet>> g_cache;

std::string key_of(git_repository* repo) {
  const char* dir = git_repository_commondir(repo);
  return dir ? dir : "";
}

std::shared_ptr<const ShallowSet> read_shallow(const std::string& key) {
  auto set = std::make_shared<ShallowSet>();
  std::ifstream in(key + "shallow");
  std::string line;
  while (std::getline(in, line)) {
    auto oid = Oid::from_hex(line.substr(0, 40));
    if (!oid) continue;
    set->raw.emplace(reinterpret_cast<const char*>(oid->raw.id), GIT_OID_RAWSZ);
    set->hex.push_back(oid->hex());
  }
  std::sort(set->hex.begin(), set->hex.end());
  return set;
}
}  // namespace

std::shared_ptr<const ShallowSet> shallow_commits(git_repository* repo) {
  std::string key = key_of(repo);
  std::lock_guard lock(g_mutex);
  auto it = g_cache.find(key);
  if (it != g_cache.end()) return it->second;
  return g_cache[key] = read_shallow(key);
}

void reload_shallow(git_repository* repo) {
  std::string key = key_of(repo);
  auto set = read_shallow(key);
  std::lock_guard lock(g_mutex);
  g_cache[key] = std::move(set);
}

std::vector<Oid> visible_parents(git_repository* repo, const git_commit* commit) {
  std::vector<Oid> out;
  if (shallow_commits(repo)->contains(*git_commit_id(commit))) return out;
  for (unsigned i = 0; i < git_commit_parentcount(commit); ++i) out.emplace_back(*git_commit_parent_id(commit, i));
  return out;
}

}  // namespace beaver::git
