#include "report/escape.h"

#include "util/markup.h"

#include <fmt/format.h>

namespace beaver::report {

std::string valid_utf8(std::string_view s) { return beaver::valid_utf8(s); }

std::string safe_text(std::string_view s) { return terminal_text(s); }

std::string markdown_escape(std::string_view s) {
  std::string out;
  for (char c : safe_text(s)) {
    if (c == '|' || c == '*' || c == '_' || c == '`' || c == '<' || c == '>' || c == '[' || c == ']' || c == '\\')
      out += '\\';
    out += c;
  }
  return out;
}

std::string html_escape(std::string_view s) { return markup_escape(s); }

std::string expand_url(std::string_view tmpl, std::string_view key, std::string_view value) {
  if (tmpl.empty()) return {};
  std::string encoded;
  for (unsigned char c : value) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
        c == '~' || c == '@' || c == '+' || c == '=' || c == '$')
      encoded += char(c);
    else
      encoded += fmt::format("%{:02X}", c);
  }
  std::string out(tmpl);
  for (std::string k : {"{" + std::string(key) + "}", std::string("{id}")}) {
    for (std::size_t at = out.find(k); at != std::string::npos; at = out.find(k, at + encoded.size())) out.replace(at, k.size(), encoded);
  }
  return out;
}

}  // namespace beaver::report
