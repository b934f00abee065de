#!/usr/bin/env bash
# End to end: the option grammar (CONTRIBUTING.md, "Options") holds for every
# command: metavariables that say what a value is, exit codes in every
# --help, -j/--jobs, --format and -o on every report, -q/-v, the old
# spellings with a deprecation note; defaults from git config (beaver.*);
# the pager on a terminal (script(1) gives beaver one) and never in a pipe.
set -euo pipefail
beaver=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
export HOME=$tmp/home NO_COLOR=1
mkdir -p "$HOME"
unset CI PAGER BEAVER_PAGER || true

# --- every --help ---------------------------------------------------------------
for c in "" index patch-id log stack rebase-diff delta fixes config "config explain" matrix demo; do
  # shellcheck disable=SC2086
  help=$("$beaver" $c --help)
  bad=$(grep -nE '(^|[ ,])(TEXT|UINT|INT|SIZE|FLOAT|ENUM|BOOLEAN|NUMBER)( |$|\.\.\.)' <<<"$help" || true)
  [ -z "$bad" ] || fail "beaver $c --help: a type instead of a metavariable: $bad"
  [ -z "$c" ] && continue
  grep -q "^Exit status: 0 " <<<"$help" || fail "beaver $c --help: no exit status"
  grep -q -- "-q,--quiet" <<<"$help" || fail "beaver $c --help: no -q"
  grep -q -- "-v,--verbose" <<<"$help" || fail "beaver $c --help: no -v"
  grep -q -- "--no-pager" <<<"$help" || fail "beaver $c --help: no --no-pager"
  grep -q -- "--threads\|--json " <<<"$help" && fail "beaver $c --help: shows a deprecated spelling"
done
for c in index patch-id log stack rebase-diff delta fixes matrix "config explain"; do
  # shellcheck disable=SC2086
  help=$("$beaver" $c --help)
  grep -q -- "--format FORMAT" <<<"$help" || fail "beaver $c: no --format"
  grep -q -- "-o,--output FILE" <<<"$help" || fail "beaver $c: no -o"
done
for c in index patch-id matrix; do
  "$beaver" $c --help | grep -- "-j,--jobs N" >/dev/null || fail "beaver $c: no -j,--jobs N"
done
# beaver ci writes a pipeline, not a report: -o without --format; -j is beaver build's make -j.
help=$("$beaver" ci --help)
bad=$(grep -nE '(^|[ ,])(TEXT|UINT|INT|SIZE|FLOAT|ENUM|BOOLEAN|NUMBER)( |$|\.\.\.)' <<<"$help" || true)
[ -z "$bad" ] || fail "beaver ci --help: a type instead of a metavariable: $bad"
for want in "Exit status: 0 done; 2 " "-q,--quiet" "-v,--verbose" "--no-pager" "--repo DIR" "--manifest FILE" \
            "-o,--output FILE" "-u,--upstream REV" "-j,--jobs N" "Examples:"; do
  grep -q -- "$want" <<<"$help" || fail "beaver ci --help: no $want"
done
"$beaver" config explain --help | grep "^Exit status: .*1 when the symbol cannot have the wanted value" >/dev/null ||
  fail "config explain does not say it exits 1 when blocked"
echo "grammar help: ok"

# --- a repository: the demo history -------------------------------------------
"$beaver" demo --history-only --dir "$tmp/demo" >/dev/null 2>&1 || fail "demo"
cd "$tmp/demo"
"$beaver" index -q 2>"$tmp/err" || fail "index -q: $(cat "$tmp/err")"
[ ! -s "$tmp/err" ] || fail "index -q said something: $(cat "$tmp/err")"
"$beaver" index --threads 2 --json >"$tmp/out" 2>"$tmp/err" || fail "old spellings"
grep -q "\-\-threads is deprecated; use -j/--jobs" "$tmp/err" || fail "--threads: no deprecation note"
grep -q "\-\-json is deprecated; use --format json" "$tmp/err" || fail "--json: no deprecation note"
jq -e .up_to_date "$tmp/out" >/dev/null || fail "--json: not the JSON summary"
"$beaver" index -j 2 --format json -o "$tmp/index.json" >/dev/null 2>&1 && jq -e .total_commits "$tmp/index.json" >/dev/null ||
  fail "index --format json -o"
set +e
"$beaver" index -o "$tmp/x.json" >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ "$rc" = 2 ] && grep -q "add --format json" "$tmp/err" || fail "index -o without json: $rc $(cat "$tmp/err")"
"$beaver" index --rebuild -v 2>&1 | grep "trace: index" >/dev/null || fail "-v gives no phase timings"

# patch-id: the text face equals git's; the JSON face has the same pairs.
"$beaver" patch-id v6.8..vendor/snp | sort >"$tmp/text"
git log -p --no-merges v6.8..vendor/snp | git patch-id --stable | sort >"$tmp/git"
cmp -s "$tmp/text" "$tmp/git" || fail "patch-id text differs from git's"
"$beaver" patch-id --format json -o "$tmp/ids.json" v6.8..vendor/snp
[ "$(jq -r '.ids[] | "\(.patch_id) \(.commit)"' "$tmp/ids.json" | sort)" = "$(cat "$tmp/git")" ] || fail "patch-id json"
"$beaver" patch-id -o "$tmp/ids.txt" v6.8..vendor/snp
[ "$(sort "$tmp/ids.txt")" = "$(cat "$tmp/git")" ] || fail "patch-id -o"

# delta: every face, and --check.
a=$(git rev-parse vendor/snp~1) b=$(git rev-parse vendor/snp)
"$beaver" delta "$a" "$b" --format json | jq -e '.same == false and (.similarity.dice | type == "number") and (.interdiff | length > 0)' >/dev/null ||
  fail "delta json"
"$beaver" delta "$a" "$b" --format markdown | grep '^```diff' >/dev/null || fail "delta markdown"
"$beaver" delta "$a" "$b" --format html -o "$tmp/delta.html" && grep -q '<pre class="mono interdiff">' "$tmp/delta.html" ||
  fail "delta html"
set +e
"$beaver" delta "$a" "$b" --check >/dev/null; rc=$?
"$beaver" delta "$a" "$a" --check >/dev/null; rc2=$?
set -e
[ "$rc" = 1 ] && [ "$rc2" = 0 ] || fail "delta --check: $rc $rc2"

# log: html and -o.
"$beaver" log -n 3 --format html -o "$tmp/log.html"
[ "$(grep -c '<tr id="c-' "$tmp/log.html")" = 3 ] || fail "log html: not 3 rows"
echo "grammar faces: ok"

# --- defaults from git config -------------------------------------------------
set +e
"$beaver" stack vendor/snp >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ "$rc" = 2 ] && grep -q "git config beaver.upstream" "$tmp/err" || fail "no upstream: $rc $(cat "$tmp/err")"
"$beaver" stack -u v6.9 --mail linux-coco.mbox --format json vendor/snp >"$tmp/explicit.json"
git config beaver.upstream v6.9
git config --add beaver.mail linux-coco.mbox
git config beaver.commitUrl 'https://git.example/c/{commit}'
"$beaver" stack --format json vendor/snp >"$tmp/configured.json"
[ "$(jq -S "del(.seconds)" "$tmp/explicit.json")" = "$(jq -S "del(.seconds)" "$tmp/configured.json")" ] || fail "beaver.upstream/beaver.mail: another answer"
jq -e '[.patches[] | select(.status == "posted")] | length > 0' "$tmp/configured.json" >/dev/null ||
  fail "beaver.mail: nothing posted"
"$beaver" stack --format markdown vendor/snp | grep "https://git.example/c/" >/dev/null || fail "beaver.commitUrl not used"
"$beaver" stack --commit-url 'https://cli.example/{commit}' --format markdown vendor/snp | grep "https://cli.example/" >/dev/null ||
  fail "--commit-url does not win over beaver.commitUrl"
[ "$("$beaver" stack -u v6.10 --format json vendor/snp | jq -S .patches)" != "$(jq -S .patches "$tmp/configured.json")" ] ||
  fail "-u does not win over beaver.upstream"
"$beaver" fixes --format json vendor/snp >/dev/null || fail "fixes with beaver.upstream"
"$beaver" rebase-diff --format json vendor/snp vendor/snp >/dev/null || fail "rebase-diff with beaver.upstream"
# beaver.index: relative to the work tree's top; log reads the same file.
git config beaver.index idx/beaver.sqlite
mkdir -p sub && (cd sub && "$beaver" index -q)
[ -f idx/beaver.sqlite ] || fail "beaver.index: not written where configured"
"$beaver" log -n 1 --format json | jq -e '.commits | length == 1' >/dev/null || fail "beaver.index: log does not read it"
git config beaver.index "~/elsewhere.sqlite"
"$beaver" index -q && [ -f "$HOME/elsewhere.sqlite" ] || fail "beaver.index: ~/ not expanded"
# beaver.releasePattern: stored like --release-pattern; the command line wins.
git config beaver.releasePattern 'v6.*'
[ "$("$beaver" index --format json | jq -r .release_pattern)" = "v6.*" ] || fail "beaver.releasePattern not used"
[ "$("$beaver" index --release-pattern 'v*' --format json | jq -r .release_pattern)" = "v*" ] ||
  fail "--release-pattern does not win"
echo "grammar git config: ok"

# --- the pager ------------------------------------------------------------------
if command -v script >/dev/null; then
  export BEAVER_PAGER="cat > $tmp/paged"
  script -qec "$beaver log -n 2" /dev/null >/dev/null
  [ -s "$tmp/paged" ] && grep -q "patch-id" "$tmp/paged" || fail "no pager on a terminal"
  rm -f "$tmp/paged"
  script -qec "$beaver --no-pager log -n 2" /dev/null >"$tmp/direct"
  [ ! -e "$tmp/paged" ] && grep -q "patch-id" "$tmp/direct" || fail "--no-pager still pages"
  "$beaver" log -n 2 >/dev/null
  [ ! -e "$tmp/paged" ] || fail "paged into a pipe"
  BEAVER_PAGER=cat script -qec "$beaver log -n 2" /dev/null | grep "patch-id" >/dev/null || fail "BEAVER_PAGER=cat"
  unset BEAVER_PAGER
  echo "grammar pager: ok"
fi
echo "grammar: ok"
