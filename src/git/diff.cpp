#include "git/diff.h"
#include "git/shallow.h"
#include "git/xdiff.h"

#include "util/error.h"
#include "util/process.h"
#include "util/quote.h"
#include "util/text.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

namespace beaver::git {

namespace {

// Where rendered lines go: the text, or straight into a PatchParser (which
// saves building the text only to split it again).
class LineSink {
public:
  LineSink(std::string* text, PatchParser* parser) : text_(text), parser_(parser) {}
  void line(std::string_view l) {  // l ends with '\n'
    if (parser_) parser_->line(l);
    else text_->append(l);
  }
  std::string scratch;

private:
  std::string* text_;
  PatchParser* parser_;
};

void append_mode(LineSink& out, const char* what, std::uint32_t mode) {
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%s %06o\n", what, mode);
  out.line(std::string_view(buf, std::size_t(n)));
}

// xdiff's hunk header: a count of 1 is left out ("@@ -3 +3,2 @@"). git
// follows it with the function name, which patch-id does not read and
// beaver leaves out.
std::string hunk_header(long old_start, long old_lines, long new_start, long new_lines) {
  std::string h = fmt::format("@@ -{}", old_start);
  if (old_lines != 1) h += fmt::format(",{}", old_lines);
  h += fmt::format(" +{}", new_start);
  if (new_lines != 1) h += fmt::format(",{}", new_lines);
  h += " @@\n";
  return h;
}

// Writes LineDiff's output as git prints it: the "---"/"+++" lines before
// the first hunk, and git's line after a last line without a newline.
class TextSink : public DiffSink {
public:
  TextSink(LineSink& out, const std::string& old_name, const std::string& new_name)
      : out_(out), old_name_(old_name), new_name_(new_name) {}
  void hunk(long old_start, long old_count, long new_start, long new_count) override {
    if (!headed_) {
      out_.line("--- " + old_name_ + "\n");
      out_.line("+++ " + new_name_ + "\n");
      headed_ = true;
    }
    out_.line(hunk_header(old_start, old_count, new_start, new_count));
  }
  void line(char sign, std::string_view text) override {
    std::string& l = out_.scratch;
    l.assign(1, sign);
    l.append(text);
    bool eol = !text.empty() && text.back() == '\n';
    if (!eol) l.push_back('\n');
    out_.line(l);
    if (!eol) out_.line("\\ No newline at end of file\n");
  }

private:
  LineSink& out_;
  const std::string& old_name_;
  const std::string& new_name_;
  bool headed_ = false;
};

}  // namespace

namespace {

struct Delta {
  std::string old_path, new_path;
  std::uint32_t old_mode = 0, new_mode = 0;
  git_oid old_id{}, new_id{};
  git_delta_t status = GIT_DELTA_MODIFIED;
};

bool is_tree(std::uint32_t mode) { return (mode & 0170000) == 0040000; }
int kind(std::uint32_t mode) { return int(mode & 0170000); }

// git's canon_mode(): the mode a tree entry is compared and shown with (old
// histories hold modes such as 100664).
std::uint32_t canon_mode(std::uint32_t mode) {
  switch (mode & 0170000) {
    case 0100000: return 0100000 | ((mode & 0100) ? 0755 : 0644);
    case 0120000: return 0120000;
    case 0040000: return 0040000;
    default: return 0160000;
  }
}

// One entry of a raw tree object: "<octal mode> <name>\0<20-byte id>".
struct RawEntry {
  std::string_view name;
  std::uint32_t mode = 0;  // canonical
  const unsigned char* id = nullptr;
  std::string_view bytes;  // the whole entry as stored
};

// A tree object read straight from the object database and walked in place,
// as git's tree-walk does: libgit2's git_tree_lookup allocates and fills an
// entry for every name of every tree read, which was 7% of a u-boot scan
// (a kernel's dts and defconfig directories hold thousands of names).
class RawTree {
public:
  ~RawTree() { git_odb_object_free(obj_); }
  // False with `error` set when the object cannot be read or is no tree.
  bool load(git_odb* odb, const git_oid& id, std::string& error) {
    if (git_odb_read(&obj_, odb, &id) != 0) {
      error = last_error();
      return false;
    }
    if (git_odb_object_type(obj_) != GIT_OBJECT_TREE) {
      char hex[GIT_OID_HEXSZ + 1];
      git_oid_tostr(hex, sizeof hex, &id);
      error = fmt::format("object {} is a {}, not a tree", hex, git_object_type2string(git_odb_object_type(obj_)));
      return false;
    }
    p_ = static_cast<const char*>(git_odb_object_data(obj_));
    end_ = p_ + git_odb_object_size(obj_);
    return true;
  }
  // The next entry; false at the end, or with `error` set for a malformed one.
  bool next(RawEntry& e, std::string& error) {
    if (p_ == end_) return false;
    const char* start = p_;
    std::uint32_t mode = 0;
    const char* q = p_;
    while (q < end_ && *q >= '0' && *q <= '7' && q - p_ < 7) mode = mode * 8 + std::uint32_t(*q++ - '0');
    std::size_t name_len = find_nul(std::string_view(q, std::size_t(end_ - q)));
    const char* nul = q + name_len < end_ ? q + name_len : nullptr;
    if (q == p_ || q == end_ || *q != ' ' || !nul || nul == q + 1 || end_ - nul < 1 + GIT_OID_RAWSZ) {
      error = fmt::format("malformed tree entry at byte {}", start - static_cast<const char*>(git_odb_object_data(obj_)));
      p_ = end_;
      return false;
    }
    e.mode = canon_mode(mode);
    e.name = std::string_view(q + 1, std::size_t(nul - q - 1));
    e.id = reinterpret_cast<const unsigned char*>(nul + 1);
    p_ = nul + 1 + GIT_OID_RAWSZ;
    e.bytes = std::string_view(start, std::size_t(p_ - start));
    return true;
  }

private:
  git_odb_object* obj_ = nullptr;
  const char* p_ = nullptr;
  const char* end_ = nullptr;
};

// git's base_name_compare(): a tree sorts as if its name ended in '/'.
int entry_compare(const RawEntry& a, const RawEntry& b) {
  std::size_t len = std::min(a.name.size(), b.name.size());
  int cmp = std::memcmp(a.name.data(), b.name.data(), len);
  if (cmp) return cmp;
  unsigned char c1 = a.name.size() > len ? static_cast<unsigned char>(a.name[len]) : (is_tree(a.mode) ? '/' : 0);
  unsigned char c2 = b.name.size() > len ? static_cast<unsigned char>(b.name[len]) : (is_tree(b.mode) ? '/' : 0);
  return c1 < c2 ? -1 : c1 > c2 ? 1 : 0;
}

// Like git's tree-diff: walks two trees in git's entry order and descends
// only into subtrees whose ids differ, so a commit costs what it changed,
// not the size of the tree.
class TreeDiff {
public:
  TreeDiff(git_repository* repo, std::vector<Delta>& out) : out_(out) {
    if (git_repository_odb(&odb_, repo) != 0) error = "object database: " + last_error();
  }
  ~TreeDiff() { git_odb_free(odb_); }
  TreeDiff(const TreeDiff&) = delete;
  TreeDiff& operator=(const TreeDiff&) = delete;
  // Either id may be null: the side has no tree (a root commit, an added or
  // deleted directory).
  bool run(const git_oid* a, const git_oid* b, const std::string& prefix);
  std::string error;
  bool typechange = false;

private:
  void one_side(const RawEntry& e, const std::string& prefix, bool added);
  // Records why the tree at `prefix` ("dir/", or "" for the root) failed.
  void fail(const std::string& prefix, const std::string& why) {
    error = fmt::format("tree {}: {}", prefix.empty() ? "(root)" : prefix.substr(0, prefix.size() - 1), why);
  }
  git_odb* odb_ = nullptr;
  std::vector<Delta>& out_;
};

bool TreeDiff::run(const git_oid* a, const git_oid* b, const std::string& prefix) {
  if (!error.empty()) return false;
  // A side without a tree stays an empty RawTree: it has no entries.
  RawTree ta, tb;
  std::string why;
  if ((a && !ta.load(odb_, *a, why)) || (b && !tb.load(odb_, *b, why))) {
    fail(prefix, why);
    return false;
  }
  RawEntry ea, eb;
  auto advance = [&](RawTree& t, RawEntry& e, bool& have) {
    have = t.next(e, why);
    if (!why.empty()) fail(prefix, why);
  };
  bool ha = false, hb = false;
  advance(ta, ea, ha);
  advance(tb, eb, hb);
  while ((ha || hb) && error.empty()) {
    // Most entries of a changed tree are stored byte for byte the same.
    if (ha && hb && ea.bytes == eb.bytes) {
      advance(ta, ea, ha);
      advance(tb, eb, hb);
      continue;
    }
    int cmp = !ha ? 1 : !hb ? -1 : entry_compare(ea, eb);
    if (cmp < 0) {
      one_side(ea, prefix, false);
      advance(ta, ea, ha);
      continue;
    }
    if (cmp > 0) {
      one_side(eb, prefix, true);
      advance(tb, eb, hb);
      continue;
    }
    std::uint32_t ma = ea.mode, mb = eb.mode;
    if (ma != mb || std::memcmp(ea.id, eb.id, GIT_OID_RAWSZ) != 0) {
      std::string child = prefix;
      child.append(ea.name);
      git_oid ida, idb;
      git_oid_fromraw(&ida, ea.id);
      git_oid_fromraw(&idb, eb.id);
      if (is_tree(ma) && is_tree(mb)) {
        run(&ida, &idb, child + "/");
      } else {
        if (kind(ma) != kind(mb)) typechange = true;
        Delta d;
        d.old_path = d.new_path = child;
        d.old_mode = ma;
        d.new_mode = mb;
        d.old_id = ida;
        d.new_id = idb;
        d.status = GIT_DELTA_MODIFIED;
        out_.push_back(std::move(d));
      }
    }
    advance(ta, ea, ha);
    advance(tb, eb, hb);
  }
  return error.empty();
}

void TreeDiff::one_side(const RawEntry& e, const std::string& prefix, bool added) {
  std::string path = prefix;
  path.append(e.name);
  git_oid id;
  git_oid_fromraw(&id, e.id);
  if (is_tree(e.mode)) {
    if (added) run(nullptr, &id, path + "/");
    else run(&id, nullptr, path + "/");
    return;
  }
  Delta d;
  d.old_path = d.new_path = path;
  if (added) {
    d.new_mode = e.mode;
    d.new_id = id;
    d.status = GIT_DELTA_ADDED;
  } else {
    d.old_mode = e.mode;
    d.old_id = id;
    d.status = GIT_DELTA_DELETED;
  }
  out_.push_back(std::move(d));
}

// Could git's rename detection (-M, 50%) pair a deleted file with an added
// one? If not, git prints the commit exactly as libgit2 renders it. Like
// git's diffcore-rename: an exact rename is a deleted and an added entry
// with the same blob; an inexact one needs two regular files whose sizes
// differ by at most half of the larger (estimate_similarity() skips the
// rest without reading them). Undecidable cases say yes: git decides.
// The first blob of the deltas that is not in the repository, as an error
// naming it ("" when all are there). Checked before a commit is handed to
// git: git dies on a missing blob, and in a partial clone tries to fetch each
// one first (a failed `git fetch` per blob: minutes on a large commit).
std::string missing_blob(git_repository* repo, const std::vector<Delta>& deltas) {
  git_odb* odb = nullptr;
  if (git_repository_odb(&odb, repo) != 0) return "";
  std::string out;
  auto check = [&](std::uint32_t mode, const git_oid& id, const std::string& path) {
    if (!out.empty() || mode == 0 || kind(mode) == 0160000) return;
    if (!git_odb_exists(odb, &id))
      out = fmt::format("{} (blob {}): object not found - no match for id ({})", path, Oid(id).hex(), Oid(id).hex());
  };
  for (auto& d : deltas) {
    check(d.old_mode, d.old_id, d.old_path);
    check(d.new_mode, d.new_id, d.new_path);
  }
  git_odb_free(odb);
  return out;
}

// A blob that is not in the repository (a mirror's omission, a partial
// clone's) sets `missing`: the commit cannot be rendered, and asking git
// would only make it fail (or, in a partial clone, try to fetch each one).
bool may_have_renames(git_repository* repo, const std::vector<Delta>& deltas, std::string& missing) {
  std::vector<const Delta*> gone, born;
  for (auto& d : deltas) {
    if (d.status == GIT_DELTA_DELETED) gone.push_back(&d);
    else if (d.status == GIT_DELTA_ADDED) born.push_back(&d);
  }
  if (gone.empty() || born.empty()) return false;
  if (gone.size() * born.size() > 1000000) return true;
  for (auto* g : gone)
    for (auto* b : born)
      if (git_oid_equal(&g->old_id, &b->new_id)) return true;
  git_odb* odb = nullptr;
  if (git_repository_odb(&odb, repo) != 0) return true;
  auto size_of = [&](const git_oid& id, const std::string& path, std::size_t& out) {
    std::size_t len = 0;
    git_object_t type;
    if (int rc = git_odb_read_header(&len, &type, odb, &id); rc != 0) {
      if (rc == GIT_ENOTFOUND) missing = fmt::format("{} (blob {}): {}", path, Oid(id).hex(), last_error());
      return false;
    }
    out = len;
    return true;
  };
  auto regular = [](std::uint32_t mode) { return kind(mode) == 0100000; };
  std::vector<std::size_t> gone_size, born_size;
  bool ok = true;
  for (auto* g : gone) {
    std::size_t n = 0;
    if (regular(g->old_mode) && !(ok = size_of(g->old_id, g->old_path, n))) break;
    gone_size.push_back(n);
  }
  for (std::size_t i = 0; ok && i < born.size(); ++i) {
    std::size_t n = 0;
    if (regular(born[i]->new_mode) && !(ok = size_of(born[i]->new_id, born[i]->new_path, n))) break;
    born_size.push_back(n);
  }
  git_odb_free(odb);
  if (!ok) return true;
  for (std::size_t i = 0; i < gone.size(); ++i) {
    if (!regular(gone[i]->old_mode)) continue;
    for (std::size_t j = 0; j < born.size(); ++j) {
      if (!regular(born[j]->new_mode)) continue;
      std::size_t a = gone_size[i], b = born_size[j];
      std::size_t max = std::max(a, b), delta = max - std::min(a, b);
      // git: skip when max_size * (MAX_SCORE - minimum_score) < delta_size * MAX_SCORE
      if (!(max * 30000 < delta * 60000)) return true;
    }
  }
  return false;
}

// The content git diffs for one side of a file: the blob, or for a
// submodule (gitlink) the line "Subproject commit <id>".
struct Side {
  std::unique_ptr<git_blob, Deleter<git_blob, git_blob_free>> blob;
  std::string text;
  bool present = false;
  bool big = false;  // larger than core.bigFileThreshold: binary, content not read
  const char* data() const { return blob ? static_cast<const char*>(git_blob_rawcontent(blob.get())) : text.data(); }
  std::size_t size() const { return blob ? std::size_t(git_blob_rawsize(blob.get())) : text.size(); }
};

// big_file_threshold: a blob larger than it is not read (git's
// diff_populate_filespec() with check_binary); 0: no limit.
bool load_side(git_repository* repo, std::uint32_t mode, const git_oid& id, const std::string& path, Side& side,
               std::string& error, std::uint64_t big_file_threshold = 0) {
  if (mode == 0) return true;
  side.present = true;
  if (kind(mode) == 0160000) {
    side.text = "Subproject commit " + Oid(id).hex() + "\n";
    return true;
  }
  if (big_file_threshold) {
    git_odb* odb = nullptr;
    std::size_t len = 0;
    git_object_t type = GIT_OBJECT_INVALID;
    bool known = git_repository_odb(&odb, repo) == 0 && git_odb_read_header(&len, &type, odb, &id) == 0;
    git_odb_free(odb);
    if (known && std::uint64_t(len) > big_file_threshold) {
      side.big = true;
      return true;
    }
    git_error_clear();  // a missing blob is reported by the lookup below
  }
  git_blob* b = nullptr;
  if (git_blob_lookup(&b, repo, &id) != 0) {
    error = fmt::format("{} (blob {}): {}", path, Oid(id).hex(), last_error());
    return false;
  }
  side.blob.reset(b);
  return true;
}

// A file that only one side has: its diff is every line of it, so xdiff is
// skipped (it would hash and classify every line only to find that nothing
// matches). The lines are those xdiff would emit: "@@ -0,0 +1,N @@" (or
// "-1,N +0,0 @@") and each line with its sign, the last one followed by git's
// "\ No newline" line when it has no newline. An empty file has no hunk.
void emit_whole_file(LineSink& out, const Side& side, bool added, const std::string& old_name,
                     const std::string& new_name) {
  std::string_view text(side.data(), side.size());
  if (text.empty()) return;
  long lines = long(std::count(text.begin(), text.end(), '\n')) + (text.back() != '\n');
  TextSink sink(out, old_name, new_name);
  if (added) sink.hunk(0, 0, 1, lines);
  else sink.hunk(1, lines, 0, 0);
  char sign = added ? '+' : '-';
  for (std::size_t at = 0; at < text.size();) {
    std::size_t nl = text.find('\n', at);
    std::size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    sink.line(sign, text.substr(at, end - at));
    at = end;
  }
}

// git's buffer_is_binary(): a NUL byte in the first 8000 bytes.
bool is_binary(const Side& s) {
  if (s.big) return true;
  std::size_t n = std::min<std::size_t>(s.size(), 8000);
  return s.present && std::memchr(s.data(), 0, n) != nullptr;
}

}  // namespace

DiffSettings diff_settings_for(git_repository* repo) {
  DiffSettings s;
  if (git_config* cfg = nullptr; git_repository_config_snapshot(&cfg, repo) == 0) {
    std::int64_t v = 0;  // git_config_int64 takes git's k/m/g suffixes
    if (git_config_get_int64(&v, cfg, "core.bigfilethreshold") == 0 && v > 0) s.big_file_threshold = std::uint64_t(v);
    git_config_free(cfg);
  }
  git_error_clear();
  if (!git_repository_is_bare(repo)) return s;  // work-tree .gitattributes may be anywhere: always look
  // A bare repository: git reads $GIT_DIR/info/attributes, core.attributesFile
  // (default $XDG_CONFIG_HOME/git/attributes) and $(prefix)/etc/gitattributes.
  s.attr_flags = GIT_ATTR_CHECK_INDEX_ONLY | GIT_ATTR_CHECK_NO_SYSTEM;
  std::error_code ec;
  namespace fs = std::filesystem;
  std::vector<std::string> files = {std::string(git_repository_path(repo)) + "info/attributes", "/etc/gitattributes"};
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) files.push_back(std::string(xdg) + "/git/attributes");
  if (const char* home = std::getenv("HOME"); home && *home) files.push_back(std::string(home) + "/.config/git/attributes");
  git_config* cfg = nullptr;
  if (git_repository_config_snapshot(&cfg, repo) == 0) {
    git_buf buf = GIT_BUF_INIT;
    if (git_config_get_path(&buf, cfg, "core.attributesfile") == 0) files.emplace_back(buf.ptr);
    git_buf_dispose(&buf);
    git_config_free(cfg);
  }
  s.check_attributes = false;
  for (auto& f : files)
    if (fs::exists(f, ec)) s.check_attributes = true;
  if (s.check_attributes) s.attr_flags = GIT_ATTR_CHECK_INDEX_ONLY;
  return s;
}

namespace {
// git's verdict from the "diff" attribute.
enum class DiffAttr {
  automatic,  // unset, or a driver with only a funcname: look for NUL bytes
  text,       // `diff`: text even with NUL bytes
  binary,     // `-diff` / `binary`
  git,        // a driver with textconv, binary or command config: let git render it
};

DiffAttr diff_attribute(git_repository* repo, const DiffSettings& settings, const std::string& path) {
  if (!settings.check_attributes) return DiffAttr::automatic;
  const char* value = nullptr;
  if (git_attr_get(&value, repo, settings.attr_flags, path.c_str(), "diff") != 0) return DiffAttr::automatic;
  switch (git_attr_value(value)) {
    case GIT_ATTR_VALUE_TRUE: return DiffAttr::text;
    case GIT_ATTR_VALUE_FALSE: return DiffAttr::binary;
    case GIT_ATTR_VALUE_STRING: break;
    default: return DiffAttr::automatic;
  }
  // A named driver: builtin funcname drivers are harmless, but a configured
  // textconv or binary setting changes the text.
  git_config* cfg = nullptr;
  if (git_repository_config_snapshot(&cfg, repo) != 0) return DiffAttr::git;
  bool custom = false;
  for (const char* key : {"textconv", "binary", "command"}) {
    git_config_entry* e = nullptr;
    if (git_config_get_entry(&e, cfg, fmt::format("diff.{}.{}", value, key).c_str()) == 0) {
      custom = true;
      git_config_entry_free(e);
    }
  }
  git_config_free(cfg);
  return custom ? DiffAttr::git : DiffAttr::automatic;
}
}  // namespace

namespace {

// One file of the rendered diff: a delta of the tree walk, or a rename that
// joins two of them, with what git says of it when that is known.
struct Item {
  const Delta* old_side = nullptr;  // the deleted or modified entry
  const Delta* new_side = nullptr;  // the added or modified entry
  int score = -1;                   // similarity index of a rename
  const FilePair* pair = nullptr;   // git's word on it (abbreviations)
  const std::string& old_path() const { return old_side ? old_side->old_path : new_side->new_path; }
  const std::string& new_path() const { return new_side ? new_side->new_path : old_side->old_path; }
  std::uint32_t old_mode() const { return old_side ? old_side->old_mode : 0; }
  std::uint32_t new_mode() const { return new_side ? new_side->new_mode : 0; }
  git_oid old_id() const { return old_side ? old_side->old_id : git_oid{}; }
  git_oid new_id() const { return new_side ? new_side->new_id : git_oid{}; }
};

// Joins git's file pairs to the tree walk's deltas, in git's order. Returns
// false when they do not describe the same change (then git renders it).
bool items_from_pairs(const std::vector<Delta>& deltas, const std::vector<FilePair>& pairs, std::vector<Item>& items) {
  std::unordered_map<std::string_view, const Delta*> gone, born, changed;
  for (auto& d : deltas) {
    auto& map = d.status == GIT_DELTA_ADDED ? born : d.status == GIT_DELTA_DELETED ? gone : changed;
    map.emplace(d.status == GIT_DELTA_DELETED ? d.old_path : d.new_path, &d);
  }
  std::size_t used = 0;
  auto take = [&](auto& map, const std::string& path, const Delta*& out) {
    auto it = map.find(path);
    if (it == map.end() || !it->second) return false;
    out = it->second;
    it->second = nullptr;
    ++used;
    return true;
  };
  for (auto& p : pairs) {
    Item it;
    it.pair = &p;
    bool ok = false;
    switch (p.status) {
      case 'M':
        ok = take(changed, p.new_path, it.old_side);
        it.new_side = it.old_side;
        break;
      case 'A': ok = take(born, p.new_path, it.new_side); break;
      case 'D': ok = take(gone, p.old_path, it.old_side); break;
      case 'R':
        ok = take(gone, p.old_path, it.old_side) && take(born, p.new_path, it.new_side);
        it.score = p.score;
        break;
      default: return false;  // T (type change) and anything else: git renders it
    }
    if (!ok || it.old_mode() != p.old_mode || it.new_mode() != p.new_mode) return false;
    items.push_back(it);
  }
  return used == deltas.size();
}

void append_abbrev(std::string& out, const git_oid& id, const std::string* git_abbrev) {
  if (git_abbrev) {
    out += *git_abbrev;
  } else {
    char hex[8];
    git_oid_tostr(hex, sizeof hex, &id);
    out += hex;
  }
}

}  // namespace

DiffRender render_diff(git_repository* repo, const Oid& id, const DiffSettings& settings, PatchParser* parser,
                       const std::vector<FilePair>* pairs) {
  DiffRender r;
  git_commit* raw = nullptr;
  if (git_commit_lookup(&raw, repo, &id.raw) != 0) {
    r.error = last_error();
    return r;
  }
  CommitPtr commit(raw);
  // A shallow clone's boundary commit has no parents for git: it adds every file.
  unsigned nparents = shallow_commits(repo)->contains(id.raw) ? 0 : git_commit_parentcount(raw);
  if (nparents > 1) {
    r.merge = true;
    return r;
  }
  const git_oid* tree_id = git_commit_tree_id(raw);
  git_oid parent_tree_id;
  bool has_parent = nparents == 1;
  if (has_parent) {
    git_commit* p = nullptr;
    if (git_commit_parent(&p, raw, 0) != 0) {
      r.error = "parent: " + last_error();
      return r;
    }
    CommitPtr parent(p);
    git_oid_cpy(&parent_tree_id, git_commit_tree_id(p));
  }

  std::vector<Delta> deltas;
  TreeDiff td(repo, deltas);
  if (!td.run(has_parent ? &parent_tree_id : nullptr, tree_id, "")) {
    r.error = td.error;
    return r;
  }
  if (td.typechange || settings.all_by_git) {
    r.error = missing_blob(repo, deltas);
    r.needs_git = r.error.empty();
    return r;
  }
  std::vector<Item> items;
  if (pairs) {
    if (!items_from_pairs(deltas, *pairs, items)) {
      r.error = missing_blob(repo, deltas);
      r.needs_git = r.error.empty();
      return r;
    }
  } else {
    bool renames = may_have_renames(repo, deltas, r.error);
    if (!r.error.empty()) return r;
    if (renames) {
      // git's rename detection reads the candidates (may_have_renames may
      // have decided without reading every size).
      r.error = missing_blob(repo, deltas);
      if (!r.error.empty()) return r;
      r.needs_pairs = true;
      return r;
    }
    items.reserve(deltas.size());
    for (auto& d : deltas) {
      Item it;
      if (d.status != GIT_DELTA_ADDED) it.old_side = &d;
      if (d.status != GIT_DELTA_DELETED) it.new_side = &d;
      items.push_back(it);
    }
  }

  LineSink out(&r.text, parser);
  // Rendering stops half-way when a later file turns out to need git.
  auto give_up = [&] {
    r.text.clear();
    if (parser) parser->reset();
  };
  std::string header;
  for (auto& it : items) {
    const std::string& old_path = it.old_path();
    const std::string& new_path = it.new_path();
    std::uint32_t old_mode = it.old_mode(), new_mode = it.new_mode();
    git_oid old_id = it.old_id(), new_id = it.new_id();
    // Each side is judged by its own path's attributes, as in git.
    DiffAttr attr_a = old_mode ? diff_attribute(repo, settings, old_path) : DiffAttr::automatic;
    DiffAttr attr_b = new_mode ? (new_path == old_path && old_mode ? attr_a : diff_attribute(repo, settings, new_path))
                               : DiffAttr::automatic;
    // Only where no attribute decided (git: driver->binary == -1) does the
    // size make a file binary.
    Side a, b;
    if (!load_side(repo, old_mode, old_id, old_path, a, r.error,
                   attr_a == DiffAttr::automatic ? settings.big_file_threshold : 0) ||
        !load_side(repo, new_mode, new_id, new_path, b, r.error,
                   attr_b == DiffAttr::automatic ? settings.big_file_threshold : 0)) {
      give_up();
      return r;
    }
    if (attr_a == DiffAttr::git || attr_b == DiffAttr::git) {
      give_up();
      r.error = missing_blob(repo, deltas);
      r.needs_git = r.error.empty();
      return r;
    }
    auto binary_side = [](DiffAttr attr, const Side& s) {
      return attr == DiffAttr::binary || (attr == DiffAttr::automatic && is_binary(s));
    };
    bool binary = binary_side(attr_a, a) || binary_side(attr_b, b);
    if (binary && !it.pair) {  // its "index" line needs git's abbreviations
      r.needs_pairs = true;
      give_up();
      return r;
    }
    // The header, as git's builtin_diff() and fill_metainfo() write it.
    std::string qa = quote_path("a/", old_path);
    std::string qb = quote_path("b/", new_path);
    out.line("diff --git " + qa + " " + qb + "\n");
    if (!a.present) append_mode(out, "new file mode", new_mode);
    else if (!b.present) append_mode(out, "deleted file mode", old_mode);
    else if (old_mode != new_mode) {
      append_mode(out, "old mode", old_mode);
      append_mode(out, "new mode", new_mode);
    }
    if (it.score >= 0) {
      out.line(fmt::format("similarity index {}%\n", it.score));
      out.line("rename from " + quote_path("", old_path) + "\n");
      out.line("rename to " + quote_path("", new_path) + "\n");
    }
    if (!git_oid_equal(&old_id, &new_id)) {
      header.assign("index ");
      append_abbrev(header, old_id, it.pair ? &it.pair->old_abbrev : nullptr);
      header += "..";
      append_abbrev(header, new_id, it.pair ? &it.pair->new_abbrev : nullptr);
      if (old_mode == new_mode) header += fmt::format(" {:06o}", old_mode);
      header += '\n';
      out.line(header);
    }
    bool same = a.big || b.big ? a.present && b.present && git_oid_equal(&old_id, &new_id)
                               : a.size() == b.size() && (a.size() == 0 || std::memcmp(a.data(), b.data(), a.size()) == 0);
    if (same) continue;  // a mode change or a pure rename: no hunks
    std::string old_name = a.present ? qa : std::string("/dev/null");
    std::string new_name = b.present ? qb : std::string("/dev/null");
    if (binary) {
      out.line("Binary files " + old_name + " and " + new_name + " differ\n");
      continue;
    }
    if (!a.present || !b.present) {
      emit_whole_file(out, a.present ? a : b, !a.present, old_name, new_name);
      continue;
    }
    // Lines are streamed into the text as the diff emits them; the "---"/
    // "+++" lines only appear when there is a hunk, as in git.
    thread_local LineDiff line_diff;
    TextSink sink(out, old_name, new_name);
    line_diff.diff(std::string_view(a.data(), a.size()), std::string_view(b.data(), b.size()), sink);
  }
  return r;
}

std::optional<FilePair> parse_raw_line(std::string_view line) {
  // :<old mode> <new mode> <old id> <new id> <status>[score]\t<path>[\t<path>]
  if (line.empty() || line[0] != ':') return std::nullopt;
  if (line.back() == '\n') line.remove_suffix(1);
  std::size_t tab = line.find('\t');
  if (tab == std::string_view::npos) return std::nullopt;
  std::string_view meta = line.substr(1, tab - 1);
  std::string_view paths = line.substr(tab + 1);
  FilePair p;
  std::string_view field[5];
  for (int i = 0; i < 5; ++i) {
    std::size_t sp = meta.find(' ');
    field[i] = meta.substr(0, sp);
    meta = sp == std::string_view::npos ? std::string_view() : meta.substr(sp + 1);
    if (field[i].empty()) return std::nullopt;
  }
  auto mode = [](std::string_view s, std::uint32_t& out) {
    out = 0;
    for (char c : s) {
      if (c < '0' || c > '7') return false;
      out = out * 8 + std::uint32_t(c - '0');
    }
    return true;
  };
  if (!mode(field[0], p.old_mode) || !mode(field[1], p.new_mode)) return std::nullopt;
  p.old_abbrev = std::string(field[2]);
  p.new_abbrev = std::string(field[3]);
  // An abbreviation may carry an ellipsis (GIT_PRINT_SHA1_ELLIPSIS).
  for (auto* ab : {&p.old_abbrev, &p.new_abbrev})
    while (!ab->empty() && ab->back() == '.') ab->pop_back();
  p.status = field[4][0];
  if (field[4].size() > 1) {
    p.score = 0;
    for (char c : field[4].substr(1)) {
      if (c < '0' || c > '9') return std::nullopt;
      p.score = p.score * 10 + (c - '0');
    }
  }
  if (p.status == 'R' || p.status == 'C') {
    std::size_t t2 = paths.find('\t');
    if (t2 == std::string_view::npos) return std::nullopt;
    p.old_path = unquote_path(paths.substr(0, t2));
    p.new_path = unquote_path(paths.substr(t2 + 1));
  } else {
    p.old_path = p.new_path = unquote_path(paths);
  }
  return p;
}

namespace {
std::vector<std::string> diff_tree_command(const Repository& repo, const GitDiffOptions& options) {
  auto cmd = repo.git_command();
  if (!options.follow_config)  // the plumbing's share of the diff settings, at git's defaults
    cmd.insert(cmd.end(), {"-c", "diff.suppressBlankEmpty=false", "-c", "diff.indentHeuristic=true"});
  cmd.insert(cmd.end(), {"diff-tree", "--stdin", "-p", "-M", "-l1000", "--root", "--no-color", "--no-ext-diff",
                         "--no-textconv", "--no-relative", "--src-prefix=a/", "--dst-prefix=b/"});
  if (options.follow_config) cmd.insert(cmd.end(), options.options.begin(), options.options.end());
  return cmd;
}

// Splits diff-tree output into commits: each begins with its id on a line of
// its own; commits without any change print nothing and are reported empty.
class DiffTreeOutput {
public:
  DiffTreeOutput(const std::vector<Oid>& commits, std::size_t start, const std::function<void(BatchResult&&)>& sink)
      : commits_(commits), done(start), sink_(sink) {}
  void line(std::string_view line) {
    if (line.size() == 41 && line[40] == '\n') {
      if (auto oid = Oid::from_hex(line.substr(0, 40))) {
        emit();
        while (done < commits_.size() && !(commits_[done] == *oid)) sink_(BatchResult{commits_[done++], {}, {}});
        if (done < commits_.size()) ++done;
        current = BatchResult{*oid, {}, {}};
        return;
      }
    }
    if (current) current->text.append(line);
  }
  void emit() {
    if (current) sink_(std::move(*current));
    current.reset();
  }
  void finish() {
    emit();
    for (; done < commits_.size(); ++done) sink_(BatchResult{commits_[done], {}, {}});
  }
  const std::vector<Oid>& commits_;
  std::size_t done;  // index of the next commit whose output has not started
  std::optional<BatchResult> current;

private:
  const std::function<void(BatchResult&&)>& sink_;
};

// One request to a long-lived `git diff-tree --stdin` (started with argv
// when it is not running): the commits, then a line that is not an object
// id, which git echoes and flushes to mark the end of the answer. The
// answer goes to `out`, commit by commit. Returns false when git stopped.
bool request(Child& child, unsigned& requests, const std::vector<std::string>& argv, const std::vector<Oid>& commits,
             DiffTreeOutput& out) {
  if (!child.running()) child.start(argv);
  std::string marker = fmt::format("beaver-end-of-batch-{}", ++requests);
  std::string input;
  input.reserve(commits.size() * 41 + marker.size() + 1);
  for (auto& c : commits) input += c.hex() + '\n';
  input += marker + '\n';
  if (!child.exchange(input, marker, [&](std::string_view line) { out.line(line); })) return false;
  out.finish();
  // git keeps every object it parsed: start a fresh one before it grows large.
  if (child.resident_bytes() > (std::size_t(192) << 20)) child.finish();
  return true;
}

// git's error message without its trailing newline and spaces.
std::string trimmed(std::string msg) {
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return msg;
}

// git's last word, on one line. In a partial clone git tried to fetch a
// missing object (refused: Repository::git_command) and said so in several
// lines; that is said as a missing object.
std::string git_error_line(const std::string& err) {
  std::string msg = trimmed(err);
  if (auto nl = msg.rfind('\n'); nl != std::string::npos) msg.erase(0, nl + 1);
  constexpr std::string_view kFetch = "could not fetch ";
  if (auto at = msg.find(kFetch); at != std::string::npos && msg.find("promisor remote") != std::string::npos) {
    std::string id = msg.substr(at + kFetch.size(), GIT_OID_HEXSZ);
    return fmt::format("object {} is missing (not in this partial clone; beaver does not fetch)", id);
  }
  return msg;
}
}  // namespace

DiffTreeSession::DiffTreeSession(const Repository& repo, GitDiffOptions options)
    : repo_(repo), options_(std::move(options)) {}
DiffTreeSession::~DiffTreeSession() = default;

void DiffTreeSession::run(const std::vector<Oid>& commits, const std::function<void(BatchResult&&)>& on_commit) {
  if (commits.empty()) return;
  DiffTreeOutput out(commits, 0, on_commit);
  if (request(child_, requests_, diff_tree_command(repo_, options_), commits, out)) return;
  // git stopped (a missing object is fatal to it): the one-shot path finds
  // the commit it failed on and reports it; the rest is diffed again.
  child_.finish();
  std::size_t resume = out.current ? out.done - 1 : out.done;
  out.current.reset();
  std::vector<Oid> rest(commits.begin() + std::ptrdiff_t(resume), commits.end());
  git_diff_tree_batch(repo_, rest, on_commit, options_);
}

RawSession::RawSession(const Repository& repo) : repo_(repo) {}
RawSession::~RawSession() = default;

void RawSession::run(const std::vector<Oid>& commits, const std::function<void(PairsResult&&)>& on_commit) {
  if (commits.empty()) return;
  auto cmd = repo_.git_command();
  cmd.insert(cmd.end(), {"diff-tree", "--stdin", "-r", "-M", "-l1000", "--root", "--raw", "--abbrev", "--no-color",
                         "--no-relative"});
  // Each commit's answer is one line per file pair.
  std::function<void(BatchResult&&)> to_pairs = [&](BatchResult&& b) {
    PairsResult p{b.commit, {}, std::move(b.error)};
    for_each_line(b.text, [&](std::string_view line) {
      if (auto pair = parse_raw_line(line)) p.pairs.push_back(std::move(*pair));
      else p.error = fmt::format("unexpected line from git diff-tree --raw: {}", line);
    });
    on_commit(std::move(p));
  };
  DiffTreeOutput out(commits, 0, to_pairs);
  if (request(child_, requests_, cmd, commits, out)) return;
  // git stopped (a missing blob among rename candidates is fatal to it):
  // the commit it was on and every one after it are reported failed.
  child_.finish();
  std::string msg = git_error_line(child_.error());
  if (msg.empty()) msg = "git diff-tree --raw stopped";
  std::size_t resume = out.current ? out.done - 1 : out.done;
  out.current.reset();
  for (std::size_t i = resume; i < commits.size(); ++i) on_commit(PairsResult{commits[i], {}, msg});
}

ExactRenderer::ExactRenderer(const Repository& repo) : repo_(repo) {}
ExactRenderer::~ExactRenderer() = default;

DiffRender ExactRenderer::render(git_repository* handle, const Oid& commit, const DiffSettings* given) {
  if (!given && !settings_) settings_ = diff_settings_for(handle);
  const DiffSettings& settings = given ? *given : *settings_;
  DiffRender r = render_diff(handle, commit, settings);
  if (r.needs_pairs) {
    if (!raw_) raw_ = std::make_unique<RawSession>(repo_);
    std::optional<PairsResult> got;
    raw_->run({commit}, [&](PairsResult&& p) { got = std::move(p); });
    if (got && got->error.empty()) r = render_diff(handle, commit, settings, nullptr, &got->pairs);
    else r.needs_git = true;
  }
  if (r.needs_git) {
    if (!git_) git_ = std::make_unique<DiffTreeSession>(repo_);
    git_->run({commit}, [&](BatchResult&& b) {
      r.text = std::move(b.text);
      r.error = std::move(b.error);
    });
  }
  return r;
}

void git_diff_tree_batch(const Repository& repo, const std::vector<Oid>& commits,
                         const std::function<void(BatchResult&&)>& on_commit, const GitDiffOptions& options) {
  std::size_t start = 0;
  while (start < commits.size()) {
    std::string input;
    input.reserve((commits.size() - start) * 41);
    for (std::size_t i = start; i < commits.size(); ++i) input += commits[i].hex() + '\n';
    ProcessOptions po;
    po.input = input;
    DiffTreeOutput out(commits, start, on_commit);
    LineSplitter lines;
    auto on_line = [&](std::string_view line) { out.line(line); };
    ProcessResult pr =
        run_process(diff_tree_command(repo, options), po, [&](std::string_view chunk) { lines.feed(chunk, on_line); });
    lines.flush(on_line);
    if (pr.exit_code == 0) {
      out.finish();
      return;
    }
    std::size_t done = out.done;
    std::optional<BatchResult> current = std::move(out.current);
    // git stopped on a commit it could not read. That is `current` when its
    // output had started, else the next one; a commit's header is printed
    // lazily, so `current` may also be complete. Each is retried alone.
    std::string msg = git_error_line(pr.err);
    if (msg.empty()) msg = fmt::format("git diff-tree exited with status {}", pr.exit_code);
    auto alone = [&](const Oid& id) {
      std::optional<BatchResult> got;
      if (commits.size() - start == 1 && commits[start] == id) return BatchResult{id, {}, msg};
      git_diff_tree_batch(repo, {id}, [&](BatchResult&& b) { got = std::move(b); }, options);
      return got ? std::move(*got) : BatchResult{id, {}, {}};
    };
    if (current) {
      Oid id = current->commit;
      current.reset();
      on_commit(alone(id));
    }
    if (done < commits.size()) {
      on_commit(alone(commits[done]));
      ++done;
    }
    start = done;
  }
}

}  // namespace beaver::git
