// beaver stack: what a downstream branch carries, commit by commit.
#include "cli/commands.h"
#include "cli/output.h"
#include "git/repository.h"
#include "match/stack.h"
#include "report/stack_report.h"
#include "util/error.h"
#include "util/term.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace beaver::cli {

void setup_stack(CLI::App& app, Context& ctx) {
  struct Opts {
    std::string repo = default_repo();
    std::string index, upstream, base, branch = "HEAD", format = "text", output;
    std::vector<std::string> mail;
    report::Links links;
    bool check = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "stack", "For each commit of a downstream branch: upstream, upstream-modified, posted or unposted");
  add_repo_option(cmd, o->repo);
  add_index_option(cmd, o->index);
  add_upstream_option(cmd, o->upstream, "The upstream revision (e.g. origin/master, v6.12)");
  cmd->add_option("--base", o->base, "Where the downstream commits start (default: merge base of upstream and branch)")
      ->option_text("REV");
  add_mail_option(cmd, o->mail);
  add_format_option(cmd, o->format, {"text", "json", "markdown", "html"});
  add_output_option(cmd, o->output);
  add_link_options(cmd, o->links, true);
  cmd->add_flag("--check", o->check, "Exit 1 when a patch is unposted or claims something false");
  cmd->add_option("branch", o->branch, "The downstream branch (default: HEAD)")->capture_default_str()->option_text("REV");
  cmd->footer(
      "Statuses: upstream (same patch-id in the upstream), upstream-modified (same change with another\n"
      "diff: other context, conflicts resolved, partial, squashed; with a similarity), posted (found in\n"
      "a --mail archive), unposted. Claims (UPSTREAM:/FROMLIST: prefixes and backport references:\n"
      "cherry picked from, commit X upstream., master commit: X, DEP-3 Origin:, Yocto Upstream-Status:,\n"
      "git config beaver.referencePattern; see beaver index --help) are checked against the diffs. A\n"
      "commit that names several upstream commits is a squash of all of them; a reference whose diff\n"
      "shares some changed lines is a reworked backport (upstream-modified), one that shares none is a\n"
      "false claim. Updates the index first.\n\n"
      "Examples:\n"
      "  beaver stack --upstream v6.12 vendor/snp\n"
      "  beaver stack -u origin/master --mail ~/lore/linux-coco --format html -o stack.html\n"
      "  beaver stack -u v6.12 --format json | jq '.patches[] | select(.status == \"unposted\") | .subject'\n"
      "  beaver stack -u v6.12 --check --format markdown > comment.md   # exit 1 if unposted or false claims\n"
      "  beaver stack -u v6.12 --format json | jq '.patches[] | select(.squash_of > 0) | .subject'   squashes\n"
      "  git config beaver.upstream origin/master && git config --add beaver.mail ~/lore/linux-coco && beaver stack\n"
      "                                             the same upstream and archive for every later run");
  add_exit_status(cmd, "with --check, when a patch is unposted or claims something false");
  cmd->callback([o, &ctx] {
    git::Repository repo = git::Repository::open(o->repo);
    match::StackOptions so;
    so.upstream = upstream_of(repo, o->upstream, "stack");
    mail_from_config(repo, o->mail);
    links_from_config(repo, o->links);
    so.branch = o->branch;
    so.base = o->base;
    so.mail = o->mail;
    so.index_path = o->index;
    Progress progress("indexing"), matching("matching");
    so.on_progress = [&](std::size_t d, std::size_t t) { progress.update(d, t); };
    so.on_match = [&](std::size_t d, std::size_t t) {
      progress.finish();
      matching.update(d, t);
    };
    match::StackReport r = match::run_stack(repo, so);
    progress.finish();
    matching.finish();
    write_report(o->format, o->output,
                 {[&] { return report::stack_json(r); }, [&] { return report::stack_markdown(r, o->links); },
                  [&] { return report::stack_html(r, o->links); }, [&](bool color) { return report::stack_text(r, color); }, report::stack_legend});
    // Mail problems by kind, with a few places each: an archive can hold
    // thousands of the same (format-patch output has no Message-ID).
    std::map<std::string, std::vector<std::string>> kinds;
    for (auto& p : r.mail_problems) kinds[p.what].push_back(p.where);
    for (auto& [what, where] : kinds) {
      std::string places;
      for (std::size_t k = 0; k < std::min<std::size_t>(3, where.size()); ++k) places += (k ? ", " : "") + where[k];
      tprint(stderr, "beaver: {} mail(s): {} ({}{})\n", where.size(), what, places, where.size() > 3 ? ", ..." : "");
    }
    if (!kinds.empty() && o->format != "json") tprint(stderr, "beaver: every place is listed in --format json (mail.problems)\n");
    if (o->check && (r.summary["unposted"] > 0 || r.summary["false_claims"] > 0)) ctx.exit_code = kExitFound;
  });
}

}  // namespace beaver::cli
