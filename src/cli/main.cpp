// beaver: wires the command table to CLI11 and applies the one error policy:
// beaver::Error (bad input) -> message on stderr and exit 2.
#include "cli/commands.h"
#include "util/error.h"
#include "util/term.h"

#include <fmt/format.h>

#include <clocale>

int main(int argc, char** argv) {
  std::setlocale(LC_ALL, "C");
  CLI::App app{
      "beaver: know what is in your confidential-computing kernel.\n"
      "Turns a kernel git history into answers: what a downstream branch carries, what a rebase changed,\n"
      "which upstream fixes it lacks; how a CoCo kernel is configured, and which kernel supports which CoCo\n"
      "feature; on git-exact patch-ids, a persistent commit index and the kernel's own Kconfig.",
      "beaver"};
  app.set_version_flag("--version", std::string("beaver ") + BEAVER_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Examples:\n"
      "  beaver index --repo linux                 index every branch and tag of ./linux\n"
      "  beaver patch-id v6.11..v6.12              patch-ids, as git patch-id --stable\n"
      "  beaver log --repo linux -n 5 --format json  what the index knows of the newest commits\n"
      "  beaver stack -u v6.12 vendor/snp          upstream, upstream-modified, posted or unposted, per patch\n"
      "  beaver rebase-diff -u v6.12 old new       what a rebase kept, changed, merged upstream, dropped, added\n"
      "  beaver fixes -u origin/master stable      upstream fixes the branch lacks\n"
      "  beaver config --tree ~/linux --base /boot/config-$(uname -r) --enable snp-guest -o .config\n"
      "                                            a CoCo config, every request proven\n"
      "  beaver matrix /boot/config-* debian:6.12:cloud-amd64\n"
      "                                            which CoCo features each kernel supports, and why not\n"
      "  beaver demo                               build a demo repository and show it\n"
      "\nRun 'beaver COMMAND --help' for the options and examples of a command.");
  beaver::cli::Context ctx;
  for (const auto& c : beaver::cli::kCommands) c.setup(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : beaver::kExitInput;
  } catch (const beaver::Error& e) {
    beaver::tprint(stderr, "{}: {}\n", beaver::paint("beaver: error", "1;31", beaver::use_color(stderr)), e.what());
    return beaver::kExitInput;
  } catch (const std::exception& e) {
    beaver::tprint(stderr, "beaver: internal error: {}\n", e.what());
    return 3;
  }
  return ctx.exit_code;
}
