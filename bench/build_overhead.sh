#!/usr/bin/env bash
# What `beaver build` adds to make: the end-to-end target of
# tests/e2e/kernel_build.sh built by beaver (cold: a new work directory, no
# ccache), then the same tree and the same .config built by hand with the
# same make command (a new O= directory, no ccache). Prints both wall times,
# beaver's phases, and the difference as a share of make's time.
#
#   bench/build_overhead.sh [build/beaver]
#
# Needs the repository tests/e2e/kernel_build.sh makes (run it once). Two cold
# kernel builds: minutes. Not run by CI.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
beaver=$(realpath "${1:-$here/build/beaver}")
. "$here/tests/vm/kernel_target.sh"
[ -f "$kgit/.git/beaver-e2e-complete" ] || { echo "no $kgit: run tests/e2e/kernel_build.sh once" >&2; exit 2; }
jobs=$(nproc)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
kernel_manifest "$tmp/beaver.toml"
start=$(date +%s.%N)
"$beaver" build -q --manifest "$tmp/beaver.toml" --no-ccache -j "$jobs" --work-dir "$tmp/work" --out "$tmp/out" --format json >"$tmp/build.json"
beaver_s=$(echo "$(date +%s.%N) - $start" | bc)
jq -r '.targets[0] | "beaver build: \(.status), phases: \(.phases | to_entries | map("\(.key) \(.value | . * 10 | round / 10) s") | join(", "))"' "$tmp/build.json"
src=$tmp/work/tdx/src
mkdir -p "$tmp/byhand"
cp "$tmp/work/tdx/obj/.config" "$tmp/byhand/.config"
head_time=$(git -C "$kgit" log -1 --format=%ct "beaver/tdx")
start=$(date +%s.%N)
env KBUILD_BUILD_TIMESTAMP="@$head_time" KBUILD_BUILD_USER=beaver KBUILD_BUILD_HOST=beaver KBUILD_BUILD_VERSION=1 LC_ALL=C TZ=UTC \
  make -s -C "$src" O="$tmp/byhand" ARCH=x86_64 -j"$jobs" olddefconfig bzImage >"$tmp/byhand.log" 2>&1
make_s=$(echo "$(date +%s.%N) - $start" | bc)
printf 'beaver build (assemble, checkout, config with proof, make, artifact): %.1f s\n' "$beaver_s"
printf 'make olddefconfig bzImage by hand on the same tree and .config:     %.1f s\n' "$make_s"
printf 'beaver adds %.1f s, %.1f%% of make by hand\n' "$(echo "$beaver_s - $make_s" | bc)" "$(echo "($beaver_s - $make_s) * 100 / $make_s" | bc -l)"
cmp -s "$tmp/byhand/arch/x86/boot/bzImage" "$tmp/work/tdx/obj/arch/x86/boot/bzImage" &&
  echo "the two bzImages are identical" || echo "the two bzImages differ"
