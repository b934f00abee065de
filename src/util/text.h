// Small text helpers shared by parsers and reports.
#pragma once

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

// A commit id as people read it: its first 12 hex digits.
inline std::string short_id(std::string_view hex) { return std::string(hex.substr(0, 12)); }

}  // namespace beaver
