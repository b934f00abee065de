// Pieces every report face shares: link templates, commit cells, JSON nulls
// and summary counts.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>

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

}  // namespace beaver::report
