// Self-contained HTML reports: one file, inline CSS and script, no network,
// readable at a glance (summary cards, then tables with status badges) and
// complete without JavaScript. With it: a card filters the rows by status, a
// search box filters by subject, id and author, tables of class "sortable"
// sort by a click on a column, every row has an anchor, folded sections open
// when they hold a match, and a copied short id becomes the full one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace beaver::report {

struct Card {
  std::string label;
  std::size_t count = 0;
  std::string status;  // CSS class of the badge colour: upstream, modified, posted, unposted, warn, neutral
  std::string filter;  // the row status a click on the card shows (see row_open); "" = not a filter
};

// <!doctype html> ... with the shared stylesheet; `body` is already HTML.
std::string html_page(std::string_view title, std::string_view subtitle, const std::vector<Card>& cards,
                      std::string_view body);
// <tr id="ANCHOR" data-status="STATUSES" data-search="EXTRA">: a row the
// cards and the search box filter. STATUSES are space-separated tokens (a
// card's filter matches any of them); EXTRA is searched but not shown (an
// author, say).
std::string row_open(std::string_view anchor, std::string_view statuses, std::string_view extra = "");
// The row's link to itself (its anchor), around TEXT (already HTML).
std::string anchor_link(std::string_view anchor, std::string_view text_html);
// An id made of what an HTML id and a URL fragment may hold: [A-Za-z0-9_-].
std::string anchor_id(std::string_view prefix, std::string_view text);
// A titled section around `body` (tables): <h2>TITLE (COUNT)</h2>, or folded
// in <details> (opened when a filter or a search matches a row in it, and
// for printing).
std::string section(std::string_view title, std::size_t count, std::string_view body, bool folded = false);
// <span class="badge STATUS">TEXT</span>
std::string badge(std::string_view text, std::string_view status);
// A similarity in [0, 1] as a number and a small bar.
std::string similarity_bar(double value);
// <a href="URL">TEXT</a>, or just TEXT (escaped) when the URL is empty.
std::string link(std::string_view url, std::string_view text_html);

}  // namespace beaver::report
