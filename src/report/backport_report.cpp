#include "report/backport_report.h"

#include "report/escape.h"
#include "report/html.h"
#include "util/term.h"
#include "util/text.h"

#include <fmt/format.h>

namespace beaver::report {

namespace {

using nlohmann::json;

std::string summary_line(const backport::Plan& p) {
  auto n = [&](const char* k) { return count_of(p.summary, k); };
  if (n("commits") == 0 && n("conflicts") == 0)
    return fmt::format("nothing to pick: {}{}", p.steps.empty() ? "no step" : "every step is already there",
                       n("carried") ? fmt::format(" ({} carried already)", n("carried")) : "");
  std::string s = fmt::format("{}: {} commit(s) to pick ({} requested, {} prerequisite(s), {} fix(es), {} revert(s)), "
                              "{} file(s), {} line(s)",
                              p.category, n("commits"), n("requested"), n("prerequisites"), n("fixes"), n("reverts"), n("files"),
                              n("lines"));
  if (n("empty")) s += fmt::format("; {} already there (empty)", n("empty"));
  if (n("conflicts")) s += fmt::format("; {} CONFLICT(S)", n("conflicts"));
  else if (!p.steps.empty()) s += "; every step applies";
  if (n("carried")) s += fmt::format("; {} carried already", n("carried"));
  if (p.naive) s += fmt::format("; naive answer: {} commit(s)", p.naive);
  return s;
}

std::string conflict_text(const backport::Conflict& c) {
  std::string s = c.file;
  if (!c.lines.empty()) {
    s += ":";
    for (std::size_t k = 0; k < c.lines.size(); ++k) s += (k ? "," : "") + std::to_string(c.lines[k]);
  }
  if (!c.changed_on_branch.empty()) {
    s += " (changed on the branch by " + short_id(c.changed_on_branch[0]);
    if (c.changed_on_branch.size() > 1) s += fmt::format(" and {} more", c.changed_on_branch.size() - 1);
    s += ")";
  } else {
    s += " (no branch commit explains it)";
  }
  return s;
}

std::string subsystems_text(const backport::Plan& p, std::size_t max) {
  std::string s;
  for (std::size_t k = 0; k < p.subsystems.size() && k < max; ++k)
    s += (k ? ", " : "") + fmt::format("{} ({})", p.subsystems[k].first, p.subsystems[k].second);
  if (p.subsystems.size() > max) s += fmt::format(", {} more", p.subsystems.size() - max);
  return s;
}

const char* result_colour(const std::string& result) {
  return result == "applies" ? "32" : result == "empty" ? "2" : "31;1";
}

}  // namespace

json backport_json(const backport::Plan& p) {
  json j;
  j["onto"] = {{"rev", p.onto_rev}, {"commit", p.onto_oid}};
  j["upstream"] = {{"rev", p.upstream_rev}, {"commit", p.upstream_oid}};
  j["merge_base"] = p.merge_base;
  j["category"] = p.category;
  j["summary"] = json::object();
  for (auto& [k, v] : p.summary) j["summary"][k] = v;
  j["steps"] = json::array();
  for (auto& s : p.steps) {
    json c = json::array();
    for (auto& x : s.conflicts) c.push_back({{"file", x.file}, {"lines", x.lines}, {"changed_on_branch", x.changed_on_branch}});
    j["steps"].push_back({{"commit", s.commit},
                          {"subject", s.subject},
                          {"author", s.author},
                          {"release", or_null(s.release)},
                          {"role", s.role},
                          {"needed_by", s.needed_by},
                          {"reasons", s.reasons},
                          {"result", s.result},
                          {"conflicts", c},
                          {"files", s.files},
                          {"lines", s.lines},
                          {"paths", s.paths},
                          {"depth", s.depth}});
  }
  j["carried"] = json::array();
  for (auto& c : p.carried)
    j["carried"].push_back({{"commit", c.commit}, {"subject", c.subject}, {"carried_as", c.carried_as}, {"how", c.how},
                            {"needed_by", or_null(c.needed_by)}});
  j["not_planned"] = json::array();
  for (auto& n : p.not_planned) j["not_planned"].push_back({{"commit", n.commit}, {"subject", n.subject}, {"why", n.why}});
  j["subsystems"] = json::array();
  for (auto& [dir, n] : p.subsystems) j["subsystems"].push_back({{"path", dir}, {"steps", n}});
  j["limits"] = p.limits;
  j["naive"] = p.naive;
  j["seconds"] = p.seconds;
  return j;
}

std::string backport_text(const backport::Plan& p, bool color) {
  std::string out = fmt::format("{} onto {} (merge base {}): {}\n", paint(p.upstream_rev, "1", color), paint(p.onto_rev, "1", color),
                                short_id(p.merge_base), p.category);
  if (!p.steps.empty()) out += "\n";
  std::size_t k = 0;
  for (auto& s : p.steps) {
    ++k;
    out += fmt::format("{:>3}. {} {} {}  {}{}\n", k, paint(fmt::format("{:<9}", s.result), result_colour(s.result), color),
                       paint(fmt::format("{:<12}", s.role), s.role == "requested" ? "1" : s.role == "prerequisite" ? "36" : "35", color),
                       paint(short_id(s.commit), "33", color), safe_text(s.subject),
                       paint(s.release.empty() ? "" : " (" + s.release + ")", "2", color));
    for (auto& r : s.reasons)  // a requested step's own request says nothing new
      if (s.role != "requested" || !(r == "asked for" || r.starts_with("in ") || r.starts_with("touches ")))
        out += fmt::format("       {}\n", paint(safe_text(r), "2", color));
    for (auto& c : s.conflicts) out += fmt::format("       {} {}\n", paint("conflict:", "31", color), safe_text(conflict_text(c)));
  }
  if (!p.carried.empty()) {
    out += "\nAlready on the branch:\n";
    for (auto& c : p.carried)
      out += fmt::format("  {}  {}  {}{}\n", short_id(c.commit), safe_text(c.subject),
                         c.how == "same" ? std::string("(the same commit)") : fmt::format("(as {}, {})", short_id(c.carried_as), c.how),
                         c.needed_by.empty() ? "" : paint(" needed by " + short_id(c.needed_by), "2", color));
  }
  if (!p.not_planned.empty()) {
    out += "\nNot planned:\n";
    for (auto& n : p.not_planned) out += fmt::format("  {}  {}  {}\n", short_id(n.commit), safe_text(n.subject), safe_text(n.why));
  }
  for (auto& l : p.limits) out += fmt::format("{} {}\n", paint("note:", "33", color), safe_text(l));
  if (!p.subsystems.empty()) out += "\nSubsystems: " + subsystems_text(p, 6) + "\n";
  out += "\n" + summary_line(p) + "\n";
  return out;
}

std::string backport_markdown(const backport::Plan& p, const Links& links) {
  auto cell = [&](const std::string& hex) { return markdown_commit(links, hex); };
  std::string head = fmt::format("Backport of **{}** onto **{}** ({}): {}\n\n", markdown_escape(p.upstream_rev),
                                 markdown_escape(p.onto_rev), p.category, markdown_escape(summary_line(p)));
  if (!p.subsystems.empty()) head += "Subsystems: " + markdown_escape(subsystems_text(p, 8)) + "\n\n";
  for (auto& l : p.limits) head += "> **note:** " + markdown_escape(l) + "\n\n";
  MarkdownTable steps{fmt::format("Series ({})", p.steps.size()),
                      "| # | commit | subject | role | why | result |\n|---|---|---|---|---|---|\n", {}, false};
  std::size_t k = 0;
  for (auto& s : p.steps) {
    std::string why;
    for (auto& r : s.reasons) why += (why.empty() ? "" : "<br>") + markdown_escape(r);
    std::string result = s.result == "conflicts" ? "**conflicts**" : s.result;
    for (auto& c : s.conflicts) result += "<br>" + markdown_escape(conflict_text(c));
    steps.rows.push_back(fmt::format("| {} | {} | {} | {} | {} | {} |\n", ++k, cell(s.commit), markdown_escape(s.subject), s.role,
                                     why, result));
  }
  MarkdownTable carried{fmt::format("Already on the branch ({})", p.carried.size()),
                        "| upstream | subject | carried as | how |\n|---|---|---|---|\n", {}, true};
  for (auto& c : p.carried)
    carried.rows.push_back(fmt::format("| {} | {} | {} | {} |\n", cell(c.commit), markdown_escape(c.subject), cell(c.carried_as), c.how));
  MarkdownTable skipped{fmt::format("Not planned ({})", p.not_planned.size()), "| commit | subject | why |\n|---|---|---|\n", {}, true};
  for (auto& n : p.not_planned)
    skipped.rows.push_back(fmt::format("| {} | {} | {} |\n", cell(n.commit), markdown_escape(n.subject), markdown_escape(n.why)));
  return fit_markdown(head, {steps, carried, skipped});
}

std::string backport_html(const backport::Plan& p, const Links& links) {
  auto n = [&](const char* k) { return count_of(p.summary, k); };
  std::vector<Card> cards = {{"commits to pick", n("commits"), "neutral", ""},
                             {"requested", n("requested"), "posted", "requested"},
                             {"prerequisites", n("prerequisites"), "modified", "prerequisite"},
                             {"fixes and reverts", n("fixes") + n("reverts"), "warn", "followup"},
                             {"conflicts", n("conflicts"), "unposted", "conflicts"},
                             {"already on the branch", n("carried"), "upstream", ""}};
  auto commit_link = [&](const std::string& hex) { return html_commit(links, hex); };
  std::string rows;
  std::size_t k = 0;
  for (auto& s : p.steps) {
    std::string why;
    for (auto& r : s.reasons) why += (why.empty() ? "" : "<br>") + html_escape(r);
    std::string result = badge(s.result, s.result == "applies" ? "upstream" : s.result == "empty" ? "neutral" : "unposted");
    for (auto& c : s.conflicts) result += "<br><span class=\"muted mono\">" + html_escape(conflict_text(c)) + "</span>";
    std::string statuses = s.role + " " + s.result + (s.role == "fix" || s.role == "revert" ? " followup" : "");
    std::string anchor = anchor_id("s-", short_id(s.commit));
    rows += row_open(anchor, statuses, s.author);
    rows += fmt::format("<td>{}</td><td>{}</td><td class=\"subject\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                        "<td>{}</td><td>{}</td></tr>\n",
                        anchor_link(anchor, std::to_string(++k)), commit_link(s.commit), html_escape(s.subject),
                        badge(s.role, s.role == "requested" ? "posted" : s.role == "prerequisite" ? "modified" : "warn"), why,
                        html_escape(s.release), s.files, s.lines, result);
  }
  std::string body;
  if (!p.limits.empty()) {
    body += "<ul class=\"notes\">\n";
    for (auto& l : p.limits) body += "<li>" + html_escape(l) + "</li>\n";
    body += "</ul>\n";
  }
  body += section("Series, in order", p.steps.size(),
                  "<table>\n<thead><tr><th>#</th><th>commit</th><th>subject</th><th>role</th><th>why</th><th>release</th>"
                  "<th>files</th><th>lines</th><th>result</th></tr></thead>\n<tbody>\n" + rows + "</tbody>\n</table>\n");
  if (!p.carried.empty()) {
    std::string r;
    for (auto& c : p.carried)
      r += row_open(anchor_id("c-", short_id(c.commit)), "carried") +
           fmt::format("<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", commit_link(c.commit), html_escape(c.subject),
                       commit_link(c.carried_as), html_escape(c.how), c.needed_by.empty() ? "" : commit_link(c.needed_by));
    body += section("Already on the branch", p.carried.size(),
                    "<table class=\"sortable\"><thead><tr><th>upstream</th><th>subject</th><th>carried as</th><th>how</th>"
                    "<th>needed by</th></tr></thead><tbody>\n" + r + "</tbody></table>\n", true);
  }
  if (!p.not_planned.empty()) {
    std::string r;
    for (auto& x : p.not_planned)
      r += row_open(anchor_id("n-", short_id(x.commit)), "not-planned") +
           fmt::format("<td>{}</td><td>{}</td><td>{}</td></tr>\n", commit_link(x.commit), html_escape(x.subject), html_escape(x.why));
    body += section("Not planned", p.not_planned.size(),
                    "<table class=\"sortable\"><thead><tr><th>commit</th><th>subject</th><th>why</th></tr></thead><tbody>\n" + r +
                        "</tbody></table>\n",
                    true);
  }
  if (!p.subsystems.empty()) body += "<p class=\"muted\">Subsystems: " + html_escape(subsystems_text(p, 12)) + "</p>\n";
  std::string subtitle = fmt::format("{} onto {} — {} — {:.2f} s", p.upstream_rev, p.onto_rev, summary_line(p), p.seconds);
  return html_page("beaver backport: " + p.onto_rev, subtitle, cards, body);
}

std::string backport_legend() {
  return "Legend: the series in the order to pick it: `N. RESULT ROLE COMMIT SUBJECT (release)`, RESULT from an\n"
         "in-memory cherry-pick of every step in turn onto the branch (applies, empty: already there, conflicts:\n"
         "file:line where the conflict starts and the branch's commits there that upstream lacks); ROLE requested,\n"
         "prerequisite (lines its dependants need, from git blame of upstream), fix (a missing Fixes:) or revert;\n"
         "the dim lines under a step are its reasons. -q hides this legend.\n";
}

}  // namespace beaver::report
