#include "kconfig/catalog.h"

#include "util/error.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>

namespace beaver::kconfig {

namespace {

#include "coco_profiles.inc"  // kBuiltinCatalog: data/coco-profiles.toml, embedded by CMake

}  // namespace

bool is_symbol_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!(std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

toml::table parse_toml(std::string_view text, const std::string& source) {
  try {
    return toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    throw Error("{}:{}:{}: {}", source, e.source().begin.line, e.source().begin.column, e.description());
  }
}

void throw_problems(const std::vector<std::string>& problems) {
  if (problems.empty()) return;
  std::string all;
  for (auto& s : problems) all += (all.empty() ? "" : "\n") + s;
  throw Error("{}", all);
}

std::vector<Profile> parse_catalog(std::string_view text, const std::string& source) {
  toml::table doc = parse_toml(text, source);
  std::vector<std::string> problems;
  std::vector<Profile> out;
  auto* profiles = doc["profile"].as_table();
  if (!profiles) throw Error("{}: no [profile.NAME] tables", source);
  for (auto& [key, node] : *profiles) {
    Profile p;
    p.name = std::string(key.str());
    int line = int(node.source().begin.line);
    auto* t = node.as_table();
    if (!t) {
      problems.push_back(fmt::format("{}:{}: profile {} is not a table", source, line, p.name));
      continue;
    }
    p.description = t->get("description") ? t->get("description")->value_or(std::string()) : std::string();
    auto strings = [&](const char* k, std::vector<std::string>& into) {
      auto* arr = (*t)[k].as_array();
      if (!arr) return;
      for (auto& v : *arr) {
        if (auto s = v.value<std::string>()) into.push_back(*s);
        else problems.push_back(fmt::format("{}:{}: {}.{} must hold strings", source, int(v.source().begin.line), p.name, k));
      }
    };
    strings("features", p.features);
    strings("enable", p.enable);
    if (p.enable.empty()) problems.push_back(fmt::format("{}:{}: profile {} enables nothing", source, line, p.name));
    for (auto& s : p.enable)
      if (!is_symbol_name(s)) problems.push_back(fmt::format("{}:{}: '{}' in {} is not a Kconfig symbol name", source, line, s, p.name));
    if (auto* since = (*t)["since"].as_table()) {
      for (auto& [sym, v] : *since) {
        std::string name(sym.str());
        if (std::find(p.enable.begin(), p.enable.end(), name) == p.enable.end())
          problems.push_back(fmt::format("{}:{}: {}.since names {}, which it does not enable", source, line, p.name, name));
        p.since[name] = v.value_or(std::string());
      }
    }
    out.push_back(std::move(p));
  }
  throw_problems(problems);
  return out;
}

const std::vector<Profile>& builtin_catalog() {
  static const std::vector<Profile> catalog = parse_catalog(kBuiltinCatalog, "data/coco-profiles.toml");
  return catalog;
}

const Profile* find_profile(std::string_view name) {
  for (auto& p : builtin_catalog())
    if (p.name == name) return &p;
  return nullptr;
}

}  // namespace beaver::kconfig
