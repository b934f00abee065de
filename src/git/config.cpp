#include "git/config.h"

#include "util/error.h"
#include "util/process.h"
#include "util/term.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <optional>

namespace beaver::git {

namespace {
std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// git_config_bool(): a bare key is true, "" is false.
std::optional<bool> parse_bool(const std::optional<std::string>& v) {
  if (!v) return true;
  std::string l = lower(*v);
  if (l == "true" || l == "yes" || l == "on") return true;
  if (l == "false" || l == "no" || l == "off" || l.empty()) return false;
  char* end = nullptr;
  long n = std::strtol(l.c_str(), &end, 10);
  if (end && *end == '\0') return n != 0;
  return std::nullopt;
}

std::optional<long> parse_int(const std::string& v) {
  char* end = nullptr;
  long n = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || !end || *end != '\0') return std::nullopt;
  return n;
}
}  // namespace

DiffConfig read_diff_config(const Repository& repo) {
  DiffConfig out;
  auto cmd = repo.git_command();
  cmd.insert(cmd.end(), {"config", "-z", "--get-regexp",
                         "^diff\\.(algorithm|context|noprefix|indentheuristic|interhunkcontext|suppressblankempty|"
                         "suppress-blank-empty|renames)$"});
  ProcessResult r;
  try {
    r = run_process(cmd);
  } catch (const Error&) {
    return out;
  }
  if (r.exit_code != 0) return out;  // 1: none set
  // -z: "key\nvalue\0", or "key\0" for a bare key; the last one wins.
  std::map<std::string, std::optional<std::string>> last;
  std::vector<std::string> order;
  std::size_t pos = 0;
  while (pos < r.out.size()) {
    std::size_t end = r.out.find('\0', pos);
    if (end == std::string::npos) end = r.out.size();
    std::string item = r.out.substr(pos, end - pos);
    pos = end + 1;
    std::size_t nl = item.find('\n');
    std::string key = lower(item.substr(0, nl));
    if (key == "diff.suppress-blank-empty") key = "diff.suppressblankempty";
    if (!last.count(key)) order.push_back(key);
    last[key] = nl == std::string::npos ? std::nullopt : std::optional<std::string>(item.substr(nl + 1));
  }
  for (auto& key : order) {
    const auto& v = last[key];
    std::string shown = v ? *v : "true";
    bool active = false;
    if (key == "diff.algorithm") {
      std::string l = lower(shown);
      active = l != "myers" && l != "default";
    } else if (key == "diff.context") {
      auto n = parse_int(shown);
      active = !n || *n != 3;
    } else if (key == "diff.interhunkcontext") {
      auto n = parse_int(shown);
      active = !n || *n != 0;
    } else if (key == "diff.noprefix" || key == "diff.suppressblankempty") {
      auto b = parse_bool(v);
      active = !b || *b;
    } else if (key == "diff.indentheuristic") {
      auto b = parse_bool(v);
      active = !b || !*b;
    } else if (key == "diff.renames") {
      std::string l = lower(shown);
      auto b = parse_bool(v);
      active = l == "copies" || l == "copy" || !b || !*b;
    }
    if (active) out.active.push_back({key, shown});
  }
  return out;
}

std::vector<std::string> DiffConfig::diff_tree_options() const {
  std::vector<std::string> opts;
  for (auto& s : active) {
    std::string l = lower(s.value);
    if (s.key == "diff.algorithm") opts.push_back("--diff-algorithm=" + l);
    else if (s.key == "diff.context") opts.push_back("-U" + s.value);
    else if (s.key == "diff.interhunkcontext") opts.push_back("--inter-hunk-context=" + s.value);
    else if (s.key == "diff.noprefix") opts.push_back("--no-prefix");
    else if (s.key == "diff.indentheuristic") opts.push_back("--no-indent-heuristic");
    // diff.suppressBlankEmpty: git diff-tree reads it from the config itself.
    else if (s.key == "diff.renames") opts.push_back(l == "copies" || l == "copy" ? "-C" : "--no-renames");
  }
  return opts;
}

std::string DiffConfig::describe() const {
  // As git's documentation spells them.
  static const std::map<std::string, std::string> names = {
      {"diff.indentheuristic", "diff.indentHeuristic"},
      {"diff.interhunkcontext", "diff.interHunkContext"},
      {"diff.suppressblankempty", "diff.suppressBlankEmpty"},
  };
  std::string out;
  for (auto& s : active) {
    if (!out.empty()) out += ", ";
    auto it = names.find(s.key);
    out += (it != names.end() ? it->second : s.key) + "=" + s.value;
  }
  return out;
}

void warn_diff_config(const DiffConfig& config) {
  if (config.active.empty()) return;
  warn_once(fmt::format(
      "git's config sets {}: `git log -p | git patch-id --stable` prints other ids on this machine; beaver prints "
      "the ids of git's defaults (the same on every machine, as public-inbox computes them); "
      "`beaver patch-id --git-config` follows these settings",
      config.describe()));
}

}  // namespace beaver::git
