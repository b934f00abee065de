// The stack manifest (`beaver.toml`): what each kernel target (and each
// other component of the stack: QEMU, OVMF, ...) is made of. One TOML file,
// read with toml++; every problem is reported as `FILE:LINE: message` and the
// whole file is checked before the first error is thrown (all of them, one
// per line of the message), as mold reports every error before stopping.
#pragma once

#include <string>
#include <vector>

namespace beaver::pipeline {

// One entry of `patches`, applied in order.
struct PatchSource {
  enum class Kind { Branch, Mbox, Series, Commits };
  Kind kind = Kind::Branch;
  std::string value;                 // branch name, mbox file, series file (relative to the manifest), or ""
  std::vector<std::string> commits;  // Kind::Commits
  int line = 0;                      // where it is in the manifest

  // "branch vendor/snp", "mbox series/svsm-v7.mbox", "commits 1234abcd", as reports name the source.
  std::string describe() const;
  const char* kind_name() const;
};

struct Target {
  std::string name;
  bool component = false;  // [component.NAME] rather than [target.NAME]
  std::string repo;        // absolute path of the repository
  std::string base;        // any revision
  std::string upstream;    // where merged patches are found ("" = base only)
  std::vector<PatchSource> patches;
  // Kernel targets only:
  std::string config;                // "debian:6.12:cloud-amd64", a .config file, or "make:tinyconfig" (defconfig, ...)
  std::string arch = "x86_64";
  std::vector<std::string> enable, disable;  // as `beaver config --enable/--disable`
  std::vector<std::string> fragments;        // merged before the requests (absolute paths)
  bool fix = false;                          // `fix = true`: as `beaver config --fix` (apply the changes a blocked request needs)
  std::vector<std::string> make = {"bzImage", "modules"};
  // Components only: shell commands run in the assembled tree ({jobs} replaced).
  std::vector<std::string> build;
  int line = 0;
};

struct Manifest {
  std::string path;  // absolute
  std::string dir;   // its directory: relative paths are resolved from here
  std::vector<Target> targets;  // kernel targets first (file order), then components (file order)

  // The targets named (all kernel targets when `names` is empty; a component
  // only when named). Throws beaver::Error naming an unknown one and listing the known.
  std::vector<const Target*> select(const std::vector<std::string>& names) const;
  const Target* find(const std::string& name) const;
};

// Reads and checks the manifest. `default_repo` is the repository used when
// a target has no `repo` key (the one beaver was pointed at). Throws
// beaver::Error (exit 2) listing every problem as FILE:LINE: message.
Manifest load_manifest(const std::string& path, const std::string& default_repo);
Manifest parse_manifest(std::string_view text, const std::string& path, const std::string& default_repo);

}  // namespace beaver::pipeline

namespace beaver::pipeline {

// The manifest a command reads: `given` when set, else beaver.toml in `dir`
// (the --repo directory) or in the top of its work tree. Throws beaver::Error
// saying where it looked when there is none.
std::string find_manifest(const std::string& given, const std::string& dir);

}  // namespace beaver::pipeline
