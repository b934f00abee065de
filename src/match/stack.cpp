#include "match/stack.h"

#include "match/common.h"
#include "util/text.h"
#include "index/index.h"
#include "index/query.h"
#include "match/graph.h"
#include "match/view.h"
#include "match/parallel.h"
#include "message/message.h"
#include "util/error.h"
#include "util/trace.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace beaver::match {

bool prefix_claims_upstream(std::string_view p) { return p == "UPSTREAM" || p == "BACKPORT"; }
bool prefix_claims_posted(std::string_view p) { return p == "FROMLIST" || p == "FROMGIT"; }

git::Oid merge_base_or_fail(const git::Repository& repo, const git::Oid& upstream, const git::Oid& branch,
                            const std::string& what) {
  auto base = repo.merge_base(upstream, branch);
  if (!base)
    throw Error("{} has no common ancestor with the upstream{}; name the base with --base", what,
                repo.shallow() ? " in this shallow clone (`git fetch --unshallow`, or --deepen N, fetches the history "
                                 "that joins them)"
                               : "");
  return *base;
}

namespace {

// Everything one worker needs to judge a commit; each worker has its own
// SQLite connection, diff cache and matcher (none of them is thread-safe).
struct Judge {
  const git::Repository& repo;
  const StackOptions& o;
  const CommitGraph& graph;
  const PostedIndex& posted;
  std::mutex& repo_mutex;  // guards `repo` (libgit2 lookups of unindexed references)
  UpstreamMatcher& matcher;

  StackEntry judge(const index::CommitRecord& rec) {
    StackEntry e;
    e.commit = rec.oid;
    e.subject = rec.subject;
    e.author = rec.author_name + " <" + rec.author_email + ">";
    e.error = rec.error;
    UpstreamMatch m = matcher.match(rec);
    e.upstream = std::move(m.pairs);
    if (m.identical) e.status = "upstream";
    else if (!e.upstream.empty()) e.status = "upstream-modified";
    else if ((e.posted = posted.find(rec))) e.status = "posted";
    else e.status = "unposted";
    bool in_upstream = e.status == "upstream" || e.status == "upstream-modified";
    if (e.status == "upstream-modified") {
      std::size_t parts = 0;
      for (auto& p : e.upstream) parts += p.by_reference || p.how == "part" || p.how == "folded";
      if (parts >= 2) e.squash_of = parts;
    }

    // What the commit says about itself.
    message::Message msg = message::parse(rec.subject + "\n");
    for (auto& prefix : msg.prefixes) {
      Claim c;
      c.kind = "prefix";
      c.value = prefix;
      if (prefix_claims_upstream(prefix)) {
        c.holds = in_upstream;
        if (!c.holds) c.why = fmt::format("{}: claims to be upstream, but no upstream commit has this change", prefix);
      } else if (prefix_claims_posted(prefix)) {
        if (in_upstream || e.posted) {
          c.holds = true;
        } else if (o.mail.empty()) {
          c.why = "not checked: no --mail archive given";
        } else {
          c.holds = false;
          c.why = fmt::format("{}: claims to be posted, but no mail in the archives carries it", prefix);
        }
      }
      e.claimed.push_back(std::move(c));
    }
    for (auto& ref : rec.refs) {
      if (!is_backport_ref(ref.kind)) continue;
      Claim c = check_reference(rec, ref);
      // What the matcher paired by reference (a folded follow-up, a reworked
      // backport with the same subject in the same files) is carried.
      if (!c.holds && c.in_upstream)
        for (auto& p : e.upstream)
          if (p.by_reference && p.commit == c.resolved) {
            c.holds = true;
            c.why.clear();
          }
      e.claimed.push_back(std::move(c));
    }
    for (auto& [key, value] : rec.trailers)
      if (key == "Link") e.claimed.push_back(Claim{"link", value, "", false, -1, true, ""});
    for (auto& c : e.claimed) e.false_claim |= !c.holds;
    return e;
  }

  Claim check_reference(const index::CommitRecord& rec, const index::RefRecord& ref) {
    Claim c;
    c.kind = ref.kind;
    c.value = ref.target;
    c.resolved = ref.state == "resolved" ? ref.resolved : "";
    if (c.resolved.empty() && ref.state != "ambiguous") {
      // Not indexed (the index holds what U and BRANCH reach), but the
      // object may still be here, on another branch.
      std::lock_guard lock(repo_mutex);
      if (auto found = repo.lookup_commit_prefix(ref.target)) c.resolved = found->hex();
    }
    if (c.resolved.empty()) {
      c.holds = false;
      c.why = ref.state == "ambiguous" ? fmt::format("{} names several commits", ref.target)
                                       : fmt::format("{} is not in the repository", ref.target);
      return c;
    }
    auto id = git::Oid::from_hex(c.resolved);
    auto rid = id ? graph.id(*id) : std::nullopt;
    c.in_upstream = rid && matcher.in_upstream(*rid);
    if (!c.in_upstream) {
      c.holds = false;
      c.why = fmt::format("{} is not in {}", short_id(c.resolved), o.upstream);
      return c;
    }
    Similarity s = matcher.compare(*git::Oid::from_hex(rec.oid), *id);
    c.similarity = s.dice;
    // A reworked backport or a squash still carries the commit it names; only
    // a diff with no changed line in common makes the reference false.
    c.holds = s.common >= 1;
    if (!c.holds)
      c.why = fmt::format("the diff shares no changed line with {} (similarity {:.2f})", short_id(c.resolved), s.dice);
    return c;
  }
};

}  // namespace

StackReport run_stack(const git::Repository& repo, const StackOptions& o) {
  auto t0 = std::chrono::steady_clock::now();
  PhaseTimer timer("stack");
  StackReport rep;
  rep.upstream_rev = o.upstream;
  rep.branch_rev = o.branch;
  git::Oid upstream = repo.resolve_commit(o.upstream);
  git::Oid branch = repo.resolve_commit(o.branch);
  std::optional<git::Oid> base;
  if (!o.base.empty()) base = repo.resolve_commit(o.base);
  rep.base_rev = o.base.empty() ? "merge base" : o.base;
  rep.upstream_oid = upstream.hex();
  rep.branch_oid = branch.hex();
  timer.phase("resolve");

  // The archives first: a bad --mail path is an input error before any work.
  PostedIndex posted;
  for (auto& path : o.mail) {
    if (o.on_status) o.on_status("reading " + path);
    auto stats = mail::read_archive(path, [&](mail::Mail&& m) { posted.add(std::move(m)); }, rep.mail_problems);
    rep.mails += stats.messages;
  }
  rep.mailed_patches = posted.patches();
  timer.phase("mail");

  if (o.on_status) o.on_status("updating the index");
  IndexView view(repo, {upstream, branch}, o.index_path, o.on_progress);
  index::Reader& reader = view.reader;
  const CommitGraph& graph = view.graph;
  std::vector<bool> in_upstream = graph.reachable({upstream});
  timer.phase("graph");
  if (!base) base = graph.merge_base(in_upstream, branch);  // in memory, where libgit2 walks for a second
  if (!base) base = merge_base_or_fail(repo, upstream, branch, o.branch);
  rep.base_oid = base->hex();
  timer.phase("merge base");

  if (o.on_status) o.on_status("matching");
  std::vector<index::CommitRecord> records;
  for (auto& oid : graph.range({branch}, {*base})) {
    auto rec = reader.commit(oid);
    if (!rec) throw Error("{} is not in the index after updating it; run `beaver index --rebuild`", oid.hex());
    if (!rec->merge) records.push_back(std::move(*rec));
  }
  timer.phase("walk");

  // Commits are judged on every core; results land in branch order.
  rep.entries.resize(records.size());
  std::mutex repo_mutex;
  ParallelStats ps = for_each_matched(
      repo, view.path(), in_upstream, records.size(),
      [&](UpstreamMatcher& matcher, std::size_t k) {
        Judge judge{repo, o, graph, posted, repo_mutex, matcher};
        rep.entries[k] = judge.judge(records[k]);
      },
      o.on_match);
  rep.stats = ps.match;
  timer.phase("match");
  if (tracing())
    fmt::print(stderr, "beaver: trace: stack {} workers, {} candidates confirmed, {} diffs rendered, {} common keys skipped\n",
               ps.workers, rep.stats.candidates, ps.rendered, rep.stats.common_keys);
  for (auto& e : rep.entries) {
    ++rep.summary[e.status];
    if (e.false_claim) ++rep.summary["false_claims"];
    if (e.squash_of) ++rep.summary["squashes"];
  }
  rep.summary["total"] = rep.entries.size();
  for (const char* st : {"upstream", "upstream-modified", "posted", "unposted", "false_claims", "squashes"})
    rep.summary[st] += 0;
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rep;
}

}  // namespace beaver::match
