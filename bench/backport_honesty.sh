#!/usr/bin/env bash
# Benchmark: is `beaver backport` honest? For N upstream commits after a
# branch point, plan each, then replay the plan with plain `git cherry-pick`
# onto the branch in a scratch worktree, step by step, and compare: every
# step beaver says applies (or is empty) must cherry-pick, every step it
# says conflicts must not. Also: plan sizes, how much smaller a plan is than
# the naive answer (every upstream commit since the branch point touching the
# same files), and the time per plan.
#
#   bench/backport_honesty.sh REPO ONTO UPSTREAM [N] [FROM..TO]
#
# ONTO: the older branch (or release tag); UPSTREAM: where commits come from;
# N (default 120): how many commits of FROM..TO (default ONTO..UPSTREAM,
# non-merges), evenly spaced. Indexes REPO first (not timed). Uses
# build/beaver (or $BEAVER). Not run by CI. Prints one line per commit
# (commit, steps, naive, beaver's verdict, git's, disagreements, seconds),
# then the summary; exits 1 when beaver and git disagree on any step.
set -euo pipefail
repo=$(cd "${1:?usage: bench/backport_honesty.sh REPO ONTO UPSTREAM [N] [FROM..TO]}" && pwd)
onto=${2:?onto}
upstream=${3:?upstream}
n=${4:-120}
range=${5:-$onto..$upstream}
here=$(cd "$(dirname "$0")/.." && pwd)
beaver=${BEAVER:-$here/build/beaver}
[ -x "$beaver" ] || { echo "no $beaver: run ./dev build" >&2; exit 2; }
command -v jq >/dev/null || { echo "needs jq (apt-get install jq)" >&2; exit 2; }
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null LC_ALL=C
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.org GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.org
tmp=$(mktemp -d)
wt=$tmp/wt
cleanup() { git -C "$repo" worktree remove --force "$wt" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT

"$beaver" index -q --repo "$repo" "$onto" "$upstream" >/dev/null
# Public mirrors omit some large blobs; git cannot check out (or write a
# tree that names) a missing blob, so the replay needs an ONTO without any.
git -C "$repo" ls-tree -r "$onto" | awk '$2 == "blob" { print $3 }' | git -C "$repo" cat-file --batch-check 2>/dev/null |
  awk '$2 == "missing" { print $1 }' > "$tmp/missing"
if [ -s "$tmp/missing" ]; then
  echo "$onto names $(wc -l < "$tmp/missing") blob(s) missing from the repository (a mirror that omits large files);" \
       "git cannot replay onto it: pick an older ONTO" >&2
  exit 2
fi
git -C "$repo" worktree add -q --detach "$wt" "$onto"

total=$(git -C "$repo" rev-list --no-merges --count "$range")
[ "$total" -gt 0 ] || { echo "no commits in $range" >&2; exit 2; }
step=$(( total > n ? total / n : 1 ))
git -C "$repo" rev-list --no-merges --reverse "$range" | awk -v s="$step" -v n="$n" 'NR % s == 0 && c < n { print; c++ }' > "$tmp/sample"

printf '%-12s %5s %6s %-9s %-9s %s %s\n' commit steps naive beaver git disagree seconds
disagreements=0
: > "$tmp/rows"
while read -r c; do
  start=$(date +%s.%N)
  "$beaver" backport -q --repo "$repo" --onto "$onto" -u "$upstream" "$c" --format json > "$tmp/plan.json" 2> "$tmp/err" || {
    rc=$?; [ $rc -eq 1 ] || { echo "beaver failed on $c:" >&2; cat "$tmp/err" >&2; exit 1; }; }
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  jq -r '.steps[] | "\(.commit) \(.result)"' "$tmp/plan.json" > "$tmp/steps"
  steps=$(jq '.summary.commits' "$tmp/plan.json")
  naive=$(jq '.naive' "$tmp/plan.json")
  git -C "$wt" reset -q --hard "$onto"
  bad=0 beaver_ok=yes git_ok=yes
  while read -r s result; do
    [ "$result" = conflicts ] && beaver_ok=no
    if git -C "$wt" cherry-pick --keep-redundant-commits --allow-empty "$s" >/dev/null 2>&1; then picked=yes; else
      picked=no; git_ok=no
      git -C "$wt" cherry-pick --abort >/dev/null 2>&1 || git -C "$wt" reset -q --hard >/dev/null 2>&1
    fi
    if { [ "$picked" = yes ] && [ "$result" = conflicts ]; } || { [ "$picked" = no ] && [ "$result" != conflicts ]; }; then
      bad=$((bad + 1))
      echo "DISAGREE $c: step $s beaver=$result git=$picked" >&2
    fi
  done < "$tmp/steps"
  disagreements=$((disagreements + bad))
  printf '%-12s %5s %6s %-9s %-9s %8s %.2f\n' "${c:0:12}" "$steps" "$naive" "$beaver_ok" "$git_ok" "$bad" "$secs"
  echo "$steps $naive $beaver_ok $git_ok $bad $secs" >> "$tmp/rows"
done < "$tmp/sample"

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'; }
awk -v onto="$onto" -v up="$upstream" '
  { k++; naive += $2; plan += $1; if ($3 == "yes") b++; if ($4 == "yes") g++; d += $5; tt += $6
    if ($1 <= 1) s1++; else if ($1 <= 5) s5++; else if ($1 <= 50) s50++; else smass++ }
  END {
    printf "\n%d commits of %s..%s planned onto %s\n", k, onto, up, onto
    printf "plans git applies cleanly: %d; plans beaver says apply: %d; step disagreements: %d\n", g, b, d
    printf "plan sizes: 1 commit %d, 2-5 %d (bugfix in all %d), 6-50 (feature) %d, more (mass) %d\n", s1, s5, s1 + s5, s50, smass
    printf "commits planned in all: %d; naive answer in all: %d (%.1fx)\n", plan, naive, naive / (plan ? plan : 1)
    printf "seconds in all: %.1f\n", tt
  }' "$tmp/rows"
echo "median naive/plan: $(awk '$1 > 0 { print $2 / $1 }' "$tmp/rows" | median)x;" \
     "seconds per plan: median $(cut -d' ' -f6 "$tmp/rows" | median), max $(cut -d' ' -f6 "$tmp/rows" | sort -g | tail -1)"
[ "$disagreements" -eq 0 ]
