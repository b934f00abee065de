#include "pipeline/ci.h"

#include "util/error.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

namespace beaver::pipeline {

namespace {

// Each line of `text` indented by `n` spaces (empty lines stay empty: a YAML
// literal block keeps them).
std::string indent(std::string_view text, int n) {
  std::string pad(std::size_t(n), ' '), out;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(at, end - at);
    if (!line.empty()) out += pad;
    out += line;
    out += '\n';
    at = end + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& words, std::string_view sep) {
  std::string out;
  for (auto& w : words) {
    if (!out.empty()) out += sep;
    out += w;
  }
  return out;
}

std::string engine_name(CiEngine e) { return e == CiEngine::GitHub ? "github" : "gitlab"; }

// --- what every job runs, in the order it runs it -----------------------------

// Debian's packages (only the missing ones: an image made with them skips
// apt-get), then beaver itself, from BEAVER_FROM.
std::string install_script() {
  return fmt::format(
      R"SH(sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
packages="{} $EXTRA_PACKAGES"
case "${{BEAVER_FROM:-}}" in git:*) packages="$packages {}" ;; esac
missing=
for p in $packages; do
  dpkg-query -W -f='${{Status}}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  $sudo apt-get update -qq
  # $missing is a list of package names, one word each.
  # shellcheck disable=SC2086
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi
case "${{BEAVER_FROM:-}}" in
  deb:*)
    curl -fsSL -o /tmp/beaver.deb "${{BEAVER_FROM#deb:}}"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends /tmp/beaver.deb
    ;;
  git:*)
    src=${{BEAVER_FROM#git:}} ref=
    case "$src" in *'#'*) ref=${{src##*#}} src=${{src%#*}} ;; esac
    rm -rf /tmp/beaver-src
    git clone -q --depth 1 ${{ref:+--branch "$ref"}} "$src" /tmp/beaver-src
    cmake -S /tmp/beaver-src -B /tmp/beaver-src/build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build /tmp/beaver-src/build --target beaver
    $sudo install -m 755 /tmp/beaver-src/build/beaver /usr/local/bin/beaver
    ;;
  *)
    echo "beaver: set BEAVER_FROM (a CI variable) to deb:URL (a beaver .deb) or git:URL[#REF] (beaver's source)," >&2
    echo "beaver: or write the pipeline again with beaver ci --beaver-from" >&2
    exit 2
    ;;
esac
beaver --version
)SH",
      join(ci_packages(), " "), join(ci_beaver_build_packages(), " "));
}

// The manifest's branches as local branches (a CI checkout has them as
// origin/NAME), the full history even where the engine's settings made it
// shallow, and the output and ccache directories kept out of git's way.
std::string checkout_script(CiEngine e) {
  std::string s = "git config --global --add safe.directory \"$PWD\"\n";
  if (e == CiEngine::GitLab)
    s += "# GitLab fetches the pipeline's ref only: the manifest names other branches.\n"
         "git fetch -q --tags origin '+refs/heads/*:refs/remotes/origin/*' ||\n"
         "  echo \"beaver: could not fetch every branch of origin\" >&2\n";
  s += R"SH(if [ "$(git rev-parse --is-shallow-repository)" = true ]; then
  git fetch -q --unshallow origin || echo "beaver: the history is shallow (beaver says what that hides)" >&2
fi
git for-each-ref --format='%(refname:lstrip=3)' refs/remotes/origin | while read -r b; do
  if [ "$b" != HEAD ] && ! git show-ref -q --verify "refs/heads/$b"; then
    git branch -q --no-track "$b" "refs/remotes/origin/$b" || echo "beaver: no local branch $b" >&2
  fi
done
mkdir -p beaver-out .ccache
exclude=$(git rev-parse --git-path info/exclude)
mkdir -p "$(dirname "$exclude")" && printf '/beaver-out/\n/.ccache/\n' >> "$exclude"
)SH";
  if (e == CiEngine::GitHub) s += "echo \"CCACHE_DIR=$PWD/.ccache\" >> \"$GITHUB_ENV\"\n";
  return s;
}

const char* kAssemble =
    "beaver assemble \"$TARGET\" --manifest \"$BEAVER_MANIFEST\" --check --format markdown -o beaver-out/assemble.md";

// `beaver stack --check` on each branch the target takes patches from; the
// worst exit code wins (2 before 1). `status` may already hold a gate's.
const char* kStackLoop = R"SH(set -f
for b in $BRANCHES; do
  out=beaver-out/stack-$(printf '%s' "$b" | tr -c 'A-Za-z0-9._-' '-').md
  beaver stack -u "$UPSTREAM" "$b" --check --format markdown -o "$out" || { rc=$?; [ "$rc" -le "$status" ] || status=$rc; }
done
set +f
[ -n "$BRANCHES" ] || echo "beaver: $TARGET takes no patches from a branch: nothing for beaver stack"
)SH";

std::string build_command(unsigned jobs) {
  return fmt::format(
      "beaver build \"$TARGET\" --manifest \"$BEAVER_MANIFEST\"{} --out beaver-out --format json -o beaver-out/build.json\n"
      "ccache --show-stats || true\n",
      jobs ? fmt::format(" -j {}", jobs) : "");
}

// The reports in Markdown, and a table of what was built.
const char* kSummary = R"SH(for f in beaver-out/assemble.md beaver-out/stack-*.md; do
  if [ -f "$f" ]; then cat "$f"; echo; fi
done
if [ -f beaver-out/build.json ]; then
  echo '| target | status | kernelrelease | artifact | sha256 |'
  echo '| --- | --- | --- | --- | --- |'
  jq -r '.targets[] | "| \(.name) | \(.status) | \(.kernelrelease // "") | \(.artifact // "" | sub(".*/"; "")) | \(.sha256 // "") |"' beaver-out/build.json
fi
)SH";

std::string header(CiEngine e, const CiOptions& o) {
  std::vector<std::string> names;
  for (auto& t : o.targets) names.push_back(t.name);
  std::string file = e == CiEngine::GitHub ? ".github/workflows/beaver.yml" : ".gitlab-ci.yml";
  return fmt::format(
      "# The CI pipeline of {}, written by `beaver ci {}`: one job per target\n"
      "# ({}), so the runners build the targets in parallel. Each job installs\n"
      "# Debian's packages and beaver (BEAVER_FROM: deb:URL of a beaver .deb, or\n"
      "# git:URL[#REF] of beaver's source), checks out the full history, keeps the\n"
      "# ccache and beaver's index between runs, runs the gates\n"
      "# `beaver assemble --check` and `beaver stack --check`, then `beaver build`,\n"
      "# and uploads the tarball, provenance.json and the Markdown reports\n"
      "# ({}).\n"
      "# Write it again when the targets change: beaver ci {} -o {}\n",
      o.manifest, engine_name(e), join(names, ", "),
      e == CiEngine::GitHub ? "also the job summary" : "also printed in the job log", engine_name(e), file);
}

std::string github(const CiOptions& o) {
  std::string y = header(CiEngine::GitHub, o);
  y += "name: beaver\n"
       "on:\n"
       "  push:\n"
       "  pull_request:\n"
       "  workflow_dispatch:\n"
       "permissions:\n"
       "  contents: read\n"
       "defaults:\n"
       "  run:\n"
       "    shell: bash\n"
       "jobs:\n"
       "  build:\n"
       "    name: \"build ${{ matrix.target }}\"\n";
  y += fmt::format("    runs-on: {}\n", yaml_quote(o.runner.empty() ? "ubuntu-latest" : o.runner));
  y += fmt::format("    container: {}\n", yaml_quote(o.image));
  y += "    timeout-minutes: 360\n"
       "    strategy:\n"
       "      fail-fast: false\n"
       "      matrix:\n"
       "        include:\n";
  for (auto& t : o.targets) {
    y += fmt::format("          - target: {}\n", yaml_quote(t.name));
    y += fmt::format("            upstream: {}\n", yaml_quote(t.upstream));
    y += fmt::format("            branches: {}\n", yaml_quote(join(t.branches, " ")));
    y += fmt::format("            packages: {}\n", yaml_quote(join(t.packages, " ")));
  }
  y += "    env:\n";
  y += fmt::format("      BEAVER_MANIFEST: {}\n", yaml_quote(o.manifest));
  y += "      BEAVER_FROM: " + (o.beaver_from.empty() ? std::string("${{ vars.BEAVER_FROM }}") : yaml_quote(o.beaver_from)) + "\n";
  y += "      TARGET: ${{ matrix.target }}\n"
       "      UPSTREAM: ${{ matrix.upstream }}\n"
       "      BRANCHES: ${{ matrix.branches }}\n"
       "      EXTRA_PACKAGES: ${{ matrix.packages }}\n"
       "      CCACHE_MAXSIZE: \"2G\"\n"
       "      CCACHE_COMPILERCHECK: \"content\"\n"
       "    steps:\n"
       "      - name: Debian packages and beaver\n"
       "        run: |\n";
  y += indent(install_script(), 10);
  y += "      - name: Check out the full history\n"
       "        uses: actions/checkout@v4\n"
       "        with:\n"
       "          fetch-depth: 0\n"
       "      - name: Branches, output and ccache directories\n"
       "        run: |\n";
  y += indent(checkout_script(CiEngine::GitHub), 10);
  y += "      - name: Restore the ccache\n"
       "        id: ccache\n"
       "        uses: actions/cache/restore@v4\n"
       "        with:\n"
       "          path: .ccache\n"
       "          key: ccache-${{ matrix.target }}-${{ github.sha }}\n"
       "          restore-keys: ccache-${{ matrix.target }}-\n"
       "      - name: Restore beaver's index\n"
       "        id: index\n"
       "        uses: actions/cache/restore@v4\n"
       "        with:\n"
       "          path: .git/beaver\n"
       "          key: beaver-index-${{ github.sha }}\n"
       "          restore-keys: beaver-index-\n"
       "      - name: \"Gate: beaver assemble --check\"\n"
       "        id: assemble\n"
       "        run: ";
  y += kAssemble;
  y += "\n"
       "      - name: \"Gate: beaver stack --check\"\n"
       "        if: success() || steps.assemble.outcome == 'failure'\n"
       "        run: |\n"
       "          status=0\n";
  y += indent(kStackLoop, 10);
  y += "          exit \"$status\"\n"
       "      - name: beaver build\n"
       "        run: |\n";
  y += indent(build_command(o.jobs), 10);
  y += "      - name: Job summary\n"
       "        if: always()\n"
       "        run: |\n"
       "          {\n";
  y += indent(kSummary, 12);
  y += "          } >> \"$GITHUB_STEP_SUMMARY\"\n"
       "      - name: Save the ccache\n"
       "        if: always() && steps.ccache.outcome == 'success' && steps.ccache.outputs.cache-hit != 'true'\n"
       "        uses: actions/cache/save@v4\n"
       "        with:\n"
       "          path: .ccache\n"
       "          key: ccache-${{ matrix.target }}-${{ github.sha }}\n"
       "      - name: Save beaver's index\n"
       "        if: always() && steps.index.outcome == 'success' && steps.index.outputs.cache-hit != 'true'\n"
       "        uses: actions/cache/save@v4\n"
       "        with:\n"
       "          path: .git/beaver\n"
       "          key: beaver-index-${{ github.sha }}\n"
       "      - name: Upload the tarball, provenance.json and the reports\n"
       "        if: always()\n"
       "        uses: actions/upload-artifact@v4\n"
       "        with:\n"
       "          name: beaver-${{ matrix.target }}\n"
       "          path: |\n"
       "            beaver-out/*.tar.zst\n"
       "            beaver-out/*provenance.json\n"
       "            beaver-out/build.json\n"
       "            beaver-out/*.build.log\n"
       "            beaver-out/*.md\n"
       "          if-no-files-found: warn\n";
  return y;
}

std::string gitlab(const CiOptions& o) {
  std::string y = header(CiEngine::GitLab, o);
  y += "stages:\n"
       "  - build\n"
       "variables:\n"
       "  GIT_DEPTH: \"0\"\n";
  y += fmt::format("  BEAVER_MANIFEST: {}\n", yaml_quote(o.manifest));
  if (!o.beaver_from.empty()) y += fmt::format("  BEAVER_FROM: {}\n", yaml_quote(o.beaver_from));
  y += "  CCACHE_DIR: \"$CI_PROJECT_DIR/.ccache\"\n"
       "  CCACHE_MAXSIZE: \"2G\"\n"
       "  CCACHE_COMPILERCHECK: \"content\"\n"
       "\n"
       ".beaver-build:\n"
       "  stage: build\n";
  y += fmt::format("  image: {}\n", yaml_quote(o.image));
  if (!o.runner.empty()) y += fmt::format("  tags:\n    - {}\n", yaml_quote(o.runner));
  y += "  timeout: 6h\n"
       "  cache:\n"
       "    - key: \"ccache-$TARGET\"\n"
       "      when: always\n"
       "      paths:\n"
       "        - .ccache/\n"
       "    - key: \"beaver-index\"\n"
       "      when: always\n"
       "      paths:\n"
       "        - .git/beaver/\n"
       "  before_script:\n"
       "    - |\n";
  y += indent(install_script(), 6);
  y += "    - |\n";
  y += indent(checkout_script(CiEngine::GitLab), 6);
  y += "  script:\n"
       "    - |\n"
       "      status=0\n";
  y += indent(fmt::format("{} || status=$?\n", kAssemble), 6);
  y += indent(kStackLoop, 6);
  y += "      if [ \"$status\" != 0 ]; then exit \"$status\"; fi\n"
       "    - |\n";
  y += indent(build_command(o.jobs), 6);
  y += "  after_script:\n"
       "    - |\n";
  y += indent(kSummary, 6);
  y += "  artifacts:\n"
       "    when: always\n"
       "    expose_as: \"beaver build\"\n"
       "    paths:\n"
       "      - beaver-out/\n";
  for (auto& t : o.targets) {
    y += fmt::format("\n{}:\n", yaml_quote("build:" + t.name));
    y += "  extends: .beaver-build\n"
         "  variables:\n";
    y += fmt::format("    TARGET: {}\n", yaml_quote(t.name));
    y += fmt::format("    UPSTREAM: {}\n", yaml_quote(t.upstream));
    y += fmt::format("    BRANCHES: {}\n", yaml_quote(join(t.branches, " ")));
    y += fmt::format("    EXTRA_PACKAGES: {}\n", yaml_quote(join(t.packages, " ")));
  }
  return y;
}

bool debian_version(std::string_view v) {
  return !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

}  // namespace

CiEngine ci_engine(std::string_view name) {
  if (name == "github") return CiEngine::GitHub;
  if (name == "gitlab") return CiEngine::GitLab;
  throw Error("ci: '{}' is not a CI engine beaver writes for (github or gitlab)", name);
}

void check_ci_name(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 64 && name.front() != '-' && name.front() != '.';
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
      ok = false;
  if (!ok)
    throw Error("ci: target name '{}' cannot name a CI job: a name is letters, digits, '-', '_' and '.' (not first), "
                "at most 64",
                name);
}

void check_ci_value(std::string_view what, std::string_view value) {
  if (value.empty()) throw Error("ci: {} is empty", what);
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == ' ' || c == '"' || c == '\'' || c == '`' || c == '\\' || c == '$')
      throw Error("ci: {} '{}' cannot go into a CI file: whitespace, control characters, quotes, '\\' and '$' are refused",
                  what, value);
  }
}

std::string yaml_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (u < 0x20 || u == 0x7f) out += fmt::format("\\x{:02x}", u);
    else out += c;
  }
  return out + "\"";
}

const std::vector<std::string>& ci_packages() {
  // git, curl and CA certificates for the checkout and BEAVER_FROM; jq for
  // the summary; the kernel build (pahole from dwarves: Debian's configs
  // have BTF) and its tarball.
  static const std::vector<std::string> p = {"git", "ca-certificates", "curl", "jq", "xz-utils", "build-essential",
                                             "flex", "bison", "bc", "libelf-dev", "libssl-dev", "ccache", "cpio", "kmod",
                                             "zstd", "dwarves"};
  return p;
}

const std::vector<std::string>& ci_beaver_build_packages() {
  // The build dependencies at the top of ./dev's PACKAGES.
  static const std::vector<std::string> p = {"cmake", "ninja-build", "g++", "pkg-config", "zlib1g-dev", "libdeflate-dev",
                                             "libgit2-dev", "libgmime-3.0-dev", "libsqlite3-dev", "libfmt-dev",
                                             "libcli11-dev", "nlohmann-json3-dev", "libtomlplusplus-dev",
                                             "libarchive-dev", "libgtest-dev"};
  return p;
}

std::vector<CiTarget> ci_targets(const Manifest& manifest, const std::vector<std::string>& names,
                                 const std::string& upstream, const std::string& fallback) {
  std::vector<CiTarget> out;
  for (const Target* t : manifest.select(names)) {
    CiTarget c;
    c.name = t->name;
    c.upstream = !upstream.empty()     ? upstream
                 : !t->upstream.empty() ? t->upstream
                 : !fallback.empty()    ? fallback
                                        : t->base;
    for (auto& p : t->patches)
      if (p.kind == PatchSource::Kind::Branch) c.branches.push_back(p.value);
    // debian:VERSION[:FLAVOUR] is read from Debian's linux-config-VERSION.
    if (t->config.rfind("debian:", 0) == 0) {
      std::string version = t->config.substr(7, t->config.find(':', 7) - 7);
      if (debian_version(version)) c.packages.push_back("linux-config-" + version);
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<std::string> ci_notes(const Manifest& manifest, const std::vector<std::string>& names,
                                  const std::string& repo_top) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path top = fs::weakly_canonical(repo_top, ec);
  auto inside = [&](const std::string& path) {
    fs::path p = fs::weakly_canonical(path, ec);
    auto rel = p.lexically_relative(top);
    return !rel.empty() && *rel.begin() != "..";
  };
  std::vector<std::string> out;
  for (const Target* t : manifest.select(names)) {
    if (fs::weakly_canonical(t->repo, ec) != top)
      out.push_back(fmt::format("target {} reads the repository {}, which the CI job does not check out (it checks out {})",
                                t->name, t->repo, top.string()));
    for (auto& p : t->patches)
      if ((p.kind == PatchSource::Kind::Mbox || p.kind == PatchSource::Kind::Series) && !inside(p.value))
        out.push_back(fmt::format("target {}: {} is outside the repository: the CI job will not have it", t->name, p.value));
    for (auto& f : t->fragments)
      if (!inside(f)) out.push_back(fmt::format("target {}: the fragment {} is outside the repository: the CI job will not have it", t->name, f));
  }
  return out;
}

std::string ci_pipeline(CiEngine engine, const CiOptions& o) {
  if (o.targets.empty()) throw Error("ci: no target to build");
  std::vector<std::string> seen;
  for (auto& t : o.targets) {
    check_ci_name(t.name);
    if (std::find(seen.begin(), seen.end(), t.name) != seen.end()) throw Error("ci: target '{}' is named twice", t.name);
    seen.push_back(t.name);
    check_ci_value(fmt::format("target {}: the upstream", t.name), t.upstream);
    for (auto& b : t.branches) check_ci_value(fmt::format("target {}: the branch", t.name), b);
    for (auto& p : t.packages) check_ci_value(fmt::format("target {}: the package", t.name), p);
  }
  check_ci_value("the manifest path", o.manifest);
  if (o.manifest.front() == '/') throw Error("ci: the manifest path {} must be relative to the repository's top", o.manifest);
  check_ci_value("the image", o.image);
  if (!o.runner.empty()) check_ci_value("the runner", o.runner);
  if (!o.beaver_from.empty()) {
    check_ci_value("--beaver-from", o.beaver_from);
    bool deb = o.beaver_from.rfind("deb:", 0) == 0, git = o.beaver_from.rfind("git:", 0) == 0;
    if ((!deb && !git) || o.beaver_from.size() == 4)
      throw Error("ci: --beaver-from '{}': give deb:URL (a beaver .deb) or git:URL[#REF] (beaver's source)", o.beaver_from);
  }
  return engine == CiEngine::GitHub ? github(o) : gitlab(o);
}

}  // namespace beaver::pipeline
