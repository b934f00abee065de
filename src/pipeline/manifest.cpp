#include "pipeline/manifest.h"

#include "util/error.h"
#include "util/file.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace beaver::pipeline {

namespace fs = std::filesystem;

const char* PatchSource::kind_name() const {
  switch (kind) {
    case Kind::Branch: return "branch";
    case Kind::Mbox: return "mbox";
    case Kind::Series: return "series";
    case Kind::Commits: return "commits";
  }
  return "?";
}

std::string PatchSource::describe() const {
  if (kind == Kind::Commits) {
    std::string s = "commits";
    for (auto& c : commits) s += " " + c;
    return s;
  }
  return fmt::format("{} {}", kind_name(), value);
}

const Target* Manifest::find(const std::string& name) const {
  for (auto& t : targets)
    if (t.name == name) return &t;
  return nullptr;
}

std::vector<const Target*> Manifest::select(const std::vector<std::string>& names) const {
  std::vector<const Target*> out;
  if (names.empty()) {
    for (auto& t : targets)
      if (!t.component) out.push_back(&t);
    if (out.empty()) throw Error("{}: no [target.NAME] table", path);
    return out;
  }
  for (auto& n : names) {
    const Target* t = find(n);
    if (!t) {
      std::string known;
      for (auto& k : targets) known += (known.empty() ? "" : ", ") + k.name;
      throw Error("{}: no target or component named '{}' (the manifest has: {})", path, n, known.empty() ? "none" : known);
    }
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  }
  return out;
}

namespace {

int line_of(const toml::node& n) { return int(n.source().begin.line); }

struct Reader {
  std::string path, dir;
  std::vector<std::string> problems;

  void problem(int line, std::string message) { problems.push_back(fmt::format("{}:{}: {}", path, line, message)); }

  std::string resolve(const std::string& p) const {
    if (p.empty()) return p;
    fs::path q(p);
    if (q.is_relative()) q = fs::path(dir) / q;
    return q.lexically_normal().string();
  }

  void boolean(const toml::table& t, const char* key, bool& into, const std::string& where) {
    const toml::node* n = t.get(key);
    if (!n) return;
    if (auto b = n->value<bool>()) into = *b;
    else problem(line_of(*n), fmt::format("{}.{} must be true or false", where, key));
  }

  bool string(const toml::table& t, const char* key, std::string& into, const std::string& where) {
    const toml::node* n = t.get(key);
    if (!n) return false;
    if (auto s = n->value<std::string>()) {
      if (s->empty()) problem(line_of(*n), fmt::format("{}.{} is empty", where, key));
      into = *s;
      return true;
    }
    problem(line_of(*n), fmt::format("{}.{} must be a string", where, key));
    return false;
  }

  // A string or an array of strings.
  bool strings(const toml::table& t, const char* key, std::vector<std::string>& into, const std::string& where) {
    const toml::node* n = t.get(key);
    if (!n) return false;
    if (auto s = n->value<std::string>()) {
      into = {*s};
      return true;
    }
    auto* arr = n->as_array();
    if (!arr) {
      problem(line_of(*n), fmt::format("{}.{} must be a string or an array of strings", where, key));
      return false;
    }
    into.clear();
    for (auto& v : *arr) {
      if (auto s = v.value<std::string>()) into.push_back(*s);
      else problem(line_of(v), fmt::format("{}.{} must hold strings", where, key));
    }
    return true;
  }

  void unknown_keys(const toml::table& t, std::initializer_list<std::string_view> known, const std::string& where) {
    for (auto& [k, v] : t) {
      if (std::find(known.begin(), known.end(), k.str()) != known.end()) continue;
      std::string list;
      for (auto kn : known) list += (list.empty() ? "" : ", ") + std::string(kn);
      problem(line_of(v), fmt::format("{} has no key '{}' (known: {})", where, std::string(k.str()), list));
    }
  }

  void patches(const toml::table& t, Target& target, const std::string& where) {
    const toml::node* n = t.get("patches");
    if (!n) return;
    auto* arr = n->as_array();
    if (!arr) {
      problem(line_of(*n), fmt::format("{}.patches must be an array of tables ({{ branch = \"...\" }}, {{ mbox = \"...\" }}, "
                                       "{{ series = \"...\" }}, {{ commits = [...] }})",
                                       where));
      return;
    }
    for (auto& e : *arr) {
      auto* et = e.as_table();
      int line = line_of(e);
      if (!et) {
        problem(line, fmt::format("{}.patches: each entry is a table such as {{ branch = \"vendor/snp\" }}", where));
        continue;
      }
      if (et->size() != 1) {
        problem(line, fmt::format("{}.patches: an entry has exactly one of branch, mbox, series, commits (this one has {})", where,
                                  et->size()));
        continue;
      }
      auto [key, value] = *et->begin();
      PatchSource p;
      p.line = line;
      std::string k(key.str());
      if (k == "commits") {
        p.kind = PatchSource::Kind::Commits;
        if (auto s = value.value<std::string>()) p.commits = {*s};
        else if (auto* ca = value.as_array()) {
          for (auto& c : *ca) {
            if (auto one = c.value<std::string>()) p.commits.push_back(*one);
            else problem(line_of(c), fmt::format("{}.patches: commits must hold strings (revisions)", where));
          }
        } else {
          problem(line, fmt::format("{}.patches: commits must be an array of revisions", where));
        }
        if (p.commits.empty()) problem(line, fmt::format("{}.patches: commits is empty", where));
      } else {
        if (k == "branch") p.kind = PatchSource::Kind::Branch;
        else if (k == "mbox") p.kind = PatchSource::Kind::Mbox;
        else if (k == "series") p.kind = PatchSource::Kind::Series;
        else {
          problem(line, fmt::format("{}.patches: unknown source '{}' (branch, mbox, series or commits)", where, k));
          continue;
        }
        auto s = value.value<std::string>();
        if (!s || s->empty()) {
          problem(line, fmt::format("{}.patches: {} must be a non-empty string", where, k));
          continue;
        }
        p.value = *s;
        if (p.kind != PatchSource::Kind::Branch) {
          p.value = resolve(*s);
          std::error_code ec;
          if (!fs::is_regular_file(p.value, ec)) problem(line, fmt::format("{}.patches: {} file {} not found", where, k, p.value));
        }
      }
      target.patches.push_back(std::move(p));
    }
  }
};

bool valid_name(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  return n.front() != '.' && n.front() != '-';
}

}  // namespace

Manifest parse_manifest(std::string_view text, const std::string& path, const std::string& default_repo) {
  Manifest m;
  m.path = fs::absolute(path).lexically_normal().string();
  m.dir = fs::path(m.path).parent_path().string();
  toml::table doc;
  try {
    doc = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    throw Error("{}:{}: {}", path, e.source().begin.line, e.description());
  }
  Reader r{path, m.dir, {}};
  r.unknown_keys(doc, {"defaults", "target", "component"}, "the manifest");

  Target defaults;
  defaults.repo = default_repo.empty() ? m.dir : fs::absolute(default_repo).lexically_normal().string();
  if (auto* n = doc.get("defaults")) {
    if (auto* d = n->as_table()) {
      r.unknown_keys(*d, {"repo", "upstream", "config", "arch", "make", "enable", "disable", "fragment", "fix"}, "[defaults]");
      if (r.string(*d, "repo", defaults.repo, "defaults")) defaults.repo = r.resolve(defaults.repo);
      r.string(*d, "upstream", defaults.upstream, "defaults");
      r.string(*d, "config", defaults.config, "defaults");
      r.string(*d, "arch", defaults.arch, "defaults");
      r.boolean(*d, "fix", defaults.fix, "defaults");
      r.strings(*d, "make", defaults.make, "defaults");
      r.strings(*d, "enable", defaults.enable, "defaults");
      r.strings(*d, "disable", defaults.disable, "defaults");
      if (r.strings(*d, "fragment", defaults.fragments, "defaults"))
        for (auto& f : defaults.fragments) f = r.resolve(f);
    } else {
      r.problem(line_of(*n), "[defaults] must be a table");
    }
  }

  std::vector<Target> components;
  for (const char* kind : {"target", "component"}) {
    const toml::node* n = doc.get(kind);
    if (!n) continue;
    auto* all = n->as_table();
    if (!all) {
      r.problem(line_of(*n), fmt::format("'{}' must hold tables: [{}.NAME]", kind, kind));
      continue;
    }
    bool component = std::string_view(kind) == "component";
    for (auto& [key, node] : *all) {
      std::string name(key.str());
      std::string where = fmt::format("{}.{}", kind, name);
      auto* t = node.as_table();
      if (!t) {
        r.problem(line_of(node), fmt::format("{} must be a table", where));
        continue;
      }
      Target target = defaults;
      target.name = name;
      target.component = component;
      target.line = line_of(node);
      if (!valid_name(name))
        r.problem(target.line, fmt::format("{}: a name is letters, digits, '-', '_' and '.' (it names a branch and a file)", where));
      if (m.find(name) || std::any_of(components.begin(), components.end(), [&](auto& c) { return c.name == name; }))
        r.problem(target.line, fmt::format("{}: the name '{}' is used twice", where, name));
      if (component) {
        r.unknown_keys(*t, {"repo", "base", "upstream", "patches", "build"}, "[" + where + "]");
        target.make.clear();
        target.enable.clear();
        target.disable.clear();
        target.fragments.clear();
        target.config.clear();
        r.strings(*t, "build", target.build, where);
      } else {
        r.unknown_keys(*t, {"repo", "base", "upstream", "patches", "config", "arch", "make", "enable", "disable", "fragment", "fix"},
                       "[" + where + "]");
        r.string(*t, "config", target.config, where);
        r.string(*t, "arch", target.arch, where);
        r.boolean(*t, "fix", target.fix, where);
        r.strings(*t, "make", target.make, where);
        r.strings(*t, "enable", target.enable, where);
        r.strings(*t, "disable", target.disable, where);
        if (r.strings(*t, "fragment", target.fragments, where))
          for (auto& f : target.fragments) f = r.resolve(f);
        for (auto& f : target.fragments) {
          std::error_code ec;
          if (!fs::is_regular_file(f, ec)) r.problem(target.line, fmt::format("{}: fragment {} not found", where, f));
        }
        if (target.config.empty()) target.config = "make:defconfig";
        if (target.make.empty()) r.problem(target.line, fmt::format("{}.make is empty: nothing to build", where));
      }
      if (r.string(*t, "repo", target.repo, where)) target.repo = r.resolve(target.repo);
      r.string(*t, "upstream", target.upstream, where);
      if (!r.string(*t, "base", target.base, where))
        r.problem(target.line, fmt::format("{} has no base (the revision the patches go on, e.g. base = \"v6.12\")", where));
      r.patches(*t, target, where);
      (component ? components : m.targets).push_back(std::move(target));
    }
  }
  // toml++ keeps a table's keys sorted: file order is the line order.
  auto by_line = [](const Target& a, const Target& b) { return a.line < b.line; };
  std::stable_sort(m.targets.begin(), m.targets.end(), by_line);
  std::stable_sort(components.begin(), components.end(), by_line);
  for (auto& c : components) m.targets.push_back(std::move(c));
  if (r.problems.empty() && m.targets.empty()) r.problem(1, "no [target.NAME] or [component.NAME] table");
  if (!r.problems.empty()) {
    std::string all;
    for (auto& p : r.problems) all += (all.empty() ? "" : "\n") + p;
    throw Error("{}", all);
  }
  return m;
}

Manifest load_manifest(const std::string& path, const std::string& default_repo) {
  std::error_code ec;
  if (!fs::exists(path, ec))
    throw Error("{}: no such manifest (a beaver.toml describes the targets: see `beaver assemble --help`)", path);
  return parse_manifest(read_file(path), path, default_repo);
}

}  // namespace beaver::pipeline

namespace beaver::pipeline {

std::string find_manifest(const std::string& given, const std::string& dir) {
  if (!given.empty()) return given;
  std::error_code ec;
  fs::path here = fs::path(dir.empty() ? "." : dir) / "beaver.toml";
  if (fs::is_regular_file(here, ec)) return here.string();
  // The top of the work tree (a manifest is usually committed at the root).
  for (fs::path p = fs::absolute(dir.empty() ? "." : dir, ec); !p.empty(); p = p.parent_path()) {
    if (fs::is_regular_file(p / "beaver.toml", ec)) return (p / "beaver.toml").string();
    if (fs::exists(p / ".git", ec) || p == p.parent_path()) break;
  }
  throw Error("no beaver.toml in {} or the top of its work tree: write one (see `beaver assemble --help`) or name it with "
              "--manifest FILE",
              dir.empty() ? "." : dir);
}

}  // namespace beaver::pipeline
