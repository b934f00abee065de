#include "report/rebase_report.h"

#include "util/text.h"
#include "report/escape.h"
#include "report/html.h"
#include "util/term.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

namespace beaver::report {

namespace {

using nlohmann::json;

std::string id_or_dash(const std::string& hex) { return hex.empty() ? std::string("-") : beaver::short_id(hex); }
std::string release_of(const match::RebaseEntry& e) {
  if (e.upstream.empty()) return {};
  auto& u = e.upstream.front();
  return u.release.empty() ? u.tag : u.release;
}

std::string summary_line(const match::RebaseReport& r) {
  auto n = [&](const char* k) { return count_of(r.summary, k); };
  return fmt::format("{} -> {} commits: {} kept, {} changed, {} merged upstream, {} dropped, {} added", n("old"),
                     n("new"), n("kept"), n("changed"), n("merged-upstream"), n("dropped"), n("added"));
}

std::string sgr_of(std::string_view status) {
  if (status == "kept") return "32";
  if (status == "changed") return "34";
  if (status == "merged-upstream") return "35";
  if (status == "dropped") return "31";
  return "33";
}

std::string detail(const match::RebaseEntry& e) {
  if (e.status == "changed") return e.change.empty() ? e.how : e.change;
  if (e.status == "merged-upstream") {
    auto& u = e.upstream.front();
    std::string rel = release_of(e);
    return fmt::format("as {}{}{}", short_id(u.commit), rel.empty() ? "" : " in " + rel,
                       u.how == "patch-id" || u.how == "same" ? "" : fmt::format(" ({}, {:.2f})", u.how, u.similarity));
  }
  return {};
}

}  // namespace

json rebase_json(const match::RebaseReport& r) {
  json j;
  j["upstream"] = {{"rev", r.upstream_rev}, {"commit", r.upstream_oid}};
  j["old"] = {{"rev", r.old_rev}, {"commit", r.old_oid}, {"base", r.old_base_oid}};
  j["new"] = {{"rev", r.new_rev}, {"commit", r.new_oid}, {"base", r.new_base_oid}};
  j["entries"] = json::array();
  for (auto& e : r.entries) {
    json x;
    x["status"] = e.status;
    x["old"] = or_null(e.old_commit);
    x["new"] = or_null(e.new_commit);
    x["subject"] = e.subject;
    x["old_subject"] = or_null(e.old_subject);
    x["old_index"] = e.old_index ? json(e.old_index) : json(nullptr);
    x["new_index"] = e.new_index ? json(e.new_index) : json(nullptr);
    bool paired = e.status == "kept" || e.status == "changed" || e.status == "merged-upstream";
    x["how"] = paired ? json(e.how) : json(nullptr);
    x["similarity"] = paired ? json(e.similarity) : json(nullptr);
    x["change"] = or_null(e.change);
    if (!e.interdiff.empty()) x["interdiff"] = e.interdiff;
    x["upstream_commit"] = e.upstream.empty() ? json(nullptr) : json(e.upstream.front().commit);
    x["release"] = or_null(release_of(e));
    x["upstream"] = json::array();
    for (auto& u : e.upstream)
      x["upstream"].push_back({{"commit", u.commit}, {"subject", u.subject}, {"how", u.how},
                               {"similarity", u.similarity}, {"release", or_null(u.release)}, {"tag", or_null(u.tag)}});
    j["entries"].push_back(std::move(x));
  }
  j["summary"] = json::object();
  for (auto& [k, v] : r.summary) j["summary"][k] = v;
  j["seconds"] = r.seconds;
  return j;
}

std::string rebase_text(const match::RebaseReport& r, bool color) {
  std::string out = fmt::format("{} -> {} on {}\n\n", paint(r.old_rev, "1", color), paint(r.new_rev, "1", color), r.upstream_rev);
  for (auto& e : r.entries) {
    std::string pos = fmt::format("{:>3}:{:>3}", e.old_index ? std::to_string(e.old_index) : "-",
                                  e.new_index ? std::to_string(e.new_index) : "-");
    std::string ids = fmt::format("{} {}", id_or_dash(e.old_commit), id_or_dash(e.new_commit));
    std::string d = detail(e);
    out += fmt::format("{}  {}  {}  {}{}\n", paint(pos, "2", color), paint(ids, "33", color),
                       paint(fmt::format("{:<15}", e.status), sgr_of(e.status), color), safe_text(e.subject),
                       d.empty() ? "" : "  " + paint("[" + d + "]", "2", color));
    if (!e.old_subject.empty()) out += fmt::format("      was: {}\n", safe_text(e.old_subject));
    for_each_line(e.interdiff, [&](std::string_view line) {
      std::string sgr = line.starts_with("+") ? "32" : line.starts_with("-") ? "31" : line.starts_with("@@") ? "36" : "";
      out += "      " + (sgr.empty() ? safe_text(line) : paint(safe_text(line), sgr, color)) + "\n";
    });
  }
  out += "\n" + summary_line(r) + "\n";
  return out;
}

std::string rebase_markdown(const match::RebaseReport& r, const Links& links) {
  auto n = [&](const char* k) { return count_of(r.summary, k); };
  std::string head = fmt::format("**{}** → **{}** on **{}**: {}\n\n", markdown_escape(r.old_rev), markdown_escape(r.new_rev),
                                 markdown_escape(r.upstream_rev), summary_line(r));
  head += markdown_summary({{"added", n("added")},
                            {"dropped", n("dropped")},
                            {"changed", n("changed")},
                            {"kept", n("kept")},
                            {"merged upstream", n("merged-upstream")}});
  auto cell = [&](const std::string& hex) { return hex.empty() ? std::string() : markdown_commit(links, hex); };
  const std::string header = "| status | old | new | subject | detail |\n|---|---|---|---|---|\n";
  // What entered, left or changed open; what was kept or merged upstream folded.
  MarkdownTable attention{"", header, {}, false}, rest{"", header, {}, true};
  for (const char* status : {"added", "dropped", "changed", "kept", "merged-upstream", ""})
    for (auto& e : r.entries) {
      bool known = e.status == "added" || e.status == "dropped" || e.status == "changed" || e.status == "kept" ||
                   e.status == "merged-upstream";
      if (*status ? e.status != status : known) continue;
      std::string d = markdown_escape(detail(e));
      if (e.status == "merged-upstream")
        d = "as " + cell(e.upstream.front().commit) + (release_of(e).empty() ? "" : " in " + release_of(e));
      bool interesting = e.status != "kept" && e.status != "merged-upstream";
      (interesting ? attention : rest)
          .rows.push_back(fmt::format("| {} | {} | {} | {} | {} |\n", e.status, cell(e.old_commit), cell(e.new_commit),
                                      markdown_escape(e.subject), d));
    }
  attention.title = fmt::format("Added, dropped and changed ({})", attention.rows.size());
  rest.title = fmt::format("Kept and merged upstream ({})", rest.rows.size());
  return fit_markdown(head, {attention, rest});
}

std::string rebase_html(const match::RebaseReport& r, const Links& links) {
  auto n = [&](const char* k) { return count_of(r.summary, k); };
  std::vector<Card> cards = {{"old commits", n("old"), "neutral", ""},
                             {"new commits", n("new"), "neutral", ""},
                             {"kept", n("kept"), "upstream", "kept"},
                             {"changed", n("changed"), "modified", "changed"},
                             {"merged upstream", n("merged-upstream"), "posted", "merged-upstream"},
                             {"dropped", n("dropped"), "unposted", "dropped"},
                             {"added", n("added"), "warn", "added"}};
  auto commit_link = [&](const std::string& hex) {
    return hex.empty() ? std::string("<span class=\"muted\">—</span>") : html_commit(links, hex);
  };
  // What a reviewer reads first: what entered, what left, what changed; the
  // kept ones after, and what merged upstream folded (hundreds on a real rebase).
  struct Group {
    const char* status;
    const char* title;
    bool folded;
  };
  static constexpr Group kGroups[] = {{"added", "Added", false},   {"dropped", "Dropped", false},
                                      {"changed", "Changed", false}, {"kept", "Kept", false},
                                      {"merged-upstream", "Merged upstream", true}, {nullptr, "Other", false}};
  auto grouped = [&](const std::string& status) {
    return std::any_of(std::begin(kGroups), std::end(kGroups), [&](const Group& g) { return g.status && status == g.status; });
  };
  std::string body;
  for (const Group& g : kGroups) {
    std::string rows;
    std::size_t count = 0;
    for (auto& e : r.entries) {
      if (g.status ? e.status != g.status : grouped(e.status)) continue;
      ++count;
      std::string d = html_escape(detail(e));
      if (e.status == "merged-upstream")
        d = "as " + commit_link(e.upstream.front().commit) +
            (release_of(e).empty() ? "" : " in <b>" + html_escape(release_of(e)) + "</b>");
      if (!e.old_subject.empty()) d += "<br><span class=\"muted\">was: " + html_escape(e.old_subject) + "</span>";
      if (!e.interdiff.empty()) d += "<details><summary>interdiff</summary><pre class=\"mono\">" + html_escape(e.interdiff) + "</pre></details>";
      std::string s = e.status == "changed" || e.status == "merged-upstream" ? similarity_bar(e.similarity) : "";
      std::string anchor = anchor_id("c-", short_id(e.old_commit.empty() ? e.new_commit : e.old_commit));
      rows += row_open(anchor, e.status);
      rows += fmt::format("<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                          anchor_link(anchor, "#"), commit_link(e.old_commit), commit_link(e.new_commit),
                          badge(e.status, status_class(e.status)), html_escape(e.subject), s, d);
    }
    if (count == 0) continue;
    body += section(g.title, count,
                    "<table class=\"sortable\">\n<thead><tr><th></th><th>old</th><th>new</th><th>status</th><th>subject</th>"
                    "<th>similarity</th><th>detail</th></tr></thead>\n<tbody>\n" +
                        rows + "</tbody>\n</table>\n",
                    g.folded);
  }
  if (body.empty()) body = "<p class=\"muted\">Neither branch has a commit of its own.</p>\n";
  std::string subtitle = fmt::format("{} → {} on {} — {:.2f} s", r.old_rev, r.new_rev, r.upstream_rev, r.seconds);
  return html_page("beaver rebase-diff: " + r.old_rev + " → " + r.new_rev, subtitle, cards, body);
}

std::string rebase_legend() {
  return "Legend: OLD#: NEW#  OLD-COMMIT NEW-COMMIT  STATUS  SUBJECT: the position in the old and the new\n"
         "branch (- : not there), the commit on each side (- : none); [as COMMIT in RELEASE]: the upstream\n"
         "commit a merged-upstream patch became. --full shows each change. -q hides this legend.\n";
}

}  // namespace beaver::report
