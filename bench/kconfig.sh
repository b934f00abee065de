#!/usr/bin/env bash
# Benchmark: beaver's Kconfig model (parse the whole x86_64 tree, evaluate a
# real config, verify a request) next to the kernel's own make olddefconfig
# on the same tree and config.
#
#   bench/kconfig.sh [TREE [BASE]]     defaults: debian:6.12 and debian:6.12 (amd64)
#
# TREE and BASE take what `beaver config` takes (a path, or debian:VERSION
# and debian:VERSION:FLAVOUR). Times, each the best of 3 runs:
#   beaver config --model ...   parse + evaluate + explain, $(shell) answers cached
#   make olddefconfig (warm)    scripts/kconfig/conf already built in O=
#   make olddefconfig (cold)    a fresh O= directory: conf is compiled first
# Uses build/beaver (or $BEAVER). Not run by CI.
set -euo pipefail
tree=${1:-debian:6.12}
base=${2:-$tree}
here=$(cd "$(dirname "$0")/.." && pwd)
beaver=${BEAVER:-$here/build/beaver}
[ -x "$beaver" ] || { echo "no $beaver: run ./dev build" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The tree and base as files (beaver resolves debian:...; make needs paths).
"$beaver" config --tree "$tree" --base "$base" --enable KVM --model --allow-partial -o "$tmp/base.resolved" >/dev/null
case $tree in
  debian:*) v=${tree#debian:}; v=${v%%:*}; src=${BEAVER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/beaver}/linux-source-$v/linux-source-$v ;;
  *) src=$tree ;;
esac
case $base in
  debian:*) rest=${base#debian:}; ver=${rest%%:*}; fl=amd64; [ "$rest" != "$ver" ] && fl=${rest#*:}
            xz -dc "/usr/src/linux-config-$ver/config.amd64_none_$fl.xz" > "$tmp/base.config" ;;
  *) cp "$base" "$tmp/base.config" ;;
esac

best() {  # name command... : best wall time of 3 runs, and peak RSS
  local name=$1; shift
  local b=999999 rss=0
  for _ in 1 2 3; do
    [ "$name" = "make-cold" ] && rm -rf "$tmp/cold"
    [ "$name" != "beaver" ] && cp "$tmp/base.config" "$tmp/${name#make-}/.config" 2>/dev/null || true
    /usr/bin/time -f "%e %M" -o "$tmp/t" "$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
    read -r s m < "$tmp/t"
    b=$(echo "$s $b" | awk '{print ($1 < $2) ? $1 : $2}')
    rss=$m
  done
  printf '%-34s %6.2f s  peak RSS %4d MiB\n' "$name" "$b" $((rss / 1024))
  echo "$b" > "$tmp/$name.best"
}

mkdir -p "$tmp/warm" "$tmp/cold"
cp "$tmp/base.config" "$tmp/warm/.config"
make -s -C "$src" O="$tmp/warm" ARCH=x86_64 olddefconfig >/dev/null 2>&1  # builds conf once
echo "tree $src, base $base, $(nproc) cores"
best beaver "$beaver" config --tree "$tree" --base "$base" --enable snp-guest --model --allow-partial -o "$tmp/out"
best make-warm make -s -C "$src" O="$tmp/warm" ARCH=x86_64 olddefconfig
best make-cold sh -c "mkdir -p '$tmp/cold' && cp '$tmp/base.config' '$tmp/cold/.config' && make -s -C '$src' O='$tmp/cold' ARCH=x86_64 olddefconfig"
awk -v b="$(cat "$tmp/beaver.best")" -v w="$(cat "$tmp/make-warm.best")" -v c="$(cat "$tmp/make-cold.best")" \
  'BEGIN { printf "beaver is %.1fx faster than make olddefconfig with conf built, %.1fx with a fresh O=\n", w / b, c / b }'
