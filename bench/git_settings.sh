#!/usr/bin/env bash
# beaver's patch-ids against git's under each diff setting of git's config,
# and a partial clone's run (nothing fetched). Never run by CI.
#
#   bench/git_settings.sh REPO RANGE
#   BEAVER=build/beaver BEAVER_OLD=/path/to/older/beaver PARTIAL=1 bench/git_settings.sh ~/u-boot v2024.01..v2024.04
#
# For each setting S: `git -c S log -p --no-merges RANGE | git patch-id
# --stable` (git's ids on a machine with S), `beaver patch-id RANGE` (must
# equal git's defaults whatever S) and `beaver patch-id --git-config RANGE`
# (must equal git's ids under S). The setting reaches git and beaver alike
# through GIT_CONFIG_COUNT (git >= 2.31). Prints the counts of pairs that
# differ and the wall times.
#
# BIG=1 also builds a scratch repository with a text file larger than
# git's default core.bigFileThreshold (512 MiB; BIG_LINES lines of `seq`,
# default 62,000,000: 548 MB): added, changed, then a small file changed;
# and compares the three patch-ids, wall time and peak memory with git's.
#
# SETTINGS=0 skips the settings.
#
# PARTIAL=1 also clones REPO with --filter=blob:none --no-checkout (file://)
# into a temporary directory, times `beaver patch-id RANGE` there (and with
# BEAVER_OLD, the older binary, after it: that one lets git fetch) and counts
# the clone's packs and promisor packs before and after each run: beaver must
# not fetch. First with the remote unreachable, then reachable.
set -euo pipefail
repo=${1:?usage: bench/git_settings.sh REPO RANGE}
range=${2:?usage: bench/git_settings.sh REPO RANGE}
beaver=${BEAVER:-$(dirname "$0")/../build/beaver}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
secs() { printf '%.2f' "$(echo "$2 - $1" | bc)"; }
# Commits whose id differs between two outputs (or that only one has). Lines
# for the null commit are left out: git patch-id prints them for text it
# cannot attribute (diff.suppressBlankEmpty's empty context lines end its
# hunks early); nulls() counts them.
differ() {
  awk 'FNR == 1 { f++ } $2 !~ /^0+$/ { id[f, $2] = $1; seen[$2] = 1 }
       END { n = 0; for (c in seen) if (id[1, c] != id[2, c]) n++; print n }' "$1" "$2"
}
nulls() { grep -c ' 0000000000000000000000000000000000000000$' "$1" || true; }

with() {  # with KEY=VALUE CMD...: CMD with the setting in git's config
  local kv=$1; shift
  if [ "$kv" = none ]; then "$@"; else
    GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=${kv%%=*} GIT_CONFIG_VALUE_0=${kv#*=} "$@"; fi
}

echo "repository $repo, range $range, $(git --version), $("$beaver" --version 2>/dev/null || echo beaver)"
echo "commits: $(git -C "$repo" rev-list --count --no-merges "$range") non-merge"
if [ "${SETTINGS:-1}" = 1 ]; then
t0=$(now); git -C "$repo" log -p --no-merges "$range" | git patch-id --stable | sort > "$tmp/git.default"; t1=$(now)
echo "git log -p | git patch-id --stable (defaults): $(wc -l < "$tmp/git.default") ids, $(secs "$t0" "$t1") s"
printf '%-28s %8s %14s %16s %10s %18s %10s\n' setting git-ids "git!=defaults" "beaver!=defaults" "beaver s" "--git-config!=git" "--git-config s"
for s in none diff.algorithm=histogram diff.algorithm=patience diff.algorithm=minimal diff.context=5 diff.context=1 \
         diff.noprefix=true diff.indentHeuristic=false diff.interHunkContext=3 diff.suppressBlankEmpty=true \
         diff.renames=false diff.renames=copies; do
  with "$s" sh -c 'git -C "$1" log -p --no-merges "$2" | git patch-id --stable' _ "$repo" "$range" | sort > "$tmp/git.s"
  t0=$(now); with "$s" "$beaver" patch-id --repo "$repo" "$range" 2>"$tmp/err" | sort > "$tmp/b.default"; t1=$(now)
  with "$s" "$beaver" patch-id --repo "$repo" --git-config "$range" 2>/dev/null | sort > "$tmp/b.config"; t2=$(now)
  warned=$(grep -c "git's config sets" "$tmp/err" || true)
  printf '%-28s %8s %14s %16s %10s %18s %10s  (warned %s; git: %s lines for the null commit)\n' "$s" "$(wc -l < "$tmp/git.s")" \
    "$(differ "$tmp/git.s" "$tmp/git.default")" "$(differ "$tmp/b.default" "$tmp/git.default")" "$(secs "$t0" "$t1")" \
    "$(differ "$tmp/b.config" "$tmp/git.s")" "$(secs "$t1" "$t2")" "$warned" "$(nulls "$tmp/git.s")"
done
fi

peak() {  # peak FILE CMD...: CMD, its peak RSS in MiB into FILE
  local f=$1; shift
  /usr/bin/time -o "$f.kb" -f '%M' "$@"
  awk '{ printf "%d MiB peak\n", $1 / 1024 }' "$f.kb" > "$f"
}

if [ "${BIG:-0}" = 1 ]; then
  echo
  big=$tmp/big
  git init -q "$big"
  seq 1 "${BIG_LINES:-62000000}" > "$big/big.txt"; seq 1 100 > "$big/small.txt"
  git -C "$big" add . && git -C "$big" -c user.name=b -c user.email=b@b commit -qm add
  sed -i 's/^4711$/changed/' "$big/big.txt" && git -C "$big" -c user.name=b -c user.email=b@b commit -qam big
  sed -i 's/^17$/changed/' "$big/small.txt" && git -C "$big" -c user.name=b -c user.email=b@b commit -qam small
  echo "big file: $(stat -c %s "$big/big.txt") bytes"
  t0=$(now); peak "$tmp/rss" sh -c 'git -C "$1" log -p | git patch-id --stable' _ "$big" | sort > "$tmp/big.git"; t1=$(now)
  echo "git log -p | git patch-id --stable: $(secs "$t0" "$t1") s, $(cat "$tmp/rss") (the largest of git's processes)"
  for b in ${BEAVER_OLD:+"$BEAVER_OLD"} "$beaver"; do
    t0=$(now); peak "$tmp/rss" "$b" patch-id --repo "$big" 2>/dev/null | sort > "$tmp/big.b"; t1=$(now)
    echo "$b patch-id: $(secs "$t0" "$t1") s, $(cat "$tmp/rss"), $(differ "$tmp/big.b" "$tmp/big.git") of 3 ids differ from git's"
  done
fi

if [ "${PARTIAL:-0}" = 1 ]; then
  echo
  clone=$tmp/partial
  t0=$(now)
  # The server side needs uploadpack.allowFilter; `git -c` does not reach a local upload-pack.
  git clone -q --filter=blob:none --no-checkout --upload-pack='git -c uploadpack.allowFilter=true upload-pack' \
    "file://$(cd "$repo" && pwd)" "$clone"
  t1=$(now)
  gd=$(git -C "$clone" rev-parse --absolute-git-dir)
  count() { echo "$(ls "$gd"/objects/pack/*.pack 2>/dev/null | wc -l) packs, $(ls "$gd"/objects/pack/*.promisor 2>/dev/null | wc -l) promisor, $(find "$gd"/objects -type f | wc -l) files"; }
  echo "partial clone (--filter=blob:none --no-checkout file://): $(secs "$t0" "$t1") s; $(count)"
  run() {
    local b=$1 before
    before=$(count)
    t0=$(now); set +e; timeout 900 "$b" patch-id --repo "$clone" "$range" > "$tmp/p.out" 2> "$tmp/p.err"; rc=$?; set -e; t1=$(now)
    echo "$b patch-id: exit $rc, $(secs "$t0" "$t1") s, $(wc -l < "$tmp/p.out") ids, $(grep -c 'warning' "$tmp/p.err" || true) warning lines, $(grep -c 'fatal:' "$tmp/p.err" || true) with 'fatal:'"
    echo "  before: $before; after: $(count)"
  }
  # Unreachable first, then reachable, beaver before BEAVER_OLD: an older
  # beaver lets git fetch the blobs it misses, which would fill the clone.
  url=$(git -C "$clone" config remote.origin.url)
  git -C "$clone" config remote.origin.url "file:///nonexistent/u-boot"
  echo "remote unreachable (remote.origin.url file:///nonexistent/u-boot):"
  for b in "$beaver" ${BEAVER_OLD:+"$BEAVER_OLD"}; do run "$b"; done
  git -C "$clone" config remote.origin.url "$url"
  echo "remote reachable:"
  for b in "$beaver" ${BEAVER_OLD:+"$BEAVER_OLD"}; do run "$b"; done
fi
