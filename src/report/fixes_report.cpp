#include "report/fixes_report.h"

#include "report/escape.h"
#include "report/html.h"
#include "util/term.h"
#include "util/text.h"

#include <fmt/format.h>

namespace beaver::report {

namespace {

using nlohmann::json;

json fix_json(const match::MissingFix& m) {
  json j;
  j["commit"] = m.commit;
  j["subject"] = m.subject;
  j["author"] = m.author;
  j["fixes"] = m.fixes;
  j["fixed_in_branch_as"] = m.fixed_in_branch_as;
  j["depth"] = m.depth;
  j["applies"] = m.applies ? json(*m.applies) : json(nullptr);
  j["conflicts"] = m.conflicts;
  j["revert"] = m.revert;
  j["release"] = or_null(m.release);
  j["tag"] = or_null(m.tag);
  j["stable"] = m.stable;
  j["group"] = {{"commit", m.group}, {"subject", m.group_subject}, {"release", or_null(m.group_release)}};
  if (m.waiver)
    j["waiver"] = {{"commit", m.waiver->commit}, {"reason", m.waiver->reason}, {"author", or_null(m.waiver->author)},
                   {"date", or_null(m.waiver->date)}};
  return j;
}

std::string summary_line(const match::FixesReport& r) {
  auto n = [&](const char* k) { return count_of(r.summary, k); };
  std::string s = fmt::format("{} missing fix(es) ({} revert(s)), {} waived, {} unresolved reference(s), {} stale waiver(s)",
                              n("missing"), n("reverts"), n("waived"), n("unresolved"), n("stale_waivers"));
  if (r.summary.count("conflicting")) s += fmt::format("; {} do not apply cleanly", n("conflicting"));
  return s;
}

std::string applies_text(const match::MissingFix& m) {
  if (!m.applies) return "";
  if (*m.applies) return "applies";
  std::string s = "conflicts";
  if (!m.conflicts.empty()) s += ": " + fmt::format("{}", fmt::join(m.conflicts, ", "));
  return s;
}

std::string stable_text(const match::MissingFix& m) {
  if (m.stable.empty()) return "";
  std::string s;
  for (auto& v : m.stable) s += (s.empty() ? "" : ", ") + (v.empty() ? std::string("stable") : "stable " + v);
  return s;
}

}  // namespace

json fixes_json(const match::FixesReport& r) {
  json j;
  j["upstream"] = {{"rev", r.upstream_rev}, {"commit", r.upstream_oid}};
  j["branch"] = {{"rev", r.branch_rev}, {"commit", r.branch_oid}};
  j["since"] = or_null(r.since_rev);
  j["missing"] = json::array();
  for (auto& m : r.missing) j["missing"].push_back(fix_json(m));
  j["waived"] = json::array();
  for (auto& m : r.waived) j["waived"].push_back(fix_json(m));
  j["unresolved"] = json::array();
  for (auto& u : r.unresolved)
    j["unresolved"].push_back({{"commit", u.commit}, {"subject", u.subject}, {"kind", u.kind}, {"target", u.target},
                               {"quoted_subject", or_null(u.quoted_subject)}, {"state", u.state}, {"why", u.why}});
  j["stale_waivers"] = json::array();
  for (auto& w : r.stale_waivers)
    j["stale_waivers"].push_back({{"commit", w.commit}, {"reason", w.reason}, {"line", w.line}});
  j["summary"] = json::object();
  for (auto& [k, v] : r.summary) j["summary"][k] = v;
  j["branch_only_commits"] = r.branch_only;
  j["seconds"] = r.seconds;
  return j;
}

std::string fixes_text(const match::FixesReport& r, bool color) {
  std::string out = fmt::format("{} against {}{}: {} branch-only commit(s), {} fixed or fixing upstream commit(s) carried as backports\n",
                                paint(r.branch_rev, "1", color), r.upstream_rev,
                                r.since_rev.empty() ? "" : " since " + r.since_rev, r.branch_only, r.carried_backports);
  std::string group;
  for (auto& m : r.missing) {
    if (m.group != group) {
      group = m.group;
      out += fmt::format("\n{} {}{}\n", paint(short_id(m.group), "33", color), safe_text(m.group_subject),
                         m.group_release.empty() ? "" : paint(" (" + m.group_release + ")", "36", color));
    }
    std::string extra;
    if (!m.release.empty() || !m.tag.empty()) extra += " " + (m.release.empty() ? m.tag : m.release);
    if (!m.stable.empty()) extra += " [" + stable_text(m) + "]";
    std::string applies = applies_text(m);
    out += fmt::format("  {}{} {}  {}{}{}\n", std::string(std::size_t(m.depth - 1) * 2, ' '),
                       paint(m.revert ? "revert" : "fix", m.revert ? "35" : "31", color),
                       paint(short_id(m.commit), "33", color), safe_text(m.subject), paint(extra, "2", color),
                       applies.empty() ? "" : "  " + paint(applies, *m.applies ? "32" : "31;1", color));
  }
  if (!r.waived.empty()) {
    out += "\nWaived:\n";
    for (auto& m : r.waived)
      out += fmt::format("  {}  {}  ({})\n", short_id(m.commit), safe_text(m.subject), safe_text(m.waiver->reason));
  }
  if (!r.unresolved.empty()) {
    out += "\nReferences that name no commit (check them by hand):\n";
    for (auto& u : r.unresolved)
      out += fmt::format("  {}  {}: {} {}{} — {}\n", short_id(u.commit), safe_text(u.subject), u.kind, safe_text(u.target),
                         u.quoted_subject.empty() ? "" : " (\"" + safe_text(u.quoted_subject) + "\")", u.why);
  }
  for (auto& w : r.stale_waivers)
    out += fmt::format("{} waiver for {} (line {}) matches no missing fix\n", paint("stale:", "33", color), w.commit, w.line);
  out += "\n" + summary_line(r) + "\n";
  return out;
}

std::string fixes_markdown(const match::FixesReport& r, const Links& links) {
  auto cell = [&](const std::string& hex) { return markdown_commit(links, hex); };
  std::string head = fmt::format("**{}** against **{}**: {}\n\n", markdown_escape(r.branch_rev),
                                 markdown_escape(r.upstream_rev), summary_line(r));
  MarkdownTable missing{fmt::format("Missing fixes ({})", r.missing.size()),
                        "| fix | subject | fixes | in branch as | depth | release | stable | applies |\n"
                        "|---|---|---|---|---|---|---|---|\n",
                        {},
                        false};
  for (auto& m : r.missing) {
    std::string fixes, as;
    for (auto& f : m.fixes) fixes += (fixes.empty() ? "" : "<br>") + cell(f);
    for (auto& a : m.fixed_in_branch_as) as += (as.empty() ? "" : "<br>") + cell(a);
    missing.rows.push_back(fmt::format("| {} | {}{} | {} | {} | {} | {} | {} | {} |\n", cell(m.commit),
                                       m.revert ? "**revert** " : "", markdown_escape(m.subject), fixes, as, m.depth,
                                       m.release.empty() ? m.tag : m.release, markdown_escape(stable_text(m)),
                                       markdown_escape(applies_text(m))));
  }
  MarkdownTable waived{fmt::format("Waived ({})", r.waived.size()), "| fix | subject | reason |\n|---|---|---|\n", {}, true};
  for (auto& m : r.waived)
    waived.rows.push_back(fmt::format("| {} | {} | {} |\n", cell(m.commit), markdown_escape(m.subject),
                                      markdown_escape(m.waiver->reason)));
  MarkdownTable unresolved{fmt::format("Unresolved references ({})", r.unresolved.size()),
                           "| commit | subject | reference | why |\n|---|---|---|---|\n", {}, true};
  for (auto& u : r.unresolved)
    unresolved.rows.push_back(fmt::format("| {} | {} | {} `{}` | {} |\n", cell(u.commit), markdown_escape(u.subject), u.kind,
                                          markdown_escape(u.target), markdown_escape(u.why)));
  return fit_markdown(head, {missing, unresolved, waived});
}

std::string fixes_html(const match::FixesReport& r, const Links& links) {
  auto n = [&](const char* k) { return count_of(r.summary, k); };
  std::vector<Card> cards = {{"missing fixes", n("missing"), "unposted", "missing"},
                             {"reverts", n("reverts"), "posted", "revert"},
                             {"waived", n("waived"), "upstream", "waived"},
                             {"unresolved references", n("unresolved"), "warn", "unresolved"},
                             {"stale waivers", n("stale_waivers"), "neutral", ""},
                             {"backports carried", r.carried_backports, "modified", ""}};
  auto commit_link = [&](const std::string& hex) { return html_commit(links, hex); };
  std::string body =
      "<table>\n<thead><tr><th></th><th>fix</th><th>subject</th><th>fixes</th><th>in branch as</th><th>depth</th>"
      "<th>release</th><th>stable</th><th>applies</th></tr></thead>\n<tbody>\n";
  std::string group;
  for (auto& m : r.missing) {
    if (m.group != group) {
      group = m.group;
      body += fmt::format("<tr class=\"grp\"><th colspan=\"9\">{} {}{}</th></tr>\n", commit_link(m.group), html_escape(m.group_subject),
                          m.group_release.empty() ? "" : " <span class=\"muted\">(" + html_escape(m.group_release) + ")</span>");
    }
    std::string fixes, as;
    for (auto& f : m.fixes) fixes += (fixes.empty() ? "" : "<br>") + commit_link(f);
    for (auto& a : m.fixed_in_branch_as) as += (as.empty() ? "" : "<br>") + commit_link(a);
    std::string applies = !m.applies ? "" : *m.applies ? badge("applies", "upstream") : badge("conflicts", "unposted") +
                                                             "<br><span class=\"muted mono\">" +
                                                             html_escape(fmt::format("{}", fmt::join(m.conflicts, " "))) + "</span>";
    std::string anchor = anchor_id("c-", short_id(m.commit));
    body += row_open(anchor, m.revert ? "missing revert" : "missing", m.author);
    body += fmt::format("<td>{}</td><td>{}</td><td class=\"subject\">{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                        "<td>{}</td></tr>\n",
                        anchor_link(anchor, "#"), commit_link(m.commit), m.revert ? badge("revert", "posted") + " " : "", html_escape(m.subject),
                        fixes, as, m.depth, html_escape(m.release.empty() ? m.tag : m.release),
                        html_escape(stable_text(m)), applies);
  }
  body = section("Missing fixes", r.missing.size(), body + "</tbody>\n</table>\n");
  if (!r.waived.empty()) {
    std::string rows;
    for (auto& m : r.waived)
      rows += row_open(anchor_id("w-", short_id(m.commit)), "waived", m.author) +
              fmt::format("<td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", commit_link(m.commit),
                          html_escape(m.subject), html_escape(m.waiver->reason),
                          html_escape(m.waiver->author + (m.waiver->date.empty() ? "" : " " + m.waiver->date)));
    body += section("Waived", r.waived.size(),
                    "<table class=\"sortable\"><thead><tr><th>fix</th><th>subject</th><th>reason</th><th>by</th></tr></thead>"
                    "<tbody>\n" + rows + "</tbody></table>\n");
  }
  if (!r.unresolved.empty()) {
    std::string rows;
    for (auto& u : r.unresolved)
      rows += row_open(anchor_id("u-", short_id(u.commit) + "-" + u.target), "unresolved") +
              fmt::format("<td>{}</td><td>{}</td><td>{} <code>{}</code> {}</td><td>{}</td></tr>\n", commit_link(u.commit),
                          html_escape(u.subject), html_escape(u.kind), html_escape(u.target),
                          html_escape(u.quoted_subject.empty() ? "" : "(\"" + u.quoted_subject + "\")"), html_escape(u.why));
    body += section("Unresolved references", r.unresolved.size(),
                    "<table class=\"sortable\"><thead><tr><th>commit</th><th>subject</th><th>reference</th><th>why</th></tr>"
                    "</thead><tbody>\n" + rows + "</tbody></table>\n");
  }
  std::string subtitle = fmt::format("{} against {}{} — {:.2f} s", r.branch_rev, r.upstream_rev,
                                     r.since_rev.empty() ? "" : " since " + r.since_rev, r.seconds);
  return html_page("beaver fixes: " + r.branch_rev, subtitle, cards, body);
}

std::string fixes_legend() {
  return "Legend: a carried upstream commit (its release), then each fix it lacks: `fix COMMIT SUBJECT\n"
         "RELEASE [stable X.Y.x]` (the stable series that took it), indented once per depth (a fix of a\n"
         "fix). -q hides this legend.\n";
}

}  // namespace beaver::report
