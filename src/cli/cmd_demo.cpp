// beaver demo: builds a small kernel-like repository with a vendor branch and
// runs beaver on it, printing each command as a user would type it.
#include "cli/commands.h"
#include "cli/grammar.h"
#include "demo/demo.h"
#include "kconfig/trees.h"
#include "util/error.h"
#include "util/file.h"
#include "util/process.h"
#include "util/term.h"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <unistd.h>

#include <fstream>

namespace beaver::cli {

namespace {

std::string self_exe() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "beaver" : p.string();
}

void step(const std::string& title, const std::vector<std::string>& args, const std::string& cwd, bool color,
          const std::string& shown = {}) {
  tprint(stdout, "\n{}\n", paint("== " + title, "1", color));
  std::string line = shown;
  if (line.empty())
    for (std::size_t i = 0; i < args.size(); ++i) line += (i ? " " : "") + (i == 0 ? std::string("beaver") : args[i]);
  tprint(stdout, "{}\n", paint("$ " + line, "36", color));
  std::fflush(stdout);
  ProcessOptions po;
  po.cwd = cwd;
  ProcessResult r = run_process(args, po);
  tprint(stdout, "{}", r.out);
  if (!r.err.empty()) tprint(stdout, "{}", r.err);
  if (r.exit_code != 0 && r.exit_code != 1) throw Error("demo step '{}' failed with exit code {}", line, r.exit_code);
}

}  // namespace

void setup_demo(CLI::App& app, Context& ctx) {
  struct Opts {
    std::string dir;
    bool history_only = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("demo", "Build a small kernel-like repository with a vendor branch and show beaver on it");
  cmd->add_option("--dir", o->dir, "Where to create the demo repository (default: a new directory under $TMPDIR)")
      ->option_text("DIR");
  cmd->add_flag("--history-only", o->history_only,
                "Only the git history: skip the config and matrix steps on Debian's kernel trees (the slow part)");
  cmd->footer(
      "The repository has an upstream (main: v6.8, v6.9-rc1, v6.9, v6.10), a vendor branch vendor/snp\n"
      "with five SEV-SNP/TDX patches (merged upstream as is, merged with other context, merged modified,\n"
      "posted but not merged, vendor-only), the same branch rebased onto v6.9 and v6.10, a mail archive\n"
      "with the posted patch and a stable branch linux-6.8.y with a backport (and the plan of two more).\n"
      "It is kept afterwards, so you can run beaver on it yourself; the reports and configs it writes go\n"
      "to DIR-reports beside it.\n\n"
      "Examples:\n"
      "  beaver demo\n"
      "  beaver demo --dir /tmp/coco-demo && cd /tmp/coco-demo && beaver log -n 3\n"
      "  beaver demo --history-only             the repository and its reports in seconds");
  add_exit_status(cmd, "");
  cmd->callback([o, &ctx] {
    std::string dir = o->dir;
    if (dir.empty()) dir = make_temp_dir("beaver-demo");
    bool color = use_color(stdout);
    demo::DemoRepo d = demo::build(dir);
    std::string exe = self_exe();
    // What the demo writes goes beside the repository, never into its work tree.
    std::string out = d.dir;
    while (out.size() > 1 && out.back() == '/') out.pop_back();
    out += "-reports";
    std::filesystem::create_directories(out);
    tprint(stdout, "{}\n", paint("beaver demo: a kernel-like repository in " + d.dir, "1", color));
    tprint(stdout, "  upstream {} (v6.8 -> v6.9 -> v6.10), vendor branch {} (5 patches on v6.8) rebased as {} and {},\n"
               "  stable branch {}, posted patches in linux-coco.mbox\n",
               d.upstream, d.vendor, d.vendor_69, d.vendor_610, d.stable);
    step("Index every branch and tag (patch-ids, trailers, first release of each commit)",
         {exe, "index", "--repo", d.dir}, d.dir, color);
    step("What beaver knows about the vendor patches", {exe, "log", "--repo", d.dir, d.base + ".." + d.vendor}, d.dir,
         color);
    step("Upstream since v6.8: Fixes: resolved to the commit they fix, first release of each",
         {exe, "log", "--repo", d.dir, d.base + ".." + d.upstream}, d.dir, color);
    step("Patch-ids, the same as git log -p | git patch-id --stable", {exe, "patch-id", "--repo", d.dir, d.base + ".." + d.vendor},
         d.dir, color);
    ProcessOptions po;
    po.cwd = d.dir;
    ProcessResult g = run_process({"sh", "-c", "git log -p --no-merges " + d.base + ".." + d.vendor + " | git patch-id --stable | sort"}, po);
    ProcessResult b = run_process({exe, "patch-id", d.base + ".." + d.vendor}, po);
    std::vector<std::string> lines;
    std::string sorted;
    {
      std::size_t pos = 0;
      while (pos < b.out.size()) {
        auto nl = b.out.find('\n', pos);
        lines.push_back(b.out.substr(pos, nl - pos + 1));
        pos = nl + 1;
      }
      std::sort(lines.begin(), lines.end());
      for (auto& l : lines) sorted += l;
    }
    tprint(stdout, "{}\n", sorted == g.out ? paint("identical to git patch-id --stable", "32", color)
                                       : paint("DIFFERENT from git patch-id --stable", "31", color));
    step("What the vendor branch carried at v6.9: upstream, upstream-modified, posted or unposted",
         {exe, "stack", "--upstream", "v6.9", "--mail", "linux-coco.mbox", d.vendor}, d.dir, color,
         "beaver stack --upstream v6.9 --mail linux-coco.mbox vendor/snp");
    step("How the modified one differs from what upstream merged",
         {exe, "delta", d.upstream + "^{/Reject MMIO}", d.vendor + "^{/Reject MMIO}"}, d.dir, color,
         "beaver delta 'main^{/Reject MMIO}' 'vendor/snp^{/Reject MMIO}'");
    step("The vendor rebased onto v6.9: what entered and left",
         {exe, "rebase-diff", "--upstream", d.upstream, d.vendor, d.vendor_69}, d.dir, color);
    step("... and onto v6.10", {exe, "rebase-diff", "--upstream", d.upstream, d.vendor_69, d.vendor_610}, d.dir, color);
    step("Upstream fixes the stable branch lacks (Fixes: of what it carries), and whether they apply",
         {exe, "fixes", "--upstream", d.upstream, "--apply-check", d.stable}, d.dir, color,
         "beaver fixes --upstream main --apply-check linux-6.8.y");
    step("What it takes to bring two upstream commits to the stable branch: prerequisites with reasons, "
         "order, and an in-memory cherry-pick of each",
         {exe, "backport", "--onto", d.stable, "-u", d.upstream, d.upstream + "^{/Return -EBUSY}",
          d.upstream + "^{/Stop early when the SVSM}"},
         d.dir, color, "beaver backport --onto linux-6.8.y -u main 'main^{/Return -EBUSY}' 'main^{/Stop early when the SVSM}'");
    // The pipeline: a manifest beside the repository, assemble and combine (no kernel build here).
    {
      std::string manifest = out + "/beaver.toml";
      std::ofstream(manifest) << fmt::format(
          "# The demo's stack manifest: three kernel targets on v6.10.\n"
          "[defaults]\nupstream = \"{0}\"\n\n"
          "[target.snp]       # the vendor's 6.8 branch, moved to v6.10 as it is\n"
          "repo = \"{1}\"\nbase = \"v6.10\"\npatches = [ {{ branch = \"{2}\" }} ]\n\n"
          "[target.snp-6-10]  # the vendor's own rebase\n"
          "repo = \"{1}\"\nbase = \"v6.10\"\npatches = [ {{ branch = \"{3}\" }} ]\n\n"
          "[target.tdx]\n"
          "repo = \"{1}\"\nbase = \"v6.10\"\npatches = [ {{ branch = \"{4}\" }} ]\n",
          d.upstream, d.dir, d.vendor, d.vendor_610, d.vendor_tdx);
      step("Assemble the vendor's 6.8 patches on v6.10 from a manifest: what upstream has, what applies, what conflicts",
           {exe, "assemble", "--manifest", manifest, "snp", "--keep-going"}, d.dir, color,
           "beaver assemble --manifest " + manifest + " snp --keep-going");
      step("Can the SNP and TDX kernels be one? Both patch sets on v6.10, in both orders",
           {exe, "combine", "--manifest", manifest, "snp-6-10", "tdx"}, d.dir, color,
           "beaver combine --manifest " + manifest + " snp-6-10 tdx");
    }
    step("The same as an HTML report", {exe, "stack", "--upstream", "v6.9", "--mail", "linux-coco.mbox", "--format",
                                        "html", "-o", out + "/stack.html", d.vendor}, d.dir, color,
         "beaver stack --upstream v6.9 --mail linux-coco.mbox --format html -o " + out + "/stack.html vendor/snp");
    tprint(stdout, "wrote {}/stack.html\n", out);
    // beaver config on Debian's real kernel tree and configs (./dev installs them).
    const bool have612 = !o->history_only && kconfig::source_installed("6.12") && std::filesystem::exists("/usr/src/linux-config-6.12");
    if (have612) {
      step("Configure an SNP guest kernel from Debian's 6.12 cloud config, through make olddefconfig",
           {exe, "config", "--tree", "debian:6.12", "--base", "debian:6.12:cloud-amd64", "--enable", "snp-guest", "-o",
            out + "/snp-guest.config"},
           d.dir, color);
      step("A TDX host from Debian's 6.12 config: what did not stick, and why",
           {exe, "config", "--tree", "debian:6.12", "--base", "debian:6.12", "--enable", "tdx-host"}, d.dir, color);
      step("... and with --fix: the changes it makes, and the proof they worked",
           {exe, "config", "--tree", "debian:6.12", "--base", "debian:6.12", "--enable", "tdx-host", "--fix", "-o",
            out + "/tdx-host.config", "--allow-partial"},
           d.dir, color);
    } else {
      tprint(stdout, "\n(beaver config steps skipped: {})\n",
             o->history_only ? "--history-only" : "apt-get install linux-source-6.12 linux-config-6.12");
    }
    // beaver matrix of Debian's kernels: trees (markers) with their configs (Kconfig model).
    std::vector<std::string> kernels;
    for (const char* v : {"6.1", "6.12"})
      if (!o->history_only && kconfig::source_installed(v) && std::filesystem::exists(std::string("/usr/src/linux-config-") + v))
        for (const char* flavour : {"amd64", "cloud-amd64"}) kernels.push_back(fmt::format("debian:{}:{}", v, flavour));
    if (!kernels.empty()) {
      std::vector<std::string> args = {exe, "matrix"};
      args.insert(args.end(), kernels.begin(), kernels.end());
      step("Which CoCo features Debian's kernels support: code in the tree, and on in the config", args, d.dir, color);
      args.insert(args.end(), {"--format", "html", "-o", out + "/matrix.html"});
      step("The same matrix as HTML (a cell that is not yes links to its reason)", args, d.dir, color);
      tprint(stdout, "wrote {}/matrix.html\n", out);
    } else {
      tprint(stdout, "\n(beaver matrix step skipped: {})\n",
             o->history_only ? "--history-only" : "apt-get install linux-source-6.12 linux-config-6.12");
    }
    tprint(stdout, "\nThe repository stays in {} (its work tree untouched; reports and configs in {}); try:\n  cd {}\n  {} log -n 3 --format json\n",
           d.dir, out, d.dir, exe);
    if (sorted != g.out) ctx.exit_code = kExitFound;
  });
}

}  // namespace beaver::cli
