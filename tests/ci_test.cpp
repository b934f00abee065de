// beaver ci: the pipelines it writes for GitHub Actions and GitLab CI, from a
// real manifest. The YAML itself is parsed and validated by the engines' own
// tools in tests/e2e/ci_pipelines.sh; here, what each job must do and what
// must never reach a CI file.
#include "pipeline/ci.h"
#include "pipeline/manifest.h"
#include "util/error.h"

#include "test_util.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace beaver {
namespace {

using pipeline::CiEngine;
using pipeline::CiOptions;
using pipeline::CiTarget;

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

const char* kManifest = R"(
[defaults]
upstream = "origin/master"

[target.snp]
base = "v6.12"
config = "debian:6.12:cloud-amd64"
enable = ["snp-guest"]
patches = [{ branch = "vendor/snp" }, { branch = "vendor/svsm" }]

[target.tdx]
base = "v6.11"
upstream = "v6.13"
patches = [{ commits = ["1234abcd"] }]

[component.qemu]
repo = "../qemu"
base = "v9.1.0"
build = ["./configure", "make -j{jobs}"]
)";

struct Fixture {
  test::TempDir tmp;
  pipeline::Manifest manifest;
  Fixture() { manifest = pipeline::parse_manifest(kManifest, tmp.str() + "/beaver.toml", tmp.str()); }
};

CiOptions options(const pipeline::Manifest& m) {
  CiOptions o;
  o.targets = pipeline::ci_targets(m, {});
  return o;
}

// The text of every ${{ ... }} expression: the only ones a workflow may hold
// are the engine's own values, never a value from the user.
std::set<std::string> expressions(const std::string& yaml) {
  std::set<std::string> out;
  std::regex re(R"(\$\{\{([^}]*)\}\})");
  for (auto it = std::sregex_iterator(yaml.begin(), yaml.end(), re); it != std::sregex_iterator(); ++it)
    out.insert((*it)[1].str());
  return out;
}

TEST(CiTargets, KernelTargetsUpstreamsBranchesPackages) {
  Fixture f;
  auto targets = pipeline::ci_targets(f.manifest, {});
  ASSERT_EQ(targets.size(), 2u);  // the component is built only when named
  EXPECT_EQ(targets[0].name, "snp");
  EXPECT_EQ(targets[0].upstream, "origin/master");  // [defaults]
  EXPECT_EQ(targets[0].branches, (std::vector<std::string>{"vendor/snp", "vendor/svsm"}));
  EXPECT_EQ(targets[0].packages, (std::vector<std::string>{"linux-config-6.12"}));
  EXPECT_EQ(targets[1].name, "tdx");
  EXPECT_EQ(targets[1].upstream, "v6.13");
  EXPECT_TRUE(targets[1].branches.empty());  // commits are not a branch stack can read
  EXPECT_TRUE(targets[1].packages.empty());  // make:defconfig needs no Debian config

  // -u wins over everything; git config beaver.upstream only over the base.
  auto over = pipeline::ci_targets(f.manifest, {"tdx"}, "origin/next", "origin/fallback");
  ASSERT_EQ(over.size(), 1u);
  EXPECT_EQ(over[0].upstream, "origin/next");
  auto m = pipeline::parse_manifest("[target.a]\nbase = \"v6.1\"\n", f.tmp.str() + "/m.toml", f.tmp.str());
  EXPECT_EQ(pipeline::ci_targets(m, {}, "", "origin/fallback")[0].upstream, "origin/fallback");
  EXPECT_EQ(pipeline::ci_targets(m, {})[0].upstream, "v6.1");

  // A component when named; an unknown name is an error naming the known ones.
  EXPECT_EQ(pipeline::ci_targets(f.manifest, {"qemu"})[0].name, "qemu");
  try {
    pipeline::ci_targets(f.manifest, {"sev"});
    FAIL() << "no error for an unknown target";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'sev'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("snp, tdx, qemu"), std::string::npos) << e.what();
  }
}

TEST(CiGitHub, OneJobPerTargetGatesBuildCachesArtifactsSummary) {
  Fixture f;
  std::string y = pipeline::ci_pipeline(CiEngine::GitHub, options(f.manifest));
  // A matrix with one entry per target, its values quoted.
  EXPECT_EQ(count(y, "          - target: "), 2u) << y;
  EXPECT_NE(y.find("          - target: \"snp\"\n"
                   "            upstream: \"origin/master\"\n"
                   "            branches: \"vendor/snp vendor/svsm\"\n"
                   "            packages: \"linux-config-6.12\"\n"),
            std::string::npos)
      << y;
  EXPECT_NE(y.find("          - target: \"tdx\"\n            upstream: \"v6.13\"\n            branches: \"\"\n"), std::string::npos);
  EXPECT_NE(y.find("      fail-fast: false\n"), std::string::npos);
  EXPECT_NE(y.find("    container: \"debian:12\"\n"), std::string::npos);
  EXPECT_NE(y.find("    runs-on: \"ubuntu-latest\"\n"), std::string::npos);
  // The full history.
  EXPECT_NE(y.find("        uses: actions/checkout@v4\n        with:\n          fetch-depth: 0\n"), std::string::npos);
  // Debian's packages: the kernel build's and the target's own.
  for (const char* p : {"build-essential", "flex", "bison", "bc", "libelf-dev", "libssl-dev", "ccache", "cpio", "kmod", "zstd", "git"})
    EXPECT_NE(y.find(std::string(" ") + p + " "), std::string::npos) << p;
  EXPECT_NE(y.find("apt-get install -y -qq --no-install-recommends $missing"), std::string::npos);
  EXPECT_NE(y.find("packages=\"git ca-certificates"), std::string::npos);
  EXPECT_NE(y.find(" $EXTRA_PACKAGES\""), std::string::npos);
  // beaver from the CI variable when --beaver-from is not given.
  EXPECT_NE(y.find("      BEAVER_FROM: ${{ vars.BEAVER_FROM }}\n"), std::string::npos);
  EXPECT_NE(y.find("      BEAVER_MANIFEST: \"beaver.toml\"\n"), std::string::npos);
  // ccache kept between runs, per target.
  EXPECT_NE(y.find("echo \"CCACHE_DIR=$PWD/.ccache\" >> \"$GITHUB_ENV\""), std::string::npos);
  EXPECT_EQ(count(y, "key: ccache-${{ matrix.target }}-${{ github.sha }}\n"), 2u);
  EXPECT_NE(y.find("uses: actions/cache/restore@v4"), std::string::npos);
  EXPECT_NE(y.find("uses: actions/cache/save@v4"), std::string::npos);
  EXPECT_NE(y.find("restore-keys: ccache-${{ matrix.target }}-\n"), std::string::npos);
  // beaver's index too: the gates and the build start from it.
  EXPECT_EQ(count(y, "          path: .git/beaver\n          key: beaver-index-${{ github.sha }}\n"), 2u);
  // The gates, then the build.
  std::size_t assemble = y.find("beaver assemble \"$TARGET\" --manifest \"$BEAVER_MANIFEST\" --check --format markdown -o beaver-out/assemble.md");
  std::size_t stack = y.find("beaver stack -u \"$UPSTREAM\" \"$b\" --check --format markdown -o \"$out\"");
  std::size_t build = y.find("beaver build \"$TARGET\" --manifest \"$BEAVER_MANIFEST\" --out beaver-out --format json -o beaver-out/build.json");
  ASSERT_NE(assemble, std::string::npos);
  ASSERT_NE(stack, std::string::npos);
  ASSERT_NE(build, std::string::npos);
  EXPECT_LT(assemble, stack);
  EXPECT_LT(stack, build);
  EXPECT_NE(y.find("        if: success() || steps.assemble.outcome == 'failure'\n"), std::string::npos);
  // The job summary and the artifacts, even when a gate failed.
  EXPECT_NE(y.find("          } >> \"$GITHUB_STEP_SUMMARY\"\n"), std::string::npos);
  EXPECT_NE(y.find("uses: actions/upload-artifact@v4\n        with:\n          name: beaver-${{ matrix.target }}\n"), std::string::npos);
  EXPECT_NE(y.find("            beaver-out/*.tar.zst\n            beaver-out/*provenance.json\n"), std::string::npos);
  EXPECT_NE(y.find("            beaver-out/*.build.log\n"), std::string::npos);
  EXPECT_EQ(count(y, "        if: always()\n"), 2u);  // summary and upload
  // No value from the user inside ${{ }}: scripts read them from the environment.
  EXPECT_EQ(expressions(y), (std::set<std::string>{" matrix.target ", " matrix.upstream ", " matrix.branches ",
                                                    " matrix.packages ", " vars.BEAVER_FROM ", " github.sha "}));
  EXPECT_EQ(y.find('\t'), std::string::npos);
  // Deterministic.
  EXPECT_EQ(y, pipeline::ci_pipeline(CiEngine::GitHub, options(f.manifest)));
}

TEST(CiGitHub, OptionsReachTheWorkflow) {
  Fixture f;
  CiOptions o = options(f.manifest);
  o.manifest = "stack/beaver.toml";
  o.image = "registry.example.org/kernel-ci:12";
  o.runner = "self-hosted";
  o.beaver_from = "deb:https://example.org/beaver_0.1.0_amd64.deb";
  o.jobs = 32;
  std::string y = pipeline::ci_pipeline(CiEngine::GitHub, o);
  EXPECT_NE(y.find("    runs-on: \"self-hosted\"\n"), std::string::npos);
  EXPECT_NE(y.find("    container: \"registry.example.org/kernel-ci:12\"\n"), std::string::npos);
  EXPECT_NE(y.find("      BEAVER_FROM: \"deb:https://example.org/beaver_0.1.0_amd64.deb\"\n"), std::string::npos);
  EXPECT_NE(y.find("      BEAVER_MANIFEST: \"stack/beaver.toml\"\n"), std::string::npos);
  EXPECT_NE(y.find("beaver build \"$TARGET\" --manifest \"$BEAVER_MANIFEST\" -j 32 --out beaver-out"), std::string::npos);
  EXPECT_EQ(y.find("vars.BEAVER_FROM"), std::string::npos);
}

TEST(CiGitLab, OneJobPerTargetGatesBuildCachesArtifacts) {
  Fixture f;
  CiOptions o = options(f.manifest);
  std::string y = pipeline::ci_pipeline(CiEngine::GitLab, o);
  EXPECT_NE(y.find("stages:\n  - build\n"), std::string::npos);
  EXPECT_NE(y.find("variables:\n  GIT_DEPTH: \"0\"\n  BEAVER_MANIFEST: \"beaver.toml\"\n"), std::string::npos) << y;
  EXPECT_EQ(y.find("\n  BEAVER_FROM: "), std::string::npos);  // the project's CI variable
  EXPECT_NE(y.find("  CCACHE_DIR: \"$CI_PROJECT_DIR/.ccache\"\n"), std::string::npos);
  // One job per target, each extending the template with its own values.
  EXPECT_EQ(count(y, "  extends: .beaver-build\n"), 2u);
  EXPECT_NE(y.find("\n\"build:snp\":\n  extends: .beaver-build\n  variables:\n    TARGET: \"snp\"\n"
                   "    UPSTREAM: \"origin/master\"\n    BRANCHES: \"vendor/snp vendor/svsm\"\n"
                   "    EXTRA_PACKAGES: \"linux-config-6.12\"\n"),
            std::string::npos)
      << y;
  EXPECT_NE(y.find("\n\"build:tdx\":\n"), std::string::npos);
  EXPECT_NE(y.find("  image: \"debian:12\"\n"), std::string::npos);
  EXPECT_EQ(y.find("  tags:"), std::string::npos);
  // ccache per target and beaver's index, saved even when the job fails.
  EXPECT_NE(y.find("  cache:\n    - key: \"ccache-$TARGET\"\n      when: always\n      paths:\n        - .ccache/\n"
                   "    - key: \"beaver-index\"\n      when: always\n      paths:\n        - .git/beaver/\n"),
            std::string::npos);
  // Every branch fetched (GitLab fetches the pipeline's ref only).
  EXPECT_NE(y.find("git fetch -q --tags origin '+refs/heads/*:refs/remotes/origin/*'"), std::string::npos);
  // Both gates run before the job stops, then the build.
  std::size_t assemble = y.find("--check --format markdown -o beaver-out/assemble.md || status=$?\n");
  std::size_t stack = y.find("beaver stack -u \"$UPSTREAM\" \"$b\" --check");
  std::size_t stop = y.find("      if [ \"$status\" != 0 ]; then exit \"$status\"; fi\n");
  std::size_t build = y.find("beaver build \"$TARGET\"");
  ASSERT_NE(assemble, std::string::npos);
  ASSERT_NE(stack, std::string::npos);
  ASSERT_NE(stop, std::string::npos);
  ASSERT_NE(build, std::string::npos);
  EXPECT_LT(assemble, stack);
  EXPECT_LT(stack, stop);
  EXPECT_LT(stop, build);
  // The reports in the log, the artifacts even when a gate failed.
  EXPECT_NE(y.find("  after_script:\n    - |\n      for f in beaver-out/assemble.md beaver-out/stack-*.md; do\n"), std::string::npos);
  EXPECT_NE(y.find("  artifacts:\n    when: always\n    expose_as: \"beaver build\"\n    paths:\n      - beaver-out/\n"), std::string::npos);
  EXPECT_EQ(y.find('\t'), std::string::npos);
  EXPECT_EQ(y, pipeline::ci_pipeline(CiEngine::GitLab, o));

  o.runner = "kernel-builder";
  o.beaver_from = "git:https://example.org/beaver.git#v0.1.0";
  y = pipeline::ci_pipeline(CiEngine::GitLab, o);
  EXPECT_NE(y.find("  tags:\n    - \"kernel-builder\"\n"), std::string::npos);
  EXPECT_NE(y.find("  BEAVER_FROM: \"git:https://example.org/beaver.git#v0.1.0\"\n"), std::string::npos);
}

TEST(CiNames, WhatCanNameAJob) {
  for (const char* ok : {"snp", "tdx-6.12_v2", "A1", "x.y"}) EXPECT_NO_THROW(pipeline::check_ci_name(ok)) << ok;
  for (const std::string& bad : std::vector<std::string>{"", "-snp", ".snp", "snp guest", "snp:guest", "a\"b", "a$b", "a/b", "${{ secrets.TOKEN }}",
                          "a\nb", "ü", std::string(65, 'a')})
    EXPECT_THROW(pipeline::check_ci_name(bad), Error) << bad;
  // A target the manifest would never give is still refused by ci_pipeline.
  CiOptions o;
  o.targets = {CiTarget{"evil\n  run: curl", "v6.12", {}, {}}};
  EXPECT_THROW(pipeline::ci_pipeline(CiEngine::GitHub, o), Error);
  o.targets = {CiTarget{"snp", "v6.12", {}, {}}, CiTarget{"snp", "v6.12", {}, {}}};
  EXPECT_THROW(pipeline::ci_pipeline(CiEngine::GitLab, o), Error);
  o.targets.clear();
  EXPECT_THROW(pipeline::ci_pipeline(CiEngine::GitLab, o), Error);
}

TEST(CiValues, WhatCannotGoIntoACiFile) {
  auto with = [](auto change) {
    CiOptions o;
    o.targets = {CiTarget{"snp", "origin/master", {"vendor/snp"}, {}}};
    change(o);
    return o;
  };
  EXPECT_NO_THROW(pipeline::ci_pipeline(CiEngine::GitHub, with([](CiOptions&) {})));
  EXPECT_NO_THROW(pipeline::ci_pipeline(CiEngine::GitHub, with([](CiOptions& o) { o.targets[0].upstream = "v6.12^{commit}"; })));
  // GitLab expands $VAR in variables, GitHub ${{ }} anywhere; quotes and
  // whitespace would break the scripts' words.
  for (std::string bad : {"$CI_JOB_TOKEN", "${{ secrets.T }}", "a b", "a\"b", "a'b", "a`id`", "a\\b", "a\nb", ""}) {
    EXPECT_THROW(pipeline::ci_pipeline(CiEngine::GitHub, with([&](CiOptions& o) { o.targets[0].upstream = bad; })), Error) << bad;
    EXPECT_THROW(pipeline::ci_pipeline(CiEngine::GitLab, with([&](CiOptions& o) { o.targets[0].branches = {bad}; })), Error) << bad;
    EXPECT_THROW(pipeline::ci_pipeline(CiEngine::GitLab, with([&](CiOptions& o) { o.image = bad; })), Error) << bad;
  }
  EXPECT_THROW(pipeline::ci_pipeline(CiEngine::GitHub, with([](CiOptions& o) { o.manifest = "/srv/beaver.toml"; })), Error);
  EXPECT_THROW(pipeline::ci_pipeline(CiEngine::GitHub, with([](CiOptions& o) { o.manifest = "my stack.toml"; })), Error);
  for (std::string bad : {"https://example.org/beaver.deb", "deb:", "git:", "apt:beaver", "deb:a b"})
    EXPECT_THROW(pipeline::ci_pipeline(CiEngine::GitHub, with([&](CiOptions& o) { o.beaver_from = bad; })), Error) << bad;
  EXPECT_THROW(pipeline::ci_engine("jenkins"), Error);
  EXPECT_EQ(pipeline::ci_engine("gitlab"), CiEngine::GitLab);
}

TEST(CiValues, YamlQuote) {
  EXPECT_EQ(pipeline::yaml_quote("snp"), "\"snp\"");
  EXPECT_EQ(pipeline::yaml_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(pipeline::yaml_quote("a\nb\x1b"), "\"a\\x0ab\\x1b\"");
  EXPECT_EQ(pipeline::yaml_quote(""), "\"\"");
}

TEST(CiPackages, BuildingBeaverNeedsWhatDevInstalls) {
  // The packages a job installs to build beaver from source are ./dev's.
  std::ifstream in(test::source_dir() + "/dev");
  std::stringstream s;
  s << in.rdbuf();
  std::string dev = s.str();
  std::size_t start = dev.find("PACKAGES=("), end = dev.find(')', start);
  ASSERT_NE(start, std::string::npos);
  std::string list = " " + dev.substr(start + 10, end - start - 10) + " ";
  for (char& c : list)
    if (c == '\n') c = ' ';
  for (auto& p : pipeline::ci_beaver_build_packages()) EXPECT_NE(list.find(" " + p + " "), std::string::npos) << p;
}

TEST(CiNotes, WhatTheJobWillNotHave) {
  test::TempDir tmp;
  std::string repo = tmp.str() + "/linux";
  std::filesystem::create_directories(repo + "/series");
  std::ofstream(repo + "/series/svsm.mbox") << "From x\n";
  std::ofstream(tmp.str() + "/outside.mbox") << "From x\n";
  std::string text = "[target.snp]\nbase = \"v6.12\"\npatches = [{ mbox = \"series/svsm.mbox\" }]\n"
                     "[target.tdx]\nbase = \"v6.12\"\npatches = [{ mbox = \"../outside.mbox\" }]\n"
                     "[target.sgx]\nrepo = \"/srv/sgx-linux\"\nbase = \"v6.12\"\n";
  auto m = pipeline::parse_manifest(text, repo + "/beaver.toml", repo);
  auto notes = pipeline::ci_notes(m, {}, repo);
  ASSERT_EQ(notes.size(), 2u) << ::testing::PrintToString(notes);
  EXPECT_NE(notes[0].find("target tdx: " + tmp.str() + "/outside.mbox is outside the repository"), std::string::npos) << notes[0];
  EXPECT_NE(notes[1].find("target sgx reads the repository /srv/sgx-linux"), std::string::npos) << notes[1];
  EXPECT_TRUE(pipeline::ci_notes(m, {"snp"}, repo).empty());
}

// The command: the manifest found in the repository, its path relative to
// the top in the pipeline, -o making .github/workflows/, exit codes.
TEST(CiCli, ManifestOutputExitCodes) {
  test::TestRepo repo;
  repo.write("stack/beaver.toml", "[target.snp]\nbase = \"v6.12\"\npatches = [{ branch = \"vendor/snp\" }]\n"
                                  "[target.tdx]\nbase = \"v6.12\"\n");
  repo.write("README", "x\n");
  repo.commit("init");
  std::string beaver = test::quote(test::beaver_binary());
  test::Run r = test::sh(repo.dir() + "/stack", beaver + " ci github --manifest beaver.toml -o ../.github/workflows/beaver.yml");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  std::ifstream in(repo.dir() + "/.github/workflows/beaver.yml");
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_NE(s.str().find("      BEAVER_MANIFEST: \"stack/beaver.toml\"\n"), std::string::npos) << s.str();
  EXPECT_EQ(count(s.str(), "          - target: "), 2u);

  // Standard output; one target named; -u for every target.
  r = test::sh(repo.dir(), beaver + " ci gitlab tdx -u origin/master --manifest stack/beaver.toml --runner big -j 8");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"build:tdx\":"), std::string::npos);
  EXPECT_EQ(r.out.find("\"build:snp\":"), std::string::npos);
  EXPECT_NE(r.out.find("    UPSTREAM: \"origin/master\"\n"), std::string::npos);
  EXPECT_NE(r.out.find(" -j 8 "), std::string::npos);

  // git config beaver.upstream when the manifest has none.
  repo.git("config beaver.upstream origin/stable");
  r = test::sh(repo.dir(), beaver + " ci gitlab --manifest stack/beaver.toml");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(count(r.out, "    UPSTREAM: \"origin/stable\"\n"), 2u) << r.out;

  // Usage and input errors: exit 2 with the input named.
  r = test::sh(repo.dir(), beaver + " ci jenkins --manifest stack/beaver.toml");
  EXPECT_EQ(r.code, 2);
  r = test::sh(repo.dir(), beaver + " ci github");  // no beaver.toml at the top
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("beaver.toml: no such manifest"), std::string::npos) << r.err;
  r = test::sh(repo.dir(), beaver + " ci github sev --manifest stack/beaver.toml");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("'sev'"), std::string::npos) << r.err;
  test::TempDir elsewhere;
  std::ofstream(elsewhere.str() + "/beaver.toml") << "[target.snp]\nbase = \"v6.12\"\n";
  r = test::sh(repo.dir(), beaver + " ci github --manifest " + test::quote(elsewhere.str() + "/beaver.toml"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("is not in the repository"), std::string::npos) << r.err;
  r = test::sh(repo.dir(), beaver + " ci github --manifest stack/beaver.toml --beaver-from https://example.org/b.deb");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("deb:URL"), std::string::npos) << r.err;
  r = test::sh(repo.dir(), beaver + " ci github --manifest stack/beaver.toml --help");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("Examples:"), std::string::npos);
}

}  // namespace
}  // namespace beaver
