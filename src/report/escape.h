// Text made safe for where it is printed: a terminal, Markdown, HTML. Commit
// messages and mail subjects may hold control characters and invalid UTF-8.
#pragma once

#include <string>
#include <string_view>

namespace beaver::report {

// Invalid UTF-8 sequences replaced by U+FFFD.
std::string valid_utf8(std::string_view s);
// For a terminal: one line of untrusted text through terminal_text() (util/markup.h):
// controls, C1 and bidirectional overrides replaced by '?', invalid UTF-8 by U+FFFD.
std::string safe_text(std::string_view s);
// For a Markdown table cell: control characters replaced, markup characters escaped.
std::string markdown_escape(std::string_view s);
// For HTML text and attribute values; invalid UTF-8 replaced.
std::string html_escape(std::string_view s);
// A URL template with {commit}, {message_id} or {id} replaced (percent-encoded); empty template: empty.
std::string expand_url(std::string_view url_template, std::string_view key, std::string_view value);

}  // namespace beaver::report
