#!/usr/bin/env bash
# End to end: the README's demo runs, and what it shows is true.
set -euo pipefail
beaver=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null NO_COLOR=1
out=$("$beaver" demo --dir "$tmp/demo")
fail() { echo "FAIL: $*"; echo "$out"; exit 1; }
grep -q "indexed 26 new commits" <<<"$out" || fail "index summary"
grep -q "identical to git patch-id --stable" <<<"$out" || fail "patch-ids differ from git"
grep -q "same patch as" <<<"$out" || fail "the identical upstream merge is not shown"
grep -q "same change, other context" <<<"$out" || fail "the context-only change is not shown"
grep -q 'fixes .* : resolved' <<<"$out" || fail "the Fixes: trailer is not resolved"
grep -q "1 upstream, 2 upstream-modified, 1 posted, 1 unposted" <<<"$out" || fail "stack summary"
grep -q "posted as <20240301-ext-report-v3-2@amd.example>" <<<"$out" || fail "posted message id"
grep -q "5 -> 3 commits: 1 kept, 1 changed, 3 merged upstream, 0 dropped, 1 added" <<<"$out" || fail "first rebase"
grep -q "3 -> 2 commits: 1 kept, 0 changed, 1 merged upstream, 1 dropped, 1 added" <<<"$out" || fail "second rebase"
grep -q "^-+.if (WARN_ON_ONCE(size > 8))" <<<"$out" || fail "delta"
grep -q "</html>" "$tmp/demo-reports/stack.html" || fail "html report"
# Nothing generated is left in the repository's work tree.
[ -z "$(git -C "$tmp/demo" status --porcelain --untracked-files=all)" ] || fail "the demo left files in its work tree: $(git -C "$tmp/demo" status --porcelain)"
grep -q "fix .* virt: sev-guest: Return -EBUSY when throttled .*stable 6.8.x.*applies" <<<"$out" || fail "fixes"
grep -Eq "^  1\. applies +prerequisite +[0-9a-f]{12}  x86/sev: Set up the SVSM calling area" <<<"$out" || fail "backport prerequisite"
grep -Eq "[0-9a-f]{12}'s hunk at arch/x86/coco/sev/core.c:[0-9]+ needs lines from it" <<<"$out" || fail "backport reason"
grep -q "every step applies" <<<"$out" || fail "backport proof"
# The pipeline steps: assemble (statuses) and combine (the conflicting pair).
grep -Eq "dropped-upstream [0-9a-f]{12}  virt: sev-guest: Throttle SNP guest requests" <<<"$out" || fail "assemble dropped"
grep -q "upstream as [0-9a-f]\{12\} (patch-id, v6.9)" <<<"$out" || fail "assemble upstream release"
grep -Eq "conflict +[0-9a-f]{12}  x86/tdx: Reject MMIO accesses wider than 8 bytes" <<<"$out" || fail "assemble conflict"
grep -q "5 patches: 1 applied, 3 dropped upstream, 0 already applied, 1 conflict" <<<"$out" || fail "assemble summary"
grep -q "snp-6-10 and tdx on v6.10 ([0-9a-f]*): they do not combine" <<<"$out" || fail "combine verdict"
grep -q "snp-6-10+tdx: tdx#1: VENDOR: x86/tdx: Say whether the TD is debuggable" <<<"$out" || fail "combine pair"
[ -z "$(git -C "$tmp/demo" for-each-ref refs/heads/beaver)" ] || fail "a conflicting assembly wrote a branch"
# beaver config on Debian's trees (installed by ./dev).
if [ -e /usr/src/linux-source-6.12.tar.xz ] && [ -d /usr/src/linux-config-6.12 ]; then
  grep -q "4 requested: 4 ok, 0 blocked, 0 unknown, 0 promptless" <<<"$out" || fail "snp-guest config"
  grep -q 'INTEL_TDX_HOST (arch/x86/Kconfig:[0-9]*) cannot be set: its prompt needs `!KEXEC_CORE`' <<<"$out" || fail "tdx-host explanation"
  grep -q "CONFIG_KEXEC: y -> n" <<<"$out" || fail "tdx-host --fix change"
  grep -q "^CONFIG_INTEL_TDX_HOST=y" "$tmp/demo-reports/tdx-host.config" || fail "tdx-host.config"
  grep -q "^CONFIG_SEV_GUEST=m" "$tmp/demo-reports/snp-guest.config" || fail "snp-guest.config"
  set +e
  "$beaver" config --tree debian:6.12 --base debian:6.12 --enable tdx-host --format json > "$tmp/c.json"; rc=$?
  set -e
  [ "$rc" = 1 ] || fail "config with a blocked request gave exit $rc"
  grep -q '"status": "blocked"' "$tmp/c.json" || fail "config json status"
  grep -q '"blockers": \[' "$tmp/c.json" || fail "config json blockers"
  "$beaver" config --tree debian:6.12 --base debian:6.12 --enable tdx-host --allow-partial >/dev/null || fail "--allow-partial"
  set +e
  "$beaver" config --tree debian:6.12 --base "$tmp/no-such.config" --enable KVM 2>"$tmp/err"; rc=$?
  set -e
  [ "$rc" = 2 ] || fail "config with a missing base gave exit $rc"
  grep -q "no-such.config: cannot read the base config (no such file)" "$tmp/err" || fail "missing base message"
  "$beaver" config explain SEV_GUEST --want m --tree debian:6.12 --config "$tmp/demo-reports/snp-guest.config" | grep -q "CONFIG_SEV_GUEST = m" \
    || fail "config explain"
fi
# beaver matrix of Debian's 6.1 and 6.12 (trees with their configs).
if [ -e /usr/src/linux-source-6.1.tar.xz ] && [ -e /usr/src/linux-source-6.12.tar.xz ] && [ -d /usr/src/linux-config-6.1 ] && [ -d /usr/src/linux-config-6.12 ]; then
  # INTEL_TDX_HOST came in 6.8; 6.12 has it behind !KEXEC_CORE, which Debian's configs set.
  grep -Eq '^  tdx-host +no +no +off +off$' <<<"$out" || fail "matrix tdx-host row"
  grep -Eq '^  tdx-guest-attestation +no +no +yes +yes$' <<<"$out" || fail "matrix tdx-guest-attestation row"
  # SEV_GUEST needs VIRT_DRIVERS, which 6.1's cloud flavour turns off.
  grep -Eq '^  snp-guest-attestation +yes +off +yes +yes$' <<<"$out" || fail "matrix snp-guest-attestation row"
  grep -q "its prompt needs VIRT_DRIVERS (now n)" <<<"$out" || fail "matrix reason"
  grep -q 'class="cell disabled"' "$tmp/demo-reports/matrix.html" || fail "matrix.html"
fi
# The repository is kept and usable.
cd "$tmp/demo"
"$beaver" index | grep . >/dev/null || true
second=$("$beaver" index 2>&1) || true
grep -q "up to date" <<<"$second" || fail "second index run is not up to date: $second"
"$beaver" log -n 1 --format json | grep '"release": "v6.10"' >/dev/null || fail "log json"
# stack --check: the vendor branch has an unposted patch.
set +e
"$beaver" stack -u v6.9 --mail linux-coco.mbox --check vendor/snp >/dev/null; rc=$?
set -e
[ "$rc" = 1 ] || fail "stack --check gave exit $rc"
# A demo directory that is not empty is refused with exit 2.
set +e
"$beaver" demo --dir "$tmp/demo" >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ "$rc" = 2 ] || fail "non-empty --dir gave exit $rc"
grep -q "not empty" "$tmp/err" || fail "non-empty --dir message"
echo "demo: ok"
