// Small text helpers shared by parsers and reports.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace beaver {

// Calls fn(line) for every line of `text`, without its '\n'; a last line
// without '\n' counts, an empty text has no lines.
template <typename F>
void for_each_line(std::string_view text, F&& fn) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    fn(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
}

// The position of the first NUL byte in `s`, or s.size(). Inline and eight
// bytes at a time: it runs on every line of every diff and every tree entry
// name, which are short enough that a memchr() call costs more than the
// search.
inline std::size_t find_nul(std::string_view s) {
  const char* p = s.data();
  std::size_t n = s.size(), at = 0;
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHighs = 0x8080808080808080ULL;
  for (; at + 8 <= n; at += 8) {
    std::uint64_t v;
    std::memcpy(&v, p + at, 8);
    if ((v - kOnes) & ~v & kHighs) break;
  }
  for (; at < n; ++at)
    if (p[at] == '\0') return at;
  return n;
}

// `s` without the ASCII white space at either end.
inline std::string_view trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// Bytes as lower-case hex, two digits each (object ids, digests).
inline std::string hex_of_bytes(const void* data, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  const auto* p = static_cast<const unsigned char*>(data);
  std::string s(2 * n, '0');
  for (std::size_t i = 0; i < n; ++i) {
    s[2 * i] = digits[p[i] >> 4];
    s[2 * i + 1] = digits[p[i] & 15];
  }
  return s;
}

// A commit id as people read it: its first 12 hex digits.
inline std::string short_id(std::string_view hex) { return std::string(hex.substr(0, 12)); }

}  // namespace beaver
