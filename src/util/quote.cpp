#include "util/quote.h"

#include <fmt/format.h>

namespace beaver {

namespace {
// 0: literal; 1: octal escape; other: the letter of a backslash escape.
char lookup(unsigned char c) {
  switch (c) {
    case '\a': return 'a';
    case '\b': return 'b';
    case '\t': return 't';
    case '\n': return 'n';
    case '\v': return 'v';
    case '\f': return 'f';
    case '\r': return 'r';
    case '"': return '"';
    case '\\': return '\\';
    default:
      if (c < 0x20 || c >= 0x7f) return 1;
      return 0;
  }
}
}  // namespace

bool path_needs_quote(std::string_view path) {
  for (unsigned char c : path)
    if (lookup(c)) return true;
  return false;
}

std::string quote_path(std::string_view prefix, std::string_view path) {
  std::string whole;
  whole.reserve(prefix.size() + path.size() + 2);
  whole.append(prefix).append(path);
  if (!path_needs_quote(whole)) return whole;
  std::string out = "\"";
  for (unsigned char c : whole) {
    char l = lookup(c);
    if (!l) {
      out += char(c);
    } else if (l == 1) {
      out += fmt::format("\\{:03o}", c);
    } else {
      out += '\\';
      out += l;
    }
  }
  out += '"';
  return out;
}

}  // namespace beaver
