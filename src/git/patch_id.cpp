#include "git/patch_id.h"

#include "util/text.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace beaver::git {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

// git's sane_ctype: only space, \t, \n and \r are whitespace.
constexpr bool git_isspace(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
inline bool git_isalpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

// 1 for the bytes remove_space() keeps, 0 for git's whitespace.
constexpr std::array<std::uint8_t, 256> kKeep = [] {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) t[std::size_t(c)] = !git_isspace(static_cast<unsigned char>(c));
  return t;
}();

// remove_space() of git on a line without NUL (git stops at the first one:
// the caller cuts the line there). Every byte is stored and the output moves
// on only for kept ones: no branch to mispredict on kernel code, where
// whitespace comes every few bytes.
std::string_view remove_space(std::string_view line, std::string& out) {
  if (out.size() < line.size()) out.resize(std::max(line.size(), 2 * out.size()));
  char* dst = out.data();
  for (char c : line) {
    *dst = c;
    dst += kKeep[static_cast<unsigned char>(c)];
  }
  return std::string_view(out.data(), std::size_t(dst - out.data()));
}

// scan_hunk_header() of git 2.39: a count without a comma is 1.
void scan_hunk_header(std::string_view line, int& before, int& after) {
  auto digits = [](std::string_view s, std::size_t pos) {
    std::size_t n = 0;
    while (pos + n < s.size() && s[pos + n] >= '0' && s[pos + n] <= '9') ++n;
    return n;
  };
  auto number = [](std::string_view s, std::size_t pos, std::size_t n) {
    long v = 0;
    for (std::size_t i = 0; i < n && i < 9; ++i) v = v * 10 + (s[pos + i] - '0');
    return int(v);
  };
  std::size_t q = 4;
  std::size_t n = digits(line, q);
  if (q + n < line.size() && line[q + n] == ',') {
    q += n + 1;
    n = digits(line, q);
    before = number(line, q, n);
  } else {
    before = 1;
  }
  if (n == 0 || q + n + 1 >= line.size() || line[q + n] != ' ' || line[q + n + 1] != '+') return;
  std::size_t r = q + n + 2;
  n = digits(line, r);
  if (r + n < line.size() && line[r + n] == ',') {
    r += n + 1;
    n = digits(line, r);
    after = number(line, r, n);
  } else {
    after = 1;
  }
}

void add_with_carry(Digest& sum, const Digest& d) {
  unsigned carry = 0;
  for (std::size_t i = 0; i < sum.size(); ++i) {
    carry += unsigned(sum[i]) + unsigned(d[i]);
    sum[i] = std::uint8_t(carry);
    carry >>= 8;
  }
}

inline std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

// Splits "diff --git a/X b/Y" into the new-side path (Y without "b/").
std::string path_from_diff_line(std::string_view rest) {
  if (!rest.empty() && rest.back() == '\n') rest.remove_suffix(1);
  if (!rest.empty() && rest[0] == '"') {
    // quoted a-side: find its closing quote
    std::size_t i = 1;
    while (i < rest.size() && rest[i] != '"') i += (rest[i] == '\\') ? 2 : 1;
    std::string_view b = i + 2 <= rest.size() ? rest.substr(i + 2) : std::string_view{};
    std::string name = unquote_path(b);
    return starts_with(name, "b/") ? name.substr(2) : name;
  }
  // "a/P b/P": the two names have the same length when unquoted and equal.
  if (rest.size() >= 5 && (rest.size() - 5) % 2 == 0) {
    std::size_t n = (rest.size() - 5) / 2;
    if (starts_with(rest, "a/") && rest.substr(2, n) == rest.substr(n + 5, n) &&
        rest.substr(n + 2, 3) == " b/")
      return std::string(rest.substr(2, n));
  }
  std::size_t at = rest.rfind(" b/");
  if (at == std::string_view::npos) at = rest.rfind(" \"b/");
  if (at == std::string_view::npos) return std::string(rest);
  std::string name = unquote_path(rest.substr(at + 1));
  return starts_with(name, "b/") ? name.substr(2) : name;
}

std::string side_path(std::string_view rest, char side) {
  if (!rest.empty() && rest.back() == '\n') rest.remove_suffix(1);
  // git appends a TAB after a name that contains a space
  if (!rest.empty() && rest.back() == '\t') rest.remove_suffix(1);
  std::string name = unquote_path(rest);
  if (name.size() >= 2 && name[0] == side && name[1] == '/') return name.substr(2);
  return name;
}

}  // namespace

std::uint64_t hash64(std::string_view s, std::uint64_t seed) {
  std::uint64_t h = 0xcbf29ce484222325ULL ^ seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return mix64(h);
}

double minhash_similarity(const std::array<std::uint32_t, kMinHashSize>& a,
                          const std::array<std::uint32_t, kMinHashSize>& b) {
  int same = 0;
  for (int i = 0; i < kMinHashSize; ++i) same += a[i] == b[i] && a[i] != 0xffffffffu;
  return double(same) / kMinHashSize;
}

std::string unquote_path(std::string_view s) {
  if (s.size() < 2 || s.front() != '"') return std::string(s);
  std::string out;
  for (std::size_t i = 1; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"') break;
    if (c != '\\' || i + 1 >= s.size()) {
      out.push_back(c);
      continue;
    }
    char e = s[++i];
    switch (e) {
      case 'a': out.push_back('\a'); break;
      case 'b': out.push_back('\b'); break;
      case 't': out.push_back('\t'); break;
      case 'n': out.push_back('\n'); break;
      case 'v': out.push_back('\v'); break;
      case 'f': out.push_back('\f'); break;
      case 'r': out.push_back('\r'); break;
      default:
        if (e >= '0' && e <= '3' && i + 2 < s.size()) {
          int v = (e - '0') * 64 + (s[i + 1] - '0') * 8 + (s[i + 2] - '0');
          out.push_back(char(v));
          i += 2;
        } else {
          out.push_back(e);
        }
    }
  }
  return out;
}

PatchParser::PatchParser() { fp_.minhash.fill(0xffffffffu); }

FileStat& PatchParser::file() {
  if (fp_.files.empty()) fp_.files.emplace_back();
  return fp_.files.back();
}

void PatchParser::flush_patch_hunk() {
  add_with_carry(result_, ctx_.finish());
}

void PatchParser::flush_cf_file() {
  if (cf_dirty_) {
    add_with_carry(cf_result_, cf_ctx_.finish());
    cf_any_ = true;
  }
  cf_ctx_.reset();
  cf_dirty_ = false;
}

void PatchParser::end_hunk() {
  if (hunk_dirty_) fp_.hunks.push_back(hunk_hash_);
  hunk_dirty_ = false;
  hunk_hash_ = 0;
}

void PatchParser::changed_line(char sign, std::string_view stripped) {
  // stripped still starts with the sign; it is hashed as is.
  if (!cf_dirty_) {
    const std::string& p = file().path;
    cf_ctx_.update(p.data(), p.size() + 1);  // path and its NUL
    cf_dirty_ = true;
  }
  cf_ctx_.update(stripped);
  cf_ctx_.update("\n", 1);
  std::uint64_t h = hash64(stripped);
  hunk_hash_ = mix64(hunk_hash_ ^ h) + 0x9e3779b97f4a7c15ULL;
  hunk_dirty_ = true;
  for (int i = 0; i < kMinHashSize; ++i) {
    auto v = std::uint32_t(mix64(h + 0x9e3779b97f4a7c15ULL * std::uint64_t(i + 1)) >> 32);
    fp_.minhash[i] = std::min(fp_.minhash[i], v);
  }
  ++fp_.changed_lines;
  (void)sign;
}

void PatchParser::line(std::string_view raw) {
  // git works on C strings: a NUL byte ends the line for every test below.
  std::string_view cstr = raw.substr(0, find_nul(raw));
  // A changed line is stripped once, for the fingerprints and for the patch-id.
  std::string_view stripped;
  bool have_stripped = false;

  // ---- fingerprints and statistics: a small structural parser of its own ----
  {
    if (starts_with(raw, "diff --git ")) {
      end_hunk();
      flush_cf_file();
      fp_.files.emplace_back();
      fp_.files.back().path = path_from_diff_line(raw.substr(11));
      fp_.files.back().old_path = fp_.files.back().path;
      in_header_ = true;
    } else if (!fp_.files.empty()) {
      if (in_header_) {
        if (starts_with(raw, "rename from ")) {
          file().old_path = side_path(raw.substr(12), 0);
        } else if (starts_with(raw, "rename to ")) {
          file().path = side_path(raw.substr(10), 0);
        } else if (starts_with(raw, "--- ")) {
          std::string p = side_path(raw.substr(4), 'a');
          if (p != "/dev/null") file().old_path = p;
        } else if (starts_with(raw, "+++ ")) {
          std::string p = side_path(raw.substr(4), 'b');
          if (p != "/dev/null") file().path = p;
          else file().path = file().old_path;
        } else if (starts_with(raw, "Binary files ") || starts_with(raw, "GIT binary patch")) {
          file().binary = true;
          in_header_ = false;
        } else if (starts_with(raw, "@@ ")) {
          in_header_ = false;
        }
      } else if (starts_with(raw, "@@ ")) {
        end_hunk();
      } else if (!raw.empty() && (raw[0] == '+' || raw[0] == '-')) {
        if (raw[0] == '+') ++file().added;
        else ++file().deleted;
        stripped = remove_space(cstr, scratch_);
        have_stripped = true;
        changed_line(raw[0], stripped);
      }
    }
  }

  // ---- git's get_one_patchid(), --stable ----
  if (broken_) return;
  if (starts_with(cstr, "\\ ") && cstr.size() > 12) return;
  if (!patchlen_ && !starts_with(cstr, "diff ")) return;

  if (before_ == -1) {
    if (starts_with(cstr, "GIT binary patch") || starts_with(cstr, "Binary files")) {
      diff_is_binary_ = true;
      before_ = 0;
      ctx_.update(pre_oid_);
      ctx_.update(post_oid_);
      flush_patch_hunk();
      return;
    }
    if (starts_with(cstr, "index ")) {
      std::size_t dots = cstr.find("..");
      std::size_t end = std::string_view::npos;
      if (dots != std::string_view::npos) end = cstr.find(' ', dots);
      if (end == std::string_view::npos) end = cstr.empty() ? 0 : cstr.size() - 1;
      if (dots != std::string_view::npos) {
        std::string_view pre = cstr.substr(6, dots >= 6 ? dots - 6 : 0);
        std::string_view post = end > dots + 2 ? cstr.substr(dots + 2, end - dots - 2) : std::string_view{};
        pre_oid_ = std::string(pre.substr(0, 64));
        post_oid_ = std::string(post.substr(0, 64));
      }
      return;
    }
    if (starts_with(cstr, "--- ")) {
      before_ = after_ = 1;
    } else if (cstr.empty() || !git_isalpha(static_cast<unsigned char>(cstr[0]))) {
      broken_ = true;
      return;
    }
  }

  if (diff_is_binary_) {
    if (starts_with(cstr, "diff ")) {
      diff_is_binary_ = false;
      before_ = -1;
    }
    return;
  }

  if (before_ == 0 && after_ == 0) {
    if (starts_with(cstr, "@@ -")) {
      scan_hunk_header(cstr, before_, after_);
      return;
    }
    if (!starts_with(cstr, "diff ")) {
      broken_ = true;
      return;
    }
    flush_patch_hunk();
    before_ = after_ = -1;
  }

  if (!cstr.empty() && (cstr[0] == '-' || cstr[0] == ' ')) --before_;
  if (!cstr.empty() && (cstr[0] == '+' || cstr[0] == ' ')) --after_;

  if (!have_stripped) stripped = remove_space(cstr, scratch_);
  patchlen_ += int(stripped.size());
  ctx_.update(stripped);
}

void PatchParser::text(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    line(text.substr(pos, end - pos));
    pos = end;
  }
}

Fingerprint PatchParser::finish() {
  end_hunk();
  flush_cf_file();
  flush_patch_hunk();
  if (patchlen_) fp_.patch_id = to_hex(result_);
  if (cf_any_) fp_.cf_id = to_hex(cf_result_);
  Fingerprint out = std::move(fp_);
  *this = PatchParser();
  return out;
}

Fingerprint fingerprint_of(std::string_view diff_text) {
  PatchParser p;
  p.text(diff_text);
  return p.finish();
}

}  // namespace beaver::git
