#include "index/query.h"
#include "util/text.h"

#include "git/patch_id.h"

#include <cstring>

namespace beaver::index {

std::string hex_of(std::string_view blob) { return hex_of_bytes(blob.data(), blob.size()); }

git::Oid oid_of_blob(std::string_view b) {
  git::Oid o;
  if (b.size() == GIT_OID_RAWSZ) std::memcpy(o.raw.id, b.data(), GIT_OID_RAWSZ);
  return o;
}

std::string blob_of_hex(std::string_view hex) {
  if (hex.size() != 40) return {};
  std::string out(20, '\0');
  auto val = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t k = 0; k < 20; ++k) {
    int hi = val(hex[2 * k]), lo = val(hex[2 * k + 1]);
    if (hi < 0 || lo < 0) return {};
    out[k] = char(hi * 16 + lo);
  }
  return out;
}

std::vector<std::int64_t> band_keys(std::string_view m) {
  std::vector<std::int64_t> keys;
  if (m.size() != git::kMinHashSize * 4) return keys;
  for (std::uint64_t b = 0; b < git::kMinHashSize / 4; ++b) {
    std::uint64_t v = git::hash64(m.substr(b * 16, 16));
    keys.push_back(std::int64_t((b << 56) ^ (v >> 8)));
  }
  return keys;
}

Reader::Reader(Database& db)
    : db_(db),
      commit_(db.prepare("SELECT id, parents, author_name, author_email, author_time, subject, norm_subject, is_merge, "
                         "patch_id, cf_id, files, insertions, deletions, by_git, error, t.tag, t.release, "
                         "minhash, hunk_hashes, changed_lines, committer_time "
                         "FROM commits LEFT JOIN first_tags t ON t.commit_id = id WHERE oid = ?")),
      trailers_(db.prepare("SELECT key, value FROM trailers WHERE commit_id = ? ORDER BY seq")),
      refs_(db.prepare("SELECT kind, target, subject, state, resolved, line FROM refs WHERE commit_id = ? ORDER BY line")),
      paths_(db.prepare("SELECT path FROM paths WHERE commit_id = ? ORDER BY seq")),
      same_(db.prepare("SELECT oid FROM commits WHERE patch_id = ? AND oid != ? ORDER BY committer_time")),
      same_cf_(db.prepare("SELECT oid FROM commits WHERE cf_id = ? AND patch_id IS NOT ? AND oid != ? "
                          "ORDER BY committer_time")) {}

std::size_t Reader::count() {
  auto st = db_.prepare("SELECT count(*) FROM commits");
  st.step();
  return std::size_t(st.int64(0));
}

std::optional<CommitRecord> Reader::commit(const git::Oid& id) {
  commit_.bind_blob(1, id.raw.id, GIT_OID_RAWSZ);
  if (!commit_.step()) {
    commit_.reset();
    return std::nullopt;
  }
  CommitRecord r;
  std::int64_t rowid = commit_.int64(0);
  r.oid = id.hex();
  auto parents = commit_.blob(1);
  for (std::size_t k = 0; k + GIT_OID_RAWSZ <= parents.size(); k += GIT_OID_RAWSZ)
    r.parents.push_back(hex_of(parents.substr(k, GIT_OID_RAWSZ)));
  r.author_name = commit_.text(2);
  r.author_email = commit_.text(3);
  r.author_time = commit_.int64(4);
  r.subject = commit_.text(5);
  r.norm_subject = commit_.text(6);
  r.merge = commit_.int64(7) != 0;
  std::string patch_id_blob(commit_.blob(8)), cf_blob(commit_.blob(9));
  r.patch_id = hex_of(patch_id_blob);
  r.cf_id = hex_of(cf_blob);
  r.files = int(commit_.int64(10));
  r.insertions = int(commit_.int64(11));
  r.deletions = int(commit_.int64(12));
  r.by_git = commit_.int64(13) != 0;
  r.error = commit_.text(14);
  r.first_tag = commit_.text(15);
  r.first_release = commit_.text(16);
  r.id = rowid;
  r.minhash = std::string(commit_.blob(17));
  std::string_view h = commit_.blob(18);
  for (std::size_t k = 0; k + 8 <= h.size(); k += 8) {
    std::uint64_t v;
    std::memcpy(&v, h.data() + k, 8);
    r.hunks.push_back(v);
  }
  r.changed_lines = int(commit_.int64(19));
  r.committer_time = commit_.int64(20);
  commit_.reset();

  trailers_.bind(1, rowid);
  while (trailers_.step()) r.trailers.emplace_back(trailers_.text(0), trailers_.text(1));
  trailers_.reset();
  refs_.bind(1, rowid);
  while (refs_.step()) {
    RefRecord ref;
    ref.kind = refs_.text(0);
    ref.target = refs_.text(1);
    ref.subject = refs_.text(2);
    ref.state = refs_.text(3);
    ref.resolved = hex_of(refs_.blob(4));
    ref.line = int(refs_.int64(5));
    r.refs.push_back(std::move(ref));
  }
  refs_.reset();
  paths_.bind(1, rowid);
  while (paths_.step()) r.paths.push_back(paths_.text(0));
  paths_.reset();
  if (!patch_id_blob.empty()) {
    same_.bind_blob(1, patch_id_blob.data(), patch_id_blob.size()).bind_blob(2, id.raw.id, GIT_OID_RAWSZ);
    while (same_.step()) r.same_patch_id.push_back(hex_of(same_.blob(0)));
    same_.reset();
  }
  if (!cf_blob.empty()) {
    same_cf_.bind_blob(1, cf_blob.data(), cf_blob.size());
    if (patch_id_blob.empty()) same_cf_.bind_null(2);
    else same_cf_.bind_blob(2, patch_id_blob.data(), patch_id_blob.size());
    same_cf_.bind_blob(3, id.raw.id, GIT_OID_RAWSZ);
    while (same_cf_.step()) r.same_change.push_back(hex_of(same_cf_.blob(0)));
    same_cf_.reset();
  }
  return r;
}

}  // namespace beaver::index
