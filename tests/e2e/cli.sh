#!/usr/bin/env bash
# End to end: every command has --help with examples; usage errors exit 2
# with a message; patch-id equals git's on this very repository's history
# when it is a git checkout.
set -euo pipefail
beaver=$1
fail() { echo "FAIL: $*"; exit 1; }
"$beaver" --help | grep "Examples:" >/dev/null || fail "beaver --help has no examples"
for cmd in index patch-id log stack rebase-diff delta fixes config matrix demo; do
  "$beaver" "$cmd" --help | grep "Examples:" >/dev/null || fail "beaver $cmd --help has no examples"
done
set +e
"$beaver" no-such-command >/dev/null 2>&1; rc=$?
[ "$rc" = 2 ] || fail "unknown command: exit $rc"
"$beaver" patch-id --repo /nonexistent HEAD >/dev/null 2>"${TMPDIR:-/tmp}/beaver-cli-err"; rc=$?
[ "$rc" = 2 ] || fail "bad --repo: exit $rc"
grep -q "/nonexistent" "${TMPDIR:-/tmp}/beaver-cli-err" || fail "bad --repo: message does not name the path"
"$beaver" index --batch 0 >/dev/null 2>&1; rc=$?
[ "$rc" = 2 ] || fail "--batch 0: exit $rc"
set -e
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_AUTHOR_NAME=a GIT_AUTHOR_EMAIL=a@b GIT_COMMITTER_NAME=a GIT_COMMITTER_EMAIL=a@b
git init -q -b main .
for i in 1 2 3; do echo "$i" > "f$i"; git add .; git commit -qm "c$i"; done
[ "$("$beaver" patch-id | sort)" = "$(git log -p --no-merges | git patch-id --stable | sort)" ] || fail "patch-id != git"
# No colour and no progress bar when not on a terminal.
"$beaver" index 2>&1 | grep -q $'\033' && fail "escape codes in a pipe"
echo "cli: ok"
# log -n walks only as far as it needs, in git log's order.
[ "$("$beaver" log -n 2 --format json | grep -o '"commit": "[0-9a-f]*"' | cut -d'"' -f4 | tr '\n' ' ')" = \
  "$(git log -2 --format=%H | tr '\n' ' ')" ] || fail "log -n 2 order"
echo "cli log: ok"
# -o FILE: a regular file keeps its mode, a symlink's target is written, a device stays a device.
echo old > report.txt && chmod 600 report.txt && ln -s report.txt link.txt
"$beaver" matrix --list-features -o link.txt || fail "-o through a symlink"
[ -L link.txt ] || fail "-o replaced the symlink"
grep -q "snp-guest" report.txt || fail "-o did not write the symlink's target"
[ "$(stat -c %a report.txt)" = 600 ] || fail "-o changed the mode of report.txt to $(stat -c %a report.txt)"
"$beaver" matrix --list-features -o /dev/null || fail "-o /dev/null"
[ -c /dev/null ] || fail "-o /dev/null replaced the device"
[ -z "$(ls -A | grep -v -e '^f[123]$' -e report.txt -e link.txt -e '^.git$')" ] || fail "-o left files behind: $(ls -A)"
set +e
"$beaver" patch-id -j 40000 >/dev/null 2>&1; rc=$?
[ "$rc" = 2 ] || fail "-j 40000: exit $rc"
set -e
"$beaver" patch-id --all | sort | cmp -s - <(git log -p --no-merges --all | git patch-id --stable | sort) || fail "patch-id --all"
echo "cli -o: ok"
# beaver help [COMMAND], an unknown command named with the nearest one, --color.
[ "$("$beaver" help stack)" = "$("$beaver" stack --help)" ] || fail "beaver help stack"
[ "$("$beaver" help)" = "$("$beaver" --help)" ] || fail "beaver help"
set +e
err=$("$beaver" stak 2>&1); rc=$?
[ "$rc" = 2 ] && grep -q "'stak' is not a beaver command. Did you mean 'stack'?" <<<"$err" || fail "stak: exit $rc: $err"
err=$("$beaver" rebase 2>&1)
grep -q "Did you mean 'rebase-diff'?" <<<"$err" || fail "rebase: $err"
err=$("$beaver" frobnicate 2>&1)
grep -q "Did you mean" <<<"$err" && fail "frobnicate got a suggestion: $err"
"$beaver" patch-id --color=sometimes >/dev/null 2>&1; rc=$?
[ "$rc" = 2 ] || fail "--color=sometimes: exit $rc"
set -e
"$beaver" log -n 1 --color=always | grep $'\033\[' >/dev/null || fail "--color=always (after the command) gives no colour in a pipe"
NO_COLOR=1 "$beaver" --color always log -n 1 | grep $'\033\[' >/dev/null || fail "--color=always does not win over NO_COLOR"
"$beaver" --color=never log -n 1 | grep -q $'\033' && fail "--color=never"
echo "cli help and colour: ok"
