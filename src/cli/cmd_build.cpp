// beaver build: assemble, configure, make, and a reproducible artifact with
// its provenance; beaver build --verify checks such an artifact.
#include "cli/commands.h"
#include "cli/grammar.h"
#include "cli/output.h"
#include "pipeline/artifact.h"
#include "pipeline/build.h"
#include "pipeline/manifest.h"
#include "util/error.h"
#include "util/markup.h"
#include "util/term.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>

namespace beaver::cli {

void setup_build(CLI::App& app, Context& ctx) {
  struct Opts {
    std::string repo = default_repo(), manifest, index, format = "text", output, out = "artifacts", work, verify;
    std::vector<std::string> targets;
    unsigned jobs = 0;
    bool allow_partial = false, no_ccache = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("build", "Build each target: assemble it, configure it (every request proven), make it, and "
                                          "write a reproducible artifact with its provenance");
  add_repo_option(cmd, o->repo);
  add_manifest_option(cmd, o->manifest);
  add_index_option(cmd, o->index);
  cmd->add_option("targets", o->targets, "Targets or components of the manifest (default: every target)")->option_text("TARGET...");
  add_jobs_option(cmd, o->jobs, "make -j (default: one per core)");
  cmd->add_option("--out", o->out, "Where the artifacts go")->capture_default_str()->option_text("DIR");
  cmd->add_option("--work-dir", o->work, "Where the trees are checked out and built (default: build/ in beaver's cache)")
      ->option_text("DIR");
  cmd->add_flag("--allow-partial", o->allow_partial, "Build even when a config request did not stick (a warning, not a failure)");
  cmd->add_flag("--no-ccache", o->no_ccache, "Do not compile through ccache (it is used when installed)");
  cmd->add_option("--verify", o->verify, "Check an artifact against its provenance instead of building (exit 1 when it does not "
                                         "match)")
      ->option_text("FILE");
  add_format_option(cmd, o->format, {"text", "json"});
  add_output_option(cmd, o->output);
  cmd->footer(
      "For each target: beaver assemble (refs/heads/beaver/TARGET), a checkout of that commit into the\n"
      "work directory (never your work tree; only changed files are rewritten, so rebuilds are\n"
      "incremental), the config (the base from `config`, the fragments merged over it, then `enable` and\n"
      "`disable` through beaver config: a request that did not stick fails the build with its reason),\n"
      "make O=... for the `make` goals with KBUILD_BUILD_TIMESTAMP from the assembled commit and fixed\n"
      "user and host, then DIR/TARGET-<kernelrelease>-<id>.tar.zst: the kernel image, System.map,\n"
      ".config, the stripped modules or the .deb files, and provenance.json (in-toto Statement v1, SLSA\n"
      "Provenance v1: the base, every patch with its git patch-id and status, the config requests and\n"
      "their proof, the toolchain); beside it, for CI, a copy that also names the tarball's own sha256 and\n"
      "the run's times (--verify checks it too when it is there). make's output goes to\n"
      "DIR/TARGET.build.log; its last lines are shown when it fails.\n\n"
      "Examples:\n"
      "  beaver build\n"
      "  beaver build snp -j 16 --out /srv/kernels\n"
      "  beaver build --format json -o build.json\n"
      "  beaver build --verify artifacts/snp-6.12.0-1a2b3c4d5e6f.tar.zst");
  add_exit_status(cmd, "when a target did not build (a conflict, a config request that did not stick, make failed), or "
                       "with --verify when the artifact does not match its provenance");
  cmd->callback([o, cmd, &ctx] {
    if (!o->verify.empty()) {
      pipeline::VerifyResult v = pipeline::verify_artifact(o->verify);
      if (o->format == "json") {
        write_output(o->output, json_text({{"artifact", o->verify},
                                           {"ok", v.ok},
                                           {"problems", v.problems},
                                           {"members", v.members},
                                           {"sidecar", v.sidecar.empty() ? nlohmann::json(nullptr) : nlohmann::json(v.sidecar)}}) +
                                    "\n");
      } else {
        std::string text = fmt::format("{}: {} ({} members{})\n", o->verify, v.ok ? "matches its provenance" : "DOES NOT match its provenance",
                                       v.members, v.sidecar.empty() ? "" : ", sidecar " + v.sidecar);
        for (auto& p : v.problems) text += "  " + p + "\n";
        write_output(o->output, text);
      }
      if (!v.ok) ctx.exit_code = kExitFound;
      return;
    }
    pipeline::Manifest m = manifest_of(cmd, o->manifest, o->repo);
    auto targets = m.select(o->targets);
    pipeline::BuildOptions bo;
    bo.jobs = o->jobs;
    bo.out_dir = o->out;
    bo.work_dir = o->work;
    bo.index_path = o->index;
    bo.allow_partial = o->allow_partial;
    bo.ccache = !o->no_ccache;
    bool tty = isatty(STDERR_FILENO) && verbosity() >= 0;
    auto start = std::chrono::steady_clock::now();
    auto last_draw = start;
    std::string current_target, current_phase;
    auto elapsed = [&] {
      int s = int(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      return fmt::format("{}:{:02}", s / 60, s % 60);
    };
    if (verbosity() >= 0)
      bo.on_phase = [&](const std::string& target, const std::string& phase) {
        current_target = target;
        current_phase = phase;
        if (phase.empty()) {
          if (tty) std::fputs("\r\033[K", stderr);
          return;
        }
        if (tty) std::fprintf(stderr, "\r\033[Kbeaver: build %s: %s  %s", target.c_str(), phase.c_str(), elapsed().c_str());
        else std::fprintf(stderr, "beaver: build %s: %s (%s)\n", target.c_str(), phase.c_str(), elapsed().c_str());
        std::fflush(stderr);
      };
    if (tty)
      bo.on_make_line = [&](const std::string& line) {
        auto now = std::chrono::steady_clock::now();
        if (now - last_draw < std::chrono::milliseconds(100)) return;
        last_draw = now;
        std::string step = line.substr(0, 60);
        std::fprintf(stderr, "\r\033[Kbeaver: build %s: %s  %s  %s", current_target.c_str(), current_phase.c_str(), elapsed().c_str(),
                     terminal_text(step).c_str());
        std::fflush(stderr);
      };
    pipeline::BuildReport r = pipeline::build(m, targets, bo);
    if (tty) std::fputs("\r\033[K", stderr);
    if (o->format == "json") write_output(o->output, json_text(pipeline::build_json(r)) + "\n");
    else write_output(o->output, pipeline::build_text(r, o->output.empty() && use_color(stdout)));
    if (!r.ok()) ctx.exit_code = kExitFound;
  });
}

}  // namespace beaver::cli
