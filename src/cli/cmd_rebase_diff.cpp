// beaver rebase-diff: what entered and left when a downstream branch was rebased.
#include "cli/commands.h"
#include "cli/output.h"
#include "util/error.h"
#include "git/repository.h"
#include "match/rebase_diff.h"
#include "report/rebase_report.h"
#include "util/term.h"

namespace beaver::cli {

void setup_rebase_diff(CLI::App& app, Context& ctx) {
  struct Opts {
    std::string repo = default_repo();
    std::string index, upstream, old_rev, new_rev, old_base, new_base, format = "text", output;
    report::Links links;
    bool full = false, check = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("rebase-diff", "Compare two versions of a rebased branch: kept, changed, merged upstream, dropped, added");
  add_repo_option(cmd, o->repo);
  add_index_option(cmd, o->index);
  add_upstream_option(cmd, o->upstream, "The upstream revision both versions are based on");
  cmd->add_option("--old-base", o->old_base, "Where OLD's commits start (default: merge base of upstream and OLD)")
      ->option_text("REV");
  cmd->add_option("--new-base", o->new_base, "Where NEW's commits start (default: merge base of upstream and NEW)")
      ->option_text("REV");
  add_format_option(cmd, o->format, {"text", "json", "markdown", "html"});
  add_output_option(cmd, o->output);
  add_link_options(cmd, o->links, false);
  cmd->add_flag("--full", o->full, "Show the interdiff of every changed commit");
  cmd->add_flag("--check", o->check, "Exit 1 when a commit was dropped (left OLD and is not upstream)");
  cmd->add_option("old", o->old_rev, "The branch before the rebase")->required()->option_text("OLD");
  cmd->add_option("new", o->new_rev, "The branch after the rebase")->required()->option_text("NEW");
  cmd->footer(
      "Pairs commits by patch-id, then shared references, then same changed lines, then diff\n"
      "similarity (near-linear, unlike git range-diff). Commits that left OLD are matched against\n"
      "the upstream: merged-upstream (with the release that has them) or dropped.\n\n"
      "Examples:\n"
      "  beaver rebase-diff -u v6.12 vendor/snp@{1.week.ago} vendor/snp\n"
      "  beaver rebase-diff -u origin/master snp-2024.06 snp-2024.09 --full\n"
      "  beaver rebase-diff -u v6.12 old new --format json | jq '.entries[] | select(.status == \"dropped\")'\n"
      "  beaver rebase-diff -u v6.12 old new --format html -o rebase.html\n"
      "  beaver rebase-diff -u v6.12 old new --check -q >/dev/null   exit 1 if a commit was dropped");
  add_exit_status(cmd, "with --check, when a commit was dropped");
  cmd->callback([o, &ctx] {
    git::Repository repo = git::Repository::open(o->repo);
    match::RebaseOptions ro;
    ro.upstream = upstream_of(repo, o->upstream, "rebase-diff");
    links_from_config(repo, o->links);
    ro.old_rev = o->old_rev;
    ro.new_rev = o->new_rev;
    ro.old_base = o->old_base;
    ro.new_base = o->new_base;
    ro.index_path = o->index;
    ro.full = o->full;
    Progress progress("indexing");
    ro.on_progress = [&](std::size_t d, std::size_t t) { progress.update(d, t); };
    match::RebaseReport r = match::run_rebase_diff(repo, ro);
    progress.finish();
    write_report(o->format, o->output,
                 {[&] { return report::rebase_json(r); }, [&] { return report::rebase_markdown(r, o->links); },
                  [&] { return report::rebase_html(r, o->links); }, [&](bool color) { return report::rebase_text(r, color); }, report::rebase_legend});
    if (o->check && r.summary["dropped"] > 0) ctx.exit_code = kExitFound;
  });
}

}  // namespace beaver::cli
