// `beaver config`: start from a base .config, ask for symbols and CoCo
// profiles, let the kernel's own `make olddefconfig` produce the result, then
// prove every request against it. Each request ends `ok`, `blocked` (with the
// blockers and an explanation from the Kconfig model), `unknown` (no such
// symbol in this tree) or `promptless` (cannot be set directly). With `fix`,
// the changes the explanations found are applied and the kernel runs again,
// every change reported.
#pragma once

#include "kconfig/explain.h"

#include <string>
#include <vector>

namespace beaver::kconfig {

struct Request {
  std::string symbol;   // without CONFIG_
  std::string value;    // "y", "m", "n", or a literal for int/hex/string ("" = enable: y, or m if the base has m)
  bool enable = true;   // --enable (false: --disable)
  std::string profile;  // the profile it came from ("" when asked by name)
  std::string since;    // the profile's "first release with it", when known
};

struct RequestResult {
  Request request;
  std::string requested;  // the value written into the input
  std::string actual;     // the value in the final .config ("n" for an unwritten bool/tristate, "" when absent)
  std::string status;     // ok, blocked, unknown, promptless
  Explanation why;
};

struct ConfigChange {
  std::string symbol, from, to;
  std::string reason;  // from the explanation ("SEV_GUEST depends on it")
  std::string for_request;
};

struct ConfigureOptions {
  std::string tree;         // kernel source tree
  std::string base_text;    // the base .config
  std::string base_name;    // for messages
  std::string arch = "x86_64";
  std::vector<std::string> enable, disable;  // names, profiles, NAME=VALUE
  bool fix = false;
  bool model_only = false;  // the Kconfig model instead of `make olddefconfig` (no compiler needed)
  bool progress = false;    // phase messages on stderr
};

struct ConfigureReport {
  std::string tree, base, arch, kernel_version;
  std::string engine;  // "make olddefconfig" or "model"
  std::vector<RequestResult> results;
  std::vector<ConfigChange> changes;  // made by --fix
  std::vector<std::string> warnings;  // base .config problems, model/kernel disagreements
  std::string config;                 // the final .config text
  int runs = 0;                       // times the kernel's tool ran

  std::size_t count(std::string_view status) const;
  bool all_ok() const { return count("ok") == results.size(); }
  // The requested symbols with their final values, as a fragment for
  // scripts/kconfig/merge_config.sh or a later --base.
  std::string fragment() const;
};

// Expands profile names into their symbols and parses NAME=VALUE; throws
// beaver::Error for an unknown profile or a malformed name.
std::vector<Request> parse_requests(const std::vector<std::string>& enable, const std::vector<std::string>& disable);

ConfigureReport configure(const ConfigureOptions& options);

// "debian:6.12" → the cached Debian tree; "debian:6.12:cloud-amd64" (or
// "debian:6.12") as a base → Debian's config of that flavour (default amd64);
// anything else is a path, returned as is / read. Throws beaver::Error.
std::string resolve_tree(const std::string& spec);
std::string read_base(const std::string& spec, std::string& name);

// The Kconfig tree of `tree` for `arch`, parsed with the shell cache under cache_dir().
Kconfig parse_kernel_tree(const std::string& tree, const std::string& arch);

}  // namespace beaver::kconfig
