#include "kconfig/features.h"

#include "kconfig/catalog.h"

#include "util/error.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>

namespace beaver::kconfig {

namespace {

#include "coco_features.inc"  // kBuiltinFeatures: data/coco-features.toml, embedded by CMake

bool release_name(std::string_view s) {
  if (s.empty() || !std::isdigit(static_cast<unsigned char>(s.front())) || s.find('.') == std::string_view::npos) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; });
}

std::vector<long> version_numbers(std::string_view v) {
  std::vector<long> out;
  std::size_t i = 0;
  while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) {
    long n = 0;
    while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) n = n * 10 + (v[i++] - '0');
    out.push_back(n);
    if (i < v.size() && v[i] == '.') ++i;
    else break;
  }
  return out;
}

}  // namespace

std::string Marker::describe() const { return text.empty() ? path : path + ": " + text; }

std::string Requirement::describe() const { return builtin ? symbol + "=y" : symbol; }

int compare_versions(std::string_view a, std::string_view b) {
  std::vector<long> x = version_numbers(a), y = version_numbers(b);
  std::size_t n = std::max(x.size(), y.size());
  x.resize(n, 0);
  y.resize(n, 0);
  for (std::size_t i = 0; i < n; ++i)
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

std::string release_of(std::string_view version) {
  std::vector<long> v = version_numbers(version);
  if (v.size() < 2) return std::string(version);
  return fmt::format("{}.{}", v[0], v[1]);
}

std::vector<Feature> parse_features(std::string_view text, const std::string& source) {
  toml::table doc = parse_toml(text, source);
  std::vector<std::string> problems;
  auto problem = [&](const toml::node& n, std::string what) {
    problems.push_back(fmt::format("{}:{}: {}", source, n.source().begin.line, what));
  };
  std::vector<Feature> out;
  auto* features = doc["feature"].as_table();
  if (!features) throw Error("{}: no [feature.ID] tables", source);
  for (auto& entry_kv : *features) {
    // Plain references: lambdas below use them (clang 14 cannot capture structured bindings).
    const toml::key& key = entry_kv.first;
    toml::node& node = entry_kv.second;
    Feature f;
    f.id = std::string(key.str());
    f.line = int(node.source().begin.line);
    auto* t = node.as_table();
    if (!t) {
      problem(node, fmt::format("feature {} is not a table", f.id));
      continue;
    }
    auto str = [&](const char* k, bool required) {
      const toml::node* n = t->get(k);
      if (!n) {
        if (required) problem(node, fmt::format("feature {} has no {}", f.id, k));
        return std::string();
      }
      if (auto s = n->value<std::string>()) return *s;
      problem(*n, fmt::format("{}.{} must be a string", f.id, k));
      return std::string();
    };
    f.title = str("title", true);
    f.technology = str("technology", true);
    f.role = str("role", true);
    f.arch = str("arch", true);
    f.since = str("since", true);
    if (!f.role.empty() && f.role != "guest" && f.role != "host")
      problem(node, fmt::format("{}.role is '{}'; it must be guest or host", f.id, f.role));
    if (!f.arch.empty() && f.arch != "x86" && f.arch != "arm64" && f.arch != "any")
      problem(node, fmt::format("{}.arch is '{}'; it must be x86, arm64 or any", f.id, f.arch));
    if (!f.since.empty() && !release_name(f.since)) problem(node, fmt::format("{}.since '{}' is not a release like 6.8", f.id, f.since));

    if (auto* syms = (*t)["symbols"].as_array()) {
      for (auto& v : *syms) {
        auto s = v.value<std::string>();
        Requirement r;
        if (s) {
          r.symbol = *s;
          if (r.symbol.ends_with("=y")) {
            r.builtin = true;
            r.symbol.resize(r.symbol.size() - 2);
          }
        }
        if (!s || !is_symbol_name(r.symbol))
          problem(v, fmt::format("{}.symbols: '{}' is not a Kconfig symbol name (NAME or NAME=y)", f.id, s.value_or("?")));
        else
          f.symbols.push_back(r);
      }
    }
    if (f.symbols.empty()) problem(node, fmt::format("feature {} names no symbols", f.id));
    f.proof = str("proof", false);
    if (!f.proof.empty() && !is_symbol_name(f.proof))
      problem(node, fmt::format("{}.proof: '{}' is not a Kconfig symbol name", f.id, f.proof));

    auto marker = [&](const toml::node& n) -> std::optional<Marker> {
      Marker m;
      std::string at;
      if (auto s = n.value<std::string>()) {
        at = *s;
      } else if (auto* mt = n.as_table()) {
        for (auto& [k, v] : *mt) {
          std::string name(k.str());
          auto s2 = v.value<std::string>();
          if (!s2) problem(v, fmt::format("{}.markers: {} must be a string", f.id, name));
          else if (name == "at") at = *s2;
          else if (name == "since") m.since = *s2;
          else if (name == "until") m.until = *s2;
          else problem(v, fmt::format("{}.markers: unknown key '{}' (at, since, until)", f.id, name));
        }
        for (const std::string* r : {&m.since, &m.until})
          if (!r->empty() && !release_name(*r)) problem(n, fmt::format("{}.markers: '{}' is not a release like 6.8", f.id, *r));
      } else {
        problem(n, fmt::format("{}.markers: a marker is \"PATH[: TEXT]\" or {{ at = ..., since = ..., until = ... }}", f.id));
        return std::nullopt;
      }
      std::size_t colon = at.find(": ");
      m.path = at.substr(0, colon);
      if (colon != std::string::npos) m.text = at.substr(colon + 2);
      if (m.path.empty() || m.path.front() == '/' || m.path.find("..") != std::string::npos ||
          (colon != std::string::npos && m.text.empty())) {
        problem(n, fmt::format("{}.markers: '{}' is not a tree-relative PATH[: TEXT]", f.id, at));
        return std::nullopt;
      }
      return m;
    };
    if (auto* ms = (*t)["markers"].as_array()) {
      for (auto& entry : *ms) {
        std::vector<Marker> group;
        if (auto* alts = entry.as_array()) {
          for (auto& a : *alts)
            if (auto m = marker(a)) group.push_back(*m);
          if (alts->empty()) problem(entry, fmt::format("{}.markers: an empty list of alternatives", f.id));
        } else if (auto m = marker(entry)) {
          group.push_back(*m);
        }
        if (!group.empty()) f.markers.push_back(std::move(group));
      }
    }
    if (f.markers.empty()) problem(node, fmt::format("feature {} names no markers", f.id));
    if (auto* is = (*t)["interfaces"].as_array())
      for (auto& v : *is)
        if (auto s = v.value<std::string>()) f.interfaces.push_back(*s);
    for (auto& kv : *t) {
      const std::string_view k = kv.first.str();
      const toml::node& v = kv.second;
      static const char* known[] = {"title", "technology", "role", "arch", "since", "symbols", "proof", "markers", "interfaces"};
      if (std::none_of(std::begin(known), std::end(known), [&](const char* n) { return k == n; }))
        problem(v, fmt::format("{}: unknown key '{}'", f.id, k));
    }
    out.push_back(std::move(f));
  }
  throw_problems(problems);
  std::sort(out.begin(), out.end(), [](const Feature& a, const Feature& b) { return a.line < b.line; });
  return out;
}

const std::vector<Feature>& builtin_features() {
  static const std::vector<Feature> catalog = parse_features(kBuiltinFeatures, "data/coco-features.toml");
  return catalog;
}

const Feature* find_feature(std::string_view id) {
  for (const Feature& f : builtin_features())
    if (f.id == id) return &f;
  return nullptr;
}

}  // namespace beaver::kconfig
