#!/usr/bin/env bash
# End to end: the Debian package of beaver (CPack, as `./dev package` makes
# it) installs with dpkg into a scratch root, and what it installed works:
# beaver --version, beaver-probe --version, man -w for every page, the
# completions load in bash. Man pages and completions are generated from the
# CLI definitions at build time; every command has its page.
set -euo pipefail
beaver=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
build=$(dirname "$beaver")
command -v cpack >/dev/null && command -v dpkg >/dev/null || { echo "SKIP: no cpack or dpkg"; exit 77; }
if [[ "$(ldd "$beaver" 2>/dev/null)" == *libasan* ]]; then echo "SKIP: sanitizer build (the package holds the plain build)"; exit 77; fi
[ -f "$build/CPackConfig.cmake" ] || { echo "SKIP: $build has no CPackConfig.cmake"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
(cd "$tmp" && cpack --config "$build/CPackConfig.cmake" -G DEB -B "$tmp/out" >"$tmp/cpack.log" 2>&1) || { cat "$tmp/cpack.log"; fail "cpack"; }
deb=$(ls "$tmp"/out/beaver_*_amd64.deb)
root=$tmp/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
: >"$root/var/lib/dpkg/status"
: >"$root/var/lib/dpkg/available"
dpkg --root="$root" --force-not-root --force-bad-path --force-depends --log=/dev/null -i "$deb" >"$tmp/dpkg.log" 2>&1 ||
  { cat "$tmp/dpkg.log"; fail "dpkg -i"; }
dpkg --root="$root" -s beaver | grep "^Status: install ok installed" >/dev/null || fail "not installed"
"$root/usr/bin/beaver" --version | grep "^beaver [0-9]" >/dev/null || fail "beaver --version"
"$root/usr/bin/beaver-probe" --version >/dev/null || fail "beaver-probe --version"
if command -v man >/dev/null; then
  for page in beaver beaver-stack beaver-config-explain beaver-probe; do
    man -M "$root/usr/share/man" -w "$page" >/dev/null 2>&1 || fail "man -w $page"
  done
  MANWIDTH=80 man -l "$root/usr/share/man/man1/beaver-stack.1.gz" 2>&1 | grep "EXIT STATUS" >/dev/null || fail "man renders no EXIT STATUS"
fi
# A page per command, from the same definitions as --help.
for cmd in index patch-id log stack rebase-diff delta fixes backport assemble combine build ci config matrix demo; do
  [ -f "$root/usr/share/man/man1/beaver-$cmd.1.gz" ] || fail "no man page for $cmd"
done
zcat "$root/usr/share/man/man1/beaver-stack.1.gz" | grep -- '--upstream' >/dev/null || fail "beaver-stack(1) lacks --upstream"
# The completions: bash completes commands, options and profile names.
comp=$root/usr/share/bash-completion/completions/beaver
[ -f "$comp" ] && [ -f "$root/usr/share/zsh/vendor-completions/_beaver" ] && [ -f "$root/usr/share/fish/vendor_completions.d/beaver.fish" ] ||
  fail "completions not installed"
complete_words() {  # WORDS... -> what bash offers for the last one
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _beaver; printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$@"
}
complete_words beaver sta | grep -x stack >/dev/null || fail "bash: beaver sta<TAB>"
complete_words beaver stack --up | grep -x -- --upstream >/dev/null || fail "bash: beaver stack --up<TAB>"
complete_words beaver config --enable snp | grep -x snp-guest >/dev/null || fail "bash: --enable snp<TAB>"
complete_words beaver matrix --features tdx | grep -x tdx-guest >/dev/null || fail "bash: --features tdx<TAB>"
complete_words beaver stack --format j | grep -x json >/dev/null || fail "bash: --format j<TAB>"
git init -q "$tmp/repo" && git -C "$tmp/repo" -c user.name=a -c user.email=a@b commit -q --allow-empty -m x &&
  git -C "$tmp/repo" branch vendor/snp
(cd "$tmp/repo" && complete_words beaver stack -u main vendor/) | grep -x vendor/snp >/dev/null || fail "bash: revisions"
echo "package: ok ($(basename "$deb"))"
