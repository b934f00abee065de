// Rules the matchers share.
#pragma once

#include <string>
#include <string_view>

namespace beaver::match {

// The file name without its directories: the unit matchers compare, so a
// patch still meets its backport after a move or rename of the directory.
inline std::string base_name(std::string_view path) {
  auto slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// A reference that says "this commit is that one, carried here" (cherry
// picked from, commit X upstream., ...), as opposed to Fixes: and reverts.
inline bool is_backport_ref(std::string_view kind) { return kind != "fixes" && kind != "reverts"; }

}  // namespace beaver::match
