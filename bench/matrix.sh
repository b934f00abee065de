#!/usr/bin/env bash
# Benchmark: `beaver matrix` on ten real kernels of Debian's linux-source and
# linux-config packages (./dev installs them):
#   6 source trees, each with its Debian config (markers + the Kconfig model):
#     debian:6.1:{amd64,cloud-amd64,rt-amd64}, debian:6.12:{amd64,cloud-amd64,rt-amd64}
#   4 configs alone: /usr/src/linux-config-{6.1,6.12}/config.amd64_none_{amd64,cloud-amd64}.xz
# and, when REPO is given, every tag of it as a git revision (read from objects).
#
#   bench/matrix.sh [REPO]
#
# Prints the best wall time of 3 runs and the peak RSS. The first run after an
# upgrade of beaver may unpack the trees (once); that run is not counted.
# Uses build/beaver (or $BEAVER). Not run by CI.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
beaver=${BEAVER:-$here/build/beaver}
[ -x "$beaver" ] || { echo "no $beaver: run ./dev build" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
kernels=()
for v in 6.1 6.12; do
  for f in amd64 cloud-amd64 rt-amd64; do kernels+=("debian:$v:$f"); done
done
for v in 6.1 6.12; do
  for f in amd64 cloud-amd64; do kernels+=("/usr/src/linux-config-$v/config.amd64_none_$f.xz"); done
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

best() {  # label command...
  local label=$1; shift
  "$@" >/dev/null  # warm: unpacked trees and $(shell) answers in the cache
  local b=999999 rss=0
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$tmp/t" "$@" >"$tmp/out" 2>"$tmp/err" || [ $? = 1 ] || { cat "$tmp/err" >&2; exit 1; }
    read -r s m < "$tmp/t"
    b=$(echo "$s $b" | awk '{print ($1 < $2) ? $1 : $2}')
    [ "$m" -gt "$rss" ] && rss=$m
  done
  printf '%-44s %6.2f s  peak RSS %4d MiB\n' "$label" "$b" $((rss / 1024))
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%d GiB", $2/1048576}' /proc/meminfo); $("$beaver" --version)"
best "matrix: 6 trees+configs, 4 configs (10)" "$beaver" matrix "${kernels[@]}"
best "matrix: the same, -j 1" "$beaver" matrix -j 1 "${kernels[@]}"
best "matrix: 4 configs alone" "$beaver" matrix "${kernels[@]:6}"
if [ $# -ge 1 ]; then
  mapfile -t tags < <(git -C "$1" tag)
  best "matrix --repo: ${#tags[@]} tags" "$beaver" matrix --repo "$1" "${tags[@]}"
fi
"$beaver" matrix "${kernels[@]}" | head -3
