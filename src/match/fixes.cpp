#include "match/fixes.h"

#include "git/shallow.h"
#include "index/index.h"
#include "index/query.h"
#include "match/apply.h"
#include "match/graph.h"
#include "match/view.h"
#include "match/parallel.h"
#include "match/stack.h"
#include "message/message.h"
#include "util/error.h"
#include "util/text.h"
#include "util/trace.h"

#include <fmt/format.h>

#include <filesystem>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <chrono>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace beaver::match {

namespace {

bool is_hex(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

}  // namespace

std::vector<Waiver> read_waivers(const std::string& path) {
  // toml++ reads a directory as an empty document: say what is wrong instead.
  std::error_code ec;
  auto st = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(st)) throw Error("{}: no such waiver file", path);
  if (std::filesystem::is_directory(st)) throw Error("{}: is a directory, not a waiver file (TOML with [[waiver]] tables)", path);
  toml::table doc;
  try {
    doc = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw Error("{}:{}:{}: {}", path, e.source().begin.line, e.source().begin.column, e.description());
  }
  std::vector<std::string> problems;
  std::vector<Waiver> out;
  for (auto& [key, value] : doc) {
    if (key.str() != "waiver")
      problems.push_back(fmt::format("{}:{}: unknown key '{}' (expected [[waiver]] tables)", path,
                                     value.source().begin.line, key.str()));
  }
  auto* arr = doc["waiver"].as_array();
  if (!arr && doc.contains("waiver"))
    problems.push_back(fmt::format("{}: 'waiver' must be an array of tables ([[waiver]])", path));
  if (arr) {
    for (auto& node : *arr) {
      int line = int(node.source().begin.line);
      auto* t = node.as_table();
      if (!t) {
        problems.push_back(fmt::format("{}:{}: a waiver must be a table", path, line));
        continue;
      }
      Waiver w;
      w.line = line;
      auto text = [&](const char* k, std::string& into, bool required) {
        auto* v = t->get(k);
        if (!v) {
          if (required) problems.push_back(fmt::format("{}:{}: waiver without '{}'", path, line, k));
          return;
        }
        if (auto s = v->value<std::string>()) into = *s;
        else if (auto d = v->as_date()) into = fmt::format("{:04}-{:02}-{:02}", d->get().year, d->get().month, d->get().day);
        else problems.push_back(fmt::format("{}:{}: '{}' must be a string", path, int(v->source().begin.line), k));
      };
      text("commit", w.commit, true);
      text("reason", w.reason, true);
      text("author", w.author, false);
      text("date", w.date, false);
      for (auto& [k, v] : *t) {
        std::string_view name = k.str();
        if (name != "commit" && name != "reason" && name != "author" && name != "date")
          problems.push_back(fmt::format("{}:{}: unknown key '{}' in a waiver (commit, reason, author, date)", path,
                                         int(v.source().begin.line), name));
      }
      if (!w.commit.empty() && (!is_hex(w.commit) || w.commit.size() < 7 || w.commit.size() > 40))
        problems.push_back(fmt::format("{}:{}: commit '{}' is not a commit id (7 to 40 hex digits)", path, line, w.commit));
      if (t->get("reason") && w.reason.empty())
        problems.push_back(fmt::format("{}:{}: empty reason", path, line));
      for (auto& c : w.commit) c = char(std::tolower(static_cast<unsigned char>(c)));
      out.push_back(std::move(w));
    }
  }
  if (!problems.empty()) {
    std::string all;
    for (auto& p : problems) all += (all.empty() ? "" : "\n") + p;
    throw Error("{}", all);
  }
  return out;
}

namespace {

struct RefRow {
  std::int64_t commit_id;
  std::string kind, target, subject, state;
  std::string resolved;  // raw 20 bytes or empty
};

}  // namespace

FixesReport run_fixes(const git::Repository& repo, const FixesOptions& o) {
  auto t0 = std::chrono::steady_clock::now();
  PhaseTimer timer("fixes");
  FixesReport rep;
  rep.upstream_rev = o.upstream;
  rep.branch_rev = o.branch;
  rep.since_rev = o.since;
  git::Oid upstream = repo.resolve_commit(o.upstream);
  git::Oid branch = repo.resolve_commit(o.branch);
  std::optional<git::Oid> since;
  if (!o.since.empty()) since = repo.resolve_commit(o.since);
  rep.upstream_oid = upstream.hex();
  rep.branch_oid = branch.hex();
  std::vector<Waiver> waivers;
  if (!o.waivers.empty()) waivers = read_waivers(o.waivers);  // input errors before any work

  IndexView view(repo, {upstream, branch}, o.index_path, o.on_progress);
  index::Database& db = view.db;
  index::Reader& reader = view.reader;
  const CommitGraph& graph = view.graph;
  std::vector<bool> in_upstream = graph.reachable({upstream});
  std::vector<bool> in_branch = graph.reachable({branch});
  std::vector<bool> before_since = since ? graph.reachable({*since}) : std::vector<bool>(graph.size(), false);
  timer.phase("graph");

  // Upstream order (parents first), for sorting.
  std::vector<std::size_t> order(graph.size(), 0);
  {
    std::size_t k = 0;
    for (auto& oid : graph.range({upstream}, {})) order[std::size_t(*graph.id(oid))] = ++k;
  }

  // Every Fixes: and revert reference of an upstream commit after --since.
  std::vector<RefRow> refs;
  {
    auto st = db.prepare("SELECT commit_id, kind, target, subject, state, resolved FROM refs WHERE kind IN ('fixes', 'reverts')");
    while (st.step()) {
      std::int64_t id = st.int64(0);
      if (id < 0 || std::size_t(id) >= graph.size() || !in_upstream[std::size_t(id)] || before_since[std::size_t(id)])
        continue;
      refs.push_back({id, st.text(1), st.text(2), st.text(3), st.text(4), std::string(st.blob(5))});
    }
  }
  auto by_subject = db.prepare("SELECT id FROM commits WHERE norm_subject = ? LIMIT 65");
  auto describe = db.prepare("SELECT oid, subject, author_name, author_email, t.tag, t.release FROM commits "
                             "LEFT JOIN first_tags t ON t.commit_id = id WHERE id = ?");
  // fix id -> (target id, is revert)
  std::unordered_map<std::int64_t, std::vector<std::pair<std::int64_t, bool>>> targets;
  std::vector<std::pair<std::int64_t, UnresolvedRef>> unresolved;  // fix id, reference
  for (auto& r : refs) {
    std::int64_t target = -1;  // none yet
    if (r.resolved.size() == GIT_OID_RAWSZ) {
      git::Oid t = index::oid_of_blob(r.resolved);
      // Resolved to a commit neither side reaches (rebased away): try the quoted subject.
      if (auto id = graph.id(t); id && (in_upstream[std::size_t(*id)] || in_branch[std::size_t(*id)])) target = *id;
    }
    if (target < 0 && !r.subject.empty()) {
      // An upstream fix names an upstream commit: the branch's copies of it
      // (same subject) are the carried ones, not rivals.
      std::vector<std::int64_t> up, down;
      by_subject.bind(1, message::normalize_subject(r.subject));
      while (by_subject.step()) {
        std::int64_t id = by_subject.int64(0);
        if (in_upstream[std::size_t(id)]) up.push_back(id);
        else if (in_branch[std::size_t(id)]) down.push_back(id);
      }
      by_subject.reset();
      if (up.size() == 1) target = up[0];
      else if (up.empty() && down.size() == 1) target = down[0];
    }
    if (target < 0) {
      UnresolvedRef u;
      describe.bind(1, r.commit_id);
      if (describe.step()) {
        u.commit = index::hex_of(describe.blob(0));
        u.subject = describe.text(1);
      }
      describe.reset();
      u.kind = r.kind;
      u.target = r.target;
      u.quoted_subject = r.subject;
      u.state = r.state;
      u.why = r.state == "ambiguous"   ? "the id names several commits and the subject none or several"
              : r.state == "malformed" ? "the reference is malformed"
              : r.resolved.empty()     ? "no indexed commit has this id or subject"
                                       : "the id names a commit outside the upstream and the branch (rebased away?)";
      unresolved.emplace_back(r.commit_id, std::move(u));
      continue;
    }
    targets[r.commit_id].emplace_back(target, r.kind == "reverts");
  }
  timer.phase("references");

  // What BRANCH carries as backports: match each branch-only commit.
  std::vector<index::CommitRecord> own;
  for (auto& oid : graph.range({branch}, {upstream})) {
    auto rec = reader.commit(oid);
    if (rec && !rec->merge) own.push_back(std::move(*rec));
  }
  rep.branch_only = own.size();
  // Only upstream commits that a reference names, or that carry a
  // reference, matter here: matching against those alone skips the diffs of
  // every other candidate.
  std::vector<bool> relevant(graph.size(), false);
  for (auto& [fix, ts] : targets) {
    relevant[std::size_t(fix)] = true;
    for (auto& [t, revert] : ts)
      if (in_upstream[std::size_t(t)]) relevant[std::size_t(t)] = true;
  }
  for (auto& [fix, u] : unresolved) relevant[std::size_t(fix)] = true;
  std::vector<std::vector<Pairing>> pairs(own.size());
  for_each_matched(
      repo, view.path(), relevant, own.size(),
      [&](UpstreamMatcher& m, std::size_t k) { pairs[k] = m.match(own[k]).pairs; }, o.on_match);
  std::unordered_map<std::int64_t, std::vector<std::string>> carried_as;  // upstream id -> branch commits
  for (std::size_t k = 0; k < own.size(); ++k)
    for (auto& p : pairs[k])
      if (auto oid = git::Oid::from_hex(p.commit))
        if (auto id = graph.id(*oid)) carried_as[*id].push_back(own[k].oid);
  rep.carried_backports = carried_as.size();
  auto carried = [&](std::int64_t id) { return in_branch[std::size_t(id)] || carried_as.count(id) > 0; };
  // A fix the branch carries: nothing to say about it or its references.
  for (auto it = targets.begin(); it != targets.end();) it = carried(it->first) ? targets.erase(it) : std::next(it);
  for (auto& [fix, u] : unresolved)
    if (!carried(fix)) rep.unresolved.push_back(std::move(u));
  timer.phase("carried");


  // Depth 1: fixes of carried commits; depth n + 1: fixes of depth-n fixes.
  std::unordered_map<std::int64_t, int> depth;
  std::unordered_map<std::int64_t, std::int64_t> root;  // fix -> carried commit at the root of its chain
  for (auto& [fix, ts] : targets)
    for (auto& [t, revert] : ts)
      if (carried(t) && !depth.count(fix)) {
        depth[fix] = 1;
        root[fix] = t;
      }
  for (int level = 1;; ++level) {
    bool grew = false;
    for (auto& [fix, ts] : targets) {
      if (depth.count(fix)) continue;
      for (auto& [t, revert] : ts) {
        auto d = depth.find(t);
        if (d != depth.end() && d->second == level) {
          depth[fix] = level + 1;
          root[fix] = root[t];
          grew = true;
          break;
        }
      }
    }
    if (!grew) break;
  }

  std::vector<MissingFix> found;
  auto trailers = db.prepare("SELECT key, value FROM trailers WHERE commit_id = ?");
  for (auto& [fix, d] : depth) {
    MissingFix m;
    describe.bind(1, fix);
    if (describe.step()) {
      m.commit = index::hex_of(describe.blob(0));
      m.subject = describe.text(1);
      m.author = describe.text(2) + " <" + describe.text(3) + ">";
      m.tag = describe.text(4);
      m.release = describe.text(5);
    }
    describe.reset();
    m.depth = d;
    m.order = order[std::size_t(fix)];
    for (auto& [t, revert] : targets[fix]) {
      if (!carried(t) && !depth.count(t)) continue;
      git::Oid toid = graph.oid(t);
      m.fixes.push_back(toid.hex());
      m.revert |= revert;
      if (carried(t)) {
        if (in_branch[std::size_t(t)]) m.fixed_in_branch_as.push_back(toid.hex());
        if (auto it = carried_as.find(t); it != carried_as.end())
          m.fixed_in_branch_as.insert(m.fixed_in_branch_as.end(), it->second.begin(), it->second.end());
      }
    }
    std::int64_t g = root[fix];
    m.group = graph.oid(g).hex();
    describe.bind(1, g);
    if (describe.step()) {
      m.group_subject = describe.text(1);
      m.group_release = describe.text(5).empty() ? describe.text(4) : describe.text(5);
    }
    describe.reset();
    trailers.bind(1, fix);
    while (trailers.step()) {
      std::string key = trailers.text(0), value = trailers.text(1);
      std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return char(std::tolower(c)); });
      if (key != "cc" || value.find("stable@") == std::string::npos) continue;
      auto hash = value.find('#');
      std::string v = hash == std::string::npos ? "" : value.substr(hash + 1);
      v.erase(0, v.find_first_not_of(" \t"));
      m.stable.push_back(v);
    }
    trailers.reset();
    found.push_back(std::move(m));
  }
  // Grouped by the carried commit they fix, each group and each fix in upstream order.
  std::unordered_map<std::string, std::size_t> group_order;
  for (auto& m : found) {
    auto id = graph.id(*git::Oid::from_hex(m.group));
    group_order[m.group] = id ? order[std::size_t(*id)] : 0;
  }
  std::sort(found.begin(), found.end(), [&](const MissingFix& a, const MissingFix& b) {
    return std::tie(group_order[a.group], a.order) < std::tie(group_order[b.group], b.order);
  });
  timer.phase("missing");

  // Waivers.
  std::vector<bool> used(waivers.size(), false);
  for (auto& m : found) {
    for (std::size_t w = 0; w < waivers.size(); ++w)
      if (!waivers[w].commit.empty() && m.commit.starts_with(waivers[w].commit)) {
        m.waiver = waivers[w];
        used[w] = true;
        break;
      }
  }
  for (std::size_t w = 0; w < waivers.size(); ++w)
    if (!used[w]) rep.stale_waivers.push_back(waivers[w]);

  // Does each missing fix cherry-pick cleanly onto the branch?
  if (o.apply_check || o.apply_in_order) {
    TreePicker picker(repo, /*scratch=*/true);
    git::Oid tip_tree = picker.tree_of(branch), stacked = tip_tree;
    std::vector<MissingFix*> todo;
    for (auto& m : found)
      if (!m.waiver) todo.push_back(&m);
    std::sort(todo.begin(), todo.end(), [](auto* a, auto* b) { return a->order < b->order; });
    for (auto* m : todo) {
      git::Oid onto = o.apply_in_order ? stacked : tip_tree;
      PickResult r = picker.pick(*git::Oid::from_hex(m->commit), onto);
      bool ok = r.kind != PickResult::Conflicts;
      for (auto& c : r.conflicts) m->conflicts.push_back(c.path);
      m->applies = ok;
      if (ok && o.apply_in_order) stacked = r.tree;
    }
    timer.phase("apply");
  }

  for (auto& m : found) (m.waiver ? rep.waived : rep.missing).push_back(std::move(m));
  rep.summary["missing"] = rep.missing.size();
  rep.summary["waived"] = rep.waived.size();
  rep.summary["unresolved"] = rep.unresolved.size();
  rep.summary["stale_waivers"] = rep.stale_waivers.size();
  rep.summary["carried_backports"] = rep.carried_backports;
  std::size_t reverts = 0, conflicts = 0;
  for (auto& m : rep.missing) {
    reverts += m.revert;
    conflicts += m.applies.has_value() && !*m.applies;
  }
  rep.summary["reverts"] = reverts;
  if (o.apply_check || o.apply_in_order) rep.summary["conflicting"] = conflicts;
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rep;
}

}  // namespace beaver::match
