// Path quoting exactly as git prints paths in diff headers (quote.c,
// quote_c_style with core.quotePath=true, git's default): a path that holds a
// control character, '"', '\\' or any byte >= 0x80 is wrapped in double
// quotes with C escapes and octal bytes. The quoting matters for patch-ids:
// the `diff --git` and `---`/`+++` lines are hashed.
#pragma once

#include <string>
#include <string_view>

namespace beaver {

bool path_needs_quote(std::string_view path);
// Returns prefix+path, quoted as a whole when needed ("a/" + path -> "\"a/...\"").
std::string quote_path(std::string_view prefix, std::string_view path);

}  // namespace beaver
