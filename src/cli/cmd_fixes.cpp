// beaver fixes: every upstream fix a branch lacks, included or waived.
#include "cli/commands.h"
#include "cli/output.h"
#include "git/repository.h"
#include "match/fixes.h"
#include "report/fixes_report.h"
#include "util/error.h"
#include "util/term.h"

namespace beaver::cli {

void setup_fixes(CLI::App& app, Context& ctx) {
  struct Opts {
    std::string repo = default_repo();
    std::string index, upstream, since, waivers, branch = "HEAD", format = "text", output;
    report::Links links;
    bool check = false, apply_check = false, apply_in_order = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("fixes", "List the upstream fixes (Fixes:, reverts) a branch lacks, transitively");
  add_repo_option(cmd, o->repo);
  add_index_option(cmd, o->index);
  add_upstream_option(cmd, o->upstream, "The upstream revision (e.g. origin/master)");
  cmd->add_option("--since", o->since, "Only fixes after this revision (e.g. the release the branch is based on)")
      ->option_text("REV");
  cmd->add_option("--waivers", o->waivers, "TOML file of waived fixes ([[waiver]] commit, reason, author, date)")
      ->option_text("FILE");
  cmd->add_flag("--apply-check", o->apply_check,
                "Check whether each missing fix cherry-picks cleanly onto the branch (in memory)");
  cmd->add_flag("--apply-in-order", o->apply_in_order,
                "Like --apply-check, each fix on top of the earlier missing fixes (upstream order)");
  add_format_option(cmd, o->format, {"text", "json", "markdown", "html"});
  add_output_option(cmd, o->output);
  add_link_options(cmd, o->links, false);
  cmd->add_flag("--check", o->check, "Exit 1 when an unwaived fix is missing");
  cmd->add_option("branch", o->branch, "The branch to check (default: HEAD)")->capture_default_str()->option_text("REV");
  cmd->footer(
      "A fix is missing when its Fixes: (or `This reverts commit`) target is carried by the branch (the\n"
      "same commit, or a backport found by patch-id, references or diff similarity; a squash that\n"
      "names several upstream commits carries each, see beaver index --help for the references read)\n"
      "and the fix is not; fixes of missing fixes follow (depth 2, 3, ...). References that name no commit are listed\n"
      "apart. --apply-check cherry-picks in memory: the repository, index and work tree are not touched.\n\n"
      "Waiver file:\n"
      "  [[waiver]]\n"
      "  commit = \"1a2b3c4d5e6f\"\n"
      "  reason = \"driver not built in our config\"\n"
      "  author = \"Jane Doe\"        # optional\n"
      "  date = 2024-06-01          # optional\n\n"
      "Examples:\n"
      "  beaver fixes -u origin/master linux-6.1.y --since v6.1\n"
      "  beaver fixes -u v6.12 vendor/snp --waivers waivers.toml --check --apply-check\n"
      "  beaver fixes -u main stable --format json | jq '.missing[] | {commit, subject, depth}'");
  add_exit_status(cmd, "with --check, when an unwaived fix is missing");
  cmd->callback([o, &ctx] {
    git::Repository repo = git::Repository::open(o->repo);
    match::FixesOptions fo;
    fo.upstream = upstream_of(repo, o->upstream, "fixes");
    links_from_config(repo, o->links);
    fo.branch = o->branch;
    fo.since = o->since;
    fo.waivers = o->waivers;
    fo.index_path = o->index;
    fo.apply_check = o->apply_check;
    fo.apply_in_order = o->apply_in_order;
    Progress progress("indexing"), matching("matching");
    fo.on_progress = [&](std::size_t d, std::size_t t) { progress.update(d, t); };
    fo.on_match = [&](std::size_t d, std::size_t t) {
      progress.finish();
      matching.update(d, t);
    };
    match::FixesReport r = match::run_fixes(repo, fo);
    progress.finish();
    matching.finish();
    write_report(o->format, o->output,
                 {[&] { return report::fixes_json(r); }, [&] { return report::fixes_markdown(r, o->links); },
                  [&] { return report::fixes_html(r, o->links); }, [&](bool color) { return report::fixes_text(r, color); }, report::fixes_legend});
    if (o->check && !r.missing.empty()) ctx.exit_code = kExitFound;
  });
}

}  // namespace beaver::cli
