#!/usr/bin/env bash
# Benchmark: `beaver assemble` of a real patch set rebased onto a newer base,
# and `beaver combine` of two such sets, warm (the index up to date): the best
# and the median of 5 runs, and the statuses.
#
#   bench/assemble.sh REPO BASE BRANCH_A [BRANCH_B]
#
# Target a = BASE + the commits of merge-base(BASE, BRANCH_A)..BRANCH_A (a
# stable or vendor branch), target b the same with BRANCH_B. Assembly runs
# with --keep-going --dry-run (every patch tried, no branch written). Uses
# build/beaver (or $BEAVER). Not run by CI. Example (Xen's stable branches on
# master):
#
#   bench/assemble.sh /work/.mirror/xen-project+xen/repo master stable-4.19 stable-4.18
set -euo pipefail
repo=${1:?usage: bench/assemble.sh REPO BASE BRANCH_A [BRANCH_B]}
base=${2:?base}
a=${3:?branch}
b=${4:-}
here=$(cd "$(dirname "$0")/.." && pwd)
beaver=${BEAVER:-$here/build/beaver}
[ -x "$beaver" ] || { echo "no $beaver: run ./dev build" >&2; exit 2; }
command -v jq >/dev/null || { echo "needs jq (apt-get install jq)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{
  echo "[defaults]"
  echo "upstream = \"$base\""
  echo "[target.a]"
  echo "repo = \"$repo\""
  echo "base = \"$base\""
  echo "patches = [ { branch = \"$a\" } ]"
  if [ -n "$b" ]; then
    echo "[target.b]"
    echo "repo = \"$repo\""
    echo "base = \"$base\""
    echo "patches = [ { branch = \"$b\" } ]"
  fi
} >"$tmp/beaver.toml"
"$beaver" index -q --repo "$repo" "$base" "$a" ${b:+"$b"} >/dev/null

timed() {  # timed LABEL CMD...: 5 runs, best and median
  local label=$1
  shift
  local times=()
  for run in 1 2 3 4 5; do
    local start
    start=$(date +%s.%N)
    "$@" >"$tmp/out.json" 2>"$tmp/err" || [ $? -eq 1 ] || { cat "$tmp/err" >&2; exit 1; }
    times+=("$(echo "$(date +%s.%N) - $start" | bc)")
  done
  local sorted
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  printf '%s: best %.2f s, median %.2f s\n' "$label" "$(sed -n 1p <<<"$sorted")" "$(sed -n 3p <<<"$sorted")"
}

timed "assemble a ($a on $base)" "$beaver" assemble -q --manifest "$tmp/beaver.toml" a --keep-going --dry-run --format json
jq -r '.targets[0] | "  \(.summary.total) patches: \(.summary.applied) applied, \(.summary["dropped-upstream"]) dropped upstream, \(.summary["already-applied"]) already applied, \(.summary.conflict) conflict, \(.summary.flagged) flagged"' "$tmp/out.json"
if [ -n "$b" ]; then
  timed "combine a b ($a and $b on $base)" "$beaver" combine -q --manifest "$tmp/beaver.toml" a b --format json
  jq -r '"  combines: \(.combines); conflicts between them: \(.conflicts | length); \(.orders[0].summary.total) patches per order"' "$tmp/out.json"
fi
