#include "report/assemble_report.h"

#include "report/escape.h"
#include "report/html.h"
#include "util/term.h"
#include "util/text.h"

#include <fmt/format.h>

namespace beaver::report {

namespace {

using pipeline::AssembledPatch;
using pipeline::TargetAssembly;

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (auto& x : v) out += (out.empty() ? "" : std::string(sep)) + x;
  return out;
}

const char* status_colour(const std::string& s) {
  if (s == "applied") return "32";
  if (s == "dropped-upstream") return "36";
  if (s == "conflict") return "31";
  return "2";
}

const char* status_badge(const std::string& s) {
  if (s == "applied") return "posted";
  if (s == "dropped-upstream") return "upstream";
  if (s == "conflict") return "unposted";
  return "neutral";
}

// The patch's own name: its commit, its Message-ID, or its file.
std::string patch_key(const AssembledPatch& p) {
  if (!p.commit.empty()) return short_id(p.commit);
  if (!p.message_id.empty()) return "<" + p.message_id + ">";
  if (!p.file.empty()) return p.file.substr(p.file.rfind('/') + 1);
  return "-";
}

std::string why_text(const AssembledPatch& p) {
  if (p.status == "dropped-upstream")
    return fmt::format("upstream as {} ({}{})", short_id(p.upstream_commit), p.how, p.release.empty() ? "" : ", " + p.release);
  if (p.status == "already-applied") return "applying it changes nothing";
  if (p.status == "not-tried") return "not tried: an earlier patch conflicts (--keep-going tries every patch)";
  return p.note;
}

std::string conflict_line(const pipeline::ConflictInfo& c) {
  std::string s = join(c.hunks.empty() ? c.files : c.hunks, ", ");
  if (!c.caused_by.empty()) {
    std::vector<std::string> causes;
    for (auto& x : c.caused_by) causes.push_back(x.size() == 40 ? short_id(x) : x);
    s += "; changed since the patch's base by " + join(causes, ", ");
  }
  if (c.files.empty() && !c.detail.empty()) s += (s.empty() ? "" : "; ") + c.detail;
  return s;
}

std::string summary_text(const TargetAssembly& t) {
  auto n = [&](const char* k) { return count_of(t.summary, k); };
  std::string s = fmt::format("{} patches: {} applied, {} dropped upstream, {} already applied, {} conflict", n("total"),
                              n("applied"), n("dropped-upstream"), n("already-applied"), n("conflict"));
  if (n("not-tried")) s += fmt::format(", {} not tried", n("not-tried"));
  if (n("flagged")) s += fmt::format(" ({} flagged)", n("flagged"));
  return s;
}

nlohmann::json patch_json(const AssembledPatch& p) {
  nlohmann::json j = {{"source", p.source},
                      {"commit", or_null(p.commit.empty() ? p.message_id : p.commit)},
                      {"message_id", or_null(p.message_id)},
                      {"file", or_null(p.file)},
                      {"subject", p.subject},
                      {"author", p.author},
                      {"patch_id", or_null(p.patch_id)},
                      {"status", p.status},
                      {"upstream_commit", or_null(p.upstream_commit)},
                      {"upstream_subject", or_null(p.upstream_subject)},
                      {"release", or_null(p.release)},
                      {"how", or_null(p.how)},
                      {"note", or_null(p.note)},
                      {"result", or_null(p.result)},
                      {"conflict", nullptr}};
  if (p.conflict)
    j["conflict"] = {{"files", p.conflict->files},
                     {"hunks", p.conflict->hunks},
                     {"caused_by", p.conflict->caused_by},
                     {"detail", or_null(p.conflict->detail)}};
  return j;
}

nlohmann::json target_json(const TargetAssembly& t) {
  nlohmann::json patches = nlohmann::json::array();
  for (auto& p : t.patches) patches.push_back(patch_json(p));
  nlohmann::json summary = nlohmann::json::object();
  for (auto& [k, v] : t.summary) summary[k] = v;
  return {{"name", t.name},         {"repo", t.repo},       {"base", t.base},           {"base_commit", t.base_commit},
          {"upstream", or_null(t.upstream)}, {"ref", or_null(t.ref)}, {"head", t.head}, {"ref_updated", t.ref_updated},
          {"patches", patches},     {"summary", summary},   {"warnings", t.warnings}};
}

std::string target_text(const TargetAssembly& t, bool color) {
  std::string out = fmt::format("{} = {} ({}) + {} patches\n", paint(t.name, "1", color), t.base, short_id(t.base_commit),
                                t.patches.size());
  std::size_t k = 0;
  for (auto& p : t.patches) {
    out += fmt::format("{:>4}. {} {}  {}  {}\n", ++k, paint(fmt::format("{:<16}", p.status), status_colour(p.status), color),
                       paint(patch_key(p), "33", color), safe_text(p.subject), paint(p.source, "2", color));
    std::string why = why_text(p);
    if (!why.empty() && p.status != "applied") out += fmt::format("        {}\n", paint(safe_text(why), "2", color));
    else if (!why.empty()) out += fmt::format("        {} {}\n", paint("flagged:", "33", color), safe_text(why));
    if (p.conflict) out += fmt::format("        {} {}\n", paint("conflict:", "31", color), safe_text(conflict_line(*p.conflict)));
  }
  for (auto& w : t.warnings) out += fmt::format("{} {}\n", paint("warning:", "33", color), safe_text(w));
  out += summary_text(t) + "\n";
  if (t.ref_updated) out += fmt::format("{} is at {}\n", t.ref.substr(std::string_view("refs/heads/").size()), short_id(t.head));
  else if (t.conflicted())
    out += fmt::format("{} not updated: resolve the conflict (rebase the patch onto {}), or drop the patch from the manifest\n",
                       t.ref.empty() ? t.name : t.ref.substr(std::string_view("refs/heads/").size()), t.base);
  return out;
}

// Appends a row per patch of `t` to `table`.
void markdown_rows(const TargetAssembly& t, const Links& links, MarkdownTable& table) {
  std::size_t k = 0;
  for (auto& p : t.patches) {
    std::string key = p.commit.empty() ? markdown_escape(patch_key(p)) : markdown_commit(links, p.commit);
    std::string why = markdown_escape(why_text(p));
    if (p.conflict) why += (why.empty() ? "" : "<br>") + markdown_escape(conflict_line(*p.conflict));
    if (p.status == "dropped-upstream") why = "upstream as " + markdown_commit(links, p.upstream_commit) + " (" + p.how +
                                               (p.release.empty() ? "" : ", " + markdown_escape(p.release)) + ")";
    std::string status = p.status == "conflict" ? "**conflict**" : p.status;
    table.rows.push_back(fmt::format("| {} | {} | {} | {} | {} |\n", ++k, key, markdown_escape(p.subject), status, why));
  }
}

std::string target_html_rows(const TargetAssembly& t, const Links& links) {
  std::string rows;
  std::size_t k = 0;
  for (auto& p : t.patches) {
    std::string key = p.commit.empty() ? "<code>" + html_escape(patch_key(p)) + "</code>" : html_commit(links, p.commit);
    std::string why = html_escape(why_text(p));
    if (p.status == "dropped-upstream")
      why = "upstream as " + html_commit(links, p.upstream_commit) + " (" + html_escape(p.how) +
            (p.release.empty() ? "" : ", " + html_escape(p.release)) + ")";
    if (p.conflict) why += std::string(why.empty() ? "" : "<br>") + "<span class=\"mono\">" + html_escape(conflict_line(*p.conflict)) + "</span>";
    std::string anchor = anchor_id("p-" + t.name + "-", std::to_string(k + 1));
    rows += row_open(anchor, p.status + (p.note.empty() ? "" : " flagged"), p.author + " " + p.source);
    rows += fmt::format("<td>{}</td><td>{}</td><td class=\"subject\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                        anchor_link(anchor, std::to_string(k + 1)), key, html_escape(p.subject), html_escape(p.source),
                        badge(p.status, status_badge(p.status)), why);
    ++k;
  }
  return "<table>\n<thead><tr><th>#</th><th>patch</th><th>subject</th><th>source</th><th>status</th><th>why</th></tr></thead>\n"
         "<tbody>\n" + rows + "</tbody>\n</table>\n";
}

std::vector<Card> cards_of(const std::map<std::string, std::size_t>& s) {
  return {{"patches", count_of(s, "total"), "neutral", ""},
          {"applied", count_of(s, "applied"), "posted", "applied"},
          {"dropped upstream", count_of(s, "dropped-upstream"), "upstream", "dropped-upstream"},
          {"already applied", count_of(s, "already-applied"), "neutral", "already-applied"},
          {"conflicts", count_of(s, "conflict"), "unposted", "conflict"},
          {"flagged", count_of(s, "flagged"), "warn", "flagged"}};
}

}  // namespace

std::string assemble_legend() {
  return "applied: on the assembled branch; dropped-upstream: the base has it (identical, same changed lines, or a\n"
         "modified version covering all of it); already-applied: changes nothing; conflict: does not apply (where, and\n"
         "what changed those files since the patch's base); flagged: upstream has a version of it that did not make it\n"
         "dropped (partial, not in the base yet, or only the same subject). -q hides this legend.\n";
}

nlohmann::json assemble_json(const pipeline::AssembleReport& r) {
  nlohmann::json targets = nlohmann::json::array();
  for (auto& t : r.targets) targets.push_back(target_json(t));
  return {{"manifest", r.manifest}, {"targets", targets}, {"seconds", r.seconds}};
}

std::string assemble_text(const pipeline::AssembleReport& r, bool color) {
  std::string out;
  for (auto& t : r.targets) out += (out.empty() ? "" : "\n") + target_text(t, color);
  return out;
}

std::string assemble_markdown(const pipeline::AssembleReport& r, const Links& links) {
  std::string head;
  std::vector<MarkdownTable> tables;
  for (auto& t : r.targets) {
    head += fmt::format("- **{}** = {} + patches: {}{}\n", markdown_escape(t.name), markdown_escape(t.base), markdown_escape(summary_text(t)),
                        t.ref_updated ? fmt::format(" → `{}` at `{}`", t.ref, short_id(t.head)) : t.conflicted() ? " — **not assembled**" : "");
    MarkdownTable table{fmt::format("{} ({})", t.name, t.patches.size()), "| # | patch | subject | status | why |\n|---|---|---|---|---|\n",
                        {}, !t.conflicted() && count_of(t.summary, "flagged") == 0};
    markdown_rows(t, links, table);
    tables.push_back(std::move(table));
  }
  std::string title = r.conflicted() ? "### beaver assemble: conflicts\n\n" : "### beaver assemble\n\n";
  return fit_markdown(title + head + "\n", tables);
}

std::string assemble_html(const pipeline::AssembleReport& r, const Links& links) {
  std::map<std::string, std::size_t> all;
  std::string body;
  for (auto& t : r.targets) {
    for (auto& [k, v] : t.summary) all[k] += v;
    std::string notes;
    for (auto& w : t.warnings) notes += "<li>" + html_escape(w) + "</li>\n";
    body += section(fmt::format("{} = {} ({}) — {}", t.name, t.base, short_id(t.base_commit), summary_text(t)), t.patches.size(),
                    (notes.empty() ? "" : "<ul class=\"notes\">\n" + notes + "</ul>\n") + target_html_rows(t, links));
  }
  std::string names;
  for (auto& t : r.targets) names += (names.empty() ? "" : ", ") + t.name;
  return html_page("beaver assemble: " + names, fmt::format("{} — {:.2f} s", r.manifest, r.seconds), cards_of(all), body);
}

nlohmann::json combine_json(const pipeline::CombineReport& r) {
  nlohmann::json conflicts = nlohmann::json::array();
  for (auto& c : r.conflicts)
    conflicts.push_back({{"order", c.order}, {"patch", c.patch}, {"with", c.with}, {"files", c.files}, {"hunks", c.hunks}});
  return {{"a", r.a},
          {"b", r.b},
          {"base", r.base},
          {"base_commit", r.base_commit},
          {"combines", r.combines},
          {"order", or_null(r.order)},
          {"conflicts", conflicts},
          {"series", r.series},
          {"orders", {target_json(r.ab), target_json(r.ba)}},
          {"seconds", r.seconds}};
}

std::string combine_text(const pipeline::CombineReport& r, bool color) {
  std::string out = fmt::format("{} and {} on {} ({}): {}\n", paint(r.a, "1", color), paint(r.b, "1", color), r.base,
                                short_id(r.base_commit),
                                r.combines ? paint("they combine, as " + r.order, "32", color) : paint("they do not combine", "31", color));
  for (auto* t : {&r.ab, &r.ba}) out += fmt::format("  {}: {}\n", t->name, summary_text(*t));
  std::size_t dropped = count_of(r.ab.summary, "dropped-upstream");
  if (dropped) {
    out += fmt::format("\nAlready in {} ({}):\n", r.base, dropped);
    for (auto& p : r.ab.patches)
      if (p.status == "dropped-upstream")
        out += fmt::format("  {}  {}  {}\n", p.source.substr(0, p.source.find(' ')), safe_text(p.subject),
                           paint(why_text(p), "2", color));
  }
  if (!r.conflicts.empty()) {
    out += "\nConflicts between them:\n";
    for (auto& c : r.conflicts)
      out += fmt::format("  {}: {}\n    {} {}\n    {}\n", c.order, safe_text(c.patch), paint("after", "2", color), safe_text(c.with),
                         paint(join(c.hunks.empty() ? c.files : c.hunks, ", "), "31", color));
  }
  for (auto* t : {&r.ab, &r.ba})
    for (auto& p : t->patches)
      if (p.status == "conflict" && p.conflict &&
          std::none_of(p.conflict->caused_by.begin(), p.conflict->caused_by.end(),
                       [&](auto& c) { return c.starts_with(r.a + "#") || c.starts_with(r.b + "#"); }))
        out += fmt::format("{} in {}: {} conflicts with the base itself: {}\n", paint("note:", "33", color), t->name, safe_text(p.subject),
                           safe_text(conflict_line(*p.conflict)));
  if (r.combines) {
    out += fmt::format("\nCombined series ({}, {} patches):\n", r.order, r.series.size());
    for (std::size_t k = 0; k < r.series.size(); ++k) out += fmt::format("{:>4}. {}\n", k + 1, safe_text(r.series[k]));
  }
  return out;
}

std::string combine_markdown(const pipeline::CombineReport& r, const Links& links) {
  std::string head = fmt::format("### beaver combine: {} and {} on {}\n\n{}\n\n", markdown_escape(r.a), markdown_escape(r.b),
                                 markdown_escape(r.base), r.combines ? "They combine, as **" + r.order + "**." : "**They do not combine.**");
  for (auto* t : {&r.ab, &r.ba}) head += fmt::format("- {}: {}\n", markdown_escape(t->name), markdown_escape(summary_text(*t)));
  MarkdownTable conflicts{fmt::format("Conflicts ({})", r.conflicts.size()),
                          "| order | patch | conflicts after | where |\n|---|---|---|---|\n", {}, false};
  for (auto& c : r.conflicts)
    conflicts.rows.push_back(fmt::format("| {} | {} | {} | {} |\n", markdown_escape(c.order), markdown_escape(c.patch), markdown_escape(c.with),
                                         markdown_escape(join(c.hunks.empty() ? c.files : c.hunks, ", "))));
  MarkdownTable ab{r.ab.name, "| # | patch | subject | status | why |\n|---|---|---|---|---|\n", {}, true};
  markdown_rows(r.ab, links, ab);
  MarkdownTable ba{r.ba.name, "| # | patch | subject | status | why |\n|---|---|---|---|---|\n", {}, true};
  markdown_rows(r.ba, links, ba);
  return fit_markdown(head + "\n", {conflicts, ab, ba});
}

std::string combine_html(const pipeline::CombineReport& r, const Links& links) {
  std::string body;
  if (!r.conflicts.empty()) {
    std::string rows;
    std::size_t k = 0;
    for (auto& c : r.conflicts)
      rows += row_open(anchor_id("c-", std::to_string(++k)), "conflict") +
              fmt::format("<td>{}</td><td>{}</td><td>{}</td><td class=\"mono\">{}</td></tr>\n", html_escape(c.order), html_escape(c.patch),
                          html_escape(c.with),
                          html_escape(join(c.hunks.empty() ? c.files : c.hunks, ", ")));
    body += section("Conflicts between them", r.conflicts.size(),
                    "<table><thead><tr><th>order</th><th>patch</th><th>conflicts after</th><th>where</th></tr></thead><tbody>\n" + rows +
                        "</tbody></table>\n");
  }
  for (auto* t : {&r.ab, &r.ba})
    body += section(t->name + " — " + summary_text(*t), t->patches.size(), target_html_rows(*t, links), t->name != r.order);
  std::string subtitle = fmt::format("{} and {} on {} — {} — {:.2f} s", r.a, r.b, r.base,
                                     r.combines ? "they combine as " + r.order : "they do not combine", r.seconds);
  return html_page("beaver combine: " + r.a + " + " + r.b, subtitle, cards_of(r.ab.summary), body);
}

}  // namespace beaver::report
