// beaver delta: how two versions of a patch differ (an interdiff).
#include "cli/commands.h"
#include "util/text.h"
#include "cli/output.h"
#include "git/repository.h"
#include "match/delta.h"
#include "match/patch_lines.h"
#include "util/error.h"
#include "util/term.h"

#include <fmt/format.h>

namespace beaver::cli {

void setup_delta(CLI::App& app, Context& ctx) {
  struct Opts {
    std::string repo = default_repo();
    std::string a, b;
    bool check = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("delta", "Show how two commits' patches differ (an interdiff, as git range-diff shows it)");
  add_repo_option(cmd, o->repo);
  cmd->add_flag("--check", o->check, "Exit 1 when the patches differ");
  cmd->add_option("a", o->a, "The first commit (e.g. the upstream one)")->required();
  cmd->add_option("b", o->b, "The second commit (e.g. its backport)")->required();
  cmd->footer(
      "Lines starting with '-' or '+' are what changed between the two patches; the character after\n"
      "is the patch's own sign. Index lines and hunk line numbers are ignored, so a patch that only\n"
      "moved shows nothing. The first line gives the similarity of the changed lines.\n\n"
      "Examples:\n"
      "  beaver delta 1a2b3c4d vendor/snp~3        upstream commit vs its backport\n"
      "  beaver stack -u v6.12 --format json | jq -r '.patches[] | select(.status==\"upstream-modified\")\n"
      "      | \"beaver delta \\(.upstream_commit) \\(.commit)\"' | sh");
  cmd->callback([o, &ctx] {
    git::Repository repo = git::Repository::open(o->repo);
    git::Oid a = repo.resolve_commit(o->a), b = repo.resolve_commit(o->b);
    match::DiffCache diffs(repo);
    std::string ea, eb;
    const std::string& ta = diffs.text(a, &ea);
    const std::string& tb = diffs.text(b, &eb);
    if (!ea.empty()) throw Error("{}: {}", o->a, ea);
    if (!eb.empty()) throw Error("{}: {}", o->b, eb);
    match::Similarity s = match::compare(diffs.lines(a), diffs.lines(b));
    std::string text = match::interdiff(ta, tb, a.hex().substr(0, 12), b.hex().substr(0, 12));
    bool color = use_color(stdout);
    tprint(stdout, "{}\n", paint(fmt::format("similarity {:.2f} ({} changed lines in common; {:.0f}% of {} in {}, {:.0f}% of {} in {})",
                                         s.dice, s.common, s.in_first * 100, a.hex().substr(0, 12), b.hex().substr(0, 12),
                                         s.in_second * 100, b.hex().substr(0, 12), a.hex().substr(0, 12)),
                                 "1", color));
    if (text.empty()) {
      tprint(stdout, "The patches are the same (up to hunk positions).\n");
      return;
    }
    for_each_line(text, [&](std::string_view line) {
      std::string sgr = line.starts_with("+++") || line.starts_with("---") ? "1"
                        : line.starts_with("+")                            ? "32"
                        : line.starts_with("-")                            ? "31"
                        : line.starts_with("@@")                           ? "36"
                                                                           : "";
      tprint(stdout, "{}\n", sgr.empty() ? safe_text(line) : paint(safe_text(line), sgr, color));
    });
    if (o->check) ctx.exit_code = kExitFound;
  });
}

}  // namespace beaver::cli
