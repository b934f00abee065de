#!/usr/bin/env bash
# End to end: beaver-probe inside a real Linux guest. Boots Debian's cloud
# kernel in QEMU (TCG, no TEE) with an initramfs holding only tests/vm/init.c
# as /init, the static beaver-probe and the kernel's config; init prints the
# probe's `--format json` output between marker lines and reboots (QEMU exits: -no-reboot). The
# probe must say "tee": "none", exit 1 (not qualified), and, once it has
# checks, fail the tee-detected one.
#
#   bash tests/e2e/probe_vm.sh build/beaver     (what CTest runs)
#
# Needs qemu-system-x86_64 and cpio (./dev installs qemu-system-x86 and cpio);
# exits 77 (skipped) when they, the static binaries or the kernel are missing.
# The kernel is the image package linux-image-cloud-amd64 depends on, fetched
# once with `apt-get download` (no install, no root needed; the package lists
# must exist: apt-get update) and unpacked into
# ${XDG_CACHE_HOME:-~/.cache}/beaver/vm-kernel/boot/. BEAVER_VM_KERNEL=FILE
# boots FILE instead; BEAVER_VM_TIMEOUT (seconds, default 300) bounds the VM.
set -euo pipefail
beaver=$1
dir=$(dirname "$beaver")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
flatten=$here/../vm/json_flat.awk
probe=$dir/beaver-probe
init=$dir/probe-vm-init
cache=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/beaver/vm-kernel
limit=${BEAVER_VM_TIMEOUT:-300}

fail() { echo "probe_vm: FAIL: $*"; exit 1; }
skip() { echo "probe_vm: SKIP: $*"; exit 77; }

tmp=
download=
vm=
cleanup() {
  [ -z "$vm" ] || kill "$vm" 2>/dev/null || true
  [ -z "$tmp" ] || rm -rf "$tmp"
  [ -z "$download" ] || rm -rf "$download"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- what the test needs -----------------------------------------------------
command -v qemu-system-x86_64 >/dev/null ||
  skip "qemu-system-x86_64 not found (Debian package qemu-system-x86; ./dev installs it)"
command -v cpio >/dev/null || skip "cpio not found (Debian package cpio; ./dev installs it)"
[ -x "$init" ] || skip "$init not built (it is not in sanitizer or fuzz builds)"
[ -x "$probe" ] || fail "$probe not built"
if command -v readelf >/dev/null && readelf -l "$probe" | grep -q 'program interpreter'; then
  skip "$probe is not static (sanitizer build?): it cannot run in the bare initramfs"
fi

# --- the kernel: Debian's cloud kernel, downloaded once, never installed ----
newest_cached() {
  local k=()
  shopt -s nullglob
  k=("$cache"/boot/vmlinuz-*)
  shopt -u nullglob
  [ ${#k[@]} -eq 0 ] || printf '%s\n' "${k[@]}" | sort -V | tail -n 1
}
fetch_kernel() {
  local pkg debs sandbox=()
  for t in apt-get apt-cache dpkg-deb tar; do
    command -v "$t" >/dev/null || skip "no kernel in $cache and no $t to download one"
  done
  pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
          sed -n 's/^ *Depends: *\(linux-image-[^ <>|]*\) *$/\1/p' | head -n 1) || pkg=
  [ -n "$pkg" ] ||
    skip "cannot resolve linux-image-cloud-amd64 to a kernel package (no package lists? run apt-get update)"
  mkdir -p "$cache/boot"
  download=$(mktemp -d "$cache/.download.XXXXXX")
  # As root apt drops to its _apt user, who cannot write here: don't.
  [ "$(id -u)" != 0 ] || sandbox=(-o APT::Sandbox::User=root)
  echo "probe_vm: downloading $pkg into $cache"
  if ! (cd "$download" && apt-get download -q "${sandbox[@]}" "$pkg") >"$download/apt.log" 2>&1; then
    cat "$download/apt.log"
    skip "apt-get download $pkg failed (no network, or stale package lists?)"
  fi
  debs=("$download"/*.deb)
  [ -f "${debs[0]}" ] || fail "apt-get download $pkg left no .deb"
  dpkg-deb --fsys-tarfile "${debs[0]}" | tar -x -C "$download" ./boot/ ||
    fail "cannot unpack ./boot/ from ${debs[0]}"
  [ -n "$(find "$download/boot" -name 'vmlinuz-*')" ] || fail "${debs[0]} has no boot/vmlinuz-*"
  # vmlinuz last, each by rename: a cache with a vmlinuz is a complete one.
  mv "$download"/boot/config-* "$cache/boot/" 2>/dev/null || true
  mv "$download"/boot/vmlinuz-* "$cache/boot/"
  rm -rf "$download"
  download=
}
if [ -n "${BEAVER_VM_KERNEL:-}" ]; then
  kernel=$BEAVER_VM_KERNEL
  [ -r "$kernel" ] || fail "BEAVER_VM_KERNEL=$kernel is not readable"
else
  kernel=$(newest_cached)
  [ -n "$kernel" ] || fetch_kernel
  kernel=$(newest_cached)
  [ -n "$kernel" ] || fail "no vmlinuz in $cache/boot after the download"
fi
echo "probe_vm: kernel $kernel ($(du -k "$kernel" | cut -f1) KiB)"

# --- the initramfs: /init, /beaver-probe, /boot/config-*, mount points -----
tmp=$(mktemp -d)
mkdir -p "$tmp/root/dev" "$tmp/root/proc" "$tmp/root/sys"
cp "$init" "$tmp/root/init"
cp "$probe" "$tmp/root/beaver-probe"
chmod 0755 "$tmp/root/init" "$tmp/root/beaver-probe"
# The kernel's config where a Debian guest has it, for the probe to read.
config=$(dirname "$kernel")/config-$(basename "$kernel" | sed 's/^vmlinuz-//')
if [ -f "$config" ]; then
  mkdir -p "$tmp/root/boot"
  cp "$config" "$tmp/root/boot/"
fi
(cd "$tmp/root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$tmp/initrd" ||
  fail "cpio could not build the initramfs"

# --- boot --------------------------------------------------------------------
# TCG, so there is no TEE whatever the host has. Relative paths for QEMU's
# key=value options (file:), which break on commas in $TMPDIR. In the
# background, so that a TERM (CTest's timeout) reaches the trap, which stops it.
cd "$tmp"
start=$EPOCHREALTIME
timeout "$limit" qemu-system-x86_64 -machine q35 -accel tcg -cpu max -smp 1 -m 512 \
  -nodefaults -display none -no-reboot -monitor none -serial file:console.log \
  -kernel "$kernel" -initrd initrd \
  -append "console=ttyS0 rdinit=/init panic=-1 quiet" \
  </dev/null >qemu.out 2>&1 &
vm=$!
qemu_rc=0
wait "$vm" || qemu_rc=$?
vm=
end=$EPOCHREALTIME
seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')

tr -d '\r' <console.log >console.txt 2>/dev/null || : >console.txt
echo "--- guest console"
cat console.txt
echo "--- end of guest console"
if [ -s qemu.out ]; then
  echo "--- qemu stdout/stderr"
  cat qemu.out
fi
echo "probe_vm: boot + probe + reboot took $seconds s (qemu exit $qemu_rc)"
[ "$qemu_rc" != 124 ] || fail "the VM did not stop within $limit s"
[ "$qemu_rc" = 0 ] || fail "qemu-system-x86_64 exited $qemu_rc"

# --- what the probe said -----------------------------------------------------
grep -q 'BEAVER-PROBE-JSON-BEGIN' console.txt || fail "no BEAVER-PROBE-JSON-BEGIN: /init never ran?"
end_line=$(grep -m 1 'BEAVER-PROBE-JSON-END' console.txt) || fail "no BEAVER-PROBE-JSON-END: the guest died during the probe?"
probe_rc=$(sed -n 's/.*BEAVER-PROBE-JSON-END exit=\(-\{0,1\}[0-9]*\).*/\1/p' <<<"$end_line")
awk '/BEAVER-PROBE-JSON-END/ { exit } on { print } /BEAVER-PROBE-JSON-BEGIN/ { on = 1 }' console.txt >probe.json
[ "$probe_rc" != 2 ] || fail "the probe exited 2 (error)"
[ "$probe_rc" = 1 ] || fail "the probe exited '$probe_rc', expected 1 (not qualified: TCG has no TEE)"
flat=$(LC_ALL=C awk -f "$flatten" probe.json) || fail "the probe's output is not one valid JSON document"
tee=$(sed -n 's/^tee=//p' <<<"$flat")
[ "$tee" = none ] || fail "\"tee\": \"$tee\", expected \"none\""
grep -Eq '^checks(=|\[)' <<<"$flat" || fail "no \"checks\" array"
checks=$(sed -n 's/^checks\[\([0-9]*\)\]\..*/\1/p' <<<"$flat" | sort -u | wc -l)
if [ "$checks" -gt 0 ]; then
  ids=$(sed -n 's/^checks\[\([0-9]*\)\]\.id=tee-detected$/\1/p' <<<"$flat")
  [ -n "$ids" ] || fail "$checks checks but none has \"id\": \"tee-detected\""
  for i in $ids; do
    result=$(awk -v k="checks[$i].result=" 'index($0, k) == 1 { print substr($0, length(k) + 1) }' <<<"$flat")
    [ "$result" = fail ] || fail "check tee-detected: \"result\": \"$result\", expected \"fail\""
  done
fi
echo "probe_vm: ok (tee=none, exit=1, $checks checks, $seconds s)"
