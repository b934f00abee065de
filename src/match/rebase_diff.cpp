#include "match/rebase_diff.h"

#include "match/common.h"
#include "index/index.h"
#include "index/query.h"
#include "match/delta.h"
#include "match/graph.h"
#include "match/view.h"
#include "match/stack.h"
#include "util/error.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <unordered_map>

namespace beaver::match {

namespace {

bool share_file(const index::CommitRecord& a, const index::CommitRecord& b) {
  std::set<std::string> names;
  for (auto& p : a.paths) names.insert(base_name(p));
  for (auto& p : b.paths)
    if (names.count(base_name(p))) return true;
  return false;
}

}  // namespace

RebaseReport run_rebase_diff(const git::Repository& repo, const RebaseOptions& o) {
  auto t0 = std::chrono::steady_clock::now();
  RebaseReport rep;
  rep.upstream_rev = o.upstream;
  rep.old_rev = o.old_rev;
  rep.new_rev = o.new_rev;
  git::Oid upstream = repo.resolve_commit(o.upstream);
  git::Oid old_tip = repo.resolve_commit(o.old_rev);
  git::Oid new_tip = repo.resolve_commit(o.new_rev);
  std::optional<git::Oid> given_old_base, given_new_base;
  if (!o.old_base.empty()) given_old_base = repo.resolve_commit(o.old_base);
  if (!o.new_base.empty()) given_new_base = repo.resolve_commit(o.new_base);
  rep.upstream_oid = upstream.hex();
  rep.old_oid = old_tip.hex();
  rep.new_oid = new_tip.hex();

  IndexView view(repo, {upstream, old_tip, new_tip}, o.index_path, o.on_progress);
  index::Database& db = view.db;
  index::Reader& reader = view.reader;
  const CommitGraph& graph = view.graph;
  std::vector<bool> in_upstream = graph.reachable({upstream});
  auto base_of = [&](const std::optional<git::Oid>& given, const git::Oid& tip, const std::string& rev) {
    if (given) return *given;
    if (auto b = graph.merge_base(in_upstream, tip)) return *b;
    return merge_base_or_fail(repo, upstream, tip, rev);
  };
  git::Oid old_base = base_of(given_old_base, old_tip, o.old_rev);
  git::Oid new_base = base_of(given_new_base, new_tip, o.new_rev);
  rep.old_base_oid = old_base.hex();
  rep.new_base_oid = new_base.hex();

  auto load = [&](const git::Oid& tip, const git::Oid& base) {
    std::vector<index::CommitRecord> out;
    for (auto& c : graph.range({tip}, {base})) {
      auto rec = reader.commit(c);
      if (!rec) throw Error("{} is not in the index after updating it; run `beaver index --rebuild`", c.hex());
      if (!rec->merge) out.push_back(std::move(*rec));
    }
    return out;
  };
  std::vector<index::CommitRecord> olds = load(old_tip, old_base), news = load(new_tip, new_base);
  std::vector<int> old_to_new(olds.size(), -1), new_to_old(news.size(), -1);
  std::vector<std::string> how(olds.size());
  std::vector<double> sim(olds.size(), 1.0);
  DiffCache diffs(repo);
  auto pair = [&](std::size_t i, std::size_t j, std::string h, double s) {
    old_to_new[i] = int(j);
    new_to_old[j] = int(i);
    how[i] = std::move(h);
    sim[i] = s;
  };
  auto lines_sim = [&](std::size_t i, std::size_t j) {
    return compare(diffs.lines(*git::Oid::from_hex(olds[i].oid)), diffs.lines(*git::Oid::from_hex(news[j].oid)));
  };

  // Round 1: identical patch-ids (and the very same commits), in order.
  {
    std::unordered_map<std::string, std::vector<std::size_t>> by_pid;
    for (std::size_t j = news.size(); j-- > 0;)
      by_pid[news[j].patch_id.empty() ? "commit:" + news[j].oid : news[j].patch_id].push_back(j);
    for (std::size_t i = 0; i < olds.size(); ++i) {
      auto it = by_pid.find(olds[i].patch_id.empty() ? "commit:" + olds[i].oid : olds[i].patch_id);
      if (it == by_pid.end() || it->second.empty()) continue;
      pair(i, it->second.back(), "patch-id", 1.0);
      it->second.pop_back();
    }
  }
  // Round 2: references both versions share (cherry picked from the same
  // commit), or the new version naming the old one.
  {
    std::unordered_map<std::string, std::vector<std::size_t>> by_target;
    for (std::size_t j = 0; j < news.size(); ++j) {
      if (new_to_old[j] >= 0) continue;
      for (auto& r : news[j].refs)
        if (is_backport_ref(r.kind) && !r.resolved.empty()) by_target[r.resolved].push_back(j);
    }
    for (std::size_t i = 0; i < olds.size(); ++i) {
      if (old_to_new[i] >= 0) continue;
      std::vector<std::string> keys = {olds[i].oid};
      for (auto& r : olds[i].refs)
        if (is_backport_ref(r.kind) && !r.resolved.empty()) keys.push_back(r.resolved);
      for (auto& k : keys) {
        auto it = by_target.find(k);
        if (it == by_target.end()) continue;
        for (std::size_t j : it->second) {
          if (new_to_old[j] >= 0) continue;
          Similarity s = lines_sim(i, j);
          // A shared reference with a changed line in common: the same backport
          // (reworked, or squashed with another the other version names too).
          if (s.dice >= 0.3 || s.common >= 1 || olds[i].norm_subject == news[j].norm_subject) {
            pair(i, j, "reference", s.dice);
            break;
          }
        }
        if (old_to_new[i] >= 0) break;
      }
    }
  }
  // Round 3: same changed lines, other context.
  {
    std::unordered_map<std::string, std::vector<std::size_t>> by_cf;
    for (std::size_t j = news.size(); j-- > 0;)
      if (new_to_old[j] < 0 && !news[j].cf_id.empty()) by_cf[news[j].cf_id].push_back(j);
    for (std::size_t i = 0; i < olds.size(); ++i) {
      if (old_to_new[i] >= 0 || olds[i].cf_id.empty()) continue;
      auto it = by_cf.find(olds[i].cf_id);
      if (it == by_cf.end()) continue;
      while (!it->second.empty() && new_to_old[it->second.back()] >= 0) it->second.pop_back();
      if (it->second.empty()) continue;
      pair(i, it->second.back(), "context", 1.0);
      it->second.pop_back();
    }
  }
  // Round 4: candidates sharing a hunk, a band or a subject, confirmed on the
  // diffs, best similarity first.
  {
    std::unordered_map<std::int64_t, std::vector<std::size_t>> by_key;
    std::unordered_map<std::string, std::vector<std::size_t>> by_subject;
    for (std::size_t j = 0; j < news.size(); ++j) {
      if (new_to_old[j] >= 0) continue;
      for (auto h : news[j].hunks) by_key[std::int64_t(h)].push_back(j);
      for (auto b : index::band_keys(news[j].minhash)) by_key[b].push_back(j);
      if (!news[j].norm_subject.empty()) by_subject[news[j].norm_subject].push_back(j);
    }
    struct Cand {
      double score;
      std::size_t i, j;
      std::string how;
    };
    std::vector<Cand> cands;
    for (std::size_t i = 0; i < olds.size(); ++i) {
      if (old_to_new[i] >= 0) continue;
      std::set<std::size_t> js;
      auto add = [&](const std::vector<std::size_t>& v) {
        if (v.size() <= std::size_t(kCommonKeyLimit)) js.insert(v.begin(), v.end());
      };
      for (auto h : olds[i].hunks)
        if (auto it = by_key.find(std::int64_t(h)); it != by_key.end()) add(it->second);
      for (auto b : index::band_keys(olds[i].minhash))
        if (auto it = by_key.find(b); it != by_key.end()) add(it->second);
      std::set<std::size_t> same_subject;
      if (auto it = by_subject.find(olds[i].norm_subject); it != by_subject.end() && !olds[i].norm_subject.empty()) {
        add(it->second);
        same_subject.insert(it->second.begin(), it->second.end());
      }
      for (std::size_t j : js) {
        Similarity s = lines_sim(i, j);
        bool subject = same_subject.count(j) > 0;
        bool files = share_file(olds[i], news[j]);
        if (s.dice >= 0.5 && files)
          cands.push_back({s.dice + (subject ? 0.01 : 0), i, j, "similar"});
        else if (subject && (files || s.dice >= 0.1))
          cands.push_back({s.dice, i, j, "subject"});
      }
    }
    std::sort(cands.begin(), cands.end(), [](const Cand& a, const Cand& b) {
      return a.score != b.score ? a.score > b.score : std::tie(a.i, a.j) < std::tie(b.i, b.j);
    });
    for (auto& c : cands)
      if (old_to_new[c.i] < 0 && new_to_old[c.j] < 0) pair(c.i, c.j, c.how, std::min(1.0, c.score));
  }

  // What left the branch: is it upstream now?
  std::vector<UpstreamMatch> gone(olds.size());
  {
    bool any = std::any_of(old_to_new.begin(), old_to_new.end(), [](int v) { return v < 0; });
    if (any) {
      UpstreamMatcher matcher(db, diffs, in_upstream);
      for (std::size_t i = 0; i < olds.size(); ++i)
        if (old_to_new[i] < 0) gone[i] = matcher.match(olds[i]);
    }
  }

  auto removed = [&](std::size_t i) {
    RebaseEntry e;
    e.old_commit = olds[i].oid;
    e.subject = olds[i].subject;
    e.old_index = int(i + 1);
    if (!gone[i].pairs.empty()) {
      e.status = "merged-upstream";
      e.upstream = gone[i].pairs;
      e.how = e.upstream.front().how;
      e.similarity = e.upstream.front().similarity;
    } else {
      e.status = "dropped";
    }
    return e;
  };
  std::size_t next_old = 0;
  std::vector<bool> emitted(olds.size(), false);
  for (std::size_t j = 0; j < news.size(); ++j) {
    int i = new_to_old[j];
    if (i >= 0) {
      for (; next_old < std::size_t(i); ++next_old)
        if (old_to_new[next_old] < 0 && !emitted[next_old]) {
          rep.entries.push_back(removed(next_old));
          emitted[next_old] = true;
        }
    }
    RebaseEntry e;
    e.new_commit = news[j].oid;
    e.subject = news[j].subject;
    e.new_index = int(j + 1);
    if (i < 0) {
      e.status = "added";
    } else {
      auto& old = olds[std::size_t(i)];
      e.old_commit = old.oid;
      e.old_index = i + 1;
      e.how = how[std::size_t(i)];
      e.similarity = sim[std::size_t(i)];
      if (old.subject != news[j].subject) e.old_subject = old.subject;
      if (e.how == "patch-id" && e.old_subject.empty()) {
        e.status = "kept";
      } else {
        e.status = "changed";
        std::string text, summary;
        if (e.how != "patch-id") {
          text = interdiff(diffs.text(*git::Oid::from_hex(old.oid)), diffs.text(*git::Oid::from_hex(news[j].oid)),
                           "old/" + old.oid.substr(0, 12), "new/" + news[j].oid.substr(0, 12));
          summary = interdiff_summary(text);
        }
        if (e.how == "context") e.change = "only the context changed" + (summary.empty() ? "" : "; " + summary);
        else if (e.how == "patch-id") e.change = "same changed lines";
        else e.change = summary;
        if (!e.old_subject.empty()) e.change += std::string(e.change.empty() ? "" : "; ") + "subject changed";
        if (o.full) e.interdiff = std::move(text);
      }
    }
    rep.entries.push_back(std::move(e));
  }
  for (; next_old < olds.size(); ++next_old)
    if (old_to_new[next_old] < 0 && !emitted[next_old]) rep.entries.push_back(removed(next_old));

  for (const char* s : {"kept", "changed", "merged-upstream", "dropped", "added"}) rep.summary[s] = 0;
  for (auto& e : rep.entries) ++rep.summary[e.status];
  rep.summary["old"] = olds.size();
  rep.summary["new"] = news.size();
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rep;
}

}  // namespace beaver::match
