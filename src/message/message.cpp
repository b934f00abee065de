// Commit-message parser; the rules are documented in message.h.
#include "message/message.h"

#include "util/error.h"

#include <fmt/format.h>
#include <regex.h>

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <utility>

namespace beaver::message {
namespace {

using std::string_view;
constexpr size_t npos = string_view::npos;

// --- character classes (ASCII only, locale-independent) --------------------

// git's isspace: ' ', '\t', '\n', '\r' (not '\v' or '\f').
constexpr bool git_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
constexpr bool ascii_space(char c) { return git_space(c) || c == '\v' || c == '\f'; }
constexpr bool blank(char c) { return c == ' ' || c == '\t'; }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }
constexpr bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
constexpr char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(string_view a, string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (to_lower(a[i]) != to_lower(b[i])) return false;
  return true;
}

bool istarts_with(string_view s, string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// Case-insensitive search of an ASCII needle.
size_t ifind(string_view hay, string_view needle, size_t from = 0) {
  if (needle.empty()) return from <= hay.size() ? from : npos;
  const char first_lo = to_lower(needle[0]);
  for (size_t i = from; i + needle.size() <= hay.size(); ++i) {
    if (to_lower(hay[i]) != first_lo) continue;
    if (iequals(hay.substr(i, needle.size()), needle)) return i;
  }
  return npos;
}

template <typename Pred>
string_view trim_if(string_view s, Pred pred) {
  size_t b = 0;
  while (b < s.size() && pred(s[b])) ++b;
  size_t e = s.size();
  while (e > b && pred(s[e - 1])) --e;
  return s.substr(b, e - b);
}
string_view trim(string_view s) { return trim_if(s, ascii_space); }
string_view rtrim_git(string_view s) {
  size_t e = s.size();
  while (e > 0 && git_space(s[e - 1])) --e;
  return s.substr(0, e);
}
string_view ltrim_blank(string_view s) {
  size_t b = 0;
  while (b < s.size() && blank(s[b])) ++b;
  return s.substr(b);
}
string_view ltrim_ascii(string_view s) {
  size_t b = 0;
  while (b < s.size() && ascii_space(s[b])) ++b;
  return s.substr(b);
}

bool is_blank_line(string_view line) {
  for (char c : line)
    if (!git_space(c)) return false;
  return true;
}

std::string lowered(string_view s) {
  std::string out(s);
  for (char& c : out) c = to_lower(c);
  return out;
}

// Collapses every run of ASCII whitespace to one space and trims.
std::string collapse_spaces(string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending = false;
  for (char c : s) {
    if (ascii_space(c)) {
      pending = !out.empty();
      continue;
    }
    if (pending) out.push_back(' ');
    pending = false;
    out.push_back(c);
  }
  return out;
}

// --- lines -------------------------------------------------------------------

struct Line {
  size_t begin = 0;  // offset of the first byte
  size_t end = 0;    // offset after the content ('\n' and one '\r' before it excluded)
  size_t next = 0;   // offset of the next line (== size at the end)
};

Line line_at(string_view s, size_t pos) {
  Line l;
  l.begin = pos;
  const void* nl = pos < s.size() ? std::memchr(s.data() + pos, '\n', s.size() - pos) : nullptr;
  size_t e = nl ? static_cast<size_t>(static_cast<const char*>(nl) - s.data()) : s.size();
  l.next = nl ? e + 1 : s.size();
  if (e > pos && s[e - 1] == '\r') --e;
  l.end = e;
  return l;
}

string_view content(string_view s, const Line& l) { return s.substr(l.begin, l.end - l.begin); }

// Start of the line that ends just before `end` (git's last_line()), not
// going below `base`; npos when end <= base.
size_t prev_line_start(string_view s, size_t base, size_t end) {
  if (end <= base) return npos;
  if (end - base == 1) return base;
  size_t i = end - 2;  // skip the last byte: a '\n' there belongs to this line
  for (;;) {
    if (s[i] == '\n') return i + 1;
    if (i == base) return base;
    --i;
  }
}

int count_newlines(string_view s, size_t from, size_t to) {
  int n = 0;
  const char* p = s.data() + from;
  const char* e = s.data() + to;
  while (p < e) {
    const void* nl = std::memchr(p, '\n', static_cast<size_t>(e - p));
    if (!nl) break;
    ++n;
    p = static_cast<const char*>(nl) + 1;
  }
  return n;
}

// --- git trailer rules ---------------------------------------------------------

// git's find_separator() with separators ":": index of ':' or -1.
long find_separator(string_view line) {
  bool whitespace_found = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == ':') return static_cast<long>(i);
    if (!whitespace_found && (is_alnum(c) || c == '-')) continue;
    if (i != 0 && blank(c)) {
      whitespace_found = true;
      continue;
    }
    break;
  }
  return -1;
}

bool git_generated(string_view line) {
  return line.starts_with("Signed-off-by: ") || line.starts_with("(cherry picked from commit ");
}

// git's find_end_of_log_message() for a commit message starting at `base`
// (no "---" divider): the end of the text that may hold trailers. A scissors
// line and everything after it, and a trailing run of comment lines, empty
// lines and old-style "Conflicts:" blocks (tab-indented paths) are ignored,
// as in git's ignored_log_message_bytes() / ignore_non_trailer().
size_t log_message_end(string_view s, size_t base) {
  constexpr string_view kCut = "# ------------------------ >8 ------------------------\n";
  size_t cutoff = s.size();
  if (s.substr(base).starts_with(kCut)) {
    cutoff = base;
  } else {
    for (size_t at = s.find(kCut, base); at != npos; at = s.find(kCut, at + 1)) {
      if (at > base && s[at - 1] == '\n') {
        cutoff = at;
        break;
      }
    }
  }
  size_t boc = 0;  // offset from base of the first ignorable line; 0 = none (git's quirk kept)
  bool in_conflicts = false;
  for (size_t bol = base; bol < cutoff;) {
    Line l = line_at(s, bol);
    string_view raw = s.substr(l.begin, l.next - l.begin);
    if (raw.starts_with('#') || raw.starts_with('\n') || (raw.starts_with("\r\n"))) {
      if (!boc) boc = bol - base;
    } else if (content(s, l) == "Conflicts:" && l.next > l.end) {
      in_conflicts = true;
      if (!boc) boc = bol - base;
    } else if (in_conflicts && raw.starts_with('\t')) {
      // a path in the conflicts block
    } else if (boc) {
      boc = 0;
      in_conflicts = false;
    }
    bol = l.next;
  }
  return boc ? base + boc : cutoff;
}

// git's find_trailer_block_start(), on s[base..end): offset of the first
// line of the trailer block, or npos.
size_t find_trailer_block(string_view s, size_t base, size_t end) {
  size_t p = base;
  while (p < end) {
    Line l = line_at(s, p);
    string_view c = content(s, l);
    if (!c.starts_with('#') && is_blank_line(c)) break;
    p = l.next;
  }
  const size_t end_of_title = p;

  bool only_spaces = true, recognized_prefix = false;
  long trailer_lines = 0, non_trailer_lines = 0, possible_continuation_lines = 0;
  for (size_t l = prev_line_start(s, base, end); l != npos && l >= end_of_title;
       l = prev_line_start(s, base, l)) {
    Line line = line_at(s, l);
    string_view c = content(s, line);
    if (c.starts_with('#')) {
      non_trailer_lines += possible_continuation_lines;
      possible_continuation_lines = 0;
      continue;
    }
    if (is_blank_line(c)) {
      if (only_spaces) continue;
      non_trailer_lines += possible_continuation_lines;
      if (recognized_prefix && trailer_lines * 3 >= non_trailer_lines) return line.next;
      if (trailer_lines && !non_trailer_lines) return line.next;
      return npos;
    }
    only_spaces = false;
    if (git_generated(c)) {
      ++trailer_lines;
      possible_continuation_lines = 0;
      recognized_prefix = true;
      continue;
    }
    long sep = find_separator(c);
    if (sep >= 1 && !git_space(c[0])) {
      ++trailer_lines;
      possible_continuation_lines = 0;
    } else if (git_space(c[0])) {
      ++possible_continuation_lines;
    } else {
      ++non_trailer_lines;
      non_trailer_lines += possible_continuation_lines;
      possible_continuation_lines = 0;
    }
  }
  return npos;
}

// git's unfold_value() followed by strbuf_trim().
std::string unfold(string_view v) {
  std::string out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size();) {
    char c = v[i++];
    if (c == '\n') {
      while (i < v.size() && git_space(v[i])) ++i;
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return std::string(trim_if(out, git_space));
}

void parse_trailer_block(string_view s, size_t start, size_t end, int first_line,
                         std::vector<Trailer>& out) {
  std::vector<std::string> folded;  // raw value text per trailer, lines joined by '\n'
  long last = -1;
  int lineno = first_line;
  for (size_t p = start; p < end; ++lineno) {
    Line l = line_at(s, p);
    p = l.next;
    string_view c = content(s, l);
    if (c.starts_with('#')) {  // a comment: not a trailer, and ends the previous one
      last = -1;
      continue;
    }
    if (is_blank_line(c)) continue;  // only trailing ones; they would unfold to nothing
    if (last >= 0 && git_space(c[0])) {
      folded[static_cast<size_t>(last)].push_back('\n');
      folded[static_cast<size_t>(last)].append(c);
      continue;
    }
    long sep = find_separator(c);
    if (sep < 1) {
      last = -1;
      continue;
    }
    Trailer t;
    t.key = std::string(trim_if(c.substr(0, static_cast<size_t>(sep)), git_space));
    t.line = lineno;
    out.push_back(std::move(t));
    folded.emplace_back(c.substr(static_cast<size_t>(sep) + 1));
    last = static_cast<long>(out.size()) - 1;
  }
  for (size_t i = 0; i < out.size(); ++i) out[i].value = unfold(folded[i]);
}

// --- hex ids -------------------------------------------------------------------

// Length of the run of hex digits at s[pos..].
size_t hex_run(string_view s, size_t pos) {
  size_t n = 0;
  while (pos + n < s.size() && is_hex(s[pos + n])) ++n;
  return n;
}

// A usable id at s[pos..]: 7..40 hex digits not followed by a letter, digit
// or '_'. Returns its length, or 0.
size_t commit_id_at(string_view s, size_t pos) {
  size_t n = hex_run(s, pos);
  if (n < 7 || n > 40) return 0;
  if (pos + n < s.size() && (is_alnum(s[pos + n]) || s[pos + n] == '_')) return 0;
  return n;
}

// Skips blanks; returns the new position.
size_t skip_blanks(string_view s, size_t pos) {
  while (pos < s.size() && blank(s[pos])) ++pos;
  return pos;
}

// Matches a sequence of case-insensitive words separated by one or more
// blanks at s[pos..] ("upstream commit" matches "Upstream  commit"). The
// last word must end at a non-word byte. Returns the position after it, or npos.
size_t match_words(string_view s, size_t pos, std::initializer_list<string_view> words) {
  bool first = true;
  for (string_view w : words) {
    if (!first) {
      size_t q = skip_blanks(s, pos);
      if (q == pos) return npos;
      pos = q;
    }
    first = false;
    if (!istarts_with(s.substr(pos), w)) return npos;
    pos += w.size();
  }
  if (pos < s.size() && (is_alnum(s[pos]) || s[pos] == '_')) return npos;
  return pos;
}

// --- Fixes: -----------------------------------------------------------------------

class Problems {
public:
  void add(string_view p) {
    for (string_view q : list_)
      if (q == p) return;
    list_.push_back(p);
  }
  std::string join() const {
    std::string out;
    for (string_view q : list_) {
      if (!out.empty()) out += "; ";
      out += q;
    }
    return out;
  }
  bool empty() const { return list_.empty(); }

private:
  std::vector<string_view> list_;
};

// Length of a quote character at s[pos..] (", ', and the UTF-8 curly quotes
// “ ” ‘ ’), 0 if none. `straight_double` tells whether it is '"'.
size_t quote_at(string_view s, size_t pos, bool* straight_double = nullptr) {
  if (straight_double) *straight_double = false;
  if (pos >= s.size()) return 0;
  if (s[pos] == '"') {
    if (straight_double) *straight_double = true;
    return 1;
  }
  if (s[pos] == '\'') return 1;
  if (pos + 3 <= s.size() && s[pos] == '\xE2' && s[pos + 1] == '\x80' &&
      (s[pos + 2] == '\x9C' || s[pos + 2] == '\x9D' || s[pos + 2] == '\x98' || s[pos + 2] == '\x99'))
    return 3;
  return 0;
}

// Length of a quote character ending just before `end`, 0 if none.
size_t quote_before(string_view s, size_t end) {
  if (end == 0) return 0;
  if (s[end - 1] == '"' || s[end - 1] == '\'') return 1;
  if (end >= 3 && quote_at(s, end - 3) == 3) return 3;
  return 0;
}

std::string unescape_quotes(string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == '"') continue;
    out.push_back(s[i]);
  }
  return out;
}

// Finds the last ')' in t that is preceded (blanks allowed) by a quote.
// Returns the position of ')' and sets *quote_begin to the quote's offset.
size_t last_quote_paren(string_view t, size_t from, size_t* quote_begin, bool* spaced) {
  for (size_t k = t.size(); k > from;) {
    --k;
    if (t[k] != ')') continue;
    size_t j = k;
    while (j > from && blank(t[j - 1])) --j;
    size_t q = quote_before(t, j);
    if (q && j - q >= from) {
      *quote_begin = j - q;
      *spaced = j != k;
      return k;
    }
  }
  return npos;
}

// Parses the subject part `r` (whatever follows the id, or the "(..." of a
// value without an id when `after_id` is false).
std::string parse_fixes_subject(string_view r, bool after_id, Problems& pr) {
  size_t ws = 0;
  while (ws < r.size() && ascii_space(r[ws])) ++ws;
  string_view t = trim(r);
  if (t.empty()) {
    pr.add(kFixesMissingSubject);
    return {};
  }
  bool dq = false;
  if (after_id && ws == 0 && (t[0] == '(' || quote_at(t, 0))) pr.add(kFixesMissingSpace);
  if (ws > 1 || (ws == 1 && r[0] != ' ')) pr.add(kFixesExtraSpaces);

  std::string subject;
  if (t[0] == '(') {
    size_t pos = 1;
    size_t lead = skip_blanks(t, pos);
    if (lead != pos) pr.add(kFixesExtraSpaces);
    pos = lead;
    size_t q = quote_at(t, pos, &dq);
    if (q) {
      if (!dq) pr.add(kFixesWrongQuotes);
      size_t sub_begin = pos + q;
      size_t qb = 0;
      bool spaced = false;
      size_t k = last_quote_paren(t, sub_begin, &qb, &spaced);
      if (k != npos) {
        if (!(t[qb] == '"')) pr.add(kFixesWrongQuotes);
        if (spaced) pr.add(kFixesExtraSpaces);
        subject = unescape_quotes(t.substr(sub_begin, qb - sub_begin));
        if (!trim(t.substr(k + 1)).empty()) pr.add(kFixesTrailingText);
      } else {
        size_t close = t.rfind(')');
        string_view inner;
        if (close != npos && close >= sub_begin) {
          inner = t.substr(sub_begin, close - sub_begin);
          pr.add(kFixesMissingQuotes);
          if (!trim(t.substr(close + 1)).empty()) pr.add(kFixesTrailingText);
        } else {
          inner = t.substr(sub_begin);
          inner = trim(inner);
          size_t qe = quote_before(inner, inner.size());
          if (qe) inner = inner.substr(0, inner.size() - qe);
          else pr.add(kFixesMissingQuotes);
          pr.add(kFixesMissingClosingParenthesis);
        }
        subject = unescape_quotes(inner);
      }
    } else {
      pr.add(kFixesMissingQuotes);
      size_t close = t.rfind(')');
      if (close != npos) {
        subject = unescape_quotes(t.substr(pos, close - pos));
        if (!trim(t.substr(close + 1)).empty()) pr.add(kFixesTrailingText);
      } else {
        subject = unescape_quotes(t.substr(pos));
        pr.add(kFixesMissingClosingParenthesis);
      }
    }
  } else if (size_t q = quote_at(t, 0, &dq); q) {
    pr.add(kFixesMissingParentheses);
    if (!dq) pr.add(kFixesWrongQuotes);
    size_t qe = quote_before(t, t.size());
    if (qe && t.size() - qe >= q) {
      subject = unescape_quotes(t.substr(q, t.size() - qe - q));
    } else {
      subject = unescape_quotes(t.substr(q));
      pr.add(kFixesMissingQuotes);
    }
  } else {
    pr.add(kFixesMissingParentheses);
    pr.add(kFixesMissingQuotes);
    size_t b = 0;
    while (b < t.size() && (t[b] == ':' || t[b] == '-' || blank(t[b]))) ++b;
    subject = unescape_quotes(t.substr(b));
  }
  subject = std::string(trim(subject));
  if (subject.empty()) pr.add(kFixesEmptySubject);
  return subject;
}

// True when `v` opens a quoted subject "(<quote>" that no later
// <quote>")" closes, or holds nothing but an id — i.e. the subject was
// probably wrapped onto the next line.
bool fixes_value_unfinished(string_view v) {
  for (size_t i = 0; i + 1 < v.size(); ++i) {
    if (v[i] != '(') continue;
    size_t q = skip_blanks(v, i + 1);
    if (size_t n = quote_at(v, q)) {
      size_t qb = 0;
      bool spaced = false;
      return last_quote_paren(v, q + n, &qb, &spaced) == npos;
    }
  }
  string_view t = trim(v);
  if (istarts_with(t, "commit") && t.size() > 6 && blank(t[6])) t = ltrim_blank(t.substr(6));
  size_t n = hex_run(t, 0);
  return n >= 4 && n == t.size();
}

// A line that is obviously a trailer of its own, never the rest of a
// wrapped Fixes: subject.
bool common_trailer_line(string_view line) {
  long sep = find_separator(line);
  if (sep < 1) return false;
  string_view key = trim_if(line.substr(0, static_cast<size_t>(sep)), git_space);
  for (string_view k : {"signed-off-by", "reviewed-by", "acked-by", "tested-by", "reported-by", "suggested-by",
                        "co-developed-by", "cc", "link", "fixes", "closes", "bug", "change-id", "message-id"})
    if (iequals(key, k)) return true;
  return false;
}

bool closes_quoted_subject(string_view line) {
  size_t qb = 0;
  bool spaced = false;
  return last_quote_paren(line, 0, &qb, &spaced) != npos;
}

// `key_raw` is the text before the ':' as written, `after_colon` the rest of
// the first line, `value` the unfolded value with wrapped lines joined.
FixesRef parse_fixes(string_view key_raw, string_view after_colon, string_view value, bool wrapped,
                     int line) {
  FixesRef f;
  f.raw = std::string(value);
  f.line = line;
  Problems pr;
  if (key_raw != "Fixes") pr.add(kFixesKeySpelling);
  {
    size_t n = 0;
    while (n < after_colon.size() && blank(after_colon[n])) ++n;
    if (n == 0 && !trim(after_colon).empty()) pr.add(kFixesMissingSpace);
    if (n > 1 || (n == 1 && after_colon[0] != ' ')) pr.add(kFixesExtraSpaces);
  }

  string_view v = value;
  size_t pos = 0;
  if (size_t after = match_words(v, 0, {"commit"}); after != npos && after < v.size() && blank(v[after])) {
    size_t id = skip_blanks(v, after);
    if (hex_run(v, id) > 0) {
      pr.add(kFixesCommitWord);
      if (id - after > 1 || v[after] != ' ') pr.add(kFixesExtraSpaces);
      pos = id;
    }
  }
  size_t n = hex_run(v, pos);
  bool bounded = n > 0 && (pos + n == v.size() || !(is_alnum(v[pos + n]) || v[pos + n] == '_'));
  if (!bounded) {
    pr.add(kFixesNoCommitId);
    // Fall back to a quoted subject anywhere in the value.
    size_t open = npos;
    for (size_t i = 0; i + 1 < v.size(); ++i) {
      if (v[i] == '(' && quote_at(v, skip_blanks(v, i + 1))) {
        open = i;
        break;
      }
    }
    if (open != npos) {
      Problems ignored;
      f.subject = parse_fixes_subject(v.substr(open), false, ignored);
    }
  } else {
    string_view id = v.substr(pos, n);
    if (n < 7) {
      pr.add(kFixesShorterThan7);
    } else if (n > 40) {
      pr.add(kFixesLongerThan40);
    } else {
      f.commit = lowered(id);
      if (n < 12) pr.add(kFixesShorterThan12);
    }
    for (char c : id)
      if (c >= 'A' && c <= 'F') {
        pr.add(kFixesUpperCase);
        break;
      }
    f.subject = parse_fixes_subject(v.substr(pos + n), true, pr);
  }
  if (wrapped) pr.add(kFixesWrapped);
  f.problem = pr.join();
  f.well_formed = pr.empty() && f.commit.size() >= 12 && !f.subject.empty();
  return f;
}

// --- Link:, Cc: stable ----------------------------------------------------------

std::string link_value(string_view v) {
  size_t i = 0;
  while (i < v.size()) {
    while (i < v.size() && ascii_space(v[i])) ++i;
    size_t b = i;
    while (i < v.size() && !ascii_space(v[i])) ++i;
    string_view word = v.substr(b, i - b);
    if (word.find("://") != npos) {
      while (!word.empty() && word.front() == '<') word.remove_prefix(1);
      while (!word.empty() && word.back() == '>') word.remove_suffix(1);
      return std::string(word);
    }
  }
  return std::string(trim(v));
}

bool address_byte(char c) {
  return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

std::optional<StableHint> stable_hint(string_view v, int line) {
  for (string_view addr : {string_view("stable@vger.kernel.org"), string_view("stable@kernel.org")}) {
    for (size_t at = ifind(v, addr); at != npos; at = ifind(v, addr, at + 1)) {
      if (at > 0 && address_byte(v[at - 1])) continue;
      size_t end = at + addr.size();
      if (end < v.size() && (is_alnum(v[end]) || v[end] == '-' || v[end] == '_' ||
                             (v[end] == '.' && end + 1 < v.size() && is_alnum(v[end + 1]))))
        continue;
      StableHint h;
      h.address = std::string(addr);
      h.line = line;
      string_view rest = v.substr(end);
      if (!rest.empty() && rest[0] == '>') rest.remove_prefix(1);
      rest = trim(rest);
      if (!rest.empty() && rest[0] == '#') {
        h.versions = std::string(trim(rest.substr(1)));
      } else if (!rest.empty() && rest[0] == '[') {
        size_t close = rest.find(']');
        h.versions = std::string(trim(rest.substr(1, close == npos ? npos : close - 1)));
      }
      return h;
    }
  }
  return std::nullopt;
}

// --- backport references ---------------------------------------------------------

std::string clean_extra(string_view e) {
  std::string s = collapse_spaces(e);
  string_view t = s;
  if (t.size() >= 2 && t.front() == '[' && t.back() == ']') t = trim(t.substr(1, t.size() - 2));
  return std::string(t);
}

// "(cherry picked from commit X extra)" and "(backported from commit X extra)".
// `c` is the line content; lookahead lines are read from `s` after `next`.
bool match_picked(string_view s, string_view c, size_t next, int line, std::vector<CommitRef>& refs) {
  size_t pos = 0;
  bool paren = false;
  if (!c.empty() && c[0] == '(') {
    paren = true;
    pos = skip_blanks(c, 1);
  }
  RefKind kind;
  size_t after = npos;
  if ((after = match_words(c, pos, {"cherry", "picked", "from", "commit"})) != npos ||
      (after = match_words(c, pos, {"cherry-picked", "from", "commit"})) != npos) {
    kind = RefKind::cherry_picked_from;
  } else if ((after = match_words(c, pos, {"backported", "from", "commit"})) != npos) {
    kind = RefKind::backported_from;
  } else {
    return false;
  }
  size_t id = skip_blanks(c, after);
  if (id == after) return false;
  size_t n = commit_id_at(c, id);
  if (!n) return false;
  CommitRef r;
  r.kind = kind;
  r.commit = lowered(c.substr(id, n));
  r.line = line;
  string_view tail = c.substr(id + n);
  std::string extra;
  if (paren) {
    size_t close = tail.rfind(')');
    if (close != npos) {
      extra = std::string(tail.substr(0, close));
    } else {
      // The extra continues on indented lines (Android / ChromeOS FROMGIT).
      extra = std::string(tail);
      size_t p = next;
      for (int k = 0; k < 3 && p < s.size(); ++k) {
        Line l = line_at(s, p);
        string_view lc = content(s, l);
        if (lc.empty() || !blank(lc[0]) || is_blank_line(lc)) break;
        size_t cl = lc.rfind(')');
        extra.push_back(' ');
        if (cl != npos) {
          extra.append(lc.substr(0, cl));
          break;
        }
        extra.append(lc);
        p = l.next;
      }
    }
  } else {
    extra = std::string(tail);
  }
  r.extra = clean_extra(extra);
  refs.push_back(std::move(r));
  return true;
}

bool rest_is_punctuation_end(string_view rest) {
  // After an "Upstream commit X": end of line, punctuation, or " (".
  if (rest.empty()) return true;
  char c = rest[0];
  if (c == '.' || c == ',' || c == ';' || c == ':' || c == ')' || c == ']' || c == '(') return true;
  string_view t = ltrim_blank(rest);
  return t.empty() || t[0] == '(' || t[0] == ']' || t[0] == '.';
}

// An id that stands alone in prose-free text (a Yocto "Backport [X]"): 7..40
// hex digits with a letter, or at least 12 digits, so that a version or a
// date is not taken for one.
size_t lone_id_at(string_view s, size_t pos) {
  size_t n = commit_id_at(s, pos);
  if (!n) return 0;
  if (pos > 0 && (is_alnum(s[pos - 1]) || s[pos - 1] == '.' || s[pos - 1] == '_')) return 0;
  if (pos + n < s.size() && s[pos + n] == '.' && pos + n + 1 < s.size() && is_digit(s[pos + n + 1])) return 0;
  if (n >= 12) return n;
  for (size_t i = pos; i < pos + n; ++i)
    if (is_alpha(s[i])) return n;
  return 0;
}

// A commit id in a forge's commit URL (see message.h): sets *id to its
// position in `w` and returns its length, or 0.
size_t url_commit_id(string_view w, size_t* id) {
  auto at = [&](size_t p) {
    if (size_t n = commit_id_at(w, p)) {
      *id = p;
      return n;
    }
    return size_t(0);
  };
  for (string_view path : {string_view("/commit/"), string_view("/commits/")}) {
    for (size_t p = ifind(w, path); p != npos; p = ifind(w, path, p + 1)) {
      size_t q = p + path.size();
      if (q < w.size() && w[q] == '?') {
        // cgit: /commit/?id=X, /commit/?h=branch&id=X
        for (size_t k = q; k < w.size(); ++k)
          if ((w[k] == '?' || w[k] == '&' || w[k] == ';') && istarts_with(w.substr(k + 1), "id="))
            if (size_t n = at(k + 4)) return n;
      } else if (size_t n = at(q)) {
        return n;
      }
    }
  }
  for (string_view key : {string_view("a=commit;h="), string_view("a=commitdiff;h=")})
    if (size_t p = ifind(w, key); p != npos)
      if (size_t n = at(p + key.size())) return n;
  if (size_t p = ifind(w, "git.kernel.org/"); p != npos) {
    if (size_t l = ifind(w, "/linus/", p); l != npos)
      if (size_t n = at(l + 7)) return n;
    if (size_t l = ifind(w, "/c/", p); l != npos)
      if (size_t n = at(l + 3)) return n;
  }
  return 0;
}

// The words of a header value: split at blanks and at the brackets and commas
// that surround URLs in prose.
std::vector<string_view> value_words(string_view v) {
  std::vector<string_view> out;
  auto sep = [](char c) { return ascii_space(c) || c == '<' || c == '>' || c == '[' || c == ']' || c == '(' || c == ')' || c == ','; };
  size_t i = 0;
  while (i < v.size()) {
    while (i < v.size() && sep(v[i])) ++i;
    size_t b = i;
    while (i < v.size() && !sep(v[i])) ++i;
    if (i > b) out.push_back(v.substr(b, i - b));
  }
  return out;
}

struct FoundId {
  std::string commit, url;
};

// The first commit URL in `v`, or (with allow_commit_word) "commit:X".
std::optional<FoundId> find_url_or_commit_word(string_view v, bool allow_commit_word) {
  std::vector<string_view> words = value_words(v);
  for (size_t k = 0; k < words.size(); ++k) {
    string_view w = words[k];
    if (w.find("://") != npos) {
      size_t id = 0;
      if (size_t n = url_commit_id(w, &id)) return FoundId{lowered(w.substr(id, n)), std::string(w)};
    } else if (allow_commit_word && istarts_with(w, "commit:")) {
      // "commit:X", or "commit: X"
      string_view rest = w.substr(7);
      if (rest.empty() && k + 1 < words.size()) rest = words[k + 1];
      if (size_t n = commit_id_at(rest, 0)) return FoundId{lowered(rest.substr(0, n)), ""};
    }
  }
  return std::nullopt;
}

// `Key: value` with a key of letters, digits, '-', '_' and single blanks
// ("Upstream commit"), lower-cased with '-' and '_' as blanks; the value
// after the colon. False when the line is not one.
bool header_line(string_view c, std::string* key, string_view* value) {
  size_t colon = c.find(':');
  if (colon == npos || colon == 0 || colon > 40) return false;
  std::string k;
  for (size_t i = 0; i < colon; ++i) {
    char ch = c[i];
    if (is_alnum(ch)) k.push_back(to_lower(ch));
    else if (ch == '-' || ch == '_' || blank(ch)) {
      if (k.empty() || k.back() == ' ') return false;
      k.push_back(' ');
    } else {
      return false;
    }
  }
  while (!k.empty() && k.back() == ' ') k.pop_back();
  if (k.empty()) return false;
  *key = std::move(k);
  *value = c.substr(colon + 1);
  return true;
}

// True when `v` has the word "upstream" outside its URLs.
bool says_upstream(string_view v) {
  for (string_view w : value_words(v))
    if (w.find("://") == npos)
      for (size_t p = ifind(w, "upstream"); p != npos; p = ifind(w, "upstream", p + 1))
        if ((p == 0 || !is_alpha(w[p - 1])) && (p + 8 >= w.size() || !is_alpha(w[p + 8]))) return true;
  return false;
}

// The DEP-3, Yocto and forge-URL conventions: one `Key: value` line.
bool scan_header_refs(string_view c, int line, std::vector<CommitRef>& refs) {
  std::string key;
  string_view value;
  if (!header_line(c, &key, &value)) return false;
  auto add = [&](RefKind k, FoundId f) {
    CommitRef r;
    r.kind = k;
    r.commit = std::move(f.commit);
    r.extra = std::move(f.url);
    r.line = line;
    refs.push_back(std::move(r));
    return true;
  };
  if (key == "origin") {
    string_view v = trim(value);
    size_t comma = v.find(',');
    string_view category = comma == npos ? string_view() : trim(v.substr(0, comma));
    bool has_category = !category.empty() && category.find_first_of(" \t:/") == npos;
    if (has_category) {
      if (!iequals(category, "upstream") && !iequals(category, "backport")) return false;
      v = v.substr(comma + 1);
    }
    if (auto f = find_url_or_commit_word(v, true)) return add(RefKind::dep3_origin, std::move(*f));
    return false;
  }
  if (key == "applied upstream") {
    if (auto f = find_url_or_commit_word(value, true)) return add(RefKind::applied_upstream, std::move(*f));
    return false;
  }
  if (key == "upstream status") {
    string_view v = ltrim_ascii(value);
    size_t after = match_words(v, 0, {"backport"});
    if (after == npos) return false;
    string_view rest = trim(v.substr(after));
    if (rest.empty() || rest[0] != '[') return false;
    size_t close = rest.rfind(']');
    string_view inside = rest.substr(1, close == npos ? npos : close - 1);
    if (auto f = find_url_or_commit_word(inside, true)) return add(RefKind::upstream_status_backport, std::move(*f));
    for (string_view w : value_words(inside))
      if (size_t n = lone_id_at(w, 0); n == w.size() || (n && w[n] == '.' && n + 1 == w.size()))
        return add(RefKind::upstream_status_backport, FoundId{lowered(w.substr(0, n)), ""});
    return false;
  }
  bool upstream_key = key == "upstream" || key == "upstream commit" || key == "upstream link" ||
                      key == "upstream url" || key == "upstream patch";
  if (upstream_key || (key == "link" && says_upstream(value))) {
    if (auto f = find_url_or_commit_word(value, false)) return add(RefKind::upstream_link, std::move(*f));
    if (key == "upstream commit") {
      string_view v = ltrim_blank(value);
      if (size_t n = commit_id_at(v, 0); n && rest_is_punctuation_end(v.substr(n)))
        return add(RefKind::upstream_commit, FoundId{lowered(v.substr(0, n)), ""});
    }
  }
  return false;
}

bool scan_refs(string_view s, string_view c, size_t next, int line, std::vector<CommitRef>& refs) {
  if (c.empty() || blank(c[0])) return false;
  if (match_picked(s, c, next, line, refs)) return true;

  auto add = [&](RefKind k, size_t id, size_t n) {
    CommitRef r;
    r.kind = k;
    r.commit = lowered(c.substr(id, n));
    r.line = line;
    refs.push_back(std::move(r));
  };

  // commit X upstream  /  commit X
  if (size_t after = match_words(c, 0, {"commit"}); after != npos) {
    size_t id = skip_blanks(c, after);
    if (id > after) {
      if (size_t n = commit_id_at(c, id)) {
        string_view rest = c.substr(id + n);
        size_t up = skip_blanks(rest, 0);
        if (up > 0 && match_words(rest, up, {"upstream"}) != npos) {
          add(RefKind::commit_upstream, id, n);
          return true;
        }
        if (n == 40 && trim(rest).empty()) {
          add(RefKind::commit_line, id, n);
          return true;
        }
      }
    }
  }
  // [ Upstream commit X ]  /  [ commit X upstream ]
  if (c[0] == '[') {
    size_t p = skip_blanks(c, 1);
    if (size_t after = match_words(c, p, {"upstream", "commit"}); after != npos) {
      size_t id = skip_blanks(c, after);
      if (id > after)
        if (size_t n = commit_id_at(c, id)) {
          add(RefKind::upstream_commit_bracketed, id, n);
          return true;
        }
    }
    if (size_t after = match_words(c, p, {"commit"}); after != npos) {
      size_t id = skip_blanks(c, after);
      if (id > after)
        if (size_t n = commit_id_at(c, id)) {
          string_view rest = c.substr(id + n);
          size_t up = skip_blanks(rest, 0);
          if (up > 0 && match_words(rest, up, {"upstream"}) != npos) {
            add(RefKind::upstream_commit_bracketed, id, n);
            return true;
          }
        }
    }
  }
  // Upstream commit X[.]
  if (size_t after = match_words(c, 0, {"upstream", "commit"}); after != npos) {
    size_t id = skip_blanks(c, after);
    if (id > after)
      if (size_t n = commit_id_at(c, id); n && rest_is_punctuation_end(c.substr(id + n))) {
        add(RefKind::upstream_commit, id, n);
        return true;
      }
  }
  // Git-commit: X (SUSE)
  if (istarts_with(c, "git-commit")) {
    long sep = find_separator(c);
    if (sep >= 1 && iequals(trim(c.substr(0, static_cast<size_t>(sep))), "git-commit")) {
      size_t id = skip_blanks(c, static_cast<size_t>(sep) + 1);
      if (size_t n = commit_id_at(c, id)) {
        add(RefKind::git_commit_header, id, n);
        return true;
      }
    }
  }
  // master commit: X (Xen)
  if (size_t after = match_words(c, 0, {"master", "commit"}); after != npos) {
    size_t p = skip_blanks(c, after);
    if (p < c.size() && c[p] == ':') {
      size_t id = skip_blanks(c, p + 1);
      if (size_t n = commit_id_at(c, id)) {
        add(RefKind::master_commit, id, n);
        return true;
      }
    }
  }
  // Origin:, Applied-Upstream:, Upstream-Status: Backport, upstream commit URLs
  if (scan_header_refs(c, line, refs)) return true;
  // This reverts commit X[.|, reversing changes made to Y.]
  for (size_t at = ifind(c, "this"); at != npos; at = ifind(c, "this", at + 1)) {
    if (at > 0 && (is_alnum(c[at - 1]) || c[at - 1] == '_')) continue;
    size_t after = match_words(c, at, {"this", "reverts", "commit"});
    if (after == npos) continue;
    size_t id = skip_blanks(c, after);
    if (id == after) continue;
    if (size_t n = commit_id_at(c, id)) {
      add(RefKind::reverts, id, n);
      return true;
    }
  }
  return false;
}

// --- subject prefixes and tags ---------------------------------------------------

struct Prefix {
  string_view first;
  string_view second;  // empty, or the second word ("SAUCE")
  string_view name;
};
constexpr Prefix kPrefixes[] = {
    {"UBUNTU", "SAUCE", "UBUNTU: SAUCE"},
    {"NVIDIA", "SAUCE", "NVIDIA: SAUCE"},
    {"UPSTREAM", "", "UPSTREAM"},
    {"BACKPORT", "", "BACKPORT"},
    {"FROMGIT", "", "FROMGIT"},
    {"FROMLIST", "", "FROMLIST"},
    {"ANDROID", "", "ANDROID"},
    {"CHROMIUM", "", "CHROMIUM"},
    {"UBUNTU", "", "UBUNTU"},
};

// "WORD:" at s[0..]; returns the length consumed or 0.
size_t word_colon(string_view s, size_t pos, string_view word) {
  if (s.substr(pos).starts_with(word) && pos + word.size() < s.size() && s[pos + word.size()] == ':')
    return word.size() + 1;
  return 0;
}

size_t match_prefix(string_view s, string_view* name) {
  for (const Prefix& p : kPrefixes) {
    size_t n = word_colon(s, 0, p.first);
    if (!n) continue;
    if (p.second.empty()) {
      *name = p.name;
      return n;
    }
    size_t q = n;
    while (q < s.size() && ascii_space(s[q])) ++q;
    if (size_t m = word_colon(s, q, p.second)) {
      *name = p.name;
      return q + m;
    }
  }
  return 0;
}

size_t match_reply(string_view s) {
  for (string_view w : {string_view("re"), string_view("fwd"), string_view("fw"), string_view("aw")}) {
    if (s.size() > w.size() && istarts_with(s, w) && s[w.size()] == ':') return w.size() + 1;
  }
  return 0;
}

// Parses a decimal number of at most 6 digits spanning all of w.
bool small_number(string_view w, int* out) {
  if (w.empty() || w.size() > 6) return false;
  int v = 0;
  for (char c : w) {
    if (!is_digit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

bool version_word(string_view w, int* out) {
  return w.size() >= 2 && (w[0] == 'v' || w[0] == 'V') && small_number(w.substr(1), out);
}

struct TagState {
  bool has_patch = false;
  bool have_index = false;
  bool have_version = false;
  SubjectTag tag;
  size_t raw_begin = npos;
  size_t raw_end = 0;
};

void tag_word(string_view w, TagState& st) {
  SubjectTag& t = st.tag;
  int v = 0;
  for (string_view kw : {string_view("PATCH"), string_view("RFC")}) {
    if (istarts_with(w, kw)) {
      string_view r = w.substr(kw.size());
      if (!r.empty() && r[0] == '-') r.remove_prefix(1);
      if (r.empty() || version_word(r, &v)) {
        st.has_patch = true;
        if (kw == "RFC") t.rfc = true;
        if (!r.empty() && !st.have_version) {
          t.version = v;
          st.have_version = true;
        }
        return;
      }
    }
  }
  if (version_word(w, &v)) {
    if (!st.have_version) {
      t.version = v;
      st.have_version = true;
    }
    return;
  }
  size_t slash = w.find('/');
  int a = 0, b = 0;
  if (slash != npos && !st.have_index && small_number(w.substr(0, slash), &a) &&
      small_number(w.substr(slash + 1), &b)) {
    t.index = a;
    t.total = b;
    st.have_index = true;
    return;
  }
  t.words.emplace_back(w);
}

struct SubjectParts {
  std::vector<std::string> prefixes;
  std::optional<SubjectTag> tag;
  string_view rest;
};

SubjectParts split_subject(string_view subject, bool want_details) {
  SubjectParts parts;
  TagState st;
  string_view s = subject;
  for (;;) {
    s = ltrim_ascii(s);
    if (s.empty()) break;
    if (size_t n = match_reply(s)) {
      s.remove_prefix(n);
      continue;
    }
    if (s[0] == '[') {
      size_t close = s.find(']');
      if (close != npos && !(close + 1 < s.size() && s[close + 1] == ':')) {
        if (want_details) {
          size_t off = static_cast<size_t>(s.data() - subject.data());
          if (st.raw_begin == npos) st.raw_begin = off;
          st.raw_end = off + close + 1;
          string_view inner = s.substr(1, close - 1);
          size_t i = 0;
          while (i < inner.size()) {
            while (i < inner.size() && (ascii_space(inner[i]) || inner[i] == ',')) ++i;
            size_t b = i;
            while (i < inner.size() && !(ascii_space(inner[i]) || inner[i] == ',')) ++i;
            if (i > b) tag_word(inner.substr(b, i - b), st);
          }
        }
        s.remove_prefix(close + 1);
        continue;
      }
    }
    string_view name;
    if (size_t n = match_prefix(s, &name)) {
      if (want_details) parts.prefixes.emplace_back(name);
      s.remove_prefix(n);
      continue;
    }
    break;
  }
  parts.rest = s;
  if (want_details && st.has_patch) {
    st.tag.raw = std::string(subject.substr(st.raw_begin, st.raw_end - st.raw_begin));
    parts.tag = std::move(st.tag);
  }
  return parts;
}

Message parse_impl(string_view s, const ReferenceRules* rules) {
  Message m;
  m.line_count = count_lines(s);

  // Leading blank lines.
  size_t p = 0;
  int lineno = 1;
  while (p < s.size()) {
    Line l = line_at(s, p);
    if (!is_blank_line(content(s, l))) break;
    p = l.next;
    ++lineno;
  }
  const size_t title_begin = p;
  const int title_line = lineno;
  if (title_begin >= s.size()) return m;

  // Subject: the first paragraph.
  while (p < s.size()) {
    Line l = line_at(s, p);
    string_view c = content(s, l);
    if (is_blank_line(c)) break;
    if (p != title_begin) m.subject.push_back(' ');
    m.subject.append(rtrim_git(c));
    p = l.next;
    ++lineno;
  }
  // Body: after the blank lines that follow the subject.
  while (p < s.size()) {
    Line l = line_at(s, p);
    if (!is_blank_line(content(s, l))) break;
    p = l.next;
  }
  m.body = std::string(s.substr(p));

  // Trailer block.
  const size_t log_end = log_message_end(s, title_begin);
  if (size_t block = find_trailer_block(s, title_begin, log_end); block != npos && block < log_end) {
    int first = title_line + count_newlines(s, title_begin, block);
    parse_trailer_block(s, block, log_end, first, m.trailers);
  }

  // Fixes, links, stable, refs: every line after the first subject line.
  Line first_line = line_at(s, title_begin);
  lineno = title_line + 1;
  for (size_t q = first_line.next; q < s.size(); ++lineno) {
    Line l = line_at(s, q);
    q = l.next;
    string_view c = content(s, l);
    bool found = !c.empty() && !git_space(c[0]) && scan_refs(s, c, l.next, lineno, m.refs);
    if (rules && !found && !c.empty()) rules->scan(c, lineno, m.refs);
    if (c.empty() || git_space(c[0])) continue;

    long sep = find_separator(c);
    if (sep < 1) continue;
    string_view key = trim_if(c.substr(0, static_cast<size_t>(sep)), git_space);
    bool fixes = iequals(key, "fixes");
    bool link = !fixes && iequals(key, "link");
    bool cc = !fixes && !link && iequals(key, "cc");
    if (!fixes && !link && !cc) continue;

    string_view after_colon = c.substr(static_cast<size_t>(sep) + 1);
    std::string folded(after_colon);
    bool wrapped = false;
    size_t r = l.next;
    while (r < s.size()) {  // git-style indented continuation lines
      Line cl = line_at(s, r);
      string_view cc_line = content(s, cl);
      if (cc_line.empty() || !blank(cc_line[0]) || is_blank_line(cc_line)) break;
      folded.push_back('\n');
      folded.append(cc_line);
      wrapped = true;
      r = cl.next;
    }
    std::string value = unfold(folded);
    if (fixes && fixes_value_unfinished(value)) {
      // An unindented wrap: join up to two lines if they close the subject.
      std::string extra;
      size_t t = r;
      for (int k = 0; k < 2 && t < s.size(); ++k) {
        Line wl = line_at(s, t);
        string_view wc = content(s, wl);
        if (is_blank_line(wc) || common_trailer_line(wc)) break;
        extra.push_back(' ');
        extra.append(trim(wc));
        if (closes_quoted_subject(wc)) {
          value += extra;
          wrapped = true;
          break;
        }
        t = wl.next;
      }
    }
    if (fixes) {
      m.fixes.push_back(
          parse_fixes(c.substr(0, static_cast<size_t>(sep)), after_colon, value, wrapped, lineno));
    } else if (link) {
      std::string u = link_value(value);
      if (!u.empty()) m.links.push_back(std::move(u));
    } else if (auto h = stable_hint(value, lineno)) {
      m.stable.push_back(std::move(*h));
    }
  }

  SubjectParts parts = split_subject(m.subject, true);
  m.prefixes = std::move(parts.prefixes);
  m.tag = std::move(parts.tag);
  m.normalized_subject = collapse_spaces(parts.rest);
  return m;
}

}  // namespace

std::string_view to_string(RefKind kind) {
  switch (kind) {
    case RefKind::cherry_picked_from: return "cherry_picked_from";
    case RefKind::commit_upstream: return "commit_upstream";
    case RefKind::upstream_commit_bracketed: return "upstream_commit_bracketed";
    case RefKind::upstream_commit: return "upstream_commit";
    case RefKind::git_commit_header: return "git_commit_header";
    case RefKind::reverts: return "reverts";
    case RefKind::backported_from: return "backported_from";
    case RefKind::commit_line: return "commit_line";
    case RefKind::master_commit: return "master_commit";
    case RefKind::dep3_origin: return "dep3_origin";
    case RefKind::applied_upstream: return "applied_upstream";
    case RefKind::upstream_status_backport: return "upstream_status_backport";
    case RefKind::upstream_link: return "upstream_link";
    case RefKind::pattern: return "pattern";
  }
  return "unknown";
}

int count_lines(std::string_view raw_message) noexcept {
  if (raw_message.empty()) return 0;
  int n = count_newlines(raw_message, 0, raw_message.size());
  return raw_message.back() == '\n' ? n : n + 1;
}

Message parse(std::string_view raw_message) noexcept {
  try {
    return parse_impl(raw_message, nullptr);
  } catch (...) {
    return Message{};
  }
}

Message parse(std::string_view raw_message, const ReferenceRules& rules) noexcept {
  try {
    return parse_impl(raw_message, rules.empty() ? nullptr : &rules);
  } catch (...) {
    return Message{};
  }
}

std::string_view kind_name(const CommitRef& ref) {
  return ref.kind == RefKind::pattern ? std::string_view(ref.name) : to_string(ref.kind);
}

// --- user-defined reference patterns ----------------------------------------------

struct ReferenceRules::Compiled {
  std::string kind;
  regex_t re{};
  Compiled() = default;
  Compiled(const Compiled&) = delete;
  Compiled& operator=(const Compiled&) = delete;
  ~Compiled() { regfree(&re); }
};

ReferenceRules ReferenceRules::compile(const std::vector<std::string>& patterns, std::string_view source) {
  ReferenceRules rules;
  for (const std::string& pattern : patterns) {
    auto c = std::make_shared<Compiled>();
    c->kind = "reference_pattern";
    string_view expr = pattern;
    if (expr.starts_with("kind=")) {
      size_t colon = expr.find(':');
      if (colon == npos)
        throw Error("{}: '{}': kind=NAME must be followed by ':' and the expression", source, pattern);
      string_view name = expr.substr(5, colon - 5);
      bool ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char ch) {
        return (ch >= 'a' && ch <= 'z') || is_digit(ch) || ch == '_' || ch == '-';
      });
      if (!ok)
        throw Error("{}: '{}': the kind name '{}' must be lower-case letters, digits, '_' or '-'", source, pattern,
                    name);
      bool builtin = name == "fixes" || name == "pattern";
      for (int k = 0; k <= static_cast<int>(RefKind::pattern); ++k)
        builtin |= name == to_string(static_cast<RefKind>(k));
      if (builtin)
        throw Error("{}: '{}': '{}' is a built-in kind; name the pattern's kind otherwise", source, pattern, name);
      c->kind = std::string(name);
      expr = expr.substr(colon + 1);
    }
    std::string text(expr);
    if (text.empty()) throw Error("{}: '{}': empty expression", source, pattern);
    if (int rc = regcomp(&c->re, text.c_str(), REG_EXTENDED); rc != 0) {
      char buf[256];
      regerror(rc, &c->re, buf, sizeof buf);
      throw Error("{}: '{}' is not a valid POSIX extended regular expression: {}", source, pattern, buf);
    }
    if (c->re.re_nsub < 1)
      throw Error("{}: '{}' has no group: put the commit id in ( ), as in 'master commit: ([0-9a-f]{{40}})'", source,
                  pattern);
    rules.patterns_.push_back(pattern);
    rules.compiled_.push_back(std::move(c));
  }
  return rules;
}

std::string ReferenceRules::fingerprint() const {
  std::string out = fmt::format("builtin {}", kBuiltinReferenceRulesVersion);
  for (auto& p : patterns_) out += "\n" + p;
  return out;
}

void ReferenceRules::scan(std::string_view line, int lineno, std::vector<CommitRef>& refs) const noexcept {
  if (compiled_.empty()) return;
  try {
    std::string text(line.substr(0, std::min<size_t>(line.size(), 4096)));
    for (auto& c : compiled_) {
      regmatch_t m[2];
      m[0].rm_so = 0;
      m[0].rm_eo = static_cast<regoff_t>(text.size());
      if (regexec(&c->re, text.c_str(), 2, m, REG_STARTEND) != 0 || m[1].rm_so < 0) continue;
      string_view id = string_view(text).substr(static_cast<size_t>(m[1].rm_so),
                                                static_cast<size_t>(m[1].rm_eo - m[1].rm_so));
      if (id.size() < 7 || id.size() > 40 || hex_run(id, 0) != id.size()) continue;
      CommitRef r;
      r.kind = RefKind::pattern;
      r.name = c->kind;
      r.commit = lowered(id);
      r.line = lineno;
      refs.push_back(std::move(r));
      return;
    }
  } catch (...) {
  }
}

std::string normalize_subject(std::string_view subject) {
  return collapse_spaces(split_subject(subject, false).rest);
}

std::string subject_key(std::string_view subject) {
  std::string s = lowered(normalize_subject(subject));
  while (!s.empty() && (s.back() == '.' || s.back() == ' ')) s.pop_back();
  return s;
}

bool is_revert_subject(std::string_view subject) {
  std::string n = normalize_subject(subject);
  string_view s = n;
  for (int level = 0; level <= 3; ++level) {
    if (istarts_with(s, "revert") &&
        (s.size() == 6 || !(is_alnum(s[6]) || s[6] == '_' || s[6] == '-')))
      return true;
    // Skip one "subsystem:" prefix (no spaces before the colon).
    size_t colon = s.find(':');
    if (colon == npos || colon == 0 || colon + 1 >= s.size() || s[colon + 1] != ' ') return false;
    if (s.substr(0, colon).find(' ') != npos) return false;
    s = s.substr(colon + 2);
  }
  return false;
}

}  // namespace beaver::message
