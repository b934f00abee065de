// `beaver build`: assemble → check the assembled tree out into a build
// directory under the cache (never the user's work tree) → `beaver config`
// with the target's base config, fragments and requests (a request that did
// not stick fails the build, unless allow_partial) → `make O=… -j N` through
// ccache when it is installed → a reproducible artifact with its provenance
// (artifact.h). make's whole output goes to a log file; its last lines are
// in the result when it fails.
//
// Reproducible: KBUILD_BUILD_TIMESTAMP is the assembled head's committer
// date, KBUILD_BUILD_USER/HOST are fixed ("beaver"/"beaver"),
// KBUILD_BUILD_VERSION is 1, the source tree is checked out by git (its
// path does not reach the image: -ffile-prefix-map is the kernel's own
// default for O= builds since 6.0 via KBUILD_CFLAGS' -fmacro-prefix-map), so
// two builds of the same target from the same inputs in different
// directories give the same kernel image and the same tarball
// (bench/reproducible.sh checks it).
#pragma once

#include "kconfig/configure.h"
#include "pipeline/assemble.h"
#include "pipeline/manifest.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace beaver::pipeline {

struct BuildOptions {
  unsigned jobs = 0;         // make -j (0: one per core)
  std::string out_dir = "artifacts";
  std::string work_dir;      // "" = cache_dir()/build
  std::string index_path;
  bool allow_partial = false;  // a config request that did not stick is a warning, not a failure
  bool ccache = true;          // through ccache when it is installed
  // Progress: the phase, make's current step; one call per line of make's output.
  std::function<void(const std::string& target, const std::string& phase)> on_phase;
  std::function<void(const std::string& line)> on_make_line;
};

struct BuildResult {
  std::string name;
  std::string status;  // ok | conflict | config-failed | make-failed | failed
  std::string error;   // why, when not ok
  std::string kernelrelease, artifact, sha256, provenance, log;
  std::string head;    // the assembled commit built
  double seconds = 0;
  std::vector<std::pair<std::string, double>> phases;  // phase, seconds
  std::string log_tail;                                 // make's last lines when it failed
  kconfig::ConfigureReport config;                      // what the config step proved
  TargetAssembly assembly;
  std::vector<std::string> warnings;
};

struct BuildReport {
  std::vector<BuildResult> targets;
  double seconds = 0;
  bool ok() const;
};

BuildReport build(const Manifest& manifest, const std::vector<const Target*>& targets, const BuildOptions& options);

// The configuration step alone (also what `build` runs): the base config
// ("make:NAME" runs the kernel's own `make NAME` in the tree), the fragments
// merged over it (later assignments win, as merge_config.sh does), then the
// target's requests through kconfig::configure.
kconfig::ConfigureReport configure_target(const Target& target, const std::string& tree, const std::string& objdir,
                                          std::vector<std::string>& warnings);

// The build's JSON face: {"targets": [{"name", "status", "kernelrelease",
// "artifact", "sha256", "provenance", "log", "seconds"}]} (plus "error",
// "head", "phases", "config" per target).
nlohmann::json build_json(const BuildReport& r);
std::string build_text(const BuildReport& r, bool color);

}  // namespace beaver::pipeline
