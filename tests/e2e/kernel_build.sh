#!/usr/bin/env bash
# End to end: `beaver build` makes a real kernel from a stack manifest, the
# kernel boots, and the probe inside it reads the config we asked for.
#
#   bash tests/e2e/kernel_build.sh build/beaver     (what CTest runs)
#
# 1. A git repository of Debian's linux-source-6.12 is made once and cached
#    (${BEAVER_CACHE:-~/.cache/beaver}/e2e-kernel/linux-6.12): v6.12, then an
#    upstream commit on `main`, and a `vendor` branch on v6.12 with two small
#    patches, one of them the same change as the upstream commit.
# 2. beaver.toml: target `tdx` = main + the vendor branch, tinyconfig plus a
#    fragment for a VM with a serial console and an initramfs
#    (tests/vm/kernel.config), the tdx-guest profile enabled, `make bzImage`.
# 3. `beaver build`: the upstream twin is dropped, the other patch applied,
#    every request proven, the bzImage built (through ccache when installed),
#    the artifact and its provenance written; `--verify` accepts the tarball
#    and rejects it after one byte changes.
# 4. The kernel from the tarball boots under qemu-system-x86_64 (TCG) with
#    tests/vm/init.c as /init and the static beaver-probe; the probe is given
#    a CPUID that claims TDX (--cpuid: TCG has no TEE), so that it checks the
#    kernel config: its kernel-config check must pass from /proc/config.gz,
#    i.e. the options beaver asked for are in the booted kernel.
#
# Exits 77 (skipped) when the kernel source, the compiler, qemu or the static
# binaries are missing. BEAVER_E2E_JOBS (default: nproc) is make's -j.
set -euo pipefail
beaver=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
dir=$(dirname "$beaver")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
flatten=$here/../vm/json_flat.awk
probe=$dir/beaver-probe
init=$dir/probe-vm-init
# $kgit and kernel_manifest: the target, shared with the benchmarks.
. "$here/../vm/kernel_target.sh"
tarball=/usr/src/linux-source-6.12.tar.xz
jobs=${BEAVER_E2E_JOBS:-$(nproc)}

fail() { echo "kernel_build: FAIL: $*"; exit 1; }
skip() { echo "kernel_build: SKIP: $*"; exit 77; }
say() { echo "kernel_build: $*"; }

[ -r "$tarball" ] || skip "$tarball missing (Debian package linux-source-6.12; ./dev installs it)"
for t in make gcc flex bison bc cpio qemu-system-x86_64 zstd; do
  command -v "$t" >/dev/null || skip "$t not found (./dev installs what the kernel build needs)"
done
[ -e /usr/include/libelf.h ] || skip "libelf.h missing (Debian package libelf-dev: objtool needs it)"
[ -x "$init" ] || skip "$init not built (it is not in sanitizer or fuzz builds)"
[ -x "$probe" ] || fail "$probe not built"
if command -v readelf >/dev/null && readelf -l "$probe" | grep -q 'program interpreter'; then
  skip "$probe is not static (sanitizer build?): it cannot run in the bare initramfs"
fi

tmp=$(mktemp -d)
vm=
cleanup() {
  [ -z "$vm" ] || kill "$vm" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- 1. the kernel repository, made once ------------------------------------
g() { git -C "$kgit" -c user.name=Kernel -c user.email=kernel@example.org -c core.autocrlf=false -c gc.auto=0 "$@" 9>&-; }
make_repo() {
  rm -rf "$kgit"
  mkdir -p "$kgit"
  say "making $kgit from $tarball (once)"
  tar -xJf "$tarball" -C "$kgit" --strip-components=1
  g init -q -b main
  # Every file of the tarball (-f: Debian's top-level .gitignore ignores everything but debian/).
  g add -f -A .
  GIT_AUTHOR_DATE='2024-11-17T14:15:00Z' GIT_COMMITTER_DATE='2024-11-17T14:15:00Z' g commit -q -m 'Linux 6.12'
  g tag v6.12
  # The vendor branch: a fix upstream took too, and a patch of its own.
  g checkout -q -b vendor
  sed -i 's|^MODULE_DESCRIPTION("TDX Guest Driver");|MODULE_DESCRIPTION("TDX guest driver: /dev/tdx_guest");|' \
    "$kgit/drivers/virt/coco/tdx-guest/tdx-guest.c"
  GIT_AUTHOR_DATE='2024-11-20T10:00:00Z' GIT_COMMITTER_DATE='2024-11-20T10:00:00Z' \
    g commit -q -am 'virt: tdx-guest: say what the driver provides'
  sed -i 's|^#undef pr_fmt$|#undef pr_fmt /* the guest side of TDX */|' "$kgit/arch/x86/coco/tdx/tdx.c"
  GIT_AUTHOR_DATE='2024-11-21T10:00:00Z' GIT_COMMITTER_DATE='2024-11-21T10:00:00Z' \
    g commit -q -am 'x86/tdx: say which side the file is'
  # Upstream takes the first one.
  g checkout -q main
  GIT_COMMITTER_DATE='2024-11-25T10:00:00Z' g cherry-pick -x vendor~1 >/dev/null
  g tag v6.12-lab1
  # Nothing is left in the work tree that a build could pick up by mistake.
  g status --porcelain | grep -q . && fail "the kernel repository is not clean after it was made"
  touch "$kgit/.git/beaver-e2e-complete"
}
mkdir -p "$(dirname "$kgit")"
exec 9>"$(dirname "$kgit")/.lock"
flock 9
[ -f "$kgit/.git/beaver-e2e-complete" ] || make_repo
flock -u 9
exec 9>&-
p_dropped=$(g rev-parse vendor~1)
p_applied=$(g rev-parse vendor)
pid_dropped=$(g show "$p_dropped" | git patch-id --stable | cut -d' ' -f1)
pid_applied=$(g show "$p_applied" | git patch-id --stable | cut -d' ' -f1)

# --- 2. the manifest -----------------------------------------------------------
kernel_manifest "$tmp/beaver.toml"

# --- 3. the build ----------------------------------------------------------------
start=$SECONDS
if ! "$beaver" build --manifest "$tmp/beaver.toml" -j "$jobs" --out "$tmp/out" --format json >"$tmp/build.json" 2>"$tmp/build.err"; then
  cat "$tmp/build.err" "$tmp/build.json"
  fail "beaver build failed"
fi
say "beaver build took $((SECONDS - start)) s"
cat "$tmp/build.err"
status=$(jq -r '.targets[0].status' "$tmp/build.json")
[ "$status" = ok ] || { cat "$tmp/build.json"; fail "status $status"; }
artifact=$(jq -r '.targets[0].artifact' "$tmp/build.json")
release=$(jq -r '.targets[0].kernelrelease' "$tmp/build.json")
[ -f "$artifact" ] || fail "no artifact at $artifact"
case "$(basename "$artifact")" in tdx-"$release"-*.tar.zst) ;; *) fail "artifact name $(basename "$artifact")" ;; esac
jq -e '.targets[0].config | length > 0 and all(.status == "ok")' "$tmp/build.json" >/dev/null ||
  fail "not every config request is ok: $(jq -c '.targets[0].config' "$tmp/build.json")"

# The provenance names both patches with git's patch-ids, and what happened to each.
prov=$(jq -r '.targets[0].provenance' "$tmp/build.json")
deps=$(jq -c '.predicate.buildDefinition.resolvedDependencies' "$prov")
jq -e --arg p "$pid_dropped" --arg c "$(g rev-parse main)" \
  'any(.[]; .annotations.patch_id == $p and .annotations.status == "dropped-upstream" and .annotations.upstream_commit == $c)' \
  <<<"$deps" >/dev/null || fail "provenance lacks the dropped patch $pid_dropped: $deps"
jq -e --arg p "$pid_applied" 'any(.[]; .annotations.patch_id == $p and .annotations.status == "applied")' <<<"$deps" >/dev/null ||
  fail "provenance lacks the applied patch $pid_applied: $deps"
jq -e '.predicate.buildDefinition.internalParameters.toolchain.gcc | startswith("gcc")' "$prov" >/dev/null ||
  fail "provenance names no gcc"

# --verify: accepted, then rejected after one byte changes.
"$beaver" build --verify "$artifact" >"$tmp/verify.txt" || { cat "$tmp/verify.txt"; fail "--verify rejected a fresh artifact"; }
cp "$artifact" "$tmp/damaged.tar.zst"
cp "$prov" "$tmp/damaged.provenance.json"
size=$(stat -c %s "$tmp/damaged.tar.zst")
printf '\x5a' | dd of="$tmp/damaged.tar.zst" bs=1 seek=$((size / 2)) conv=notrunc status=none
cmp -s "$artifact" "$tmp/damaged.tar.zst" && printf '\xa5' | dd of="$tmp/damaged.tar.zst" bs=1 seek=$((size / 2)) conv=notrunc status=none
rc=0
"$beaver" build --verify "$tmp/damaged.tar.zst" >"$tmp/verify-bad.txt" || rc=$?
[ "$rc" = 1 ] || { cat "$tmp/verify-bad.txt"; fail "--verify of a changed tarball exited $rc, expected 1"; }

# --- 4. boot it, with the probe as /init's work -----------------------------------
mkdir -p "$tmp/unpacked" "$tmp/root/dev" "$tmp/root/proc" "$tmp/root/sys"
tar --zstd -xf "$artifact" -C "$tmp/unpacked"
kernel="$tmp/unpacked/boot/vmlinuz-$release"
[ -f "$kernel" ] || fail "no boot/vmlinuz-$release in the artifact"
cp "$init" "$tmp/root/init"
cp "$probe" "$tmp/root/beaver-probe"
# A CPUID claiming TDX (TCG has none), so that the probe checks the kernel config.
cat >"$tmp/root/cpuid" <<'EOF'
0 0 00000021 756e6547 6c65746e 49656e69
1 0 000806f8 00000800 80000000 00000000
21 0 00000000 65746e49 20202020 5844546c
EOF
printf -- '--cpuid\n/cpuid\n--no-attest\n' >"$tmp/root/probe-args"
(cd "$tmp/root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$tmp/initrd"
cd "$tmp"
timeout 300 qemu-system-x86_64 -machine q35 -accel tcg -cpu max -smp 1 -m 256 \
  -nodefaults -display none -no-reboot -monitor none -serial file:console.log \
  -kernel "$kernel" -initrd initrd -append "console=ttyS0 rdinit=/init panic=-1" </dev/null >qemu.out 2>&1 &
vm=$!
qemu_rc=0
wait "$vm" || qemu_rc=$?
vm=
tr -d '\r' <console.log >console.txt 2>/dev/null || : >console.txt
[ "$qemu_rc" = 0 ] || { cat console.txt qemu.out; fail "qemu exited $qemu_rc"; }
grep -q 'BEAVER-PROBE-JSON-END' console.txt || { cat console.txt; fail "the probe did not finish in the VM"; }
grep -q "Linux version $release (beaver@beaver)" console.txt || { cat console.txt; fail "the booted kernel is not ours ($release, beaver@beaver)"; }
awk '/BEAVER-PROBE-JSON-END/ { exit } on { print } /BEAVER-PROBE-JSON-BEGIN/ { on = 1 }' console.txt >probe.json
flat=$(LC_ALL=C awk -f "$flatten" probe.json) || { cat console.txt; fail "the probe's output is not JSON"; }
tee=$(sed -n 's/^tee=//p' <<<"$flat")
[ "$tee" = tdx ] || { cat console.txt; fail "tee=$tee, expected tdx (from the CPUID given)"; }
i=$(sed -n 's/^checks\[\([0-9]*\)\]\.id=kernel-config$/\1/p' <<<"$flat")
[ -n "$i" ] || { cat probe.json; fail "no kernel-config check"; }
result=$(sed -n "s/^checks\[$i\]\.result=//p" <<<"$flat")
detail=$(sed -n "s/^checks\[$i\]\.detail=//p" <<<"$flat")
[ "$result" = pass ] || { cat probe.json; fail "kernel-config: $result ($detail)"; }
case "$detail" in *config.gz*) ;; *) fail "kernel-config did not read /proc/config.gz: $detail" ;; esac
say "ok: $release built and booted; kernel-config: $detail"
