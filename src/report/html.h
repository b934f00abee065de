// Self-contained HTML reports: one file, inline CSS, no script needed to read
// it, readable at a glance (summary cards, then a table with status badges).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace beaver::report {

struct Card {
  std::string label;
  std::size_t count = 0;
  std::string status;  // CSS class of the badge colour: upstream, modified, posted, unposted, warn, neutral
};

// <!doctype html> ... with the shared stylesheet; `body` is already HTML.
std::string html_page(std::string_view title, std::string_view subtitle, const std::vector<Card>& cards,
                      std::string_view body);
// <span class="badge STATUS">TEXT</span>
std::string badge(std::string_view text, std::string_view status);
// A similarity in [0, 1] as a number and a small bar.
std::string similarity_bar(double value);
// <a href="URL">TEXT</a>, or just TEXT (escaped) when the URL is empty.
std::string link(std::string_view url, std::string_view text_html);

}  // namespace beaver::report
