// beaver assemble / beaver combine: a target's base plus its patches as a
// branch (refs/heads/beaver/TARGET), and whether two targets can be one kernel.
#include "cli/commands.h"
#include "cli/grammar.h"
#include "cli/output.h"
#include "git/repository.h"
#include "pipeline/assemble.h"
#include "pipeline/manifest.h"
#include "report/assemble_report.h"
#include "util/error.h"
#include "util/term.h"

#include <fmt/format.h>

namespace beaver::cli {

namespace {

const char* kManifestFooter =
    "The manifest (TOML):\n"
    "  [defaults]\n"
    "  upstream = \"origin/master\"            # merged patches are found here and dropped once the base has them\n"
    "  config   = \"debian:6.12:cloud-amd64\"  # or a .config file, or make:tinyconfig / make:defconfig\n"
    "  [target.snp]\n"
    "  base    = \"v6.12\"                     # any revision\n"
    "  patches = [ { branch = \"vendor/snp\" },   # merge-base(base, branch)..branch\n"
    "              { mbox = \"series/svsm-v7.mbox\" }, { series = \"patches/series\" }, { commits = [\"1234abcd\"] } ]\n"
    "  enable  = [\"snp-guest\", \"SEV_GUEST=m\"]\n"
    "  make    = [\"bzImage\", \"modules\"]\n";

}  // namespace

void setup_assemble(CLI::App& app, Context& ctx) {
  struct Opts {
    std::string repo = default_repo(), manifest, index, format = "text", output;
    std::vector<std::string> targets;
    report::Links links;
    bool keep_going = false, check = false, dry_run = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("assemble", "Build each target's branch (refs/heads/beaver/TARGET): its base plus its patches, "
                                             "in order, without touching a work tree");
  add_repo_option(cmd, o->repo);
  add_manifest_option(cmd, o->manifest);
  add_index_option(cmd, o->index);
  cmd->add_option("targets", o->targets, "Targets or components of the manifest (default: every target)")->option_text("TARGET...");
  cmd->add_flag("--keep-going", o->keep_going,
                "Skip a conflicting patch and go on, so one run lists every conflict (the branch is then not updated)");
  cmd->add_flag("--dry-run", o->dry_run, "Report only: never update a branch");
  add_format_option(cmd, o->format, {"text", "json", "markdown", "html"});
  add_output_option(cmd, o->output);
  add_link_options(cmd, o->links, false);
  cmd->add_flag("--check", o->check, "Exit 1 when a patch conflicts (for CI)");
  cmd->footer(std::string(
                  "Each patch is applied, dropped-upstream (the base has it: identical, the same changed lines, or a\n"
                  "modified version that covers all of it; the upstream commit and release are named),\n"
                  "already-applied (it changes nothing) or conflict (the files and hunks, and what changed them in\n"
                  "the base since the patch's own base). A patch that upstream has in a modified form covering only\n"
                  "part of it is applied and flagged. A conflict stops the target and leaves its branch as it was.\n"
                  "The same manifest and inputs always give the same commit ids (authors from the patches, a fixed\n"
                  "committer and a date taken from the inputs). Mails are read as git am reads them.\n\n") +
              kManifestFooter +
              "\nExamples:\n"
              "  beaver assemble\n"
              "  beaver assemble snp --format markdown -o assemble.md\n"
              "  beaver assemble --keep-going --check\n"
              "  beaver assemble --manifest ci/beaver.toml snp tdx --format json");
  add_exit_status(cmd, "when a patch conflicts");
  cmd->callback([o, cmd, &ctx] {
    pipeline::Manifest m = manifest_of(cmd, o->manifest, o->repo);
    auto targets = m.select(o->targets);
    if (!targets.empty()) links_from_config(git::Repository::open(targets.front()->repo), o->links);
    pipeline::AssembleOptions ao;
    ao.index_path = o->index;
    ao.keep_going = o->keep_going;
    ao.dry_run = o->dry_run;
    Progress progress("matching");
    ao.on_progress = [&](std::size_t d, std::size_t t) { progress.update(d, t); };
    if (verbosity() > 0) ao.on_status = [](const std::string& s) { print_text(stderr, "beaver: assemble: " + s + "\n"); };
    pipeline::AssembleReport r = pipeline::assemble(m, targets, ao);
    progress.finish();
    write_report(o->format, o->output,
                 {[&] { return report::assemble_json(r); }, [&] { return report::assemble_markdown(r, o->links); },
                  [&] { return report::assemble_html(r, o->links); }, [&](bool color) { return report::assemble_text(r, color); },
                  report::assemble_legend});
    if (r.conflicted()) ctx.exit_code = kExitFound;
  });
}

void setup_combine(CLI::App& app, Context& ctx) {
  struct Opts {
    std::string repo = default_repo(), manifest, index, format = "text", output, onto, branch;
    std::string a, b;
    report::Links links;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("combine", "Can two targets be one kernel? Both patch sets on one base, in both orders");
  add_repo_option(cmd, o->repo);
  add_manifest_option(cmd, o->manifest);
  add_index_option(cmd, o->index);
  cmd->add_option("a", o->a, "The first target")->required()->option_text("TARGET");
  cmd->add_option("b", o->b, "The second target")->required()->option_text("TARGET");
  cmd->add_option("--onto", o->onto, "The base to put both on (default: the newer of the two bases)")->option_text("REV");
  cmd->add_option("--branch", o->branch, "When they combine, write the combined series as this branch")->option_text("BRANCH");
  add_format_option(cmd, o->format, {"text", "json", "markdown", "html"});
  add_output_option(cmd, o->output);
  add_link_options(cmd, o->links, false);
  cmd->footer(std::string(
                  "Both patch sets go on one base (--onto, else the newer base: the one that contains the other, else\n"
                  "the later), A's then B's and B's then A's. The report says what the base already has (dropped),\n"
                  "which patches of one side conflict with which of the other (a patch that applies alone on the base\n"
                  "but not after the other side), and, when one order applies cleanly, the combined series.\n\n") +
              "Examples:\n"
              "  beaver combine snp tdx\n"
              "  beaver combine snp tdx --onto main --format markdown\n"
              "  beaver combine snp tdx --branch beaver/snp-tdx");
  add_exit_status(cmd, "when they do not combine (a conflict in both orders)");
  cmd->callback([o, cmd, &ctx] {
    pipeline::Manifest m = manifest_of(cmd, o->manifest, o->repo);
    auto targets = m.select({o->a, o->b});
    if (targets.size() != 2) throw Error("combine: name two different targets");
    links_from_config(git::Repository::open(targets[0]->repo), o->links);
    pipeline::CombineOptions co;
    co.onto = o->onto;
    co.index_path = o->index;
    co.ref = o->branch;
    Progress progress("matching");
    co.on_progress = [&](std::size_t d, std::size_t t) { progress.update(d, t); };
    pipeline::CombineReport r = pipeline::combine(*targets[0], *targets[1], co);
    progress.finish();
    write_report(o->format, o->output,
                 {[&] { return report::combine_json(r); }, [&] { return report::combine_markdown(r, o->links); },
                  [&] { return report::combine_html(r, o->links); }, [&](bool color) { return report::combine_text(r, color); },
                  report::assemble_legend});
    if (!r.combines) ctx.exit_code = kExitFound;
  });
}

}  // namespace beaver::cli
