#!/usr/bin/env bash
# End to end: beaver reads every repository git reads, by git's rules
# (issue #20). Each part builds its repository with the git CLI and compares
# beaver's patch-ids with `git log -p | git patch-id --stable`:
#  - core.bigFileThreshold (repository and user config): a larger blob is binary;
#  - git's diff settings: beaver's ids stay git's defaults and it says so once,
#    --git-config gives git's ids under the setting;
#  - a partial clone: nothing is fetched, missing blobs named once per commit,
#    the clone named partial once with the way to fill it;
#  - repository extensions git 2.39 accepts; sha256 refused by name;
#  - two worktrees share one index in the common git directory;
#  - a version 1 .idx: said once (why with BEAVER_TRACE), ids still git's.
set -euo pipefail
beaver=$1
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp/home GIT_CONFIG_NOSYSTEM=1
unset GIT_CONFIG_GLOBAL GIT_DIR GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES
mkdir -p "$HOME"
export GIT_AUTHOR_NAME=a GIT_AUTHOR_EMAIL=a@b GIT_COMMITTER_NAME=a GIT_COMMITTER_EMAIL=a@b
gitids() { git -C "$1" "${@:3}" log -p --no-merges "$2" | git -C "$1" patch-id --stable | sort; }
bids() { "$beaver" patch-id --repo "$1" "${@:3}" "$2" 2>/dev/null | sort; }

# A history whose diffs depend on the settings: C-like files from a small
# vocabulary (so the algorithms and the indent heuristic choose), blank
# context lines, changes a few lines apart, a rename.
mkhistory() {
  local d=$1
  git init -q -b main "$d"
  (
    cd "$d"
    RANDOM=7
    for f in a.c b.c c.c; do
      for i in $(seq 60); do
        case $((RANDOM % 6)) in
          0) echo "}" ;; 1) echo "" ;; 2) echo "	return 0;" ;; 3) echo "{" ;;
          4) echo "	x = y + $((RANDOM % 5));" ;; 5) echo "static int f$((RANDOM % 9))(void)" ;;
        esac
      done > $f
    done
    git add . && git commit -qm base
    for c in $(seq 24); do
      f=$(printf 'a.c\nb.c\nc.c\n' | sed -n "$((RANDOM % 3 + 1))p")
      awk -v s=$((RANDOM)) 'BEGIN { srand(s) } {
          r = rand()
          if (r < 0.06) next
          if (r < 0.12) { print "{"; print "\tz = " int(rand() * 4) ";"; print "}"; print "" }
          if (r < 0.16) { print "" }
          print }' $f > $f.new && mv $f.new $f
      git commit -qam "change $c"
    done
    cp b.c moved.c && echo "/* end */" >> moved.c && git rm -q b.c && git add moved.c && git commit -qm rename
    cp a.c link && git add link && git commit -qm "a file" && rm link && ln -s a.c link && git add link &&
      git commit -qm "a file becomes a symlink: git renders the type change"
  )
}

# --- 1. core.bigFileThreshold -------------------------------------------------
r=$tmp/big
git init -q -b main "$r"
( cd "$r"
  seq 1 5000 > big.txt && seq 1 100 > small.txt && seq 1 5000 > forced.txt
  echo "forced.txt diff" > .gitattributes
  git add . && git commit -qm one
  sed -i 's/^17$/seventeen/' big.txt small.txt forced.txt && git commit -qam two
  seq 1 6000 > new-big.txt && git add . && git commit -qm three )
[ "$(bids "$r" HEAD)" = "$(gitids "$r" HEAD)" ] || fail "big: default threshold"
git -C "$r" config core.bigFileThreshold 16k
gitids "$r" HEAD | cmp -s - <(git -C "$r" -c core.bigFileThreshold=512m log -p | git patch-id --stable | sort) &&
  fail "big: the threshold changes nothing for git (the test proves nothing)"
[ "$(bids "$r" HEAD)" = "$(gitids "$r" HEAD)" ] || fail "big: core.bigFileThreshold=16k in the repository"
git -C "$r" config --unset core.bigFileThreshold
git config --global core.bigFileThreshold 16k
[ "$(bids "$r" HEAD)" = "$(gitids "$r" HEAD)" ] || fail "big: core.bigFileThreshold=16k in ~/.gitconfig"
git config --global --unset core.bigFileThreshold
echo "repo_compat big files: ok"

# --- 2. diff settings ---------------------------------------------------------
r=$tmp/settings
mkhistory "$r"
defaults=$(gitids "$r" main)
[ "$(bids "$r" main)" = "$defaults" ] || fail "settings: defaults"
for s in diff.algorithm=histogram diff.algorithm=patience diff.context=5 diff.context=1 diff.noprefix=true \
         diff.indentHeuristic=false diff.interHunkContext=4 diff.suppressBlankEmpty=true diff.renames=false; do
  git -C "$r" config "${s%%=*}" "${s#*=}"
  theirs=$(gitids "$r" main)
  [ "$(bids "$r" main)" = "$defaults" ] || fail "settings: $s changed beaver's default ids"
  "$beaver" patch-id --repo "$r" main 2>"$tmp/err" >/dev/null
  [ "$(grep -c "warning: git's config sets ${s%%=*}" "$tmp/err" || true)" = 1 ] &&
    grep -q -- "--git-config" "$tmp/err" || fail "settings: $s not said once: $(cat "$tmp/err")"
  [ "$(bids "$r" main --git-config)" = "$theirs" ] || fail "settings: --git-config under $s differs from git"
  git -C "$r" config --unset "${s%%=*}"
  case $s in
    diff.noprefix=true|diff.context=5|diff.interHunkContext=4|diff.renames=false)
      [ "$theirs" != "$defaults" ] || fail "settings: $s does not change git's ids (the test proves nothing)" ;;
  esac
done
# From the user's config too, and without a setting nothing is said.
git config --global diff.context 5
"$beaver" patch-id --repo "$r" main 2>"$tmp/err" >/dev/null
grep -q "diff.context=5" "$tmp/err" || fail "settings: ~/.gitconfig's diff.context not said"
[ "$(bids "$r" main --git-config)" = "$(gitids "$r" main)" ] || fail "settings: --git-config with ~/.gitconfig"
git config --global --unset diff.context
"$beaver" patch-id --repo "$r" main 2>"$tmp/err" >/dev/null
[ ! -s "$tmp/err" ] || fail "settings: something said without a setting: $(cat "$tmp/err")"
echo "repo_compat diff settings: ok"

# --- 3. a partial clone ---------------------------------------------------------
src=$tmp/origin
mkhistory "$src"
git -C "$src" config uploadpack.allowFilter true
p=$tmp/partial
git clone -q --filter=blob:none --no-checkout "file://$src" "$p"
packs() { find "$p/.git/objects" -type f | sort | md5sum; }
before=$(packs)
set +e
GIT_TRACE=$tmp/trace "$beaver" patch-id --repo "$p" main >"$tmp/out" 2>"$tmp/err"; rc=$?
set -e
[ "$(packs)" = "$before" ] || fail "partial: beaver fetched objects from the promisor remote"
grep -q "fetch" "$tmp/trace" && fail "partial: git was made to try a fetch: $(grep fetch "$tmp/trace" | head -3)"
[ "$rc" = 1 ] || fail "partial: exit $rc (want 1: commits could not be read)"
[ "$(grep -c "is a partial clone" "$tmp/err")" = 1 ] || fail "partial: not said once: $(cat "$tmp/err")"
grep -q "fetch --refetch origin" "$tmp/err" || fail "partial: the way to fill it is not said"
grep -q "fatal:" "$tmp/err" && fail "partial: git's fatal text pasted: $(cat "$tmp/err")"
for c in $(git -C "$p" rev-list main); do
  n=$(grep -c "$c" "$tmp/err" || true)
  [ "$n" -le 1 ] || fail "partial: commit $c named $n times"
done
# The remote gone: still nothing fetched, still quick (no network, no retries).
mv "$src" "$src.away"
set +e
timeout 60 "$beaver" patch-id --repo "$p" main >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ "$rc" = 1 ] || fail "partial, remote gone: exit $rc"
[ "$(packs)" = "$before" ] || fail "partial, remote gone: objects written"
grep -q "fatal:" "$tmp/err" && fail "partial, remote gone: git's fatal text pasted"
# Filled as beaver says: then every id is git's.
mv "$src.away" "$src"
git -C "$p" config --unset remote.origin.partialclonefilter && git -C "$p" fetch -q --refetch origin
[ "$(bids "$p" main)" = "$(gitids "$p" main)" ] || fail "partial: after filling, ids differ from git's"
echo "repo_compat partial clone: ok"

# --- 4. repository extensions -----------------------------------------------------
r=$tmp/ext
mkhistory "$r"
want=$(gitids "$r" main)
git -C "$r" config core.repositoryformatversion 1
for e in worktreeConfig preciousObjects partialClone noop; do
  v=true; [ $e = partialClone ] && v=origin
  git -C "$r" config extensions.$e $v
  git -C "$r" rev-parse HEAD >/dev/null || fail "ext: git refuses extensions.$e"
  [ "$(bids "$r" main)" = "$want" ] || fail "ext: extensions.$e: $("$beaver" patch-id --repo "$r" main 2>&1 | tail -1)"
done
git config -f "$r/.git/config" extensions.noSuchThing true   # git refuses it too
if "$beaver" patch-id --repo "$r" main >/dev/null 2>"$tmp/err"; then fail "ext: an unknown extension accepted"; fi
git config -f "$r/.git/config" --unset extensions.noSuchThing
git init -q --object-format=sha256 "$tmp/sha256"
set +e
"$beaver" patch-id --repo "$tmp/sha256" >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ "$rc" = 2 ] || fail "sha256: exit $rc"
grep -q "object format sha256 is not supported yet" "$tmp/err" || fail "sha256: $(cat "$tmp/err")"
echo "repo_compat extensions: ok"

# --- 6. worktrees share one index ----------------------------------------------------
r=$tmp/wt
mkhistory "$r"
git -C "$r" worktree add -q "$tmp/wt-two" -b two
"$beaver" index --repo "$r" >/dev/null
"$beaver" index --repo "$tmp/wt-two" --format json >"$tmp/out"
grep -q '"new_commits": 0' "$tmp/out" || fail "worktree: the second worktree indexed again: $(cat "$tmp/out")"
[ -f "$r/.git/beaver/index.sqlite" ] || fail "worktree: no index in the common git directory"
[ ! -e "$r/.git/worktrees/wt-two/beaver" ] || fail "worktree: an index under .git/worktrees"
echo "worktree commit" > "$tmp/wt-two/w.txt" && git -C "$tmp/wt-two" add w.txt && git -C "$tmp/wt-two" commit -qm w
"$beaver" index --repo "$tmp/wt-two" --format json >"$tmp/out"
grep -q '"new_commits": 1' "$tmp/out" || fail "worktree: the new commit: $(cat "$tmp/out")"
"$beaver" log --repo "$r" -n 1 two >/dev/null || fail "worktree: the main worktree does not see the shared index"
echo "repo_compat worktrees: ok"

# --- 7. a pack index beaver's reader does not read --------------------------------------
r=$tmp/v1
mkhistory "$r"
git -C "$r" repack -q -a -d
want=$(gitids "$r" main)
pack=$(ls "$r"/.git/objects/pack/*.pack)
rm "${pack%.pack}.idx"
git -C "$r" index-pack --index-version=1 "$pack" >/dev/null
[ "$(bids "$r" main)" = "$want" ] || fail "v1 idx: ids differ"
"$beaver" patch-id --repo "$r" main 2>"$tmp/err" >/dev/null
[ "$(grep -c "pack reader does not read" "$tmp/err")" = 1 ] || fail "v1 idx: not said once: $(cat "$tmp/err")"
grep -q "trace:" "$tmp/err" && fail "v1 idx: trace without BEAVER_TRACE"
BEAVER_TRACE=1 "$beaver" patch-id --repo "$r" main 2>"$tmp/err" >/dev/null
grep -q "trace: beaver's pack reader is off: .*idx" "$tmp/err" || fail "v1 idx: BEAVER_TRACE does not say why"
echo "repo_compat pack index: ok"
