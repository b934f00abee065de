#include "report/config_report.h"

#include "report/escape.h"
#include "report/html.h"
#include "util/term.h"

#include <fmt/format.h>

namespace beaver::report {

namespace {

std::string status_sgr(const std::string& status) {
  return status == "ok" ? "32" : status == "blocked" ? "31" : status == "promptless" ? "33" : "35";
}

// Badge colours of the shared stylesheet.
std::string status_class(const std::string& status) {
  return status == "ok" ? "upstream" : status == "blocked" ? "unposted" : status == "promptless" ? "warn" : "neutral";
}

std::string value_text(const std::string& v) { return v.empty() ? "(absent)" : v; }

}  // namespace

nlohmann::json explanation_json(const kconfig::Explanation& x) {
  nlohmann::json fix = nlohmann::json::array();
  for (const kconfig::Assignment& a : x.fix) fix.push_back({{"symbol", a.symbol}, {"value", a.value}, {"reason", a.reason}});
  return {{"symbol", x.symbol},         {"wanted", x.wanted},       {"actual", x.actual},
          {"defined", x.defined},       {"has_prompt", x.has_prompt}, {"satisfied", x.satisfied},
          {"reasons", x.reasons},       {"blockers", x.blockers},   {"selected_by", x.selected_by},
          {"fix", fix},                 {"fixable", x.fixable},     {"explanation", x.text()}};
}

std::string explanation_text(const kconfig::Explanation& x, bool color) {
  std::string out = paint(fmt::format("CONFIG_{}", x.symbol), "1", color) +
                    fmt::format(" = {} (wanted {})\n", value_text(x.actual), x.wanted);
  for (const std::string& r : x.reasons) out += "  " + r + "\n";
  if (!x.selected_by.empty()) out += fmt::format("  selected by: {}\n", fmt::join(x.selected_by, ", "));
  if (x.satisfied) return out;
  if (!x.blockers.empty()) out += fmt::format("  blockers: {}\n", fmt::join(x.blockers, ", "));
  if (!x.fix.empty()) {
    out += "  to make it stick:\n";
    for (const kconfig::Assignment& a : x.fix) out += fmt::format("    CONFIG_{}={}  ({})\n", a.symbol, a.value, a.reason);
  } else if (x.defined && !x.fixable) {
    out += "  no change to user-settable symbols makes it stick\n";
  }
  return out;
}

std::string explanation_markdown(const kconfig::Explanation& x) {
  std::string out = fmt::format("### `CONFIG_{}` = {} (wanted {}){}\n\n", x.symbol, value_text(x.actual), x.wanted,
                                x.satisfied ? "" : " — not as wanted");
  for (const std::string& r : x.reasons) out += "- " + markdown_escape(r) + "\n";
  if (!x.selected_by.empty()) out += fmt::format("- selected by: `{}`\n", fmt::join(x.selected_by, "`, `"));
  if (x.satisfied) return out;
  if (!x.blockers.empty()) out += fmt::format("- blockers: `{}`\n", fmt::join(x.blockers, "`, `"));
  if (!x.fix.empty()) {
    out += "\nTo make it stick:\n\n| symbol | value | why |\n|---|---|---|\n";
    for (const kconfig::Assignment& a : x.fix)
      out += fmt::format("| `CONFIG_{}` | `{}` | {} |\n", a.symbol, a.value, markdown_escape(a.reason));
  } else if (x.defined && !x.fixable) {
    out += "\nNo change to user-settable symbols makes it stick.\n";
  }
  return out;
}

nlohmann::json config_json(const kconfig::ConfigureReport& r) {
  nlohmann::json results = nlohmann::json::array();
  for (const kconfig::RequestResult& x : r.results) {
    nlohmann::json fix = nlohmann::json::array();
    for (const kconfig::Assignment& a : x.why.fix) fix.push_back({{"symbol", a.symbol}, {"value", a.value}, {"reason", a.reason}});
    results.push_back({{"symbol", x.request.symbol},
                       {"requested", x.requested.empty() ? nlohmann::json(nullptr) : nlohmann::json(x.requested)},
                       {"actual", x.actual.empty() ? nlohmann::json(nullptr) : nlohmann::json(x.actual)},
                       {"status", x.status},
                       {"blockers", x.why.blockers},
                       {"explanation", x.why.text()},
                       {"profile", x.request.profile.empty() ? nlohmann::json(nullptr) : nlohmann::json(x.request.profile)},
                       {"selected_by", x.why.selected_by},
                       {"fix", fix}});
  }
  nlohmann::json changes = nlohmann::json::array();
  for (const kconfig::ConfigChange& c : r.changes)
    changes.push_back({{"symbol", c.symbol}, {"from", c.from}, {"to", c.to}, {"reason", c.reason}, {"for", c.for_request}});
  return {{"tree", r.tree},
          {"base", r.base},
          {"arch", r.arch},
          {"kernel_version", r.kernel_version},
          {"engine", r.engine},
          {"results", results},
          {"changes", changes},
          {"warnings", r.warnings},
          {"summary",
           {{"requested", r.results.size()},
            {"ok", r.count("ok")},
            {"blocked", r.count("blocked")},
            {"unknown", r.count("unknown")},
            {"promptless", r.count("promptless")},
            {"changes", r.changes.size()}}}};
}

std::string config_text(const kconfig::ConfigureReport& r, bool color) {
  std::string out = fmt::format("{} on {}{} ({}, {})\n", r.base, r.tree,
                                r.kernel_version.empty() ? "" : " [Linux " + r.kernel_version + "]", r.arch, r.engine);
  for (const kconfig::RequestResult& x : r.results) {
    std::string status = fmt::format("{:<10}", x.status);
    out += fmt::format("  {} CONFIG_{}", paint(status, status_sgr(x.status), color), x.request.symbol);
    if (x.status != "unknown") out += fmt::format(" = {}", value_text(x.actual));
    if (x.status != "ok" && !x.requested.empty()) out += fmt::format(" (requested {})", x.requested);
    if (!x.request.profile.empty()) out += paint(fmt::format("  [{}]", x.request.profile), "2", color);
    out += "\n";
    if (x.status == "ok") continue;
    out += fmt::format("             {}\n", x.why.text());
    if (!x.why.blockers.empty()) out += fmt::format("             blockers: {}\n", fmt::join(x.why.blockers, ", "));
  }
  if (!r.changes.empty()) {
    out += paint("Changed by --fix:", "1", color) + "\n";
    for (const kconfig::ConfigChange& c : r.changes)
      out += fmt::format("  CONFIG_{}: {} -> {}  (for CONFIG_{}: {})\n", c.symbol, c.from, c.to, c.for_request, c.reason);
  }
  for (const std::string& w : r.warnings) out += paint("warning: ", "33", color) + w + "\n";
  out += fmt::format("{} requested: {} ok, {} blocked, {} unknown, {} promptless", r.results.size(), r.count("ok"),
                     r.count("blocked"), r.count("unknown"), r.count("promptless"));
  if (!r.changes.empty()) out += fmt::format("; {} changes made by --fix", r.changes.size());
  out += "\n";
  return out;
}

std::string config_markdown(const kconfig::ConfigureReport& r) {
  std::string out = fmt::format("## beaver config: {}\n\n", markdown_escape(r.base));
  out += fmt::format("Tree `{}`{}, {}, final configuration by {}.\n\n", r.tree,
                     r.kernel_version.empty() ? "" : " (Linux " + r.kernel_version + ")", r.arch, r.engine);
  out += fmt::format("**{} requested: {} ok, {} blocked, {} unknown, {} promptless**\n\n", r.results.size(), r.count("ok"),
                     r.count("blocked"), r.count("unknown"), r.count("promptless"));
  out += "| status | symbol | requested | actual | profile | why |\n|---|---|---|---|---|---|\n";
  for (const kconfig::RequestResult& x : r.results)
    out += fmt::format("| {} | `CONFIG_{}` | {} | {} | {} | {} |\n", x.status, x.request.symbol, x.requested,
                       value_text(x.actual), x.request.profile, x.status == "ok" ? "" : markdown_escape(x.why.text()));
  if (!r.changes.empty()) {
    out += "\n### Changed by --fix\n\n| symbol | from | to | for | reason |\n|---|---|---|---|---|\n";
    for (const kconfig::ConfigChange& c : r.changes)
      out += fmt::format("| `CONFIG_{}` | {} | {} | `CONFIG_{}` | {} |\n", c.symbol, c.from, c.to, c.for_request,
                         markdown_escape(c.reason));
  }
  if (!r.warnings.empty()) {
    out += "\n### Warnings\n\n";
    for (const std::string& w : r.warnings) out += "- " + markdown_escape(w) + "\n";
  }
  return out;
}

std::string config_html(const kconfig::ConfigureReport& r) {
  std::string body = "<table class=\"sortable\"><thead><tr><th>status</th><th>symbol</th><th>requested</th><th>actual</th><th>profile</th>"
                     "<th>why</th></tr></thead><tbody>\n";
  for (const kconfig::RequestResult& x : r.results)
    body += row_open(anchor_id("CONFIG_", x.request.symbol), x.status) +
            fmt::format("<td>{}</td><td><code>CONFIG_{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                        badge(x.status, status_class(x.status)), html_escape(x.request.symbol), html_escape(x.requested),
                        html_escape(value_text(x.actual)), html_escape(x.request.profile),
                        x.status == "ok" ? "" : html_escape(x.why.text()));
  body += "</tbody></table>\n";
  if (!r.changes.empty()) {
    body += "<h2>Changed by --fix</h2><table class=\"sortable\"><thead><tr><th>symbol</th><th>from</th><th>to</th><th>for</th><th>reason</th>"
            "</tr></thead><tbody>\n";
    for (const kconfig::ConfigChange& c : r.changes)
      body += row_open(anchor_id("fix-", c.symbol), "changed") +
              fmt::format("<td><code>CONFIG_{}</code></td><td>{}</td><td>{}</td><td><code>CONFIG_{}</code></td><td>{}</td></tr>\n",
                          html_escape(c.symbol), html_escape(c.from), html_escape(c.to), html_escape(c.for_request),
                          html_escape(c.reason));
    body += "</tbody></table>\n";
  }
  for (const std::string& w : r.warnings) body += "<p class=\"warn\">" + html_escape(w) + "</p>\n";
  std::vector<Card> cards = {{"ok", r.count("ok"), "upstream", "ok"},
                             {"blocked", r.count("blocked"), "unposted", "blocked"},
                             {"unknown", r.count("unknown"), "neutral", "unknown"},
                             {"promptless", r.count("promptless"), "warn", "promptless"}};
  if (!r.changes.empty()) cards.push_back({"changed by --fix", r.changes.size(), "modified", "changed"});
  return html_page("beaver config: " + r.base,
                   fmt::format("{}{} · {} · {}", r.tree, r.kernel_version.empty() ? "" : " (Linux " + r.kernel_version + ")",
                               r.arch, r.engine),
                   cards, body);
}

}  // namespace beaver::report
