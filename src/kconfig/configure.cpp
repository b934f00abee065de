#include "kconfig/configure.h"

#include "kconfig/catalog.h"
#include "kconfig/trees.h"
#include "util/error.h"
#include "util/term.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace beaver::kconfig {

namespace fs = std::filesystem;

namespace {

bool symbol_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

bool boolish(const Symbol* s) { return s && is_boolish(s->type); }

std::string profile_list() {
  std::vector<std::string> names;
  for (const Profile& p : builtin_catalog()) names.push_back(p.name);
  return fmt::format("{}", fmt::join(names, ", "));
}

// A symbol's value in a written .config: an unwritten bool/tristate is n.
std::string written_value(const DotConfig& cfg, const Symbol* s, const std::string& name) {
  std::string v = cfg.get(name);
  return v.empty() && boolish(s) ? "n" : v;
}

void note(bool on, const std::string& what) {
  if (on) print_text(stderr, "beaver config: " + what + "\n");
}

}  // namespace

std::size_t ConfigureReport::count(std::string_view status) const {
  return static_cast<std::size_t>(
      std::count_if(results.begin(), results.end(), [&](const RequestResult& r) { return r.status == status; }));
}

std::string ConfigureReport::fragment() const {
  std::string out = fmt::format("# beaver config: requested symbols as {} left them\n", engine);
  for (const RequestResult& r : results) {
    if (r.status == "unknown") {
      out += fmt::format("# CONFIG_{} is not in this tree\n", r.request.symbol);
      continue;
    }
    if (r.actual.empty() || r.actual == "n")
      out += fmt::format("# CONFIG_{} is not set\n", r.request.symbol);
    else
      out += fmt::format("CONFIG_{}={}\n", r.request.symbol, r.actual);
  }
  return out;
}

std::vector<Request> parse_requests(const std::vector<std::string>& enable, const std::vector<std::string>& disable) {
  std::vector<Request> out;
  auto add = [&](const std::string& raw, bool on) {
    std::string name = raw, value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (name.rfind("CONFIG_", 0) == 0) name = name.substr(7);
    if (const Profile* p = find_profile(name)) {
      if (!value.empty()) throw Error("'{}': a profile takes no value", raw);
      for (const std::string& sym : p->enable) {
        Request r{sym, "", on, p->name, ""};
        if (auto it = p->since.find(sym); it != p->since.end()) r.since = it->second;
        out.push_back(std::move(r));
      }
      return;
    }
    const bool has_upper =
        std::any_of(name.begin(), name.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)); });
    if (!has_upper && std::any_of(name.begin(), name.end(), [](char c) { return std::islower(static_cast<unsigned char>(c)); }))
      throw Error("'{}': no such profile (profiles: {}); Kconfig symbols are written in capitals", raw, profile_list());
    if (!symbol_name(name))
      throw Error("'{}': neither a profile ({}) nor a Kconfig symbol name", raw, profile_list());
    if (!on && !value.empty()) throw Error("'{}': --disable takes a name, not a value", raw);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    out.push_back({name, value, on, "", ""});
  };
  for (const std::string& e : enable) add(e, true);
  for (const std::string& d : disable) add(d, false);
  if (out.empty()) throw Error("nothing requested: give --enable NAME or --disable NAME (NAME: a symbol or a profile: {})", profile_list());
  // A symbol asked twice: the later request wins, like a later line of a .config.
  std::vector<Request> unique;
  for (auto it = out.rbegin(); it != out.rend(); ++it)
    if (std::none_of(unique.begin(), unique.end(), [&](const Request& r) { return r.symbol == it->symbol; }))
      unique.push_back(*it);
  std::reverse(unique.begin(), unique.end());
  return unique;
}

std::string resolve_tree(const std::string& spec) {
  if (spec.rfind("debian:", 0) == 0) {
    std::string version = spec.substr(7);
    if (auto colon = version.find(':'); colon != std::string::npos) version = version.substr(0, colon);
    return unpacked_tree(version);
  }
  if (!fs::exists(fs::path(spec) / "Kconfig"))
    throw Error("{}: not a kernel source tree (no Kconfig file){}", spec,
                fs::exists(spec) ? "" : " (no such directory)");
  return spec;
}

std::string read_base(const std::string& spec, std::string& name) {
  if (spec.rfind("debian:", 0) == 0) {
    std::string rest = spec.substr(7), flavour = "amd64";
    if (auto colon = rest.find(':'); colon != std::string::npos) {
      flavour = rest.substr(colon + 1);
      rest = rest.substr(0, colon);
    }
    name = fmt::format("Debian linux-config-{} ({})", rest, flavour);
    return debian_config(rest, flavour);
  }
  name = spec;
  std::ifstream in(spec, std::ios::binary);
  if (!in) throw Error("{}: cannot read the base config{}", spec, fs::exists(spec) ? "" : " (no such file)");
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Kconfig parse_kernel_tree(const std::string& tree, const std::string& arch) {
  ParseOptions o;
  o.source_dir = tree;
  o.arch = arch;
  std::error_code ec;
  fs::create_directories(cache_dir(), ec);
  if (!ec) o.shell_cache = cache_dir() + "/kconfig-shell.cache";
  // $(cc-option) makes and removes .tmp_$$ directories in its working
  // directory, as it does in an O= build's objtree: never in the tree, which
  // other threads and processes may be reading at the same time.
  fs::path cwd = fs::path(cache_dir()) / "kconfig-shell-cwd";
  fs::create_directories(cwd, ec);
  if (!ec) o.shell_cwd = cwd;
  return parse_tree(o);
}

ConfigureReport configure(const ConfigureOptions& options) {
  ConfigureReport rep;
  rep.tree = options.tree;
  rep.base = options.base_name;
  rep.arch = options.arch;
  rep.engine = options.model_only ? "model" : "make olddefconfig";
  std::vector<Request> requests = parse_requests(options.enable, options.disable);

  note(options.progress, "reading the Kconfig files of " + options.tree);
  Kconfig kconfig = parse_kernel_tree(options.tree, options.arch);
  if (auto it = kconfig.env_used().find("KERNELVERSION"); it != kconfig.env_used().end()) rep.kernel_version = it->second;
  Evaluator ev(kconfig);

  DotConfig base = read_dotconfig(options.base_text);
  for (const ConfigProblem& p : base.problems)
    rep.warnings.push_back(fmt::format("{}:{}: {}", options.base_name, p.line, p.what));
  if (base.values.empty() && !options.base_text.empty())
    throw Error("{}: no CONFIG_ line in it; is it a .config?", options.base_name);

  // The input: the base with every request written in.
  DotConfig input = base;
  auto put = [&](const std::string& name, const std::string& value) {
    const Symbol* s = kconfig.find(name);
    ConfigEntry e;
    e.value = value;
    e.is_string = s && s->type == SymbolType::String;
    if (!input.values.count(name)) input.order.push_back(name);
    input.values[name] = e;
  };
  for (Request& r : requests) {
    const Symbol* s = kconfig.find(r.symbol);
    if (!s || !s->defined()) continue;
    std::string v = r.value;
    if (!r.enable) v = "n";
    else if (v.empty()) {
      if (!boolish(s)) throw Error("CONFIG_{} is a {} symbol: give a value, --enable {}=VALUE", r.symbol, to_string(s->type), r.symbol);
      v = s->type == SymbolType::Tristate && base.get(r.symbol) == "m" ? "m" : "y";
    }
    r.value = v;
    put(r.symbol, v);
  }

  for (int round = 0; round < 4; ++round) {
    std::string final_text;
    ev.load(input);
    const DotConfig model = ev.result();
    if (round == 0)
      for (const ConfigProblem& p : ev.problems())
        if (p.line > 0)  // from the base (requests have no line)
          rep.warnings.push_back(fmt::format("{}:{}: {}", options.base_name, p.line, p.what));
    if (options.model_only) {
      final_text = write_dotconfig(model);
    } else {
      note(options.progress, "running make olddefconfig" + std::string(round ? " again" : ""));
      final_text = olddefconfig(options.tree, write_dotconfig(input), options.arch);
      ++rep.runs;
    }
    const DotConfig final_cfg = read_dotconfig(final_text);
    rep.config = final_text;

    rep.results.clear();
    std::vector<ConfigChange> planned;
    for (const Request& r : requests) {
      RequestResult res;
      res.request = r;
      res.requested = r.value;
      const Symbol* s = kconfig.find(r.symbol);
      res.actual = written_value(final_cfg, s, r.symbol);
      if (!s || !s->defined()) {
        res.status = "unknown";
        res.why = explain(ev, r.symbol, Tri::Y);
        if (!r.since.empty())
          res.why.reasons.push_back(fmt::format("It first appears in Linux {}{}.", r.since,
                                                rep.kernel_version.empty() ? "" : "; this tree is " + rep.kernel_version));
        rep.results.push_back(std::move(res));
        continue;
      }
      // The model must agree with the kernel on every requested symbol.
      const std::string predicted = written_value(model, s, r.symbol);
      if (!options.model_only && predicted != res.actual)
        rep.warnings.push_back(fmt::format("the Kconfig model predicted CONFIG_{}={} but make olddefconfig gave {}; "
                                           "the explanation may be wrong (please report this)",
                                           r.symbol, predicted, res.actual));
      if (boolish(s)) {
        const Tri want = r.enable ? tri_from(r.value) : Tri::N;
        res.why = explain(ev, r.symbol, want);
        res.why.actual = res.actual;
        const bool stuck = r.enable ? tri_from(res.actual) >= want : res.actual == "n";
        res.status = stuck ? "ok" : !res.why.has_prompt ? "promptless" : "blocked";
        res.why.satisfied = stuck;
      } else {
        res.why = explain(ev, r.symbol, Tri::Y);
        res.why.wanted = r.value;
        res.why.actual = res.actual;
        const bool stuck = res.actual == r.value;
        if (!stuck && res.why.satisfied) {
          res.why.reasons.clear();
          res.why.reasons.push_back(fmt::format("{}=\"{}\" is outside its range or invalid; the kernel kept \"{}\".",
                                                r.symbol, r.value, res.actual));
          res.why.fixable = false;
        }
        res.why.satisfied = stuck;
        res.status = stuck ? "ok" : !res.why.has_prompt ? "promptless" : "blocked";
      }
      if (res.status != "ok" && options.fix && res.why.fixable)
        for (const Assignment& a : res.why.fix) {
          if (a.symbol == r.symbol) continue;
          // Never undo another explicit request.
          auto other = std::find_if(requests.begin(), requests.end(), [&](const Request& q) { return q.symbol == a.symbol; });
          if (other != requests.end() && other->value != a.value) {
            rep.warnings.push_back(fmt::format("--fix: CONFIG_{} needs CONFIG_{}={}, which contradicts the request {}={}",
                                               r.symbol, a.symbol, a.value, other->symbol, other->value));
            continue;
          }
          if (input.get(a.symbol) == a.value) continue;
          if (std::any_of(planned.begin(), planned.end(), [&](const ConfigChange& c) { return c.symbol == a.symbol; }))
            continue;
          std::string from = final_cfg.get(a.symbol);
          planned.push_back({a.symbol, from.empty() ? "n" : from, a.value, a.reason, r.symbol});
        }
      rep.results.push_back(std::move(res));
    }
    if (planned.empty()) break;
    for (const ConfigChange& c : planned) {
      put(c.symbol, c.to);
      rep.changes.push_back(c);
      note(options.progress, fmt::format("--fix: CONFIG_{}={} (was {}) for CONFIG_{}: {}", c.symbol, c.to, c.from,
                                         c.for_request, c.reason));
    }
  }
  return rep;
}

}  // namespace beaver::kconfig
