// UTF-8 repair and markup escaping, header-only so that beaver-probe (which
// links nothing of libbeaver) and the reports share one implementation.
#pragma once

#include <string>
#include <string_view>

namespace beaver {

// Invalid UTF-8 sequences (including overlong forms, surrogates and code
// points above U+10FFFF) replaced by U+FFFD.
inline std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
    if (ok && len == 2) ok = c >= 0xc2;
    if (ok && len == 3) {
      auto c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);
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

// Text from a repository, an archive or a file, made safe for a terminal:
// valid UTF-8, and every character that could move the cursor, change the
// terminal's state or reorder what is shown replaced by '?': C0 controls but
// \t (and \n when `keep_newlines`), DEL, the C1 controls U+0080-U+009F (U+009B
// is a CSI on many terminals), the bidirectional marks, embeddings, overrides
// and isolates (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) and the
// line and paragraph separators U+2028, U+2029. With `keep_sgr`, colour
// sequences (ESC [ digits and ';' m), which beaver paints itself, are kept.
inline std::string terminal_text(std::string_view s, bool keep_newlines = false, bool keep_sgr = false) {
  std::string v = valid_utf8(s);
  std::string out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    auto c = static_cast<unsigned char>(v[i]);
    if (c == 0x1b && keep_sgr && i + 1 < v.size() && v[i + 1] == '[') {
      std::size_t j = i + 2;
      while (j < v.size() && ((v[j] >= '0' && v[j] <= '9') || v[j] == ';')) ++j;
      if (j < v.size() && v[j] == 'm') {
        out.append(v, i, j + 1 - i);
        i = j;
        continue;
      }
    }
    if (c < 0x20 || c == 0x7f) {
      out += (c == '\t' || (c == '\n' && keep_newlines)) ? char(c) : '?';
      continue;
    }
    if (c < 0x80) {
      out += char(c);
      continue;
    }
    std::size_t len = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : 4;  // valid UTF-8 by now
    std::string_view ch(v.data() + i, len);
    auto b1 = static_cast<unsigned char>(len > 1 ? v[i + 1] : 0), b2 = static_cast<unsigned char>(len > 2 ? v[i + 2] : 0);
    bool bad = (c == 0xc2 && b1 <= 0x9f) ||                                   // C1
               (c == 0xd8 && b1 == 0x9c) ||                                   // U+061C
               (c == 0xe2 && b1 == 0x80 && (b2 == 0x8e || b2 == 0x8f ||       // U+200E, U+200F
                                            (b2 >= 0xa8 && b2 <= 0xae))) ||   // U+2028-U+202E
               (c == 0xe2 && b1 == 0x81 && b2 >= 0xa6 && b2 <= 0xa9);         // U+2066-U+2069
    if (bad) out += '?';
    else out.append(ch);
    i += len - 1;
  }
  return out;
}

// For HTML and XML text and attribute values: valid UTF-8, the five markup
// characters as entities, other control characters but \n and \t as '?'.
inline std::string markup_escape(std::string_view s) {
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

}  // namespace beaver
