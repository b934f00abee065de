// .config files as the kernel writes them (scripts/kconfig/confdata.c):
//   CONFIG_X=y | m | n          tristate and bool
//   CONFIG_X="text"             string, with \" and \\ escaped
//   CONFIG_X=123 / 0x1f         int, hex
//   # CONFIG_X is not set       n
// Other lines starting with '#' are comments; blank lines are ignored.
// Anything else is reported with its line number and skipped (the kernel's
// conf warns and goes on, and so do we: nothing is lost silently).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace beaver::kconfig {

struct ConfigEntry {
  std::string value;      // "y", "m", "n", a number as written, or the unescaped string
  bool is_string = false; // written with quotes
  int line = 0;
};

struct ConfigProblem {
  int line = 0;
  std::string what;
};

struct DotConfig {
  std::map<std::string, ConfigEntry> values;  // by symbol name, without CONFIG_
  std::vector<std::string> order;             // names in file order (first appearance)
  std::vector<ConfigProblem> problems;
  std::string version;                        // from "# Linux/x86 6.1.0 Kernel Configuration", or ""

  // "y"/"m"/"n"/value; "" when the symbol is not mentioned at all.
  std::string get(const std::string& name) const;
};

DotConfig read_dotconfig(std::string_view text);
// Writes the entries in `order` (then any others, sorted) in the kernel's syntax.
std::string write_dotconfig(const DotConfig& config);

}  // namespace beaver::kconfig
