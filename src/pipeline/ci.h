// `beaver ci`: the pipeline of an existing CI engine (GitHub Actions, GitLab
// CI) that builds the kernel targets of a stack manifest, one job per target,
// so the engine's runners build the targets in parallel (beaver has no
// scheduler of its own). Each job installs Debian's packages and beaver,
// checks out the full history, keeps the ccache between runs, runs the gates
// `beaver assemble --check` and `beaver stack --check`, then `beaver build`,
// uploads the tarball and provenance.json, and shows the Markdown reports as
// the job summary.
//
// The YAML is written by hand, deterministically (the same options give the
// same bytes): every value from the user is checked here (names, revisions,
// paths) and written as a double-quoted YAML scalar; the job scripts read
// them from variables ("$TARGET"), never from text pasted into the script.
#pragma once

#include "pipeline/manifest.h"

#include <string>
#include <string_view>
#include <vector>

namespace beaver::pipeline {

enum class CiEngine { GitHub, GitLab };

// "github" or "gitlab"; anything else throws beaver::Error naming both.
CiEngine ci_engine(std::string_view name);

// One job of the pipeline.
struct CiTarget {
  std::string name;                   // the manifest's target: job, artifact and cache names
  std::string upstream;               // `beaver stack -u`: the target's upstream, else its base
  std::vector<std::string> branches;  // its `branch` patch sources: what the stack gate checks
  std::vector<std::string> packages;  // Debian packages it needs beyond the common ones (linux-config-6.12 for a debian:6.12 config)
};

struct CiOptions {
  std::vector<CiTarget> targets;
  std::string manifest = "beaver.toml";  // relative to the repository's top (the job's working directory)
  std::string image = "debian:12";       // the container every job runs in
  std::string runner;                    // GitHub runs-on label (default ubuntu-latest), GitLab runner tag ("" = none)
  // Where the job takes beaver: "deb:URL" (a beaver .deb, apt-get installs
  // it with its dependencies) or "git:URL[#REF]" (beaver's source, built with
  // CMake). "" = the CI variable BEAVER_FROM, set in the project's settings.
  std::string beaver_from;
  unsigned jobs = 0;  // `beaver build -j N`; 0: beaver's default, one per core of the runner
};

// Validity checks, each throwing beaver::Error that names the value and says why.
// A target name: letters, digits, '-', '_', '.', not first '-' or '.', at most 64
// (it is a job name, an artifact name, a cache key and a file name).
void check_ci_name(std::string_view name);
// A revision, path, image or URL that goes into a CI file: no whitespace,
// control characters, quotes, backslash or '$' (GitLab expands $VAR in
// variables, GitHub ${{ }} in any value).
void check_ci_value(std::string_view what, std::string_view value);

// The jobs of the targets `names` (all kernel targets when empty) of a
// manifest. The stack gate's upstream: `upstream` when given, else the
// target's own, else `fallback` (git config beaver.upstream), else its base.
std::vector<CiTarget> ci_targets(const Manifest& manifest, const std::vector<std::string>& names,
                                 const std::string& upstream = "", const std::string& fallback = "");

// What a CI job will not have, one sentence each: a target that reads
// another repository than `repo_top` (the one the job checks out), a patch
// file or config fragment outside it.
std::vector<std::string> ci_notes(const Manifest& manifest, const std::vector<std::string>& names,
                                  const std::string& repo_top);

// The pipeline's YAML text: .github/workflows/beaver.yml or .gitlab-ci.yml.
// Checks every value first (throws beaver::Error).
std::string ci_pipeline(CiEngine engine, const CiOptions& options);

// The Debian packages every job installs (beaver's run time, the kernel
// build, the job's own tools), and those that building beaver from its
// source adds.
const std::vector<std::string>& ci_packages();
const std::vector<std::string>& ci_beaver_build_packages();

// A double-quoted YAML scalar ("\"", "\\" and control characters escaped).
std::string yaml_quote(std::string_view s);

}  // namespace beaver::pipeline
