// The CoCo profile catalog (data/coco-profiles.toml, compiled into the
// binary): named sets of visible Kconfig symbols for `beaver config --enable`.
#pragma once

#include <toml++/toml.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace beaver::kconfig {

struct Profile {
  std::string name, description;
  std::vector<std::string> features;        // feature ids of coco-features.md
  std::vector<std::string> enable;          // visible symbols, in the order to ask for them
  std::map<std::string, std::string> since; // symbol -> first release that has it
};

// Parses a catalog; throws beaver::Error naming `source`, line and problem
// (malformed TOML, a profile without `enable`, a symbol that is not a
// Kconfig name, `since` for a symbol the profile does not enable).
std::vector<Profile> parse_catalog(std::string_view toml_text, const std::string& source);

// Shared by the data catalogs (this one and features.h):
// a symbol name as catalogs write it (capitals, digits, '_'),
bool is_symbol_name(std::string_view s);
// "SOURCE:LINE:COL: what" for malformed TOML,
toml::table parse_toml(std::string_view text, const std::string& source);
// and every problem found, one per line, thrown at once.
void throw_problems(const std::vector<std::string>& problems);

// The built-in catalog.
const std::vector<Profile>& builtin_catalog();
const Profile* find_profile(std::string_view name);

}  // namespace beaver::kconfig
