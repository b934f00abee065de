// beaver: wires the command table to CLI11 and applies the one error policy:
// beaver::Error (bad input) -> message on stderr and exit 2.
#include "cli/commands.h"
#include "cli/docgen.h"
#include "cli/grammar.h"
#include "util/error.h"
#include "util/term.h"

#include <fmt/format.h>

#include <algorithm>
#include <clocale>
#include <string>
#include <string_view>
#include <vector>

namespace {

// Levenshtein distance, for "did you mean".
std::size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// The first argument that is not an option: the command the user asked for.
int command_index(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--") return -1;
    if (a == "--color") {  // the one global option that takes a separate value
      ++i;
      continue;
    }
    if (!a.starts_with("-")) return i;
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  std::setlocale(LC_ALL, "C");
  CLI::App app{
      "beaver: know what is in your confidential-computing kernel.\n"
      "Turns a kernel git history into answers: what a downstream branch carries, what a rebase changed,\n"
      "which upstream fixes it lacks and what a backport takes; how a CoCo kernel is configured, and which\n"
      "kernel supports which CoCo feature; on git-exact patch-ids, a persistent commit index and the\n"
      "kernel's own Kconfig.",
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
      "  beaver backport --onto stable -u origin/master 1a2b3c4d\n"
      "                                            what bringing a commit to a branch takes, proven\n"
      "  beaver config --tree ~/linux --base /boot/config-$(uname -r) --enable snp-guest -o .config\n"
      "                                            a CoCo config, every request proven\n"
      "  beaver matrix /boot/config-* debian:6.12:cloud-amd64\n"
      "                                            which CoCo features each kernel supports, and why not\n"
      "  beaver demo                               build a demo repository and show it\n"
      "\nRun 'beaver COMMAND --help' for the options and examples of a command.");
  beaver::cli::Context ctx;
  for (const auto& c : beaver::cli::kCommands) c.setup(app, ctx);
  beaver::cli::add_global_options(app);
  // Build time (not in --help): man pages and completions from these very definitions.
  if ((argc == 3 || argc == 4) &&
      (std::string_view(argv[1]) == "--generate-man" || std::string_view(argv[1]) == "--generate-completion")) {
    try {
      if (std::string_view(argv[1]) == "--generate-man") beaver::cli::generate_man(app, argv[2], argc == 4 ? argv[3] : "");
      else fmt::print("{}", beaver::cli::generate_completion(app, argv[2]));
      return 0;
    } catch (const beaver::Error& e) {
      beaver::tprint(stderr, "beaver: error: {}\n", e.what());
      return beaver::kExitInput;
    }
  }
  // `beaver help [COMMAND...]` is `beaver [COMMAND...] --help`; an unknown
  // command is named with the nearest one, as git does.
  std::vector<std::string> args(argv, argv + argc);
  int at = command_index(argc, argv);
  if (at > 0 && args[at] == "help") {
    args.erase(args.begin() + at);
    args.push_back("--help");
  } else if (at > 0 && std::none_of(std::begin(beaver::cli::kCommands), std::end(beaver::cli::kCommands),
                                    [&](const auto& c) { return args[at] == c.name; })) {
    std::string best;
    std::size_t best_d = 3;  // more than two edits away is no suggestion, unless it is a prefix
    for (const auto& c : beaver::cli::kCommands) {
      std::size_t d = distance(args[at], c.name);
      if (args[at].size() >= 2 && std::string_view(c.name).starts_with(args[at])) d = std::min<std::size_t>(d, 1);
      if (d < best_d) {
        best_d = d;
        best = c.name;
      }
    }
    beaver::tprint(stderr, "beaver: '{}' is not a beaver command.{} See 'beaver --help'.\n", args[at],
                   best.empty() ? "" : " Did you mean '" + best + "'?");
    return beaver::kExitInput;
  }
  std::vector<char*> ptrs;
  for (auto& a : args) ptrs.push_back(a.data());
  argc = int(ptrs.size());
  argv = ptrs.data();
  int rc = 0;
  try {
    app.parse(argc, argv);
    rc = ctx.exit_code;
  } catch (const CLI::ParseError& e) {
    rc = app.exit(e) == 0 ? 0 : beaver::kExitInput;
  } catch (const beaver::Error& e) {
    beaver::tprint(stderr, "{}: {}\n", beaver::paint("beaver: error", "1;31", beaver::use_color(stderr)), e.what());
    rc = beaver::kExitInput;
  } catch (const std::exception& e) {
    beaver::tprint(stderr, "beaver: internal error: {}\n", e.what());
    rc = 3;
  }
  beaver::finish_pager();
  return rc;
}
