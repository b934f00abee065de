#!/usr/bin/env bash
# Benchmark: beaver stack and rebase-diff on an indexed repository, next to
# what git offers for the same questions (git cherry, git range-diff).
#
#   bench/stack.sh REPO UPSTREAM BRANCH [OLD NEW]
#
# Indexes REPO first (not timed when already indexed), then times, warm:
#   beaver stack -u UPSTREAM BRANCH        and  git cherry UPSTREAM BRANCH
#   beaver rebase-diff -u UPSTREAM OLD NEW and  git range-diff (same ranges)
# and prints wall time, peak RSS and the status counts. Uses build/beaver
# (or $BEAVER). Not run by CI.
set -euo pipefail
repo=${1:?usage: bench/stack.sh REPO UPSTREAM BRANCH [OLD NEW]}
upstream=${2:?upstream}
branch=${3:?branch}
old=${4:-}
new=${5:-}
here=$(cd "$(dirname "$0")/.." && pwd)
beaver=${BEAVER:-$here/build/beaver}
[ -x "$beaver" ] || { echo "no $beaver: run ./dev build" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
command -v jq >/dev/null || { echo "needs jq (apt-get install jq)" >&2; exit 2; }
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

measure() {  # name command...
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$tmp/t" "$@" > "$tmp/$name.out" 2> "$tmp/$name.err" || {
    echo "$name failed:" >&2; cat "$tmp/$name.err" >&2; exit 1; }
  read -r wall rss < "$tmp/t"
  printf '%-22s %8.2f s wall %8d MiB peak\n' "$name" "$wall" $((rss / 1024))
}

"$beaver" index --repo "$repo" -q
base=$(git -C "$repo" merge-base "$upstream" "$branch")
echo "$branch: $(git -C "$repo" rev-list --no-merges --count "$base..$branch") commits on $(git -C "$repo" describe --tags "$base" 2>/dev/null || echo "$base")"
measure stack "$beaver" stack --repo "$repo" -u "$upstream" --format json "$branch"
jq -c .summary "$tmp/stack.out"
measure git-cherry git -C "$repo" cherry "$upstream" "$branch"
echo "git cherry: $(grep -c '^-' "$tmp/git-cherry.out" || true) upstream, $(grep -c '^+' "$tmp/git-cherry.out" || true) not"
if [ -n "$old" ]; then
  measure rebase-diff "$beaver" rebase-diff --repo "$repo" -u "$upstream" --format json "$old" "$new"
  jq -c .summary "$tmp/rebase-diff.out"
  ob=$(git -C "$repo" merge-base "$upstream" "$old")
  nb=$(git -C "$repo" merge-base "$upstream" "$new")
  measure git-range-diff git -C "$repo" range-diff --no-color "$ob..$old" "$nb..$new"
  echo "git range-diff: $(grep -cE '^ *[0-9]+: +[0-9a-f]+ [=!] ' "$tmp/git-range-diff.out" || true) pairs"
fi
