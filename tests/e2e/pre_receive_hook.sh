#!/usr/bin/env bash
# End to end: a CI gate in a pre-receive hook. git keeps a push's objects in
# a quarantine directory until the hook accepts them (GIT_OBJECT_DIRECTORY,
# GIT_ALTERNATE_OBJECT_DIRECTORIES, GIT_QUARANTINE_PATH); `beaver stack
# --check` must read them there, from loose objects and from a pack.
set -euo pipefail
beaver=$1
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp GIT_CONFIG_NOSYSTEM=1
unset GIT_CONFIG_GLOBAL GIT_DIR GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES
export GIT_AUTHOR_NAME=a GIT_AUTHOR_EMAIL=a@b GIT_COMMITTER_NAME=a GIT_COMMITTER_EMAIL=a@b
cd "$tmp"
git init -q -b main up
for i in 1 2 3 4 5; do seq "$i" 40 > "up/f$i"; git -C up add . && git -C up commit -qm "upstream $i"; done
git clone -q --bare up central.git
cat > central.git/hooks/pre-receive <<HOOK
#!/bin/sh
# Every vendor branch pushed must carry only upstream or posted patches.
env | grep '^GIT_QUARANTINE_PATH=' >/dev/null || { echo "no quarantine"; exit 1; }
while read old new ref; do
  case \$ref in
    refs/heads/vendor/*) "$beaver" stack --check --upstream refs/heads/main "\$new" || exit 1 ;;
  esac
done
HOOK
chmod +x central.git/hooks/pre-receive
git clone -q central.git work
cd work
# A vendor branch on upstream 3 carrying a backport of upstream 5: accepted.
git checkout -q -b vendor/ok main~2
git cherry-pick -x main >/dev/null
git -C ../central.git config receive.unpackLimit 1   # the push stays a pack in the quarantine
git push -q origin vendor/ok 2>"$tmp/err" || fail "vendor/ok rejected: $(cat "$tmp/err")"
grep -q "missing" "$tmp/err" && fail "vendor/ok: $(cat "$tmp/err")"
# One more backport, as loose objects in the quarantine: accepted.
git cherry-pick -x main~1 >/dev/null
git -C ../central.git config receive.unpackLimit 100
git push -q origin vendor/ok 2>"$tmp/err" || fail "vendor/ok, loose objects: rejected: $(cat "$tmp/err")"
# A patch that is nowhere upstream: rejected by the gate, with its subject.
echo local > local.txt && git add local.txt && git commit -qm "vendor: a local hack"
if git push origin HEAD:refs/heads/vendor/bad 2>"$tmp/err"; then fail "vendor/bad accepted"; fi
grep -q "unposted" "$tmp/err" || fail "vendor/bad: the gate did not say why: $(cat "$tmp/err")"
grep -q "a local hack" "$tmp/err" || fail "vendor/bad: the patch is not named: $(cat "$tmp/err")"
grep -q "object is missing\|not a git repository" "$tmp/err" && fail "vendor/bad: $(cat "$tmp/err")"
git -C ../central.git rev-parse -q --verify refs/heads/vendor/bad && fail "vendor/bad was stored"
# The index written during the rejected push names commits that are gone: the next push still works.
git reset -q --hard HEAD~1
git push -q origin HEAD:refs/heads/vendor/ok2 2>"$tmp/err" || fail "push after a rejected one: $(cat "$tmp/err")"
echo "pre_receive_hook: ok"
