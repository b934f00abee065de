#!/usr/bin/env bash
# End to end: every example of every `--help` runs. The examples name what a
# kernel maintainer has (~/linux, v6.12, vendor/snp, /boot/config-...); here
# those names are made to exist: the demo repository with tags and branches
# of those names, ~/linux a symlink farm of Debian's 6.12 tree for config and
# matrix, a .deb and a config file. An example passes when it exits 0 or 1
# (1: a --check found something) and CLI11 did not reject its options.
#
#   bash tests/e2e/help_examples.sh build/beaver
set -uo pipefail
beaver=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
fail() { echo "help_examples: FAIL: $*"; exit 1; }
skip() { echo "help_examples: SKIP: $*"; exit 77; }
command -v jq >/dev/null || skip "jq not installed (./dev installs it)"
# Under ASan every example is several times slower: the plain build runs them.
if ldd "$beaver" 2>/dev/null | grep -q libasan; then skip "sanitizer build (the examples run in the plain build)"; fi
[ -e /usr/src/linux-source-6.12.tar.xz ] && [ -d /usr/src/linux-config-6.12 ] || skip "linux-source-6.12 and linux-config-6.12 not installed"

tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}   # Debian's tree unpacked once, kept across HOMEs
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null NO_COLOR=1 TMPDIR=$tmp
export GIT_AUTHOR_NAME=a GIT_AUTHOR_EMAIL=a@b GIT_COMMITTER_NAME=a GIT_COMMITTER_EMAIL=a@b
mkdir -p "$tmp/bin" && ln -s "$beaver" "$tmp/bin/beaver"
export PATH="$tmp/bin:$PATH"

# --- the history: the demo repository, with the names the examples use ------
# It is made by the example `beaver demo --dir /tmp/coco-demo && cd ... && beaver log -n 3`.
repo=$tmp/coco-demo
demo_example=$("$beaver" demo --help | grep -o 'beaver demo --dir .*')
[ -n "$demo_example" ] || fail "no beaver demo --dir example"
(cd "$tmp" && bash -c "${demo_example//\/tmp\//$tmp/}") >"$tmp/demo.log" 2>&1 || { tail -20 "$tmp/demo.log"; fail "$demo_example"; }
[ -d "$repo/.git" ] || fail "$demo_example made no repository in $repo"
git -C "$repo" tag v6.1 v6.8 && git -C "$repo" tag v6.11 v6.9 && git -C "$repo" tag v6.12 v6.10 &&
  git -C "$repo" tag 1a2b3c4d 'main^{/Reject MMIO}' &&
  git -C "$repo" update-ref refs/remotes/origin/master main &&
  for b in linux-6.1.y:linux-6.8.y stable:linux-6.8.y old:vendor/snp new:vendor/snp-6.10 snp-2024.06:vendor/snp-6.9 \
           snp-2024.09:vendor/snp-6.10 snp-vendor:vendor/snp; do git -C "$repo" branch "${b%%:*}" "${b#*:}"; done ||
  fail "naming the demo's refs"
git -C "$repo" checkout -q vendor/snp-6.10 || fail "checkout"  # HEAD~10 exists there
: >"$repo/waivers.toml"
echo "waivers.toml" >>"$repo/.git/info/exclude"

# --- the kernel: Debian's 6.12 tree (unpacked once in the cache) --------------
"$beaver" config --tree debian:6.12 --base debian:6.12:cloud-amd64 --enable KVM --model >/dev/null ||
  fail "unpacking Debian's 6.12 tree"
tree=$XDG_CACHE_HOME/beaver/linux-source-6.12/linux-source-6.12
[ -f "$tree/Kconfig" ] || fail "no tree at $tree"
home=$tmp/home
mkdir -p "$home/lore" "$tmp/work"
cp -as "$tree" "$home/linux" || fail "symlink farm of $tree"
cp -as "$tree" "$home/vendor-linux" || fail "symlink farm of $tree"
xz -dc /usr/src/linux-config-6.12/config.amd64_none_amd64.xz >"$tmp/boot-config"
mkdir -p "$home/vendor-linux/arch/x86/configs" && cp "$tmp/boot-config" "$home/vendor-linux/arch/x86/configs/cvm.config"
ln -s "$repo/linux-coco.mbox" "$home/lore/linux-coco"
# A linux-image package with the real config inside.
deb=$tmp/work/linux-image-6.12.57-amd64_6.12.57-1_amd64
mkdir -p "$deb/DEBIAN" "$deb/boot"
cp "$tmp/boot-config" "$deb/boot/config-6.12.57-amd64"
printf 'Package: linux-image-6.12.57-amd64\nVersion: 6.12.57-1\nArchitecture: amd64\nMaintainer: T <t@example.org>\nDescription: t\n' \
  >"$deb/DEBIAN/control"
dpkg-deb --root-owner-group -Zxz --build "$deb" "$deb.deb" >/dev/null || fail "dpkg-deb"
# `matrix --repo ~/linux v6.1 ...` reads kernel trees from git objects: a small
# history whose commits are kernel trees, under those names.
mrepo=$tmp/kernel-git
mkdir -p "$mrepo" && git -C "$mrepo" init -q -b master &&
  for v in 6.1 6.8 6.12; do
    printf 'VERSION = %s\nPATCHLEVEL = %s\nSUBLEVEL = 0\n' "${v%%.*}" "${v#*.}" >"$mrepo/Makefile"
    printf 'mainmenu "Linux"\nconfig SEV_GUEST\n\ttristate "SEV guest"\n' >"$mrepo/Kconfig"
    mkdir -p "$mrepo/kernel" && echo "/* fork */" >"$mrepo/kernel/fork.c"
    git -C "$mrepo" add -A && git -C "$mrepo" commit -qm "Linux $v" && git -C "$mrepo" tag "v$v"
  done && git -C "$mrepo" update-ref refs/remotes/origin/master master || fail "kernel history"

# --- every example ------------------------------------------------------------
# Lines after "Examples:" that start with "beaver "; "      | ..." lines
# continue the previous one; two or more spaces start its description.
examples() {  # examples COMMAND...
  "$beaver" "$@" --help | awk '
    /^Examples:/ { on = 1; next }
    on && /^  beaver / { if (cur != "") print cur; line = substr($0, 3); sub(/  +[^|].*$/, "", line); cur = line; next }
    on && /^      \|/ { line = $0; sub(/^ +/, " ", line); cur = cur line; next }
    on && /^[^ ]/ { on = 0 }
    END { if (cur != "") print cur }'
}
n=0
run_example() {  # run_example CWD HOME_FOR_TILDE EXAMPLE
  local cwd=$1 h=$2 ex=$3 out rc
  ex=${ex//\/tmp\//$tmp/}
  ex=${ex//\/boot\/config-\$(uname -r)/$tmp/boot-config}
  ex=${ex//\/boot\/config-\*/$tmp/boot-config}
  ex=${ex//\~\//$h/}
  out=$(cd "$cwd" && HOME=$h timeout 600 bash -c "$ex" 2>&1)
  rc=$?
  n=$((n + 1))
  if [ "$rc" -gt 1 ] || grep -qE "was not expected|is required|Run with --help|not a revision|unknown revision" <<<"$out"; then
    echo "$out" | tail -n 20
    fail "example exited $rc: $3"
  fi
}
# Commands on git history run in the demo repository; ~/linux is the demo too.
githome=$tmp/githome
mkdir -p "$githome/lore" && ln -s "$repo" "$githome/linux" && ln -s "$repo/linux-coco.mbox" "$githome/lore/linux-coco"
for cmd in index patch-id log stack rebase-diff delta fixes backport; do
  while IFS= read -r ex; do run_example "$repo" "$githome" "$ex"; done < <(examples "$cmd")
done
# config and matrix: ~/linux is Debian's tree; `matrix --repo ~/linux` the kernel history.
while IFS= read -r ex; do run_example "$tmp/work" "$home" "$ex"; done < <(examples config; examples config explain)
while IFS= read -r ex; do
  h=$home
  case $ex in *--repo*) h=$tmp/mhome; mkdir -p "$h"; ln -sfn "$mrepo" "$h/linux" ;; esac
  run_example "$tmp/work" "$h" "$ex"
done < <(examples matrix)
# `beaver demo` is the `--dir` example above with a directory of its own: that
# run (which made $repo) and e2e.demo cover it; a full demo costs minutes.
while IFS= read -r ex; do
  case $ex in "beaver demo" | *--dir*) ;; *) run_example "$tmp/work" "$home" "$ex" ;; esac
done < <(examples demo)
# ci: a repository with a manifest at its top (a target snp).
cirepo=$tmp/stack-repo
git init -q "$cirepo" && printf '[target.snp]\nbase = "v6.12"\npatches = [{ branch = "vendor/snp" }]\n' >"$cirepo/beaver.toml" ||
  fail "the ci example repository"
while IFS= read -r ex; do run_example "$cirepo" "$githome" "$ex"; done < <(examples ci)
[ -s "$cirepo/.github/workflows/beaver.yml" ] && [ -s "$cirepo/.gitlab-ci.yml" ] || fail "beaver ci examples wrote no pipeline"
# assemble and combine: a manifest at the top of the demo repository (targets
# snp and tdx on v6.10), and the same as ci/beaver.toml.
mkdir -p "$repo/ci"
printf '[defaults]\nupstream = "main"\n[target.snp]\nbase = "v6.10"\npatches = [{ branch = "vendor/snp-6.10" }]\n[target.tdx]\nbase = "v6.10"\npatches = [{ branch = "vendor/tdx" }]\n' |
  tee "$repo/beaver.toml" >"$repo/ci/beaver.toml"
for cmd in assemble combine; do
  while IFS= read -r ex; do run_example "$repo" "$githome" "$ex"; done < <(examples "$cmd")
done
# build makes kernels (minutes each; tests/e2e/kernel_build.sh does one): its
# examples are parsed with --help added, which checks every option and value.
while IFS= read -r ex; do run_example "$repo" "$githome" "$ex --help"; done < <(examples build)
rm -rf "$repo/beaver.toml" "$repo/ci"
# beaver --help: each example by the kind of its command.
while IFS= read -r ex; do
  case $ex in
    "beaver demo") ;;  # as above
    "beaver config"* | "beaver matrix"*) run_example "$tmp/work" "$home" "$ex" ;;
    *) run_example "$repo" "$githome" "${ex/--repo linux/--repo ~/linux}" ;;
  esac
done < <(examples)
[ "$n" -ge 30 ] || fail "only $n examples found"
echo "help_examples: ok ($n examples)"
