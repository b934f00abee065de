#include "report/stack_report.h"

#include "util/text.h"
#include "report/escape.h"
#include "report/html.h"
#include "util/term.h"

#include <fmt/format.h>

#include <algorithm>

namespace beaver::report {

namespace {

using nlohmann::json;

json pairing_json(const match::Pairing& p) {
  return {{"commit", p.commit},           {"subject", p.subject},     {"how", p.how},
          {"similarity", p.similarity},   {"covered", p.covered},     {"contained", p.contained},
          {"release", or_null(p.release)}, {"tag", or_null(p.tag)},   {"by_reference", p.by_reference}};
}

// "v6.9" or "v6.9-rc1" (tag when no release yet) or "-".
std::string where_upstream(const match::Pairing& p) {
  if (!p.release.empty()) return p.release;
  if (!p.tag.empty()) return p.tag;
  return "-";
}

std::string posted_text(const match::Posting& p) {
  std::string s = fmt::format("v{}", p.version);
  if (p.total > 0) s += fmt::format(" {}/{}", p.index, p.total);
  if (p.versions.size() > 1 || p.newest_version != p.version)
    s += fmt::format(" (versions {}; newest v{})", fmt::join(p.versions, ","), p.newest_version);
  return s;
}

std::string summary_line(const match::StackReport& r) {
  auto n = [&](const char* k) { return count_of(r.summary, k); };
  std::string squashes = n("squashes") ? fmt::format(" ({} squashes of several)", n("squashes")) : "";
  return fmt::format("{} patches: {} upstream, {} upstream-modified{}, {} posted, {} unposted; {} with false claims",
                     n("total"), n("upstream"), n("upstream-modified"), squashes, n("posted"), n("unposted"),
                     n("false_claims"));
}

std::string sgr_of(std::string_view status) {
  if (status == "upstream") return "32";
  if (status == "upstream-modified") return "34";
  if (status == "posted") return "35";
  return "31";
}

}  // namespace

std::string status_class(std::string_view status) {
  if (status == "upstream" || status == "kept") return "upstream";
  if (status == "upstream-modified" || status == "changed") return "modified";
  if (status == "posted" || status == "merged-upstream") return "posted";
  if (status == "unposted" || status == "dropped") return "unposted";
  if (status == "added") return "warn";
  return "neutral";
}

json stack_json(const match::StackReport& r) {
  json j;
  j["upstream"] = {{"rev", r.upstream_rev}, {"commit", r.upstream_oid}};
  j["branch"] = {{"rev", r.branch_rev}, {"commit", r.branch_oid}};
  j["base"] = {{"rev", r.base_rev}, {"commit", r.base_oid}};
  j["patches"] = json::array();
  for (auto& e : r.entries) {
    json p;
    p["commit"] = e.commit;
    p["subject"] = e.subject;
    p["author"] = e.author;
    p["status"] = e.status;
    const match::Pairing* best = e.upstream.empty() ? nullptr : &e.upstream.front();
    p["upstream_commit"] = best ? json(best->commit) : json(nullptr);
    p["release"] = best ? or_null(best->release) : json(nullptr);
    p["tag"] = best ? or_null(best->tag) : json(nullptr);
    p["similarity"] = best ? json(best->similarity) : json(nullptr);
    p["upstream"] = json::array();
    for (auto& u : e.upstream) p["upstream"].push_back(pairing_json(u));
    if (e.posted) {
      auto& m = *e.posted;
      p["posted"] = {{"message_id", or_null(m.message_id)}, {"version", m.version},   {"index", m.index},
                     {"total", m.total},           {"subject", m.subject},   {"date", or_null(m.date)},
                     {"from", m.from},             {"how", m.how},           {"source", m.source},
                     {"versions", m.versions},
                     {"newest", {{"message_id", or_null(m.newest_message_id)}, {"version", m.newest_version},
                                 {"date", or_null(m.newest_date)}}}};
    } else {
      p["posted"] = nullptr;
    }
    p["claimed"] = json::array();
    for (auto& c : e.claimed)
      p["claimed"].push_back({{"kind", c.kind},
                              {"value", c.value},
                              {"resolved", or_null(c.resolved)},
                              {"in_upstream", c.in_upstream},
                              {"similarity", c.similarity < 0 ? json(nullptr) : json(c.similarity)},
                              {"holds", c.holds},
                              {"why", or_null(c.why)}});
    p["squash_of"] = e.squash_of;
    p["false_claim"] = e.false_claim;
    p["error"] = or_null(e.error);
    j["patches"].push_back(std::move(p));
  }
  j["summary"] = json::object();
  for (auto& [k, v] : r.summary) j["summary"][k] = v;
  j["mail"] = {{"messages", r.mails}, {"patches", r.mailed_patches}, {"problems", json::array()}};
  for (auto& p : r.mail_problems) j["mail"]["problems"].push_back({{"where", p.where}, {"what", p.what}});
  j["seconds"] = r.seconds;
  return j;
}

std::string stack_text(const match::StackReport& r, bool color) {
  std::string out = fmt::format("{} on {} (base {}), {} commit(s)\n\n", paint(r.branch_rev, "1", color), r.upstream_rev,
                                r.base_rev == "merge base" ? short_id(r.base_oid) : r.base_rev, r.entries.size());
  for (auto& e : r.entries) {
    std::string status = fmt::format("{:<17}", e.status);
    std::string detail;
    if (!e.upstream.empty()) {
      auto& b = e.upstream.front();
      detail = fmt::format("{} {}", short_id(b.commit), where_upstream(b));
      if (e.status == "upstream-modified") detail += fmt::format(" {:.2f} {}", b.similarity, b.how);
      if (e.squash_of) detail += fmt::format(", a squash of {} upstream commits", e.squash_of);
      else if (e.upstream.size() > 1) detail += fmt::format(" +{}", e.upstream.size() - 1);
    } else if (e.posted) {
      detail = posted_text(*e.posted);
    }
    out += fmt::format("{}  {}  {}{}\n", paint(short_id(e.commit), "33", color), paint(status, sgr_of(e.status), color),
                       safe_text(e.subject), detail.empty() ? "" : "  " + paint("[" + detail + "]", "2", color));
    if (e.posted && e.status == "posted")
      out += e.posted->message_id.empty()
                 ? fmt::format("    posted in {} (a mail without a Message-ID)\n", safe_text(e.posted->source))
                 : fmt::format("    posted as <{}>\n", safe_text(e.posted->message_id));
    for (auto& c : e.claimed)
      if (!c.holds) out += fmt::format("    {} {}\n", paint("false claim:", "31;1", color), safe_text(c.why));
    if (!e.error.empty()) out += fmt::format("    {} {}\n", paint("error:", "31", color), safe_text(e.error));
  }
  out += "\n" + summary_line(r) + "\n";
  // Mails without a Message-ID are read and matched (named by file and
  // offset); only the other problems may have cost a mail.
  std::size_t no_id = static_cast<std::size_t>(std::count_if(r.mail_problems.begin(), r.mail_problems.end(),
                                                             [](auto& p) { return p.what == "no Message-ID"; }));
  if (no_id)
    out += fmt::format("{} mail(s) have no Message-ID (read all the same, named by file and offset)\n", no_id);
  if (r.mail_problems.size() > no_id)
    out += fmt::format("{} problem(s) with mails (see --format json for where and why)\n", r.mail_problems.size() - no_id);
  return out;
}

std::string stack_markdown(const match::StackReport& r, const Links& links) {
  auto n = [&](const char* k) { return count_of(r.summary, k); };
  std::string head = fmt::format("**{}** on **{}**: {}\n\n", markdown_escape(r.branch_rev), markdown_escape(r.upstream_rev),
                                 summary_line(r));
  head += markdown_summary({{"upstream", n("upstream")},
                            {"upstream-modified", n("upstream-modified")},
                            {"posted", n("posted")},
                            {"unposted", n("unposted")},
                            {"false claims", n("false_claims")},
                            {"patches", n("total")}});
  const std::string header = "| commit | status | upstream | release | similarity | posted | subject |\n|---|---|---|---|---|---|---|\n";
  auto commit_cell = [&](const std::string& hex) { return markdown_commit(links, hex); };
  // What a reviewer must read (never posted, false claims, modified) open; the rest folded.
  MarkdownTable attention{"", header, {}, false}, rest{"", header, {}, true};
  for (auto& e : r.entries) {
    std::string up, rel, sim, posted;
    if (!e.upstream.empty()) {
      for (auto& u : e.upstream) up += (up.empty() ? "" : "<br>") + commit_cell(u.commit);
      rel = where_upstream(e.upstream.front());
      sim = fmt::format("{:.2f}", e.upstream.front().similarity);
    }
    if (e.posted) {
      std::string url = e.posted->message_id.empty() ? "" : expand_url(links.mail_url, "message_id", e.posted->message_id);
      posted = url.empty() ? markdown_escape(posted_text(*e.posted))
                           : fmt::format("[{}]({})", markdown_escape(posted_text(*e.posted)), url);
    }
    std::string subject = markdown_escape(e.subject);
    if (e.squash_of) subject += fmt::format("<br>a squash of {} upstream commits", e.squash_of);
    for (auto& c : e.claimed)
      if (!c.holds) subject += "<br>⚠️ " + markdown_escape(c.why);
    bool interesting = e.status == "unposted" || e.status == "upstream-modified" || e.false_claim;
    (interesting ? attention : rest)
        .rows.push_back(fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", commit_cell(e.commit), e.status, up, rel, sim,
                                    posted, subject));
  }
  attention.title = fmt::format("Unposted, modified upstream, or claiming what they are not ({})", attention.rows.size());
  rest.title = fmt::format("Upstream and posted ({})", rest.rows.size());
  return fit_markdown(head, {attention, rest});
}

std::string stack_html(const match::StackReport& r, const Links& links) {
  auto n = [&](const char* k) { return count_of(r.summary, k); };
  std::vector<Card> cards = {{"patches", n("total"), "neutral", ""},
                             {"upstream", n("upstream"), "upstream", "upstream"},
                             {"upstream-modified", n("upstream-modified"), "modified", "upstream-modified"},
                             {"posted", n("posted"), "posted", "posted"},
                             {"unposted", n("unposted"), "unposted", "unposted"},
                             {"false claims", n("false_claims"), "warn", "false-claim"}};
  auto commit_link = [&](const std::string& hex) { return html_commit(links, hex); };
  std::string body =
      "<table class=\"sortable\">\n<thead><tr><th>#</th><th>commit</th><th>subject</th><th>status</th><th>upstream</th><th>release</th>"
      "<th>similarity</th><th>posted</th><th>claims</th></tr></thead>\n<tbody>\n";
  int row = 0;
  for (auto& e : r.entries) {
    std::string up, rel, sim, posted, claims;
    for (auto& u : e.upstream) {
      up += (up.empty() ? "" : "<br>") + commit_link(u.commit);
      if (e.status == "upstream-modified") up += " <span class=\"muted\">" + html_escape(u.how) + "</span>";
    }
    if (!e.upstream.empty()) {
      rel = html_escape(where_upstream(e.upstream.front()));
      if (e.status == "upstream-modified") sim = similarity_bar(e.upstream.front().similarity);
      if (e.squash_of) rel += fmt::format("<br><span class=\"muted\">a squash of {} upstream commits</span>", e.squash_of);
    }
    if (e.posted) {
      const std::string& id = e.posted->message_id;
      posted = id.empty() ? html_escape(posted_text(*e.posted))
                          : link(expand_url(links.mail_url, "message_id", id), html_escape(posted_text(*e.posted)));
      posted += "<br><span class=\"muted mono\">" + html_escape(id.empty() ? e.posted->source + " (no Message-ID)" : id) + "</span>";
    }
    if (!e.claimed.empty()) {
      claims = "<ul class=\"claims\">";
      for (auto& c : e.claimed) {
        std::string what = c.kind == "link" && (c.value.starts_with("https://") || c.value.starts_with("http://"))
                               ? "Link: " + link(c.value, html_escape(c.value))
                               : html_escape(c.kind == "prefix" ? c.value + ":" : c.kind + " " + c.value);
        claims += fmt::format("<li class=\"{}\">{} {}{}</li>", c.holds ? "claim-ok" : "claim-false",
                              c.holds ? "✓" : "✗", what, c.why.empty() ? "" : " — " + html_escape(c.why));
      }
      claims += "</ul>";
    }
    std::string anchor = anchor_id("c-", short_id(e.commit));
    body += row_open(anchor, e.false_claim ? e.status + " false-claim" : e.status, e.author);
    body += fmt::format("<td>{}</td><td>{}</td><td class=\"subject\">{}</td><td>{}</td><td>{}</td><td>{}</td>"
                        "<td>{}</td><td>{}</td><td>{}</td></tr>\n",
                        anchor_link(anchor, std::to_string(++row)), commit_link(e.commit), html_escape(e.subject), badge(e.status, status_class(e.status)),
                        up, rel, sim, posted, claims);
  }
  body += "</tbody>\n</table>\n";
  std::string subtitle = fmt::format("{} on {} — base {} — {} mail(s) read — {:.2f} s", r.branch_rev, r.upstream_rev,
                                     short_id(r.base_oid), r.mails, r.seconds);
  return html_page("beaver stack: " + r.branch_rev, subtitle, cards, body);
}

std::string stack_legend() {
  return "Legend: COMMIT STATUS SUBJECT [UPSTREAM-COMMIT RELEASE SIMILARITY HOW]: the upstream commit that has\n"
         "the change and the first release with it; for upstream-modified, the similarity of the changed lines\n"
         "(1.00 = the same lines) and how: context (the same lines in other context), similar, partial (a part\n"
         "of the upstream change), part/folded (of a squash), reworked (named by a backport reference).\n"
         "[vN]: the version of the posted series. -q hides this legend.\n";
}

}  // namespace beaver::report
