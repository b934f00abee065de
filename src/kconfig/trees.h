// The real kernel trees and configs Debian installs, made usable: the
// linux-source-V packages ship /usr/src/linux-source-V.tar.xz, the
// linux-config-V packages /usr/src/linux-config-V/config.FLAVOUR.xz. Kconfig
// work needs only a small part of a tree (every Kconfig file, scripts/, the
// Makefiles), unpacked once into a cache that later runs reuse.
#pragma once

#include <string>
#include <vector>

namespace beaver::kconfig {

// "6.1", "6.12", ... for every /usr/src/linux-source-*.tar.xz (sorted).
std::vector<std::string> installed_source_versions(const std::string& usr_src = "/usr/src");

// Whether /usr/src/linux-source-VERSION.tar.xz is there.
bool source_installed(const std::string& version, const std::string& usr_src = "/usr/src");

// The cache directory: $BEAVER_CACHE, else $XDG_CACHE_HOME/beaver, else ~/.cache/beaver.
std::string cache_dir();

// The tree of linux-source-VERSION unpacked under cache_dir() (only what
// Kconfig and `make olddefconfig` need), unpacking it on first use. Safe
// against concurrent callers (a lock file) and interrupted unpacks (a marker
// written last). Throws beaver::Error when the tarball is missing (naming the
// Debian package to install) or tar fails.
std::string unpacked_tree(const std::string& version, const std::string& usr_src = "/usr/src");

// Debian's config for VERSION and FLAVOUR ("amd64_none_amd64",
// "amd64_none_cloud-amd64"), decompressed. Throws beaver::Error when missing.
// FLAVOUR may also be the short name debian_flavour_name() gives ("cloud-amd64", "rt-amd64").
std::string debian_config(const std::string& version, const std::string& flavour, const std::string& usr_src = "/usr/src");

// The short name of a Debian config flavour: "config.amd64_none_cloud-amd64.xz"
// -> "cloud-amd64", "amd64_rt_amd64" -> "rt-amd64" (the featureset "none" is dropped).
std::string debian_flavour_name(std::string file);

// The kernel's own `make ARCH=arch olddefconfig` on `config_text` in `tree`,
// returning the .config it writes. The tree is not touched (O= points to a
// build directory under cache_dir(), one per tree, kept so that the kconfig
// tool is compiled once; a lock serialises callers). Throws beaver::Error
// with make's output when it fails. `log`, when given, receives its stderr
// (the kernel's warnings, such as unmet dependencies).
std::string olddefconfig(const std::string& tree, const std::string& config_text, const std::string& arch = "x86_64",
                         std::string* log = nullptr);

}  // namespace beaver::kconfig
