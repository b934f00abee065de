#!/usr/bin/env bash
# Benchmark: how long `beaver backport` takes to plan (and prove) on an
# indexed repository, warm: the best and the median of 5 runs, the plan's
# size, and where the time goes (BEAVER_TRACE phases of the last run).
#
#   bench/backport.sh REPO ONTO UPSTREAM WHAT...
#
# WHAT is what `beaver backport` takes: commits, ranges, --paths P, --feature
# ID, --fixes. Indexes REPO first (not timed). Uses build/beaver (or
# $BEAVER). Not run by CI.
set -euo pipefail
repo=${1:?usage: bench/backport.sh REPO ONTO UPSTREAM WHAT...}
onto=${2:?onto}
upstream=${3:?upstream}
shift 3
[ $# -gt 0 ] || { echo "what to plan: commits, ranges, --paths, --feature, --fixes" >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
beaver=${BEAVER:-$here/build/beaver}
[ -x "$beaver" ] || { echo "no $beaver: run ./dev build" >&2; exit 2; }
command -v jq >/dev/null || { echo "needs jq (apt-get install jq)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$beaver" index -q --repo "$repo" "$onto" "$upstream" >/dev/null
times=()
for run in 1 2 3 4 5; do
  start=$(date +%s.%N)
  BEAVER_TRACE=1 "$beaver" backport -q --repo "$repo" --onto "$onto" -u "$upstream" "$@" --format json > "$tmp/plan.json" 2> "$tmp/trace" ||
    [ $? -eq 1 ] || { cat "$tmp/trace" >&2; exit 1; }
  times+=("$(echo "$(date +%s.%N) - $start" | bc)")
done
sorted=$(printf '%s\n' "${times[@]}" | sort -g)
echo "beaver backport --onto $onto -u $upstream $*"
echo "  runs (s): ${times[*]}"
echo "  best $(head -1 <<<"$sorted") s, median $(sed -n 3p <<<"$sorted") s"
jq -r '"  plan: \(.summary.steps) steps (\(.summary.commits) to pick: \(.summary.requested) requested, \(.summary.prerequisites) prerequisites, \(.summary.fixes) fixes, \(.summary.reverts) reverts), \(.summary.conflicts) conflicting, \(.carried | length) carried, category \(.category), naive \(.naive)"' "$tmp/plan.json"
grep 'trace: backport' "$tmp/trace" | sed 's/^beaver: trace: backport /  phase /'
