// beaver ci: the pipeline of an existing CI engine that builds a stack
// manifest's kernel targets, one job per target.
#include "cli/commands.h"
#include "cli/output.h"
#include "git/repository.h"
#include "pipeline/ci.h"
#include "pipeline/manifest.h"
#include "util/error.h"
#include "util/term.h"

#include <git2.h>

#include <filesystem>

namespace beaver::cli {

void setup_ci(CLI::App& app, Context&) {
  struct Opts {
    std::string repo = default_repo();
    std::string engine, manifest, output, upstream, image = "debian:12", runner, beaver_from;
    std::vector<std::string> targets;
    unsigned jobs = 0;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "ci", "Write the CI pipeline (GitHub Actions, GitLab CI) that builds the manifest's targets, one job per target");
  add_repo_option(cmd, o->repo);
  cmd->add_option("engine", o->engine, "The CI engine: github (a workflow) or gitlab (.gitlab-ci.yml)")
      ->required()
      ->check(CLI::IsMember({"github", "gitlab"}))
      ->option_text("ENGINE");
  cmd->add_option("targets", o->targets, "The targets to build (default: every kernel target of the manifest)")
      ->option_text("TARGET...");
  cmd->add_option("--manifest", o->manifest, "The stack manifest, in the repository (default: beaver.toml at its top)")
      ->option_text("FILE");
  add_output_option(cmd, o->output, "the pipeline (its directory is made: .github/workflows/)");
  cmd->add_option("-u,--upstream", o->upstream,
                  "The upstream of every target's stack gate (default: each target's upstream, else git config "
                  "beaver.upstream, else its base)")
      ->option_text("REV");
  cmd->add_option("--beaver-from", o->beaver_from,
                  "Where the jobs take beaver: deb:URL (a beaver .deb) or git:URL[#REF] (beaver's source, built with "
                  "CMake) (default: the CI variable BEAVER_FROM)")
      ->option_text("SOURCE");
  cmd->add_option("--image", o->image, "The container image every job runs in, a Debian image (default: debian:12)")
      ->option_text("IMAGE");
  cmd->add_option("--runner", o->runner, "The runner: GitHub's runs-on label (default ubuntu-latest), GitLab's runner tag")
      ->option_text("LABEL");
  add_jobs_option(cmd, o->jobs, "Make jobs of beaver build on each runner");
  cmd->footer(
      "One job per target: the CI engine's runners build the targets in parallel (beaver has no\n"
      "scheduler of its own). Each job installs Debian's packages and beaver, checks out the full\n"
      "history (fetch-depth: 0, GIT_DEPTH: 0) with the manifest's branches, keeps the ccache and\n"
      "beaver's index between runs (actions/cache, GitLab's cache:), runs the gates beaver assemble\n"
      "--check and beaver stack --check (on each branch the target takes patches from), then beaver\n"
      "build, uploads the tarball, provenance.json, the build log and the Markdown reports, and shows\n"
      "the reports as the job summary (GitHub) or in the job log (GitLab). A target that reads another\n"
      "repository, or a patch file outside this one, is named on stderr: the job checks out this\n"
      "repository only.\n\n"
      "Examples:\n"
      "  beaver ci github -o .github/workflows/beaver.yml\n"
      "  beaver ci gitlab --beaver-from deb:https://example.org/beaver_0.1.0_amd64.deb -o .gitlab-ci.yml\n"
      "  beaver ci github snp --runner self-hosted -j 32 -u origin/master -o .github/workflows/snp.yml");
  add_exit_status(cmd, "");
  cmd->callback([o] {
    namespace fs = std::filesystem;
    git::Repository repo = git::Repository::open(o->repo);
    const char* wd = git_repository_workdir(repo.get());
    if (repo.bare() || !wd)
      throw Error("ci: {} is a bare repository: a CI job checks out a work tree, and the manifest is in it", o->repo);
    std::error_code ec;
    fs::path top = fs::weakly_canonical(wd, ec);
    std::string manifest = o->manifest.empty() ? (top / "beaver.toml").string() : o->manifest;
    fs::path rel = fs::weakly_canonical(fs::absolute(manifest), ec).lexically_relative(top);
    if (rel.empty() || *rel.begin() == "..")
      throw Error("ci: the manifest {} is not in the repository {}: the CI job checks out the repository only", manifest,
                  top.string());
    pipeline::Manifest m = pipeline::load_manifest(manifest, top.string());
    for (const std::string& note : pipeline::ci_notes(m, o->targets, top.string())) tprint(stderr, "beaver: warning: {}\n", note);
    pipeline::CiOptions co;
    co.targets = pipeline::ci_targets(m, o->targets, o->upstream, repo.config_value("beaver.upstream").value_or(""));
    co.manifest = rel.generic_string();
    co.image = o->image;
    co.runner = o->runner;
    co.beaver_from = o->beaver_from;
    co.jobs = o->jobs;
    std::string text = pipeline::ci_pipeline(pipeline::ci_engine(o->engine), co);
    if (!o->output.empty() && o->output != "-") {
      fs::path parent = fs::path(o->output).parent_path();
      if (!parent.empty() && !fs::exists(parent, ec) && !fs::create_directories(parent, ec) && ec)
        throw Error("{}: cannot make the directory: {}", parent.string(), ec.message());
    }
    write_output(o->output, text);
  });
}

}  // namespace beaver::cli
