// extract_diff(), extract_diff_detail() and git_style_diff(): the unified
// diff inside a mail body, found by following hunk line counts (see mail.h).
#include "mail/mail.h"

#include "git/patch_id.h"
#include "util/quote.h"

#include <vector>

namespace beaver::mail {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

// The body split into lines without '\n' and without trailing CRs.
std::vector<std::string_view> split_lines(std::string_view body) {
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos < body.size()) {
    std::size_t nl = body.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? body.size() : nl;
    std::string_view line = body.substr(pos, end - pos);
    while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    pos = nl == std::string_view::npos ? body.size() : nl + 1;
  }
  return lines;
}

// "@@ -a[,b] +c[,d] @@...": the old and new line counts (a count without a
// comma is 1). Numbers of more than 9 digits are refused: no mail carries
// such a hunk, and the counts must not overflow.
bool parse_hunk_header(std::string_view line, long& old_count, long& new_count) {
  if (!starts_with(line, "@@ -")) return false;
  std::size_t i = 4;
  auto number = [&](long& out) {
    std::size_t start = i;
    long v = 0;
    while (i < line.size() && line[i] >= '0' && line[i] <= '9' && i - start < 9) v = v * 10 + (line[i++] - '0');
    if (i == start || (i < line.size() && line[i] >= '0' && line[i] <= '9')) return false;
    out = v;
    return true;
  };
  auto range = [&](long& count) {
    long first = 0;
    if (!number(first)) return false;
    count = 1;
    if (i < line.size() && line[i] == ',') {
      ++i;
      if (!number(count)) return false;
    }
    return true;
  };
  if (!range(old_count)) return false;
  if (!starts_with(line.substr(i), " +")) return false;
  i += 2;
  if (!range(new_count)) return false;
  return starts_with(line.substr(i), " @@");
}

bool is_hunk_header(std::string_view line) {
  long a = 0, b = 0;
  return parse_hunk_header(line, a, b);
}

bool is_equals_rule(std::string_view line) {  // "=====..." under an "Index:" line
  return line.size() >= 3 && line.find_first_not_of('=') == std::string_view::npos;
}

// Lines that may stand between the start of a file section and its first hunk.
bool is_header_line(std::string_view l) {
  static constexpr std::string_view kPrefixes[] = {
      "diff ",         "index ",         "old mode ",   "new mode ",  "deleted file mode ", "new file mode ",
      "similarity index ", "dissimilarity index ", "rename from ", "rename to ", "copy from ", "copy to ",
      "--- ",          "+++ ",           "Index: ",     "Binary files ", "GIT binary patch"};
  for (std::string_view p : kPrefixes)
    if (starts_with(l, p)) return true;
  return is_equals_rule(l);
}

// A line of a "GIT binary patch" block: "literal N", "delta N", an empty
// line, or base85 data (a length letter, then base85 characters).
bool is_binary_line(std::string_view l) {
  if (l.empty() || starts_with(l, "literal ") || starts_with(l, "delta ")) return true;
  char c = l[0];
  if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
  static constexpr std::string_view kBase85 =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~";
  return l.substr(1).find_first_not_of(kBase85) == std::string_view::npos;
}

// The signature separator. Once trailing whitespace was stripped it is "--",
// which is not taken for one: prose uses "--" lines, and a signature after
// the last hunk ends the diff anyway (it is no diff line).
bool is_signature(std::string_view l) { return l == "-- "; }

// A "--- X", "+++ Y", "@@ -..." triple at lines[i].
bool triple_at(const std::vector<std::string_view>& lines, std::size_t i) {
  return i + 2 < lines.size() && starts_with(lines[i], "--- ") && starts_with(lines[i + 1], "+++ ") &&
         is_hunk_header(lines[i + 2]);
}

// Does a file section start at lines[i]?
bool section_starts(const std::vector<std::string_view>& lines, std::size_t i) {
  std::string_view l = lines[i];
  if (starts_with(l, "diff --git ")) return true;
  if (triple_at(lines, i)) return true;
  if (!starts_with(l, "diff ") && !starts_with(l, "Index: ")) return false;
  // "Index: f" / "=====" / "diff -up a/f b/f" leading to a ---/+++/@@ triple.
  for (std::size_t j = i + 1; j < lines.size() && j <= i + 4; ++j) {
    if (triple_at(lines, j)) return true;
    std::string_view h = lines[j];
    if (!starts_with(h, "diff ") && !starts_with(h, "Index: ") && !is_equals_rule(h)) return false;
  }
  return false;
}

// The path of a non-git "--- "/"+++ " line: timestamp (after a TAB) dropped,
// git's C quoting undone, the first component dropped (-p1).
struct SidePath {
  std::string path;
  bool dev_null = false;  // /dev/null, or the epoch timestamp of `diff -N`
};

SidePath side_path(std::string_view rest) {
  SidePath s;
  std::size_t tab = rest.find('\t');
  std::string_view name = rest.substr(0, tab);
  std::string_view stamp = tab == std::string_view::npos ? std::string_view{} : rest.substr(tab + 1);
  while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
  std::string unquoted = git::unquote_path(name);
  if (unquoted == "/dev/null" || starts_with(stamp, "1970-01-01 ")) s.dev_null = true;
  std::size_t slash = unquoted.find('/');
  s.path = slash == std::string::npos ? unquoted : unquoted.substr(slash + 1);
  return s;
}

// Rewrites the header lines of one non-git file section.
std::string git_header(const std::vector<std::string_view>& header) {
  SidePath old_side, new_side;
  bool have_old = false, have_new = false;
  for (std::string_view l : header) {
    if (starts_with(l, "--- ")) old_side = side_path(l.substr(4)), have_old = true;
    else if (starts_with(l, "+++ ")) new_side = side_path(l.substr(4)), have_new = true;
  }
  if (!have_old || !have_new) {  // not a diff we understand: leave it as it was
    std::string out;
    for (std::string_view l : header) out.append(l).push_back('\n');
    return out;
  }
  bool created = old_side.dev_null && !new_side.dev_null;
  bool deleted = new_side.dev_null && !old_side.dev_null;
  const std::string& path = deleted ? old_side.path : new_side.path;
  std::string out = "diff --git " + quote_path("a/", path) + " " + quote_path("b/", path) + "\n";
  if (created) out += "new file mode 100644\n";
  if (deleted) out += "deleted file mode 100644\n";
  out += "--- " + (created ? std::string("/dev/null") : quote_path("a/", path)) + "\n";
  out += "+++ " + (deleted ? std::string("/dev/null") : quote_path("b/", path)) + "\n";
  return out;
}

ExtractedDiff extract(std::string_view body, bool git_style) {
  enum class State { search, header, hunk, after_hunk, binary };
  const std::vector<std::string_view> lines = split_lines(body);
  ExtractedDiff result;
  std::string& out = result.text;
  State state = State::search;
  long old_left = 0, new_left = 0;
  // git_style: the header lines of a non-git section, held until its first hunk.
  bool git_section = true;
  std::vector<std::string_view> held;
  // Header lines seen in the current section: a second "diff " or "Index: "
  // line starts the next file (after a header-only section: a mode change,
  // a pure rename).
  bool seen_diff = false, seen_index = false;

  auto emit = [&](std::string_view l) {
    if (git_style && !git_section && (state == State::header)) {
      held.push_back(l);
      return;
    }
    out.append(l).push_back('\n');
  };
  auto flush_header = [&] {
    if (!held.empty()) out += git_header(held);
    held.clear();
  };
  auto start_section = [&](std::string_view l) {
    flush_header();
    git_section = starts_with(l, "diff --git ");
    seen_diff = starts_with(l, "diff ");
    seen_index = starts_with(l, "Index: ");
    state = State::header;
    emit(l);
  };
  auto start_hunk = [&](std::string_view l) {
    parse_hunk_header(l, old_left, new_left);
    flush_header();
    state = old_left == 0 && new_left == 0 ? State::after_hunk : State::hunk;
    emit(l);
  };

  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string_view l = lines[i];
    switch (state) {
      case State::hunk: {
        char c = l.empty() ? ' ' : l[0];  // an empty line is a context line that lost its space
        bool fits = (c == ' ' && old_left > 0 && new_left > 0) || (c == '-' && old_left > 0) ||
                    (c == '+' && new_left > 0) || c == '\\';
        if (!fits) {
          result.truncated = true;
          flush_header();
          return result;
        }
        if (c == ' ' || c == '-') --old_left;
        if (c == ' ' || c == '+') --new_left;
        emit(l.empty() ? std::string_view(" ") : l);
        if (old_left == 0 && new_left == 0) state = State::after_hunk;
        continue;
      }
      case State::after_hunk:
        if (is_hunk_header(l)) {
          start_hunk(l);
          continue;
        }
        if (starts_with(l, "\\")) {
          emit(l);
          continue;
        }
        break;
      case State::header:
        if (is_hunk_header(l)) {
          start_hunk(l);
          continue;
        }
        if (starts_with(l, "GIT binary patch")) {
          flush_header();
          state = State::binary;
          emit(l);
          continue;
        }
        if (starts_with(l, "Binary files ")) {
          flush_header();
          state = State::after_hunk;
          emit(l);
          continue;
        }
        if (((starts_with(l, "diff ") && seen_diff) || (starts_with(l, "Index: ") && (seen_diff || seen_index))) &&
            section_starts(lines, i))
          break;  // the next file
        if (is_header_line(l)) {
          seen_diff = seen_diff || starts_with(l, "diff ");
          seen_index = seen_index || starts_with(l, "Index: ");
          emit(l);
          continue;
        }
        break;
      case State::binary:
        if (!section_starts(lines, i) && is_binary_line(l)) {
          emit(l);
          continue;
        }
        break;
      case State::search:
        break;
    }
    // Not a continuation of the current section: a new section, or text.
    if (section_starts(lines, i)) {
      start_section(l);
      continue;
    }
    flush_header();
    state = State::search;
    if (is_signature(l)) break;
  }
  if (state == State::hunk) result.truncated = true;
  flush_header();
  return result;
}

}  // namespace

ExtractedDiff extract_diff_detail(std::string_view body) { return extract(body, false); }

std::string extract_diff(std::string_view body) { return extract(body, false).text; }

std::string git_style_diff(std::string_view diff) { return extract(diff, true).text; }

}  // namespace beaver::mail
