# The kernel target of tests/e2e/kernel_build.sh, shared with the benchmarks
# that build it again (bench/reproducible.sh, bench/build_overhead.sh).
# Source it: it sets $kgit (the cached repository the e2e test makes from
# Debian's linux-source-6.12) and defines kernel_manifest FILE, which writes
# the beaver.toml of target `tdx` (tinyconfig + tests/vm/kernel.config +
# tdx-guest, bzImage) to FILE.
kernel_target_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kgit=${BEAVER_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/beaver}/e2e-kernel/linux-6.12
kernel_manifest() {  # kernel_manifest FILE
  cat >"$1" <<TOML
[defaults]
upstream = "main"

[target.tdx]
repo     = "$kgit"
base     = "v6.12-lab1"
patches  = [ { branch = "vendor" } ]
config   = "make:tinyconfig"
fragment = "$kernel_target_dir/kernel.config"
enable   = ["tdx-guest"]
make     = ["bzImage"]
TOML
}
