// beaver backport: what it takes to bring upstream commits to an older
// branch (prerequisites, follow-up fixes, order, proof), and the branch or
// series that does it.
#include "backport/backport.h"
#include "cli/commands.h"
#include "cli/grammar.h"
#include "cli/output.h"
#include "git/repository.h"
#include "report/backport_report.h"
#include "util/error.h"
#include "util/term.h"

#include "util/text.h"

#include <fmt/format.h>

namespace beaver::cli {

void setup_backport(CLI::App& app, Context& ctx) {
  struct Opts {
    std::string repo = default_repo();
    std::string index, upstream, onto, format = "text", output, apply, series, reference = "upstream";
    std::vector<std::string> revisions, paths, features;
    report::Links links;
    bool fixes = false, keep_reverted = false, no_follow_fixes = false, force = false, check = false;
    int max_depth = 10;
    std::size_t max_steps = 300;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("backport", "Plan what it takes to bring upstream commits, paths, a CoCo feature or the "
                                             "missing fixes to an older branch");
  add_repo_option(cmd, o->repo);
  add_index_option(cmd, o->index);
  add_upstream_option(cmd, o->upstream, "Where the commits come from (e.g. origin/master)");
  cmd->add_option("--onto", o->onto, "The older branch to bring them to")->required()->option_text("REV");
  add_revisions_option(cmd, o->revisions, "Upstream commits and ranges (A..B) to bring");
  cmd->add_option("--paths", o->paths, "Every upstream commit since the branch point touching these paths")
      ->option_text("PATH...");
  cmd->add_option("--feature", o->features, "A feature of the CoCo catalog (beaver matrix --help lists them): the "
                                            "commits that added its markers and Kconfig symbols")
      ->option_text("ID");
  cmd->add_flag("--fixes", o->fixes, "The upstream fixes the branch lacks (as beaver fixes reports them)");
  cmd->add_flag("--keep-reverted", o->keep_reverted, "Keep a step that upstream reverted (and the revert)");
  cmd->add_flag("--no-follow-fixes", o->no_follow_fixes, "Do not add the missing Fixes: of each step");
  cmd->add_option("--max-depth", o->max_depth, "Prerequisite levels to follow below a request")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000))
      ->option_text("N");
  cmd->add_option("--max-steps", o->max_steps, "Stop the plan growing at this many steps")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000))
      ->option_text("N");
  cmd->add_option("--apply", o->apply, "Create this branch: --onto plus every step, cherry-picked (no work tree touched)")
      ->option_text("BRANCH");
  cmd->add_flag("--force", o->force, "With --apply, replace the branch when it exists");
  cmd->add_option("--reference", o->reference,
                  "The reference line --apply writes: upstream (`commit X upstream.`, as stable does) or cherry-pick "
                  "(`(cherry picked from commit X)`)")
      ->capture_default_str()
      ->check(CLI::IsMember({"upstream", "cherry-pick"}))
      ->option_text("STYLE");
  cmd->add_option("--series", o->series, "Write the series as format-patch files into DIR (0001-subject.patch, ...)")
      ->option_text("DIR");
  add_format_option(cmd, o->format, {"text", "json", "markdown", "html"});
  add_output_option(cmd, o->output);
  add_link_options(cmd, o->links, false);
  cmd->add_flag("--check", o->check, "Exit 1 when a step of the plan conflicts");
  cmd->footer(
      "The request (commits, --paths, --feature, --fixes) minus what the branch already carries (the\n"
      "stack matcher: the same commit, or a backport found by patch-id, references or diff similarity),\n"
      "then its prerequisites: the upstream commits since the branch point that last changed the lines\n"
      "each step changes or sits next to (git blame of the step's parent, bounded by the branch), level\n"
      "by level (--max-depth); the missing Fixes: of every step; reverts of steps (a reverted step leaves\n"
      "the plan). Steps go in upstream order and are cherry-picked in memory one after the other onto\n"
      "the branch: each applies, is empty (already there) or conflicts (file:line, and the branch commit\n"
      "that changed the file). Category: bugfix (1-5 commits), feature (6-50), mass (more).\n\n"
      "Examples:\n"
      "  beaver backport --onto linux-6.1.y -u origin/master 1a2b3c4d\n"
      "  beaver backport --onto linux-6.1.y -u v6.12 --feature snp-guest --format markdown\n"
      "  beaver backport --onto linux-6.1.y -u origin/master --fixes --check\n"
      "  beaver backport --onto stable -u main v6.8..v6.9 --paths drivers/virt/coco\n"
      "  beaver backport --onto linux-6.1.y -u origin/master 1a2b3c4d --apply fix-backport --series out/");
  add_exit_status(cmd, "with --check, when a step conflicts");
  cmd->callback([o, cmd, &ctx] {
    git::Repository repo = git::Repository::open(o->repo);
    backport::Options bo;
    bo.upstream = upstream_of(repo, o->upstream, "backport");
    links_from_config(repo, o->links);
    bo.onto = o->onto;
    bo.revisions = revisions_of(cmd, o->revisions);
    bo.paths = o->paths;
    bo.features = o->features;
    bo.fixes = o->fixes;
    bo.keep_reverted = o->keep_reverted;
    bo.follow_fixes = !o->no_follow_fixes;
    bo.max_depth = o->max_depth;
    bo.max_steps = o->max_steps;
    bo.index_path = o->index;
    if (o->force && o->apply.empty()) throw Error("--force goes with --apply BRANCH");
    Progress progress("indexing"), matching("matching");
    bo.on_progress = [&](std::size_t d, std::size_t t) { progress.update(d, t); };
    bo.on_match = [&](std::size_t d, std::size_t t) {
      progress.finish();
      matching.update(d, t);
    };
    backport::Plan plan = backport::plan(repo, bo);
    progress.finish();
    matching.finish();
    write_report(o->format, o->output,
                 {[&] { return report::backport_json(plan); }, [&] { return report::backport_markdown(plan, o->links); },
                  [&] { return report::backport_html(plan, o->links); },
                  [&](bool color) { return report::backport_text(plan, color); }, report::backport_legend});
    bool conflicts = plan.summary.count("conflicts") && plan.summary.at("conflicts") > 0;
    if (!o->apply.empty() || !o->series.empty()) {
      if (conflicts) {
        print_text(stderr, "beaver: backport: the plan conflicts: nothing was written (resolve the conflicting steps by hand, "
                           "or leave them out)\n");
        ctx.exit_code = kExitFound;
        return;
      }
      backport::ApplyOptions ao;
      ao.branch = o->apply;
      ao.series_dir = o->series;
      ao.force = o->force;
      ao.reference = o->reference == "cherry-pick" ? backport::Reference::CherryPick : backport::Reference::Upstream;
      std::string head = backport::apply(repo, plan, ao);
      if (verbosity() >= 0) {
        if (!o->apply.empty()) print_text(stderr, fmt::format("beaver: backport: {} is at {}\n", o->apply, short_id(head)));
        if (!o->series.empty()) print_text(stderr, fmt::format("beaver: backport: the series is in {}\n", o->series));
      }
    }
    if (o->check && conflicts) ctx.exit_code = kExitFound;
  });
}

}  // namespace beaver::cli
