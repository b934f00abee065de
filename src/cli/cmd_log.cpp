// beaver log: what the index knows about commits.
#include "cli/commands.h"
#include "util/text.h"
#include "cli/output.h"
#include "git/repository.h"
#include "index/index.h"
#include "index/query.h"
#include "report/html.h"
#include "util/error.h"
#include "util/term.h"

#include <algorithm>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace beaver::cli {

namespace {

nlohmann::json to_json(const index::CommitRecord& r) {
  nlohmann::json j;
  j["commit"] = r.oid;
  j["subject"] = r.subject;
  j["author"] = {{"name", r.author_name}, {"email", r.author_email}, {"time", r.author_time}};
  j["parents"] = r.parents;
  j["merge"] = r.merge;
  j["patch_id"] = r.patch_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.patch_id);
  j["first_tag"] = r.first_tag.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.first_tag);
  j["release"] = r.first_release.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.first_release);
  j["diffstat"] = {{"files", r.files}, {"insertions", r.insertions}, {"deletions", r.deletions}};
  j["paths"] = r.paths;
  j["refs"] = nlohmann::json::array();
  for (auto& ref : r.refs)
    j["refs"].push_back({{"kind", ref.kind},
                         {"target", ref.target},
                         {"subject", ref.subject},
                         {"state", ref.state},
                         {"resolved", ref.resolved.empty() ? nlohmann::json(nullptr) : nlohmann::json(ref.resolved)},
                         {"line", ref.line}});
  j["trailers"] = nlohmann::json::array();
  for (auto& [k, v] : r.trailers) j["trailers"].push_back({{"key", k}, {"value", v}});
  j["same_patch_id"] = r.same_patch_id;
  j["same_change"] = r.same_change;
  j["error"] = r.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.error);
  return j;
}

}  // namespace

void setup_log(CLI::App& app, Context& ctx) {
  struct Opts {
    std::string repo = default_repo();
    std::string index;
    std::vector<std::string> revs;
    std::string format = "text", output;
    int max = -1;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("log", "Show what the index knows about commits (patch-id, release, Fixes:, backports)");
  add_repo_option(cmd, o->repo);
  add_index_option(cmd, o->index);
  add_format_option(cmd, o->format, {"text", "json", "markdown", "html"});
  add_output_option(cmd, o->output);
  cmd->add_option("-n,--max-count", o->max, "Show at most N commits (newest first)")->option_text("N");
  add_revisions_option(cmd, o->revs, "Revisions and ranges as git rev-list takes them, --all too (default: HEAD)");
  cmd->footer(
      "Reads the index only (run `beaver index` first); newest commits first.\n\n"
      "Examples:\n"
      "  beaver log -n 5\n"
      "  beaver log v6.11..v6.12 --format json | jq '.commits[] | select(.refs[].kind == \"fixes\")'\n"
      "  beaver log --format markdown snp-vendor ^v6.8\n"
      "  beaver log --format html -o log.html v6.11..v6.12");
  add_exit_status(cmd, "");
  cmd->callback([o, cmd, &ctx] {
    git::Repository repo = git::Repository::open(o->repo);
    std::string path = o->index.empty() ? index::default_index_path(repo) : o->index;
    index::Database db = index::open_for_reading(path);
    index::Reader reader(db);
    std::vector<std::string> revs = revisions_of(cmd, o->revs);
    if (revs.empty()) revs.push_back("HEAD");
    std::vector<git::Oid> commits;
    if (o->max >= 0) {
      commits = repo.walk_newest(repo.resolve(revs), std::size_t(o->max));
    } else {
      commits = repo.walk(repo.resolve(revs));
      std::reverse(commits.begin(), commits.end());
    }
    std::vector<index::CommitRecord> records;
    std::vector<std::string> missing;
    for (auto& c : commits) {
      auto r = reader.commit(c);
      if (r) records.push_back(std::move(*r));
      else missing.push_back(c.hex());
    }
    // How a reference reads in the text, Markdown and HTML faces (JSON keeps
    // the kind and the target as stored): "cherry-picked from", a full id
    // shortened as everywhere else.
    auto kind_text = [](std::string kind) {
      std::replace(kind.begin(), kind.end(), '_', ' ');
      if (kind == "cherry picked from") kind = "cherry-picked from";
      return kind;
    };
    auto target_text = [](const std::string& target) {
      bool hex = target.size() == 40 && target.find_first_not_of("0123456789abcdef") == std::string::npos;
      return target.empty() ? std::string("?") : hex ? short_id(target) : target;
    };
    auto refs_markdown = [&](const index::CommitRecord& r) {
      std::string refs;
      for (auto& ref : r.refs)
        refs += fmt::format("{}{} `{}` ({})", refs.empty() ? "" : "<br>", kind_text(ref.kind), target_text(ref.target), ref.state);
      for (auto& s : r.same_patch_id) refs += fmt::format("{}same patch as `{}`", refs.empty() ? "" : "<br>", short_id(s));
      for (auto& s : r.same_change) refs += fmt::format("{}same change as `{}`", refs.empty() ? "" : "<br>", short_id(s));
      return refs;
    };
    auto json_face = [&] {
      nlohmann::json j;
      j["commits"] = nlohmann::json::array();
      for (auto& r : records) j["commits"].push_back(to_json(r));
      j["not_indexed"] = missing;
      return j;
    };
    auto markdown_face = [&] {
      std::string out = "| commit | subject | patch-id | release | references |\n|---|---|---|---|---|\n";
      for (auto& r : records)
        out += fmt::format("| `{}` | {} | `{}` | {} | {} |\n", short_id(r.oid), markdown_escape(r.subject),
                           r.patch_id.empty() ? "-" : short_id(r.patch_id), r.first_release.empty() ? "-" : r.first_release,
                           refs_markdown(r));
      return out;
    };
    auto html_face = [&] {
      std::size_t with_refs = 0, unreadable = 0;
      std::string rows;
      for (auto& r : records) {
        std::string statuses = r.merge ? "merge" : "commit";
        if (!r.refs.empty() || !r.same_patch_id.empty() || !r.same_change.empty()) {
          statuses += " refs";
          ++with_refs;
        }
        if (!r.error.empty()) {
          statuses += " error";
          ++unreadable;
        }
        std::string anchor = report::anchor_id("c-", r.oid);
        std::string refs;
        for (auto& ref : r.refs)
          refs += fmt::format("{}{} <code>{}</code> {}", refs.empty() ? "" : "<br>", html_escape(kind_text(ref.kind)),
                              html_escape(target_text(ref.target)),
                              report::badge(ref.state, ref.state == "resolved" || ref.state == "by-subject" ? "upstream"
                                                                                                           : "warn"));
        for (auto& s : r.same_patch_id)
          refs += fmt::format("{}same patch as <code>{}</code>", refs.empty() ? "" : "<br>", short_id(s));
        for (auto& s : r.same_change)
          refs += fmt::format("{}same change as <code>{}</code>", refs.empty() ? "" : "<br>", short_id(s));
        if (!r.error.empty()) refs += (refs.empty() ? "" : "<br>") + report::badge("error", "unposted") + " " + html_escape(r.error);
        rows += report::row_open(anchor, statuses, r.oid + " " + r.author_name + " " + r.author_email);
        rows += fmt::format("<td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>\n",
                            report::anchor_link(anchor, "<code>" + short_id(r.oid) + "</code>"), html_escape(r.subject),
                            r.patch_id.empty() ? "-" : short_id(r.patch_id),
                            html_escape(r.first_release.empty() ? "-" : r.first_release), refs);
      }
      std::string table = "<table class=\"sortable\"><thead><tr><th>commit</th><th>subject</th><th>patch-id</th>"
                          "<th>release</th><th>references</th></tr></thead><tbody>\n" +
                          rows + "</tbody></table>\n";
      return report::html_page("beaver log", fmt::format("{} commit(s), newest first", records.size()),
                               {{"commits", records.size(), "neutral", ""},
                                {"with references", with_refs, "upstream", "refs"},
                                {"not read completely", unreadable, "unposted", "error"}},
                               report::section("Commits", records.size(), table));
    };
    auto text_face = [&](bool color) {
      std::string out;
      for (auto& r : records) {
        out += fmt::format("{}  {}{}\n", paint(short_id(r.oid), "33", color), safe_text(r.subject),
                           r.first_release.empty() ? "" : "  " + paint("(" + r.first_release + ")", "36", color));
        if (r.merge) {
          out += "    merge\n";
        } else {
          out += fmt::format("    patch-id {}  {} file(s) +{} -{}{}\n", r.patch_id.empty() ? "-" : short_id(r.patch_id),
                             r.files, r.insertions, r.deletions, r.by_git ? "  (rendered by git)" : "");
        }
        for (auto& ref : r.refs) {
          std::string st = ref.state == "resolved" || ref.state == "by-subject"
                               ? paint(ref.state, "32", color) + " -> " + short_id(ref.resolved)
                               : paint(ref.state, "31", color);
          out += fmt::format("    {} {}{} : {}\n", kind_text(ref.kind), target_text(ref.target),
                             ref.subject.empty() ? "" : " (\"" + safe_text(ref.subject) + "\")", st);
        }
        for (auto& s : r.same_patch_id) {
          auto other = git::Oid::from_hex(s);
          auto rec = other ? reader.commit(*other) : std::nullopt;
          out += fmt::format("    {} {}{}\n", paint("same patch as", "32", color), short_id(s),
                             rec && !rec->first_release.empty() ? " (" + rec->first_release + ")" : "");
        }
        for (auto& s : r.same_change) {
          auto other = git::Oid::from_hex(s);
          auto rec = other ? reader.commit(*other) : std::nullopt;
          out += fmt::format("    {} {}{}\n", paint("same change, other context:", "35", color), short_id(s),
                             rec && !rec->first_release.empty() ? " (" + rec->first_release + ")" : "");
        }
        if (!r.error.empty()) out += fmt::format("    {} {}\n", paint("error:", "31", color), r.error);
      }
      return out;
    };
    auto legend = [] {
      return std::string(
          "Legend: `COMMIT SUBJECT (first release containing it)`, then its patch-id (git patch-id --stable, 12\n"
          "hex) and diff size; each reference its message makes (fixes, reverts, cherry-picked from, ...) with\n"
          "what it names and whether it resolved to a commit; the commits with the same patch-id (same patch\n"
          "as) or the same changed lines in other context. -q hides this legend.\n");
    };
    write_report(o->format, o->output, {json_face, markdown_face, html_face, text_face, legend});
    // Every face: a commit the index does not know is an input error, not an
    // empty answer (the commits that are known were printed above).
    if (!missing.empty()) {
      tprint(stderr, "{}: {} of the {} commit(s) asked for are not in the index {} (first: {}); run `beaver index`{}\n",
             paint("beaver: error", "1;31", use_color(stderr)), missing.size(), commits.size(), path, missing.front(),
             o->revs.empty() ? "" : " with these revisions, or with none to index every branch and tag");
      ctx.exit_code = kExitInput;
    }
  });
}

}  // namespace beaver::cli
