// beaver matrix: which CoCo capabilities each kernel really supports.
#include "cli/commands.h"
#include "cli/output.h"
#include "kconfig/features.h"
#include "matrix/matrix.h"
#include "report/matrix_report.h"
#include "util/error.h"
#include "util/term.h"

#include <fmt/format.h>

namespace beaver::cli {

void setup_matrix(CLI::App& app, Context& ctx) {
  struct Opts {
    std::vector<std::string> kernels, features;
    std::string repo, role, format = "text", output;
    unsigned jobs = 0;
    bool check = false, list = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("matrix", "Which confidential-computing features (SEV, SNP, TDX, SGX, CCA, ...) each kernel supports");
  cmd->add_option("kernels", o->kernels,
                  "Kernels: a source tree (DIR, or DIR:CONFIG; DIR/.config is used when present), a config file "
                  "(/boot/config-*, .gz, .xz), a Debian package (linux-image-*.deb, linux-headers-*.deb, linux-config-*.deb), "
                  "debian:VERSION[:FLAVOUR], or with --repo a revision REV[:CONFIG]")
      ->option_text("KERNEL...");
  cmd->add_option("--repo", o->repo, "Read the kernels as revisions of this git repository (nothing is checked out)")
      ->option_text("DIR");
  cmd->add_option("--features", o->features, "Only these feature ids (comma-separated or repeated)")
      ->delimiter(',')
      ->option_text("ID,...");
  cmd->add_option("--role", o->role, "Only guest or host features")
      ->check(CLI::IsMember({"guest", "host"}))
      ->option_text("ROLE");
  add_format_option(cmd, o->format, {"text", "json", "markdown", "html"});
  add_output_option(cmd, o->output);
  add_jobs_option(cmd, o->jobs, "Kernels evaluated at once");
  cmd->add_flag("--check", o->check, "Exit 1 when any selected feature is not supported by every kernel");
  cmd->add_flag("--list-features", o->list, "List the feature catalog (ids, roles, symbols) and exit");
  cmd->footer(
      "Each cell is yes (supported), off (the code is there but the config leaves it off: with a\n"
      "source tree the config is finished by beaver's Kconfig model, so a symbol whose dependencies\n"
      "fail is off) or no (absent), with the reason. A source tree is judged by its code (markers from\n"
      "data/coco-features.toml: a 5.14 tree with SNP backported has SNP); a config alone by its\n"
      "symbols and the version in its header.\n\n"
      "Examples:\n"
      "  beaver matrix debian:6.1:amd64 debian:6.12:amd64 debian:6.12:cloud-amd64\n"
      "  beaver matrix /boot/config-* --role guest\n"
      "  beaver matrix linux-image-6.12.57-amd64_6.12.57-1_amd64.deb /usr/src/linux-config-6.1/config.amd64_none_amd64.xz\n"
      "  beaver matrix --repo ~/linux v6.1 v6.8 v6.12 origin/master --format html -o matrix.html\n"
      "  beaver matrix ~/vendor-linux:~/vendor-linux/arch/x86/configs/cvm.config --features snp-guest,tdx-guest --check\n"
      "  beaver matrix --list-features");
  add_exit_status(cmd, "with --check, when a selected feature is not supported by every kernel");
  cmd->callback([o, &ctx] {
    auto features = matrix::select_features(o->features, o->role);
    if (o->list) {
      write_output(o->output, report::features_text(features));
      return;
    }
    if (o->kernels.empty()) throw Error("matrix: name at least one kernel (see beaver matrix --help)");
    std::vector<matrix::Kernel> kernels;
    matrix::LoadBudget budget;
    for (const std::string& spec : o->kernels)
      for (matrix::Kernel& k : matrix::load_kernels(spec, o->repo, &budget)) kernels.push_back(std::move(k));
    // Column names must tell kernels apart.
    for (std::size_t i = 0; i < kernels.size(); ++i) {
      int n = 1;
      for (std::size_t j = 0; j < i; ++j)
        if (kernels[j].name == kernels[i].name) ++n;
      if (n > 1) kernels[i].name += fmt::format("#{}", n);
    }
    Progress bar("matrix");
    matrix::Matrix m = matrix::build_matrix(kernels, features, o->jobs, [&](std::size_t done, std::size_t total) { bar.update(done, total); });
    bar.finish();
    write_report(o->format, o->output,
                 {[&] { return report::matrix_json(m); }, [&] { return report::matrix_markdown(m); },
                  [&] { return report::matrix_html(m); }, [&](bool color) { return report::matrix_text(m, color); }});
    if (o->check && m.count(matrix::Status::Supported) != m.features.size() * m.kernels.size()) ctx.exit_code = kExitFound;
  });
}

}  // namespace beaver::cli
