#!/usr/bin/env bash
# End to end: the README's demo runs, and what it shows is true.
set -euo pipefail
beaver=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null NO_COLOR=1
out=$("$beaver" demo --dir "$tmp/demo")
fail() { echo "FAIL: $*"; echo "$out"; exit 1; }
grep -q "indexed 15 new commits" <<<"$out" || fail "index summary"
grep -q "identical to git patch-id --stable" <<<"$out" || fail "patch-ids differ from git"
grep -q "same patch as" <<<"$out" || fail "the identical upstream merge is not shown"
grep -q "same change, other context" <<<"$out" || fail "the context-only change is not shown"
grep -q 'fixes .* : resolved' <<<"$out" || fail "the Fixes: trailer is not resolved"
# The repository is kept and usable.
cd "$tmp/demo"
"$beaver" index | grep -q . || true
"$beaver" index 2>&1 | grep -q "up to date" || fail "second index run is not up to date"
"$beaver" log -n 1 --format json | grep -q '"release": "v6.9"' || fail "log json"
# A demo directory that is not empty is refused with exit 2.
set +e
"$beaver" demo --dir "$tmp/demo" >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ "$rc" = 2 ] || fail "non-empty --dir gave exit $rc"
grep -q "not empty" "$tmp/err" || fail "non-empty --dir message"
echo "demo: ok"
