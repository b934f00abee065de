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
  return link(expand_url(links.commit_url, "commit", hex), "<code>" + short_id(hex) + "</code>");
}

}  // namespace beaver::report
