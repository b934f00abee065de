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
# PARTIAL=1 also clones REPO with --filter=blob:none --no-checkout (file://)
# into a temporary directory, times `beaver patch-id RANGE` there (and with
# BEAVER_OLD, the older binary) and counts the clone's packs and promisor
# packs before and after each run: beaver must not fetch.
set -euo pipefail
repo=${1:?usage: bench/git_settings.sh REPO RANGE}
range=${2:?usage: bench/git_settings.sh REPO RANGE}
beaver=${BEAVER:-$(dirname "$0")/../build/beaver}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
secs() { printf '%.2f' "$(echo "$2 - $1" | bc)"; }
differ() { comm -3 "$1" "$2" | wc -l | awk '{print int(($1 + 1) / 2)}'; }   # pairs in one file and not the other

with() {  # with KEY=VALUE CMD...: CMD with the setting in git's config
  local kv=$1; shift
  if [ "$kv" = none ]; then "$@"; else
    GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=${kv%%=*} GIT_CONFIG_VALUE_0=${kv#*=} "$@"; fi
}

echo "repository $repo, range $range, $(git --version), $("$beaver" --version 2>/dev/null || echo beaver)"
echo "commits: $(git -C "$repo" rev-list --count --no-merges "$range") non-merge"
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
  printf '%-28s %8s %14s %16s %10s %18s %10s  (warned %s)\n' "$s" "$(wc -l < "$tmp/git.s")" \
    "$(differ "$tmp/git.s" "$tmp/git.default")" "$(differ "$tmp/b.default" "$tmp/git.default")" "$(secs "$t0" "$t1")" \
    "$(differ "$tmp/b.config" "$tmp/git.s")" "$(secs "$t1" "$t2")" "$warned"
done

if [ "${PARTIAL:-0}" = 1 ]; then
  echo
  clone=$tmp/partial
  t0=$(now)
  git -c uploadpack.allowFilter=true clone -q --filter=blob:none --no-checkout "file://$(cd "$repo" && pwd)" "$clone"
  t1=$(now)
  gd=$(git -C "$clone" rev-parse --absolute-git-dir)
  count() { echo "$(ls "$gd"/objects/pack/*.pack 2>/dev/null | wc -l) packs, $(ls "$gd"/objects/pack/*.promisor 2>/dev/null | wc -l) promisor, $(find "$gd"/objects -type f | wc -l) files"; }
  echo "partial clone (--filter=blob:none --no-checkout file://): $(secs "$t0" "$t1") s; $(count)"
  for b in ${BEAVER_OLD:+"$BEAVER_OLD"} "$beaver"; do
    before=$(count)
    t0=$(now); set +e; timeout 900 "$b" patch-id --repo "$clone" "$range" > "$tmp/p.out" 2> "$tmp/p.err"; rc=$?; set -e; t1=$(now)
    echo "$b patch-id: exit $rc, $(secs "$t0" "$t1") s, $(wc -l < "$tmp/p.out") ids, $(grep -c 'warning' "$tmp/p.err" || true) warning lines, $(grep -c 'fatal:' "$tmp/p.err" || true) with 'fatal:'"
    echo "  before: $before; after: $(count)"
  done
fi
