// The kernels `beaver matrix` compares, loaded from what a user has: a source
// tree (with or without a .config), a commit of a kernel repository, a config
// file alone (plain, .gz, .xz, .zst), a Debian kernel package, or Debian's
// installed linux-source / linux-config (debian:6.12[:FLAVOUR]).
#pragma once

#include "matrix/source.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace beaver::matrix {

struct Kernel {
  std::string name;     // column header: short and unique
  std::string spec;     // as given on the command line
  std::string kind;     // "tree", "git", "config", "deb"
  std::string version;  // "6.12.117"; "" when unknown
  std::string arch;     // "x86", "arm64", ...: from the config's header; "" without a config
  std::shared_ptr<SourceTree> source;  // trees and revisions
  std::string tree_dir;                // directory trees: where the Kconfig model reads from
  std::optional<std::string> config;   // .config text
  std::string config_name;             // where it came from, for messages
  std::vector<std::string> warnings;
};

// Loads the kernel(s) one command-line argument names (a linux-config
// package holds one config per flavour, hence a vector). With `repo`, the
// argument is REV[:CONFIG]. Otherwise: debian:VERSION[:FLAVOUR], DIR[:CONFIG]
// (DIR/.config is used when there is one), a .deb, or a config file. Throws
// beaver::Error (exit 2) naming the argument and what is wrong with it.
// What one run may read in configs from all its arguments: each config is
// bounded (64 MiB) and each package (128 MiB), but many arguments must not add
// up to the machine's memory. One budget per run; `left` goes down per load.
struct LoadBudget {
  static constexpr std::size_t kRunBytes = std::size_t(512) << 20;
  std::size_t left = kRunBytes;
};
std::vector<Kernel> load_kernels(const std::string& spec, const std::string& repo = "", LoadBudget* budget = nullptr);

// A config file's text, decompressed when it is gzip, xz or zstd. Throws
// beaver::Error when it cannot be read or holds no CONFIG_ line.
std::string read_config_file(const std::string& path);

// What a config's header says ("# Linux/x86 6.12.117 Kernel Configuration"):
// the architecture ("x86"; Linux/x86_64 and i386 are x86, aarch64 is arm64)
// and the version ("6.12.117"); both "" without a header.
struct ConfigHeader {
  std::string arch, version;
};
ConfigHeader config_header(std::string_view config_text);

// Entries of a .deb's data archive whose path `want` accepts, with their
// bytes, and the package name from its control file. Throws beaver::Error for
// a file that is not a Debian package or a damaged archive.
struct DebContents {
  std::string package, version;
  std::vector<std::pair<std::string, std::string>> files;  // path without "./", bytes
};
// `want` returns 0 (skip), 1 (take) or 2 (take and stop reading).
DebContents read_deb(const std::string& path, const std::function<int(const std::string& path)>& want);

}  // namespace beaver::matrix
