#!/usr/bin/env bash
# Reproducibility: the end-to-end target of tests/e2e/kernel_build.sh built
# twice, in two different work directories, with ccache off, then the
# sha256 of the kernel images and of the tarballs compared. Too slow for CI
# (two cold kernel builds); run it after the e2e test made its repository:
#
#   bench/reproducible.sh [build/beaver]
#
# Prints both digests and exits 1 when they differ.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
beaver=$(realpath "${1:-$here/build/beaver}")
. "$here/tests/vm/kernel_target.sh"
[ -f "$kgit/.git/beaver-e2e-complete" ] || { echo "no $kgit: run tests/e2e/kernel_build.sh once" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
kernel_manifest "$tmp/beaver.toml"
for side in one two-with-a-longer-path; do
  mkdir -p "$tmp/$side"
  start=$SECONDS
  "$beaver" build -q --manifest "$tmp/beaver.toml" --no-ccache --work-dir "$tmp/$side/work" --out "$tmp/$side/out" \
    --format json >"$tmp/$side/build.json"
  echo "$side: built in $((SECONDS - start)) s"
  jq -r '.targets[0] | "  phases: \(.phases | to_entries | map("\(.key) \(.value * 10 | round / 10) s") | join(", "))"' "$tmp/$side/build.json"
  # The work tree is big: keep only what is compared.
  rm -rf "$tmp/$side/work"
done
a=$(jq -r '.targets[0].artifact' "$tmp/one/build.json")
b=$(jq -r '.targets[0].artifact' "$tmp/two-with-a-longer-path/build.json")
for f in "$a" "$b"; do
  d=$(mktemp -d "$tmp/x.XXXX")
  tar --zstd -xf "$f" -C "$d"
  echo "$(sha256sum "$d"/boot/vmlinuz-* | cut -c1-64)  vmlinuz in $(basename "$(dirname "$(dirname "$f")")")"
  echo "$(sha256sum "$f" | cut -c1-64)  $(basename "$f") in $(basename "$(dirname "$(dirname "$f")")")"
done
if cmp -s "$a" "$b"; then
  echo "reproducible: the two tarballs are bit-identical"
else
  echo "NOT reproducible: the tarballs differ" >&2
  exit 1
fi
