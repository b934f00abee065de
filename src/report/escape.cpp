#include "report/escape.h"

#include <fmt/format.h>

namespace beaver::report {

std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
    if (ok && len == 2) ok = c >= 0xc2;  // overlong
    if (ok && len == 3) {
      auto c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);  // overlong, surrogates
    }
    if (ok && len == 4) {
      auto c1 = static_cast<unsigned char>(s[i + 1]);
      ok = c <= 0xf4 && !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90);
    }
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
  return out;
}

std::string safe_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) out += ((c < 0x20 && c != '\t') || c == 0x7f) ? '?' : char(c);
  return out;
}

std::string markdown_escape(std::string_view s) {
  std::string out;
  for (char c : safe_text(s)) {
    if (c == '|' || c == '*' || c == '_' || c == '`' || c == '<' || c == '>' || c == '[' || c == ']' || c == '\\')
      out += '\\';
    out += c;
  }
  return out;
}

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : valid_utf8(s)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') ? '?' : c;
    }
  }
  return out;
}

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
