#include "match/upstream.h"

#include "match/common.h"
#include "git/patch_id.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <set>

namespace beaver::match {

namespace {

std::array<std::uint32_t, git::kMinHashSize> minhash_of(std::string_view blob) {
  std::array<std::uint32_t, git::kMinHashSize> m;
  m.fill(0xffffffffu);
  if (blob.size() == sizeof m) std::memcpy(m.data(), blob.data(), sizeof m);
  return m;
}

}  // namespace

UpstreamMatcher::UpstreamMatcher(index::Database& db, DiffCache& diffs, std::vector<bool> in_upstream)
    : diffs_(diffs),
      in_upstream_(std::move(in_upstream)),
      by_patch_id_(db.prepare("SELECT id FROM commits WHERE patch_id = ? ORDER BY committer_time")),
      by_cf_(db.prepare("SELECT id FROM commits WHERE cf_id = ? ORDER BY committer_time LIMIT 64")),
      by_hunk_(db.prepare("SELECT commit_id FROM hunks WHERE hash = ? LIMIT 65")),
      by_band_(db.prepare("SELECT commit_id FROM bands WHERE band = ? LIMIT 65")),
      by_subject_(db.prepare("SELECT id FROM commits WHERE norm_subject = ? LIMIT 65")),
      by_oid_(db.prepare("SELECT id FROM commits WHERE oid = ?")),
      row_(db.prepare("SELECT oid, subject, t.tag, t.release, minhash, changed_lines, patch_id, cf_id "
                      "FROM commits LEFT JOIN first_tags t ON t.commit_id = id WHERE id = ?")),
      paths_(db.prepare("SELECT path, old_path FROM paths WHERE commit_id = ?")) {}

Pairing UpstreamMatcher::describe(std::int64_t id) {
  Pairing p;
  row_.bind(1, id);
  if (row_.step()) {
    p.commit = index::hex_of(row_.blob(0));
    p.subject = row_.text(1);
    p.tag = row_.text(2);
    p.release = row_.text(3);
  }
  row_.reset();
  return p;
}

Similarity UpstreamMatcher::compare(const git::Oid& a, const git::Oid& b) {
  return match::compare(diffs_.lines(a), diffs_.lines(b));
}

UpstreamMatch UpstreamMatcher::match(const index::CommitRecord& d) {
  UpstreamMatch result;
  if (d.merge) return result;
  auto self = git::Oid::from_hex(d.oid);
  if (in_upstream(d.id)) {
    Pairing p = describe(d.id);
    p.how = "same";
    result.identical = true;
    result.pairs.push_back(std::move(p));
    return result;
  }

  // 1. Identical patch-id.
  std::string pid = index::blob_of_hex(d.patch_id);
  if (!pid.empty()) {
    std::vector<std::int64_t> ids;
    by_patch_id_.bind_blob(1, pid.data(), pid.size());
    while (by_patch_id_.step()) ids.push_back(by_patch_id_.int64(0));
    by_patch_id_.reset();
    for (std::int64_t id : ids) {
      if (id == d.id || !in_upstream(id)) continue;
      Pairing p = describe(id);
      p.how = "patch-id";
      for (auto& ref : d.refs)
        if (ref.resolved == p.commit) p.by_reference = true;
      result.pairs.push_back(std::move(p));
    }
    if (!result.pairs.empty()) {
      result.identical = true;
      return result;
    }
  }

  // 2-5. Candidates, with what points at each.
  struct Evidence {
    bool cf = false, reference = false, subject = false;
    int hunks = 0, bands = 0;
  };
  std::map<std::int64_t, Evidence> cands;
  auto add_from = [&](index::Statement& st, auto&& apply) {
    std::vector<std::int64_t> ids;
    while (st.step()) ids.push_back(st.int64(0));
    st.reset();
    if (ids.size() > std::size_t(kCommonKeyLimit)) {
      ++stats_.common_keys;
      return;
    }
    for (auto id : ids)
      if (id != d.id && in_upstream(id)) apply(cands[id]);
  };
  std::string cf = index::blob_of_hex(d.cf_id);
  if (!cf.empty()) {
    by_cf_.bind_blob(1, cf.data(), cf.size());
    add_from(by_cf_, [](Evidence& e) { e.cf = true; });
  }
  for (auto& ref : d.refs) {
    if (!is_backport_ref(ref.kind) || ref.resolved.empty()) continue;
    std::string blob = index::blob_of_hex(ref.resolved);
    by_oid_.bind_blob(1, blob.data(), blob.size());
    add_from(by_oid_, [](Evidence& e) { e.reference = true; });
  }
  for (std::uint64_t h : d.hunks) {
    by_hunk_.bind(1, std::int64_t(h));
    add_from(by_hunk_, [](Evidence& e) { ++e.hunks; });
  }
  for (std::int64_t key : index::band_keys(d.minhash)) {
    by_band_.bind(1, key);
    add_from(by_band_, [](Evidence& e) { ++e.bands; });
  }
  if (!d.norm_subject.empty()) {
    by_subject_.bind(1, d.norm_subject);
    add_from(by_subject_, [](Evidence& e) { e.subject = true; });
  }
  if (cands.empty() || !self) return result;

  // Rank: references and context-free matches first, then shared hunks,
  // then the MinHash estimate; confirm the best few on the diffs.
  auto mine = minhash_of(d.minhash);
  std::set<std::string> my_names;
  for (auto& p : d.paths) my_names.insert(base_name(p));
  struct Ranked {
    std::int64_t id;
    Evidence e;
    double estimate;
    int changed_lines;
  };
  std::vector<Ranked> ranked;
  for (auto& [id, e] : cands) {
    row_.bind(1, id);
    double est = 0;
    int lines = 0;
    if (row_.step()) {
      est = git::minhash_similarity(mine, minhash_of(row_.blob(4)));
      lines = int(row_.int64(5));
    }
    row_.reset();
    ranked.push_back({id, e, est, lines});
  }
  auto key = [](const Ranked& r) {
    return std::tuple(r.e.reference || r.e.cf, r.e.hunks, r.estimate, r.e.subject);
  };
  std::sort(ranked.begin(), ranked.end(), [&](const Ranked& a, const Ranked& b) { return key(a) > key(b); });
  // A commit that names several upstream commits squashes them.
  std::set<std::string> named;
  for (auto& ref : d.refs)
    if (is_backport_ref(ref.kind) && !ref.resolved.empty()) named.insert(ref.resolved);
  const bool squash = named.size() >= 2;
  std::vector<std::string> my_paths;  // with old paths, read when a huge candidate needs them
  constexpr std::size_t kConfirm = 8;
  std::size_t confirmed = 0;
  for (auto& r : ranked) {
    bool strong = r.e.reference || r.e.cf;
    if (!strong) {
      if (confirmed >= kConfirm) continue;
      if (r.e.hunks == 0 && r.estimate < 0.1 && !r.e.subject) continue;
    }
    ++confirmed;
    ++stats_.candidates;
    Pairing p = describe(r.id);
    auto other = git::Oid::from_hex(p.commit);
    if (!other) continue;
    // A huge commit (a subtree import, a tree-wide change) is read only in
    // the files this patch touches; its size comes from the index.
    Similarity s;
    if (r.changed_lines > 20 * std::max(d.changed_lines, 50)) {
      if (my_paths.empty()) {
        paths_.bind(1, d.id);
        while (paths_.step()) {
          my_paths.push_back(paths_.text(0));
          if (!paths_.is_null(1)) my_paths.push_back(paths_.text(1));
        }
        paths_.reset();
      }
      const LineSet& mine_lines = diffs_.lines(*self);
      s = match::compare(mine_lines, diffs_.lines_in(*other, my_paths));
      double theirs = double(std::max(r.changed_lines, 1));
      s.in_second = std::min(1.0, double(s.common) / theirs);
      s.dice = 2.0 * double(s.common) / (double(mine_lines.lines.size()) + theirs);
    } else {
      s = compare(*self, *other);
    }
    p.similarity = s.dice;
    p.covered = s.in_first;
    p.contained = s.in_second;
    p.by_reference = r.e.reference;
    // Does it touch the same files (by name: renames and moves still count)?
    bool same_file = false;
    paths_.bind(1, r.id);
    while (paths_.step())
      if (my_names.count(base_name(paths_.text(0))) || (!paths_.is_null(1) && my_names.count(base_name(paths_.text(1)))))
        same_file = true;
    paths_.reset();
    bool evidence = r.e.reference || r.e.subject;
    // Lines that repeat (four times `status = "disabled";`) prove little:
    // distinct common lines count, and a patch made only of them must also
    // agree on its context.
    bool distinctive = s.common_distinct >= 3 || s.context >= 0.3 || r.e.reference;
    if (r.e.cf && s.dice >= 0.99 && (distinctive || r.e.subject)) {
      p.how = "context";
    } else if (!same_file && !r.e.reference && !(r.e.subject && s.dice >= 0.6 && s.common_distinct >= 3)) {
      continue;  // other files (and not the same subject and lines after a rename): a coincidence
    } else if (!distinctive && !evidence) {
      continue;
    } else if (s.in_first >= 0.9 && s.in_second <= 0.75 && s.common_distinct >= 3) {
      p.how = "partial";
    } else if (s.in_second >= 0.9 && s.in_first <= 0.75 && s.common_distinct >= 3) {
      p.how = "part";
    } else if (s.dice >= 0.6 && (s.common_distinct >= 2 || evidence)) {
      p.how = "similar";
    } else if (s.in_first >= 0.8 && s.common_distinct >= 3) {
      p.how = "partial";
    } else if (s.in_second >= 0.8 && s.common_distinct >= 3) {
      p.how = "part";
    } else if (evidence && s.common >= 1 && (s.dice >= 0.3 || s.in_first >= 0.5)) {
      p.how = "similar";
    } else if (r.e.reference && s.common >= 1) {
      // The message names it and the diffs share changed lines, too few for
      // the rules above: a squash that folds this commit in with others (its
      // follow-up fix rewrites lines the squash adds), or a backport reworked
      // for an older base. Only a reference can say so.
      p.how = squash ? "folded" : "reworked";
    } else if (r.e.reference && r.e.subject && same_file) {
      // Named, same subject, same files, and not one changed line left as it
      // was: a backport onto code whose names changed since (Xen's MTRR_TYPE_WRCOMB
      // for X86_MT_WC). Three pieces of evidence agree; the similarity says how little
      // of the diff did.
      p.how = "reworked";
    } else {
      continue;
    }
    result.pairs.push_back(std::move(p));
  }
  // A squash's follow-up that only removes or rewrites lines another named
  // commit adds shares no line with the squash (those lines never reached the
  // branch). It is folded in when its reverse patch shares changed lines with
  // a named commit paired above: confirmed on the diffs, not on the message.
  if (squash) {
    for (auto& hex : named) {
      if (std::any_of(result.pairs.begin(), result.pairs.end(), [&](const Pairing& p) { return p.commit == hex; })) continue;
      auto oid = git::Oid::from_hex(hex);
      std::string blob = index::blob_of_hex(hex);
      if (!oid || blob.empty()) continue;
      std::int64_t id = -1;
      by_oid_.bind_blob(1, blob.data(), blob.size());
      if (by_oid_.step()) id = by_oid_.int64(0);
      by_oid_.reset();
      if (!in_upstream(id)) continue;
      LineSet reverse = line_set(diffs_.text(*oid), true);
      bool undoes = false;
      for (auto& p : result.pairs)
        if (p.by_reference)
          if (auto other = git::Oid::from_hex(p.commit); other && match::compare(reverse, diffs_.lines(*other)).common >= 1)
            undoes = true;
      if (!undoes) continue;
      ++stats_.candidates;
      Pairing p = describe(id);
      Similarity s = compare(*self, *oid);
      p.how = "folded";
      p.by_reference = true;
      p.similarity = s.dice;
      p.covered = s.in_first;
      p.contained = s.in_second;
      result.pairs.push_back(std::move(p));
    }
  }
  // A squash is reported with all its parts; otherwise the best pairs.
  std::stable_sort(result.pairs.begin(), result.pairs.end(),
                   [](const Pairing& a, const Pairing& b) { return a.similarity > b.similarity; });
  return result;
}

}  // namespace beaver::match
