#include "index/index.h"

#include "git/scan.h"
#include "git/shallow.h"
#include "index/query.h"
#include "index/schema.h"
#include "message/message.h"
#include "util/error.h"
#include "util/term.h"
#include "util/trace.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <cerrno>
#include <cstdlib>
#include <chrono>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fnmatch.h>
#include <iterator>
#include <map>
#include <set>
#include <sys/file.h>
#include <unistd.h>
#include <fcntl.h>
#include <unordered_map>
#include <unordered_set>

namespace beaver::index {

namespace fs = std::filesystem;

namespace {

std::string_view raw_oid(const git::Oid& o) {
  return std::string_view(reinterpret_cast<const char*>(o.raw.id), GIT_OID_RAWSZ);
}


// An exclusive lock next to the index file, held for a whole update: a
// second `beaver index` waits (and says so) instead of interleaving writes.
class LockFile {
public:
  LockFile(const std::string& path, const std::function<void(const std::string&)>& on_wait) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw Error("{}: cannot create the lock file: {}", path, std::strerror(errno));
    if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      if (on_wait)
        on_wait(fmt::format("another beaver index is updating {}; waiting for it to finish",
                            path.substr(0, path.size() - std::string_view(".lock").size())));
      while (flock(fd_, LOCK_EX) != 0)
        if (errno != EINTR) throw Error("{}: cannot lock: {}", path, std::strerror(errno));
    }
  }
  ~LockFile() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
  }
  LockFile(const LockFile&) = delete;
  LockFile& operator=(const LockFile&) = delete;

private:
  int fd_ = -1;
};

std::int64_t pragma_int(Database& db, const char* pragma) {
  auto st = db.prepare(std::string("PRAGMA ") + pragma);
  return st.step() ? st.int64(0) : 0;
}

bool is_release_tag(const std::string& name, const std::string& pattern) {
  if (fnmatch(pattern.c_str(), name.c_str(), 0) != 0) return false;
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return lower.find("-rc") == std::string::npos && lower.find("_rc") == std::string::npos &&
         lower.find(".rc") == std::string::npos;
}

// Writes one scanned commit and everything derived from it.
class Writer {
public:
  Writer(Database& db, const message::ReferenceRules& rules)
      : rules_(rules),
        commit_(db.prepare(
            "INSERT INTO commits(oid, parents, author_name, author_email, author_time, author_tz, committer_name, "
            "committer_email, committer_time, committer_tz, subject, norm_subject, is_merge, patch_id, "
            "cf_id, minhash, changed_lines, files, insertions, deletions, by_git, error, hunk_hashes) VALUES "
            "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")),
        path_(db.prepare("INSERT INTO paths(commit_id, seq, path, old_path, added, deleted, binary) VALUES (?,?,?,?,?,?,?)")),
        trailer_(db.prepare("INSERT INTO trailers(commit_id, seq, key, value) VALUES (?,?,?,?)")),
        ref_(db.prepare("INSERT INTO refs(commit_id, kind, target, subject, line, state) VALUES (?,?,?,?,?,?)")),
        db_(db) {}

  void write(const git::CommitInfo& info, const git::ScanResult& r) {
    message::Message msg = message::parse(info.message, rules_);
    std::string parents;
    for (auto& p : info.parents) parents.append(raw_oid(p));
    int files = int(r.fp.files.size()), ins = 0, del = 0;
    for (auto& f : r.fp.files) {
      ins += f.added;
      del += f.deleted;
    }
    commit_.bind_blob(1, info.id.raw.id, GIT_OID_RAWSZ);
    commit_.bind_blob(2, parents.data(), parents.size());
    commit_.bind(3, info.author.name).bind(4, info.author.email).bind(5, info.author.time).bind(6, info.author.offset);
    commit_.bind(7, info.committer.name).bind(8, info.committer.email).bind(9, info.committer.time);
    commit_.bind(10, info.committer.offset);
    commit_.bind(11, msg.subject).bind(12, msg.normalized_subject);
    commit_.bind(13, std::int64_t(r.merge));
    if (!r.fp.patch_id.empty()) {
      std::string d = blob_of_hex(r.fp.patch_id);
      commit_.bind_blob(14, d.data(), d.size());
    } else {
      commit_.bind_null(14);
    }
    if (!r.fp.cf_id.empty()) {
      std::string d = blob_of_hex(r.fp.cf_id);
      commit_.bind_blob(15, d.data(), d.size());
      commit_.bind_blob(16, r.fp.minhash.data(), sizeof r.fp.minhash);
    } else {
      commit_.bind_null(15);
      commit_.bind_null(16);
    }
    commit_.bind(17, r.fp.changed_lines).bind(18, files).bind(19, ins).bind(20, del);
    commit_.bind(21, std::int64_t(r.by_git));
    if (r.error.empty()) commit_.bind_null(22);
    else commit_.bind(22, r.error);
    {
      std::vector<std::uint64_t> hunks;
      std::unordered_set<std::uint64_t> seen;
      for (auto h : r.fp.hunks)
        if (seen.insert(h).second) hunks.push_back(h);
      if (hunks.empty()) commit_.bind_null(23);
      else commit_.bind_blob(23, hunks.data(), hunks.size() * sizeof(std::uint64_t));
    }
    commit_.run();
    std::int64_t id = db_.last_rowid();

    int pseq = 0;
    for (auto& f : r.fp.files) {
      path_.bind(1, id).bind(2, pseq++).bind(3, f.path);
      if (f.old_path != f.path) path_.bind(4, f.old_path);
      else path_.bind_null(4);
      path_.bind(5, f.added).bind(6, f.deleted).bind(7, std::int64_t(f.binary)).run();
    }
    int seq = 0;
    for (auto& t : msg.trailers) trailer_.bind(1, id).bind(2, seq++).bind(3, t.key).bind(4, t.value).run();
    write_refs(id, msg);
  }

  // The Fixes: and backport references of one commit.
  void write_refs(std::int64_t id, const message::Message& msg) {
    for (auto& f : msg.fixes) {
      ref_.bind(1, id).bind(2, "fixes").bind(3, f.commit).bind(4, f.subject).bind(5, f.line);
      ref_.bind(6, f.commit.empty() && f.subject.empty() ? "malformed" : "pending").run();
    }
    for (auto& ref : msg.refs) {
      ref_.bind(1, id).bind(2, message::kind_name(ref)).bind(3, ref.commit).bind_null(4).bind(5, ref.line);
      ref_.bind(6, "pending").run();
    }
  }

private:
  const message::ReferenceRules& rules_;
  Statement commit_, path_, trailer_, ref_;
  Database& db_;
};

// Reads the references of every commit up to `upto` (row id) again, with
// `rules`: the patterns changed since they were read. Commits whose object
// cannot be read keep the references they have. Returns how many were read.
std::size_t reread_refs(Database& db, const git::Repository& repo, const message::ReferenceRules& rules,
                        std::int64_t upto) {
  Writer writer(db, rules);
  auto all = db.prepare("SELECT id, oid FROM commits WHERE id <= ? ORDER BY id");
  auto drop = db.prepare("DELETE FROM refs WHERE commit_id = ?");
  all.bind(1, upto);
  std::vector<std::pair<std::int64_t, git::Oid>> rows;
  while (all.step()) rows.emplace_back(all.int64(0), oid_of_blob(all.blob(1)));
  all.reset();
  std::size_t n = 0;
  for (auto& [id, oid] : rows) {
    std::string message;
    try {
      message = repo.commit_info(oid).message;
    } catch (const Error&) {
      continue;  // a missing object: its references stay as they were read
    }
    drop.bind(1, id).run();
    writer.write_refs(id, message::parse(message, rules));
    ++n;
  }
  return n;
}

// Fills the hunks and bands lookup tables for every commit above
// meta 'lookup_upto', in key order: sorted inserts touch each B-tree page
// once, where inserting per commit jumped all over both trees.
void build_lookup(Database& db) {
  std::int64_t upto = 0;
  {
    auto st = db.prepare("SELECT value FROM meta WHERE key = 'lookup_upto'");
    if (st.step()) upto = std::stoll(st.text(0));
  }
  std::vector<std::pair<std::int64_t, std::int64_t>> hunks, bands;
  std::int64_t max_id = upto;
  auto st = db.prepare("SELECT id, hunk_hashes, minhash FROM commits WHERE id > ?");
  st.bind(1, upto);
  while (st.step()) {
    std::int64_t id = st.int64(0);
    max_id = std::max(max_id, id);
    std::string_view h = st.blob(1);
    for (std::size_t k = 0; k + 8 <= h.size(); k += 8) {
      std::uint64_t v;
      std::memcpy(&v, h.data() + k, 8);
      hunks.emplace_back(std::int64_t(v), id);
    }
    for (std::int64_t key : band_keys(st.blob(2))) bands.emplace_back(key, id);
  }
  st.reset();
  if (max_id == upto) return;
  std::sort(hunks.begin(), hunks.end());
  std::sort(bands.begin(), bands.end());
  auto hi = db.prepare("INSERT OR IGNORE INTO hunks(hash, commit_id) VALUES (?,?)");
  for (auto& [k, id] : hunks) hi.bind(1, k).bind(2, id).run();
  auto bi = db.prepare("INSERT OR IGNORE INTO bands(band, commit_id) VALUES (?,?)");
  for (auto& [k, id] : bands) bi.bind(1, k).bind(2, id).run();
  auto meta = db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES ('lookup_upto', ?)");
  meta.bind(1, std::to_string(max_id)).run();
}

// Resolves Fixes: and backport references to indexed commits: by id prefix,
// then (Fixes: only) by the quoted subject when the id names no commit or
// several. Returns how many stay unresolved.
std::size_t resolve_refs(Database& db) {
  auto pending = db.prepare("SELECT rowid, target, subject FROM refs WHERE state IN ('pending','unknown','ambiguous')");
  auto by_prefix = db.prepare("SELECT oid, norm_subject FROM commits WHERE oid >= ? AND oid <= ? LIMIT 50");
  auto by_subject = db.prepare("SELECT oid FROM commits WHERE norm_subject = ? LIMIT 50");
  auto update = db.prepare("UPDATE refs SET state = ?, resolved = ? WHERE rowid = ?");
  struct Row {
    std::int64_t rowid;
    std::string target, subject;
  };
  std::vector<Row> rows;
  while (pending.step()) rows.push_back({pending.int64(0), pending.text(1), pending.text(2)});
  pending.reset();
  std::size_t unresolved = 0;
  for (auto& row : rows) {
    std::vector<std::pair<std::string, std::string>> hits;  // oid blob, norm subject
    if (row.target.size() >= 4 && row.target.size() <= 40) {
      std::string lo = row.target + std::string(40 - row.target.size(), '0');
      std::string hi = row.target + std::string(40 - row.target.size(), 'f');
      std::string blo = blob_of_hex(lo), bhi = blob_of_hex(hi);
      by_prefix.bind_blob(1, blo.data(), blo.size()).bind_blob(2, bhi.data(), bhi.size());
      while (by_prefix.step()) hits.emplace_back(std::string(by_prefix.blob(0)), by_prefix.text(1));
      by_prefix.reset();
    }
    std::string state = "unknown";
    std::string resolved;
    std::string want = message::normalize_subject(row.subject);
    if (hits.size() == 1) {
      state = "resolved";
      resolved = hits[0].first;
    } else if (!want.empty()) {
      std::vector<std::string> matches;
      if (hits.size() > 1) {
        for (auto& h : hits)
          if (h.second == want) matches.push_back(h.first);
      } else {
        by_subject.bind(1, want);
        while (by_subject.step()) matches.emplace_back(by_subject.blob(0));
        by_subject.reset();
      }
      if (matches.size() == 1) {
        state = "by-subject";
        resolved = matches[0];
      } else if (matches.size() > 1 || hits.size() > 1) {
        state = "ambiguous";
      }
    } else if (hits.size() > 1) {
      state = "ambiguous";
    }
    update.bind(1, state);
    if (resolved.empty()) update.bind_null(2);
    else update.bind_blob(2, resolved.data(), resolved.size());
    update.bind(3, row.rowid).run();
    unresolved += resolved.empty();
  }
  return unresolved;
}

// True when first tags must be computed again: the tags changed (name,
// commit or release pattern), or a tag points at a commit this run indexed.
// Otherwise every new commit is contained in no tag and the old values hold,
// so a small update costs in proportion to its new commits.
bool tag_set_differs(Database& db, const std::vector<std::pair<std::string, git::Oid>>& now) {
  std::map<std::string, std::string> stored;
  auto st = db.prepare("SELECT name, oid FROM tags");
  while (st.step()) stored[st.text(0)] = std::string(st.blob(1));
  if (now.size() != stored.size()) return true;
  for (auto& [name, oid] : now) {
    auto it = stored.find(name);
    if (it == stored.end() || it->second != raw_oid(oid)) return true;
  }
  return false;
}

bool tags_changed(Database& db, const std::vector<std::pair<std::string, git::Oid>>& now,
                  const std::vector<git::Oid>& new_commits, bool pattern_changed) {
  if (pattern_changed || tag_set_differs(db, now)) return true;
  std::unordered_set<std::string> fresh;
  for (auto& c : new_commits) fresh.emplace(raw_oid(c));
  for (auto& [name, oid] : now)
    if (fresh.count(std::string(raw_oid(oid)))) return true;
  return false;
}

// first_tag / first_release: tags in the order they were made (the tagged
// commit's committer date, then name); each claims the commits it reaches
// that no earlier tag reached. One pass over the graph per kind.
// Only rows whose values changed are written.
void compute_first_tags(const std::vector<std::pair<std::string, git::Oid>>& repo_tags, Database& db,
                        const std::string& release_pattern) {
  struct Node {
    std::vector<std::int64_t> parents;  // indexes into nodes
    std::int64_t rowid;
    std::int64_t time;
  };
  std::vector<Node> nodes;
  std::unordered_map<std::string, std::int64_t> at;
  std::unordered_map<std::int64_t, std::pair<std::string, std::string>> stored;  // rowid -> tag, release
  {
    auto st = db.prepare("SELECT id, oid, parents, committer_time FROM commits");
    std::vector<std::string> parent_blobs;
    while (st.step()) {
      at.emplace(std::string(st.blob(1)), std::int64_t(nodes.size()));
      nodes.push_back({{}, st.int64(0), st.int64(3)});
      parent_blobs.emplace_back(st.blob(2));
    }
    for (std::size_t i = 0; i < nodes.size(); ++i)
      for (std::size_t k = 0; k + GIT_OID_RAWSZ <= parent_blobs[i].size(); k += GIT_OID_RAWSZ) {
        auto it = at.find(parent_blobs[i].substr(k, GIT_OID_RAWSZ));
        if (it != at.end()) nodes[i].parents.push_back(it->second);
      }
    auto ft = db.prepare("SELECT commit_id, tag, release FROM first_tags");
    while (ft.step()) stored[ft.int64(0)] = {ft.text(1), ft.text(2)};
  }
  struct Tag {
    std::string name;
    std::int64_t node;
    bool release;
  };
  std::vector<Tag> tags;
  Transaction tx(db);
  db.exec("DELETE FROM tags");
  auto ins = db.prepare("INSERT INTO tags(name, oid, is_release) VALUES (?,?,?)");
  for (auto& [name, oid] : repo_tags) {
    bool release = is_release_tag(name, release_pattern);
    ins.bind(1, name).bind_blob(2, oid.raw.id, GIT_OID_RAWSZ).bind(3, std::int64_t(release)).run();
    auto it = at.find(std::string(raw_oid(oid)));
    if (it != at.end()) tags.push_back({name, it->second, release});
  }
  std::sort(tags.begin(), tags.end(), [&](const Tag& a, const Tag& b) {
    if (nodes[a.node].time != nodes[b.node].time) return nodes[a.node].time < nodes[b.node].time;
    return a.name < b.name;
  });
  // Each node gets the index of the first tag that reaches it, or -1.
  auto assign = [&](bool releases_only) {
    std::vector<std::int32_t> value(nodes.size(), -1);
    std::vector<std::int64_t> stack;
    for (std::size_t t = 0; t < tags.size(); ++t) {
      if (releases_only && !tags[t].release) continue;
      stack.push_back(tags[t].node);
      while (!stack.empty()) {
        auto n = stack.back();
        stack.pop_back();
        if (value[n] >= 0) continue;
        value[n] = std::int32_t(t);
        for (auto p : nodes[n].parents)
          if (value[p] < 0) stack.push_back(p);
      }
    }
    return value;
  };
  auto first_tag = assign(false);
  auto first_release = assign(true);
  auto name = [&](std::int32_t t) { return t < 0 ? std::string() : tags[std::size_t(t)].name; };
  auto put = db.prepare("INSERT OR REPLACE INTO first_tags(commit_id, tag, release) VALUES (?,?,?)");
  auto drop = db.prepare("DELETE FROM first_tags WHERE commit_id = ?");
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    std::string tag = name(first_tag[i]), release = name(first_release[i]);
    auto it = stored.find(nodes[i].rowid);
    if (it == stored.end() ? tag.empty() && release.empty() : it->second == std::pair(tag, release)) continue;
    if (tag.empty() && release.empty()) {
      drop.bind(1, nodes[i].rowid).run();
      continue;
    }
    put.bind(1, nodes[i].rowid);
    if (tag.empty()) put.bind_null(2);
    else put.bind(2, tag);
    if (release.empty()) put.bind_null(3);
    else put.bind(3, release);
    put.run();
  }
  tx.commit();
}

// Compares the clone's shallow boundary with the one the index was made
// with. Commits that crossed it (no longer shallow after a deepen or
// unshallow, or newly shallow) are deleted, to be indexed again with the
// parents git sees now. Says once that the history is shallow. Returns true
// when the boundary changed.
bool reconcile_shallow(Database& db, const git::Repository& repo, UpdateSummary& summary) {
  auto now = git::shallow_commits(repo.get());
  std::string stored;
  {
    auto st = db.prepare("SELECT value FROM meta WHERE key = 'shallow'");
    if (st.step()) stored = st.text(0);
  }
  if (!now->hex.empty()) {
    std::string note = fmt::format(
        "this clone is shallow: git has no history before {} commit(s) (first: {}), which count as root commits; first "
        "releases, Fixes: targets and upstream matches older than that cannot be found: `git fetch --unshallow` "
        "completes it, and the next beaver index catches up",
        now->hex.size(), now->hex.front().substr(0, 12));
    summary.notes.push_back(note);
    warn_once(note);
  }
  std::string current = fmt::format("{}", fmt::join(now->hex, "\n"));
  if (stored == current) return false;
  std::set<std::string> before, after(now->hex.begin(), now->hex.end());
  for (std::size_t pos = 0; pos < stored.size();) {
    std::size_t nl = stored.find('\n', pos);
    if (nl == std::string::npos) nl = stored.size();
    if (nl > pos) before.insert(stored.substr(pos, nl - pos));
    pos = nl + 1;
  }
  std::vector<std::string> crossed;
  std::set_symmetric_difference(before.begin(), before.end(), after.begin(), after.end(), std::back_inserter(crossed));
  Transaction tx(db);
  auto find = db.prepare("SELECT id FROM commits WHERE oid = ?");
  std::vector<Statement> drops;
  for (const char* table : {"paths", "hunks", "bands", "trailers", "refs", "first_tags"})
    drops.push_back(db.prepare(fmt::format("DELETE FROM {} WHERE commit_id = ?", table)));
  auto drop_commit = db.prepare("DELETE FROM commits WHERE id = ?");
  for (auto& hex : crossed) {
    auto oid = git::Oid::from_hex(hex);
    if (!oid) continue;
    find.bind_blob(1, oid->raw.id, GIT_OID_RAWSZ);
    std::int64_t id = find.step() ? find.int64(0) : -1;
    find.reset();
    if (id < 0) continue;
    for (auto& d : drops) d.bind(1, id).run();
    drop_commit.bind(1, id).run();
  }
  // Until this run completes, no tip may hide the commits behind the old boundary.
  db.exec("DELETE FROM tips");
  tx.commit();
  return true;
}

// Commits in the index with an error recorded by an earlier run (not in `now`).
std::vector<Problem> stored_problems(Database& db, const std::vector<Problem>& now) {
  std::unordered_set<std::string> seen;
  for (auto& p : now) seen.insert(p.commit);
  std::vector<Problem> out;
  auto st = db.prepare("SELECT oid, error FROM commits WHERE error IS NOT NULL AND error != ''");
  while (st.step()) {
    std::string hex = oid_of_blob(st.blob(0)).hex();
    if (!seen.count(hex)) out.push_back({hex, st.text(1)});
  }
  return out;
}

// Says once when the release pattern matches no tag of a repository that has
// tags, with the pattern its tags suggest: the longest run of non-digits
// before a version ("RELEASE-4.18.0" -> "RELEASE-*", "v2024.01" -> "v*"),
// counted over tags that are plain versions (no -rc, -branched, ...).
void note_release_tags(const std::vector<std::pair<std::string, git::Oid>>& tags, const std::string& pattern,
                       UpdateSummary& summary) {
  std::map<std::string, std::size_t> prefixes;
  for (auto& [name, oid] : tags) {
    if (is_release_tag(name, pattern)) ++summary.release_tags;
    std::size_t digit = name.find_first_of("0123456789");
    if (digit == std::string::npos) continue;
    std::string_view version = std::string_view(name).substr(digit);
    if (version.find_first_not_of("0123456789.") != std::string_view::npos || version.back() == '.') continue;
    ++prefixes[name.substr(0, digit)];
  }
  if (summary.release_tags || tags.empty()) return;
  auto best = std::max_element(prefixes.begin(), prefixes.end(), [](auto& a, auto& b) { return a.second < b.second; });
  std::string note = fmt::format("no tag matches the release pattern '{}', so no commit has a first release", pattern);
  if (best != prefixes.end())
    note += fmt::format("; {} of the {} tags look like releases named '{}*': beaver index --release-pattern '{}*'",
                        best->second, tags.size(), best->first, best->first);
  summary.notes.push_back(note);
  warn_once(note);
}

// An index records the repository it was made for. Another repository's is
// refused (it would be silently mixed and its meta overwritten) unless
// --rebuild; a repository that moved is recognised by its commits.
void check_owner(Database& db, const git::Repository& repo, bool rebuild) {
  std::string owner;
  {
    auto st = db.prepare("SELECT value FROM meta WHERE key = 'repository'");
    if (st.step()) owner = st.text(0);
  }
  // An index made before worktrees shared one recorded the worktree's own
  // git directory: that is this repository too.
  if (owner.empty() || owner == repo.common_dir() || owner == repo.git_dir() || rebuild) return;
  std::size_t tips = 0, here = 0;
  git_odb* odb = nullptr;
  git_repository_odb(&odb, repo.get());
  auto st = db.prepare("SELECT oid FROM tips");
  while (st.step()) {
    ++tips;
    git::Oid o = oid_of_blob(st.blob(0));
    if (odb && git_odb_exists(odb, &o.raw)) ++here;
  }
  git_odb_free(odb);
  if (tips == 0 || here > 0) return;
  throw Error("{}: this index was made for the repository {}, and none of its {} indexed tips is in {}; pass another "
              "--index, or --rebuild to replace it",
              db.path(), owner, tips, repo.common_dir());
}

// The schema version of an open database: 0 for a new, empty file. Throws
// for a file that is not a beaver index, or one made by a newer beaver.
std::int64_t schema_version(Database& db) {
  std::int64_t app = 0, version = 0;
  try {
    app = pragma_int(db, "application_id");
    version = pragma_int(db, "user_version");
    auto st = db.prepare("SELECT count(*) FROM sqlite_master");
    st.step();
    if (app == 0 && st.int64(0) == 0) return 0;  // a new, empty file
  } catch (const Error& e) {
    // The message says why by SQLite's error code: damaged, read-only, I/O.
    throw Error("{} (reading the index's header)", e.what());
  }
  if (app != kApplicationId)
    throw Error("{}: not a beaver index (a foreign SQLite file); run `beaver index --rebuild` to replace it, or pass "
                "another --index",
                db.path());
  if (version < 1 || version > kSchemaVersion)
    throw Error("{}: index schema version {} is not one this beaver knows (it uses {}); run `beaver index --rebuild`",
                db.path(), version, kSchemaVersion);
  return version;
}

// Brings an index of an older schema version to this one, in one transaction.
void upgrade(Database& db, std::int64_t version) {
  Transaction tx(db);
  try {
    if (version == 1) db.exec(kUpgradeFrom1);
    if (version <= 2) db.exec(kUpgradeFrom2);
  } catch (const Error& e) {
    throw Error("{}: could not upgrade the index from schema version {}: {}; run `beaver index --rebuild`", db.path(),
                version, e.what());
  }
  tx.commit();
}

}  // namespace

// In the common git directory: every worktree of a repository shares one
// index (its lock serialises their writers), as they share the objects.
// git config beaver.index names another file (one index for several
// clones of a mirror, or one on a faster disk).
std::string default_index_path(const git::Repository& repo) {
  if (std::optional<std::string> configured = repo.config_path("beaver.index")) return *configured;
  return repo.common_dir() + "beaver/index.sqlite";
}

void check_schema(Database& db) {
  std::int64_t version = schema_version(db);
  if (version != 0 && version < kSchemaVersion)
    throw Error("{}: this index has schema version {}, from an older beaver; run `beaver index` to upgrade it to {}",
                db.path(), version, kSchemaVersion);
}

Database open_for_reading(const std::string& path) {
  if (!fs::exists(path)) throw Error("{}: no index here; run `beaver index` first", path);
  // In a read-only directory (a shared mirror, a CI cache mounted read-only)
  // SQLite cannot make the -shm file WAL mode reads through: read the file as
  // it is instead (a WAL file left there is read too, when its -shm exists).
  std::string dir = fs::path(path).parent_path().string();
  bool writable = ::access(dir.empty() ? "." : dir.c_str(), W_OK) == 0;
  std::error_code ec;
  bool wal = fs::file_size(path + "-wal", ec) > 0 && !ec;
  Database db = writable ? Database::open(path, false) : Database::open_read_only(path, !(wal && fs::exists(path + "-shm")));
  check_schema(db);
  auto st = db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'commits'");
  st.step();
  if (st.int64(0) == 0) throw Error("{}: the index is empty; run `beaver index` first", path);
  return db;
}

UpdateSummary update(const git::Repository& repo, const UpdateOptions& options) {
  auto t0 = std::chrono::steady_clock::now();
  PhaseTimer timer("index");
  auto phase = [&](const char* name) { timer.phase(name); };
  UpdateSummary summary;
  std::string path = options.index_path.empty() ? default_index_path(repo) : options.index_path;
  summary.index_path = path;
  // A bad pattern is an input error before any work, naming the config key.
  const message::ReferenceRules rules = message::ReferenceRules::compile(
      options.reference_patterns ? *options.reference_patterns : repo.config_values("beaver.referencePattern"));
  summary.reference_patterns = rules.patterns();
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) throw Error("{}: cannot create its directory: {}", path, ec.message());
  LockFile file_lock(path + ".lock", options.on_wait);
  if (options.rebuild)
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(path + suffix, ec);

  Database db = Database::open(path, true);
  std::int64_t version = schema_version(db);
  try {
    db.exec("PRAGMA journal_mode=WAL");
    db.exec("PRAGMA synchronous=NORMAL");
    // Hunk hashes and bands are inserted in random key order: a large page
    // cache keeps those B-trees in memory instead of re-reading pages.
    db.exec("PRAGMA cache_size=-65536");
    db.exec("PRAGMA temp_store=MEMORY");
    // Index builds after a large load sort with helper threads.
    db.exec("PRAGMA threads=2");
  } catch (const Error& e) {
    throw Error("{} (setting up the index)", e.what());
  }
  if (version != 0 && version < kSchemaVersion) upgrade(db, version);
  if (pragma_int(db, "application_id") == 0) {
    Transaction tx(db);
    db.exec(kSchema);
    db.exec(kIndexes);
    db.exec(fmt::format("PRAGMA application_id = {}", kApplicationId));
    db.exec(fmt::format("PRAGMA user_version = {}", kSchemaVersion));
    tx.commit();
  }
  check_owner(db, repo, options.rebuild);

  // What to index: named revisions, or every branch, tag and remote branch.
  std::vector<std::pair<std::string, git::Oid>> tips;
  git::RevisionSet revs;
  if (options.revs.empty()) {
    revs = repo.all_refs();
    for (auto& o : revs.include) tips.emplace_back("", o);
  } else {
    revs = repo.resolve(options.revs);
    for (auto& o : revs.include) tips.emplace_back("", o);
  }
  // Tips are recorded by commit id: the same commit under another name needs no work.
  std::unordered_set<std::string> stored_tips;
  {
    auto st = db.prepare("SELECT oid FROM tips");
    while (st.step()) stored_tips.emplace(st.blob(0));
  }
  // A shallow clone deepened or unshallowed since the last run: its old
  // boundary commits were indexed as roots and are indexed again with their
  // parents, and the walk may not stop at the old tips.
  bool shallow_changed = reconcile_shallow(db, repo, summary);
  if (shallow_changed) stored_tips.clear();
  bool all_known = std::all_of(tips.begin(), tips.end(), [&](auto& t) { return stored_tips.count(std::string(raw_oid(t.second))); });
  std::string stored_pattern, stored_rules;
  {
    auto st = db.prepare("SELECT value FROM meta WHERE key = 'release_pattern'");
    if (st.step()) stored_pattern = st.text(0);
    auto rs = db.prepare("SELECT value FROM meta WHERE key = 'reference_rules'");
    if (rs.step()) stored_rules = rs.text(0);
  }
  // References are read with the built-in conventions and the user's
  // patterns; when either changed since they were read, they are read again.
  const bool rules_changed = stored_rules != rules.fingerprint();
  // The pattern is the index's: every command reads the same first releases,
  // and only an explicit --release-pattern or git config
  // beaver.releasePattern (the command line wins) changes it.
  std::optional<std::string> configured_pattern = repo.config_value("beaver.releasePattern");
  if (configured_pattern && configured_pattern->empty()) configured_pattern.reset();
  const std::string pattern = options.release_pattern.value_or(
      configured_pattern.value_or(stored_pattern.empty() ? std::string("v*") : stored_pattern));
  summary.release_pattern = pattern;
  auto count_commits = [&] {
    auto st = db.prepare("SELECT count(*) FROM commits");
    st.step();
    return std::size_t(st.int64(0));
  };
  // Tags count too: a new tag on a known commit changes first releases.
  auto repo_tags = repo.tags();
  note_release_tags(repo_tags, pattern, summary);
  if (all_known && stored_pattern == pattern && !rules_changed && !tips.empty() && !tag_set_differs(db, repo_tags)) {
    summary.up_to_date = true;
    summary.total_commits = count_commits();
    summary.stored_problems = stored_problems(db, summary.problems);
    summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return summary;
  }

  // Everything reachable from a stored tip is indexed: hide those that still exist.
  git::RevisionSet walk = revs;
  git_odb* odb = nullptr;
  git_repository_odb(&odb, repo.get());
  for (auto& blob : stored_tips) {
    git::Oid o = oid_of_blob(blob);
    if (odb && git_odb_exists(odb, &o.raw)) walk.exclude.push_back(o);
  }
  git_odb_free(odb);
  std::vector<git::Oid> commits = repo.walk(walk);
  summary.walked = commits.size();
  phase("walk");
  {
    // Commits written by an interrupted run are already there.
    std::unordered_set<std::string> have;
    auto st = db.prepare("SELECT oid FROM commits");
    while (st.step()) have.emplace(st.blob(0));
    commits.erase(std::remove_if(commits.begin(), commits.end(), [&](const git::Oid& o) { return have.count(std::string(raw_oid(o))); }),
                  commits.end());
  }

  // A large load builds the secondary indexes once at the end.
  std::size_t before = count_commits();
  std::int64_t last_before = 0;  // the highest row id before this run
  {
    auto st = db.prepare("SELECT coalesce(max(id), 0) FROM commits");
    st.step();
    last_before = st.int64(0);
  }
  if (commits.size() > 10000 && commits.size() > before) {
    Transaction tx(db);
    for (const char* name : kIndexNames) db.exec(fmt::format("DROP INDEX IF EXISTS {}", name));
    tx.commit();
  }

  // Batches are written by a thread of their own while the next batch is
  // scanned; at most two wait, so memory stays bounded.
  Writer writer(db, rules);
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<std::vector<git::ScanResult>> queue;
  bool finished = false;
  std::exception_ptr write_error;
  std::thread write_thread([&] {
    for (;;) {
      std::vector<git::ScanResult> chunk;
      {
        std::unique_lock lock(mutex);
        cv.wait(lock, [&] { return !queue.empty() || finished; });
        if (queue.empty()) return;
        chunk = std::move(queue.front());
        queue.pop_front();
      }
      bool failed;
      {
        std::lock_guard guard(mutex);
        failed = write_error != nullptr;
      }
      cv.notify_all();
      if (failed) continue;  // drain: the scan stops at its next batch
      try {
        Transaction tx(db);
        for (auto& r : chunk) {
          writer.write(r.info, r);
          summary.by_git += r.by_git;
          if (!r.error.empty()) summary.problems.push_back({r.commit.hex(), r.error});
        }
        tx.commit();
        summary.new_commits += chunk.size();
      } catch (...) {
        std::lock_guard guard(mutex);
        write_error = std::current_exception();
      }
    }
  });
  git::ScanOptions so;
  so.threads = options.threads;
  so.chunk_size = options.batch;
  so.with_info = true;
  so.on_progress = options.on_progress;
  so.on_chunk = [&](std::vector<git::ScanResult>& chunk) {
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return queue.size() < 2; });
    if (write_error) std::rethrow_exception(write_error);
    queue.push_back(std::move(chunk));
    cv.notify_all();
  };
  auto stop_writer = [&] {
    {
      std::lock_guard lock(mutex);
      finished = true;
    }
    cv.notify_all();
    write_thread.join();
  };
  try {
    git::scan(repo, commits, so);
  } catch (...) {
    stop_writer();
    throw;
  }
  progress_phase("writing the last commits");
  stop_writer();
  if (write_error) std::rethrow_exception(write_error);
  phase("scan+write");

  {
    progress_phase("building lookups and resolving references");
    Transaction tx(db);
    db.exec(kIndexes);
    phase("indexes");
    build_lookup(db);
    phase("lookup");
    if (rules_changed && last_before > 0) {
      summary.refs_reread = reread_refs(db, repo, rules, last_before);
      phase("reread refs");
    }
    summary.refs_unresolved = resolve_refs(db);
    tx.commit();
    phase("refs");
  }
  if (tags_changed(db, repo_tags, commits, stored_pattern != pattern || shallow_changed)) {
    progress_phase("first tags and releases");
    compute_first_tags(repo_tags, db, pattern);
  }
  phase("first tags");
  {
    Transaction tx(db);
    auto ins = db.prepare("INSERT OR REPLACE INTO tips(name, oid) VALUES (?, ?)");
    for (auto& [name, oid] : tips) ins.bind(1, oid.hex()).bind_blob(2, oid.raw.id, GIT_OID_RAWSZ).run();
    auto meta = db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)");
    meta.bind(1, "release_pattern").bind(2, pattern).run();
    meta.bind(1, "reference_rules").bind(2, rules.fingerprint()).run();
    meta.bind(1, "repository").bind(2, repo.common_dir()).run();
    meta.bind(1, "shallow").bind(2, fmt::format("{}", fmt::join(git::shallow_commits(repo.get())->hex, "\n"))).run();
    tx.commit();
  }
  summary.total_commits = count_commits();
  summary.stored_problems = stored_problems(db, summary.problems);
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return summary;
}

VerifyReport verify(const git::Repository& repo, const std::string& index_path) {
  VerifyReport r;
  r.index_path = index_path.empty() ? default_index_path(repo) : index_path;
  Database db = open_for_reading(r.index_path);
  // A damaged file can fail the check itself: that is a finding, not an error.
  std::unordered_set<std::string> have;
  try {
    auto st = db.prepare("PRAGMA integrity_check");
    while (st.step())
      if (st.text(0) != "ok") r.integrity.push_back(st.text(0));
    auto all = db.prepare("SELECT oid FROM commits");
    while (all.step()) have.emplace(all.blob(0));
  } catch (const Error& e) {
    r.integrity.push_back(e.what());
    return r;
  }
  r.indexed = have.size();
  git::RevisionSet walk;
  {
    git_odb* odb = nullptr;
    git_repository_odb(&odb, repo.get());
    auto st = db.prepare("SELECT oid FROM tips");
    while (st.step()) {
      git::Oid o = oid_of_blob(st.blob(0));
      if (odb && git_odb_exists(odb, &o.raw)) walk.include.push_back(o);
      else ++r.tips_gone;
    }
    git_odb_free(odb);
  }
  if (!walk.include.empty()) {
    std::vector<git::Oid> commits = repo.walk(walk);
    r.reachable = commits.size();
    for (auto& c : commits)
      if (!have.count(std::string(raw_oid(c))) && r.not_indexed_count++ < 20) r.not_indexed.push_back(c.hex());
  }
  return r;
}

}  // namespace beaver::index
