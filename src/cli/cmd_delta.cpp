// beaver delta: how two versions of a patch differ (an interdiff).
#include "cli/commands.h"
#include "util/text.h"
#include "cli/output.h"
#include "git/repository.h"
#include "match/delta.h"
#include "match/patch_lines.h"
#include "report/delta_report.h"
#include "util/error.h"
#include "util/term.h"

#include <fmt/format.h>

namespace beaver::cli {

void setup_delta(CLI::App& app, Context& ctx) {
  struct Opts {
    std::string repo = default_repo();
    std::string a, b, format = "text", output;
    bool check = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("delta", "Show how two commits' patches differ (an interdiff, as git range-diff shows it)");
  add_repo_option(cmd, o->repo);
  add_format_option(cmd, o->format, {"text", "json", "markdown", "html"});
  add_output_option(cmd, o->output);
  cmd->add_flag("--check", o->check, "Exit 1 when the patches differ");
  cmd->add_option("a", o->a, "The first commit (e.g. the upstream one)")->required()->option_text("REV");
  cmd->add_option("b", o->b, "The second commit (e.g. its backport)")->required()->option_text("REV");
  cmd->footer(
      "Lines starting with '-' or '+' are what changed between the two patches; the character after\n"
      "is the patch's own sign. Index lines and hunk line numbers are ignored, so a patch that only\n"
      "moved shows nothing. The first line gives the similarity of the changed lines.\n\n"
      "Examples:\n"
      "  beaver delta 1a2b3c4d vendor/snp~3        upstream commit vs its backport\n"
      "  beaver delta 1a2b3c4d vendor/snp~3 --format markdown > review.md   for a merge request\n"
      "  beaver stack -u v6.12 --format json | jq -r '.patches[] | select(.status==\"upstream-modified\")\n"
      "      | \"beaver delta \\(.upstream_commit) \\(.commit)\"' | sh");
  add_exit_status(cmd, "with --check, when the patches differ");
  cmd->callback([o, &ctx] {
    git::Repository repo = git::Repository::open(o->repo);
    git::Oid a = repo.resolve_commit(o->a), b = repo.resolve_commit(o->b);
    match::DiffCache diffs(repo);
    std::string ea, eb;
    const std::string& ta = diffs.text(a, &ea);
    const std::string& tb = diffs.text(b, &eb);
    if (!ea.empty()) throw Error("{}: {}", o->a, ea);
    if (!eb.empty()) throw Error("{}: {}", o->b, eb);
    report::DeltaView d;
    d.a_rev = o->a;
    d.b_rev = o->b;
    d.a = a.hex();
    d.b = b.hex();
    d.similarity = match::compare(diffs.lines(a), diffs.lines(b));
    d.interdiff = match::interdiff(ta, tb, a.hex().substr(0, 12), b.hex().substr(0, 12));
    write_report(o->format, o->output,
                 {[&] { return report::delta_json(d); }, [&] { return report::delta_markdown(d); },
                  [&] { return report::delta_html(d); }, [&](bool color) { return report::delta_text(d, color); }});
    if (o->check && !d.interdiff.empty()) ctx.exit_code = kExitFound;
  });
}

}  // namespace beaver::cli
