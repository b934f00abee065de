// Pieces every report face shares: link templates, commit cells, JSON nulls
// and summary counts.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace beaver::report {

struct Links {
  std::string commit_url;  // template with {commit}
  std::string mail_url;    // template with {message_id}
};

// A string, or JSON null when it is empty.
nlohmann::json or_null(const std::string& s);
// A summary count, 0 when absent.
std::size_t count_of(const std::map<std::string, std::size_t>& summary, const char* key);
// A commit as a Markdown cell: `1a2b3c4d5e6f`, linked when --commit-url is given.
std::string markdown_commit(const Links& links, const std::string& hex);
// A commit as HTML: <code>1a2b3c4d5e6f</code>, linked when --commit-url is given.
std::string html_commit(const Links& links, const std::string& hex);

// Markdown for merge-request comments: GitHub refuses a comment over 65,536
// characters. A report is its head (a summary), then tables: the ones people
// must read open, the rest folded in <details>. When the whole is too long,
// rows are left out from the last table backwards, each cut table saying how
// many rows it lost, so that the result always fits.
constexpr std::size_t kMarkdownLimit = 65536;
struct MarkdownTable {
  std::string title;   // "Unposted and modified (12)": a heading, or the <summary> of a folded table
  std::string header;  // "| a | b |\n|---|---|\n"
  std::vector<std::string> rows;  // each ends with "\n"
  bool folded = false;
};
std::string fit_markdown(const std::string& head, const std::vector<MarkdownTable>& tables, const std::string& tail = "",
                         std::size_t limit = kMarkdownLimit);
// A summary table: | STATUS | COUNT | for each (label, count) with a count.
std::string markdown_summary(const std::vector<std::pair<std::string, std::size_t>>& counts);

}  // namespace beaver::report
