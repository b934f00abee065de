// beaver config: CoCo kernel configurations that are proven, not hoped for.
#include "cli/commands.h"
#include "cli/output.h"
#include "kconfig/catalog.h"
#include "kconfig/configure.h"
#include "kconfig/eval.h"
#include "kconfig/explain.h"
#include "report/config_report.h"
#include "util/error.h"
#include "util/markup.h"
#include "util/term.h"

#include <fmt/format.h>

#include <unistd.h>

namespace beaver::cli {

namespace {

std::string profiles_text() {
  std::string out;
  for (const kconfig::Profile& p : kconfig::builtin_catalog()) {
    out += fmt::format("{:<14} {}\n", p.name, p.description);
    std::vector<std::string> syms;
    for (const std::string& s : p.enable) {
      auto since = p.since.find(s);
      syms.push_back(since == p.since.end() ? s : fmt::format("{} (since {})", s, since->second));
    }
    out += fmt::format("{:<14} enables {}\n", "", fmt::join(syms, ", "));
  }
  return out;
}

}  // namespace

void setup_config(CLI::App& app, Context& ctx) {
  struct Opts {
    std::string tree, base, arch = "x86_64", output, fragment, format = "text", report;
    std::vector<std::string> enable, disable;
    bool fix = false, allow_partial = false, model = false, list = false;
    // explain
    std::string symbol, config, want = "y";
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("config", "Configure a kernel with CoCo options through the kernel's own Kconfig, "
                                           "and prove every request stuck");
  cmd->add_option("--tree", o->tree, "Kernel source tree (or debian:6.1, debian:6.12: Debian's linux-source, unpacked once)")
      ->option_text("DIR");
  cmd->add_option("--base", o->base,
                  "Base .config (or debian:VERSION[:FLAVOUR], e.g. debian:6.12:cloud-amd64: Debian's linux-config)")
      ->option_text("FILE");
  cmd->add_option("--enable", o->enable, "A profile (snp-guest, tdx-host, ...), a symbol, or SYMBOL=VALUE; repeatable")
      ->allow_extra_args(false)
      ->option_text("NAME");
  cmd->add_option("--disable", o->disable, "A symbol or profile to turn off; repeatable")
      ->allow_extra_args(false)
      ->option_text("NAME");
  cmd->add_option("--arch", o->arch, "ARCH for Kconfig and make")->capture_default_str()->option_text("ARCH");
  // The one exception to "-o is the report": config's product is the .config
  // (product.md's contract: config ... -o OUT --format json); its report
  // goes to --report FILE.
  cmd->add_option("-o,--output", o->output, "Write the final .config to FILE (the report goes to --report)")
      ->option_text("FILE");
  cmd->add_option("--fragment", o->fragment, "Write the requested symbols, as they ended, as a config fragment")
      ->option_text("FILE");
  cmd->add_flag("--fix", o->fix, "Apply the changes the explanations find (e.g. disable what `depends on !X` forbids), "
                                 "re-run, and report each change");
  cmd->add_flag("--allow-partial", o->allow_partial, "Exit 0 even when a request did not stick");
  cmd->add_flag("--model", o->model, "Compute the final config with beaver's Kconfig model instead of make olddefconfig "
                                     "(no compiler needed; equal on Debian's configs, see tests)");
  cmd->add_flag("--list-profiles", o->list, "List the CoCo profiles and the symbols each asks for");
  add_format_option(cmd, o->format, {"text", "json", "markdown", "html"});
  cmd->add_option("--report", o->report, "Write the report to FILE instead of standard output")->option_text("FILE");
  cmd->footer(
      "Each request ends ok, blocked (with blockers and an explanation: the failing part of its\n"
      "`depends on`, an unmet `visible if`, what would have to change), unknown (no such symbol in\n"
      "this tree) or promptless (cannot be set directly; what selects it is named). The final .config\n"
      "is written by the kernel's own `make olddefconfig` (O= a cached build directory: the tree is\n"
      "never written to). Exit 1 when a request did not stick (unless --allow-partial), 2 on bad input.\n\n"
      "Examples:\n"
      "  beaver config --tree debian:6.12 --base debian:6.12:cloud-amd64 --enable snp-guest -o .config\n"
      "  beaver config --tree ~/linux --base /boot/config-$(uname -r) --enable tdx-host --fix -o .config\n"
      "  beaver config --tree ~/linux --base .config --enable SEV_GUEST --disable X86_X32_ABI --format json\n"
      "  beaver config explain SEV_GUEST --tree ~/linux --config .config\n"
      "  beaver config --list-profiles");
  add_exit_status(cmd, "when a request did not stick (unless --allow-partial)");

  auto* ex = cmd->add_subcommand("explain", "Explain why a symbol has its value in a configuration, and what would change it");
  ex->add_option("symbol", o->symbol, "The Kconfig symbol (CONFIG_ prefix optional)")->required()->option_text("SYMBOL");
  ex->add_option("--tree", o->tree, "Kernel source tree (or debian:VERSION)")->required()->option_text("DIR");
  ex->add_option("--config", o->config, "The .config (or debian:VERSION[:FLAVOUR])")->required()->option_text("FILE");
  ex->add_option("--want", o->want, "The value wanted: y, m or n")
      ->check(CLI::IsMember({"y", "m", "n"}))
      ->capture_default_str()
      ->option_text("VALUE");
  ex->add_option("--arch", o->arch, "ARCH for Kconfig")->capture_default_str()->option_text("ARCH");
  add_format_option(ex, o->format, {"text", "json", "markdown"});
  add_output_option(ex, o->report, "the explanation");
  ex->footer(
      "The configuration is evaluated with beaver's Kconfig model (equal to make olddefconfig),\n"
      "so the answer is about the config as the kernel would finish it.\n\n"
      "Examples:\n"
      "  beaver config explain SEV_GUEST --tree debian:6.1 --config debian:6.1:cloud-amd64\n"
      "  beaver config explain X86_X32_ABI --want n --tree ~/linux --config .config --format json");
  add_exit_status(ex, "when the symbol cannot have the wanted value as the config stands (it is blocked)");
  ex->callback([o, &ctx] {
    std::string name = o->symbol;
    if (name.rfind("CONFIG_", 0) == 0) name = name.substr(7);
    std::string tree = kconfig::resolve_tree(o->tree), config_name;
    std::string text = kconfig::read_base(o->config, config_name);
    kconfig::Kconfig k = kconfig::parse_kernel_tree(tree, o->arch);
    kconfig::Evaluator ev(k);
    kconfig::DotConfig cfg = kconfig::read_dotconfig(text);
    for (const auto& p : cfg.problems) tprint(stderr, "warning: {}:{}: {}\n", config_name, p.line, p.what);
    ev.load(cfg);
    kconfig::Explanation x = kconfig::explain(ev, name, kconfig::tri_from(o->want));
    write_report(o->format, o->report,
                 {[&] { return report::explanation_json(x); }, [&] { return report::explanation_markdown(x); }, nullptr,
                  [&](bool color) { return report::explanation_text(x, color); }});
    if (!x.satisfied) ctx.exit_code = kExitFound;
  });

  cmd->callback([o, cmd, ex, &ctx] {
    if (ex->parsed()) return;
    if (o->list) {
      write_output("", profiles_text());
      return;
    }
    if (o->tree.empty() || o->base.empty())
      throw Error("config: --tree and --base are required (see beaver config --help)");
    kconfig::ConfigureOptions co;
    co.tree = kconfig::resolve_tree(o->tree);
    co.base_text = kconfig::read_base(o->base, co.base_name);
    co.arch = o->arch;
    co.enable = o->enable;
    co.disable = o->disable;
    co.fix = o->fix;
    co.model_only = o->model;
    co.progress = isatty(STDERR_FILENO);
    kconfig::ConfigureReport rep = kconfig::configure(co);
    if (!o->output.empty()) write_output(o->output, rep.config);
    if (!o->fragment.empty()) write_output(o->fragment, rep.fragment());
    write_report(o->format, o->report,
                 {[&] { return report::config_json(rep); }, [&] { return report::config_markdown(rep); },
                  [&] { return report::config_html(rep); }, [&](bool color) { return report::config_text(rep, color); }});
    if (!rep.all_ok() && !o->allow_partial) ctx.exit_code = kExitFound;
  });
}

}  // namespace beaver::cli
