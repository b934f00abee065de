// The CoCo feature catalog (data/coco-features.toml, compiled into the
// binary): for every feature id of the reference, the Kconfig symbols that
// turn it on and the source markers that prove its code is in a tree.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace beaver::kconfig {

// One piece of source evidence: a file or directory ("dir/"), optionally with
// a text that must occur in it (in any file under a directory). `since` and
// `until` are the releases where the catalog knows it to exist (for tests and
// for messages); matching ignores them: a backport counts.
struct Marker {
  std::string path, text, since, until;
  std::string describe() const;  // "PATH" or "PATH: TEXT"
};

// A symbol that must be on: "NAME" (y or m) or "NAME=y" (built in).
struct Requirement {
  std::string symbol;
  bool builtin = false;
  std::string describe() const;  // "NAME" or "NAME=y"
};

struct Feature {
  std::string id, title, technology, role, arch, since;
  std::vector<Requirement> symbols;
  // A symbol that arrived with the feature (usually one of `symbols`; for
  // snp-guest the SEV_GUEST driver that came with it), or "": a config that
  // mentions it proves the code is there whatever its version (a backport);
  // without one, a config alone is judged by `since`.
  std::string proof;
  std::vector<std::vector<Marker>> markers;  // every group needed; one alternative of a group suffices
  std::vector<std::string> interfaces;
  int line = 0;  // in the catalog file
};

// Parses a catalog; throws beaver::Error listing every problem with
// `source:LINE` (malformed TOML, a role other than guest/host, a symbol that
// is not a Kconfig name, an empty marker, a release that is not N.N).
std::vector<Feature> parse_features(std::string_view toml_text, const std::string& source);

// The built-in catalog, in file order.
const std::vector<Feature>& builtin_features();
const Feature* find_feature(std::string_view id);

// Kernel releases compared numerically ("6.9" < "6.12" < "6.12.1"; "-rc"
// and other suffixes ignored). Returns <0, 0, >0.
int compare_versions(std::string_view a, std::string_view b);
// The release a kernel version belongs to: "6.12.117-amd64" -> "6.12".
std::string release_of(std::string_view version);

}  // namespace beaver::kconfig
