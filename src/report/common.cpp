#include "report/common.h"

#include "report/escape.h"
#include "report/html.h"
#include "util/text.h"

#include <fmt/format.h>

namespace beaver::report {

nlohmann::json or_null(const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); }

std::size_t count_of(const std::map<std::string, std::size_t>& summary, const char* key) {
  auto it = summary.find(key);
  return it == summary.end() ? 0 : it->second;
}

std::string markdown_commit(const Links& links, const std::string& hex) {
  std::string url = expand_url(links.commit_url, "commit", hex);
  return url.empty() ? fmt::format("`{}`", short_id(hex)) : fmt::format("[`{}`]({})", short_id(hex), url);
}

std::string html_commit(const Links& links, const std::string& hex) {
  std::string code = hex.size() > 12 ? fmt::format("<code data-full=\"{0}\" title=\"{0}\">{1}</code>", html_escape(hex),
                                                  short_id(hex))
                                      : "<code>" + html_escape(hex) + "</code>";
  return link(expand_url(links.commit_url, "commit", hex), code);
}

namespace {

std::string table_text(const MarkdownTable& t, std::size_t rows, std::size_t cut, std::size_t limit) {
  std::string body = t.header;
  for (std::size_t i = 0; i < rows; ++i) body += t.rows[i];
  if (cut > 0)
    body += fmt::format("\n_… {} more row{} left out to fit a {}-character comment: `--format html` or `json` has them "
                        "all._\n",
                        cut, cut == 1 ? "" : "s", limit);
  if (t.folded) return fmt::format("<details><summary>{}</summary>\n\n{}\n</details>\n\n", t.title, body);
  return fmt::format("#### {}\n\n{}\n", t.title, body);
}

}  // namespace

std::string fit_markdown(const std::string& head, const std::vector<MarkdownTable>& tables, const std::string& tail,
                         std::size_t limit) {
  std::vector<std::size_t> keep;
  for (const MarkdownTable& t : tables) keep.push_back(t.rows.size());
  auto render = [&] {
    std::string out = head;
    for (std::size_t i = 0; i < tables.size(); ++i)
      if (!tables[i].rows.empty()) out += table_text(tables[i], keep[i], tables[i].rows.size() - keep[i], limit);
    return out + tail;
  };
  std::string out = render();
  if (out.size() <= limit) return out;
  // Too long: cut rows from the last table backwards. Measure what each
  // table costs without rows, then hand out what is left in table order.
  std::size_t fixed = head.size() + tail.size();
  for (std::size_t i = 0; i < tables.size(); ++i)
    if (!tables[i].rows.empty()) fixed += table_text(tables[i], 0, tables[i].rows.size(), limit).size();
  std::size_t budget = limit > fixed ? limit - fixed : 0;
  for (std::size_t i = 0; i < tables.size(); ++i) {
    std::size_t n = 0;
    while (n < tables[i].rows.size() && tables[i].rows[n].size() <= budget) budget -= tables[i].rows[n++].size();
    keep[i] = n;
    if (n < tables[i].rows.size()) budget = 0;  // later tables keep only their note
  }
  return render();
}

std::string markdown_summary(const std::vector<std::pair<std::string, std::size_t>>& counts) {
  std::string out = "| | count |\n|---|---:|\n";
  for (const auto& [label, n] : counts) out += fmt::format("| {} | {} |\n", label, n);
  return out + "\n";
}

}  // namespace beaver::report
