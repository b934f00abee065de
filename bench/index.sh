#!/usr/bin/env bash
# Benchmark: beaver index (cold, warm), beaver patch-id, and
# `git log -p --no-merges | git patch-id --stable` on the same repository.
#
#   bench/index.sh REPO [RANGE]      RANGE defaults to HEAD
#   RUNS=3 bench/index.sh REPO [RANGE]
#
# Prints wall and CPU seconds, the speed-up over git, the index size and the
# peak RSS of each run. With RUNS=N the four measurements are taken N times,
# interleaved (a shared machine's speed drifts over minutes), and the
# speed-ups use the median wall times. Uses build/beaver (or $BEAVER). Not
# run by CI.
set -euo pipefail
repo=${1:?usage: bench/index.sh REPO [RANGE]}
range=${2:-HEAD}
here=$(cd "$(dirname "$0")/.." && pwd)
beaver=${BEAVER:-$here/build/beaver}
[ -x "$beaver" ] || { echo "no $beaver: run ./dev build" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
idx=$tmp/index.sqlite

measure() {  # name command...
  local name=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$tmp/t" "$@" > "$tmp/$name.out" 2> "$tmp/$name.err" || {
    echo "$name failed:" >&2; cat "$tmp/$name.err" >&2; exit 1; }
  read -r wall user sys rss < "$tmp/t"
  eval "${name}_walls=\"\${${name}_walls:-} $wall\""
  printf '%-28s %8.2f s wall %8.2f s cpu %8d MiB peak\n' "$name" "$wall" "$(echo "$user + $sys" | bc)" $((rss / 1024))
}

commits=$(git -C "$repo" rev-list --no-merges --count $range)
echo "repository: $repo  range: $range  non-merge commits: $commits  cores: $(nproc)"
echo "git: $(git --version)  beaver: $("$beaver" --version)"
runs=${RUNS:-1}
for run in $(seq "$runs"); do
  [ "$runs" -gt 1 ] && echo "run $run of $runs"
  rm -f "$idx" "$idx"-wal "$idx"-shm
  measure git_pipeline sh -c "git -C '$repo' log -p --no-merges $range | git patch-id --stable"
  measure beaver_patch_id "$beaver" patch-id --repo "$repo" $range
  measure beaver_index_cold "$beaver" index --repo "$repo" --index "$idx" $range
  measure beaver_index_warm "$beaver" index --repo "$repo" --index "$idx" $range
done
median() { echo "$1" | tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
git_pipeline_wall=$(median "$git_pipeline_walls")
beaver_patch_id_wall=$(median "$beaver_patch_id_walls")
beaver_index_cold_wall=$(median "$beaver_index_cold_walls")
sort "$tmp/git_pipeline.out" > "$tmp/g"; sort "$tmp/beaver_patch_id.out" > "$tmp/b"
if cmp -s "$tmp/g" "$tmp/b"; then same="identical ($(wc -l < "$tmp/g") pairs)"; else
  same="DIFFERENT: $(comm -3 "$tmp/g" "$tmp/b" | wc -l) pairs differ"; fi
echo "patch-id vs git: $same"
echo "index size: $(du -h "$idx" | cut -f1) (+ $(du -ch "$idx"-wal 2>/dev/null | tail -1 | cut -f1) WAL)"
[ "$runs" -gt 1 ] && echo "median wall: git $git_pipeline_wall s, patch-id $beaver_patch_id_wall s, index cold $beaver_index_cold_wall s"
echo "speed-up over git: patch-id $(echo "scale=2; $git_pipeline_wall / $beaver_patch_id_wall" | bc)x," \
     "index cold $(echo "scale=2; $git_pipeline_wall / $beaver_index_cold_wall" | bc)x"
