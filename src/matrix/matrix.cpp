#include "matrix/matrix.h"

#include "kconfig/configure.h"
#include "kconfig/dotconfig.h"
#include "kconfig/eval.h"
#include "kconfig/explain.h"
#include "util/error.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <set>
#include <thread>

namespace beaver::matrix {

using kconfig::Feature;

const char* status_name(Status s) {
  switch (s) {
    case Status::Supported: return "supported";
    case Status::Disabled: return "disabled";
    case Status::Absent: return "absent";
  }
  return "?";
}

std::size_t Matrix::count(Status s) const {
  std::size_t n = 0;
  for (const Column& c : kernels)
    n += std::size_t(std::count_if(c.cells.begin(), c.cells.end(), [&](const Cell& x) { return x.status == s; }));
  return n;
}

std::vector<const Feature*> select_features(const std::vector<std::string>& ids, const std::string& role) {
  if (!role.empty() && role != "guest" && role != "host") throw Error("--role {}: it is guest or host", role);
  std::vector<const Feature*> out;
  auto known = [] {
    std::vector<std::string> v;
    for (const Feature& f : kconfig::builtin_features()) v.push_back(f.id);
    return fmt::format("{}", fmt::join(v, ", "));
  };
  std::vector<std::string> unknown;
  for (const std::string& id : ids)
    if (!kconfig::find_feature(id)) unknown.push_back(id);
  if (!unknown.empty()) throw Error("no such feature: {} (features: {})", fmt::join(unknown, ", "), known());
  for (const Feature& f : kconfig::builtin_features()) {
    if (!ids.empty() && std::find(ids.begin(), ids.end(), f.id) == ids.end()) continue;
    if (!role.empty() && f.role != role) continue;
    out.push_back(&f);
  }
  if (out.empty()) throw Error("no feature of role {} among {}", role, fmt::join(ids, ", "));
  return out;
}

namespace {

// ARCH for Kconfig from the config's header and CONFIG_64BIT.
std::string kconfig_arch(const std::string& arch, const kconfig::DotConfig& dc) {
  if (arch == "x86" || arch.empty()) return dc.get("64BIT") == "n" ? "i386" : "x86_64";
  return arch;
}

std::string alternatives(const std::vector<kconfig::Marker>& group) {
  std::vector<std::string> v;
  for (const auto& m : group) v.push_back(m.describe());
  return fmt::format("{}", fmt::join(v, " | "));
}

bool on(const std::string& value, bool builtin) { return value == "y" || (!builtin && value == "m"); }

}  // namespace

std::shared_ptr<const kconfig::Kconfig> KconfigCache::get(const std::string& tree, const std::string& arch) {
  std::string key = tree + '\0' + arch;
  std::promise<std::shared_ptr<const kconfig::Kconfig>> promise;
  std::shared_future<std::shared_ptr<const kconfig::Kconfig>> future;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = parsed_.find(key);
    if (it != parsed_.end()) {
      future = it->second;
    } else {
      parsed_[key] = promise.get_future().share();
    }
  }
  if (future.valid()) return future.get();  // rethrows the first caller's error
  try {
    auto k = std::make_shared<const kconfig::Kconfig>(kconfig::parse_kernel_tree(tree, arch));
    promise.set_value(k);
    return k;
  } catch (...) {
    promise.set_exception(std::current_exception());
    throw;
  }
}

Column evaluate(const Kernel& k, const std::vector<const Feature*>& features, KconfigCache* cache) {
  Column col;
  col.name = k.name;
  col.spec = k.spec;
  col.kind = k.kind;
  col.version = k.version;
  col.arch = k.arch;
  col.config = k.config_name;
  col.warnings = k.warnings;

  std::set<std::string> wanted, defined;
  for (const Feature* f : features)
    for (const auto& r : f->symbols) wanted.insert(r.symbol);
  std::vector<std::string> problems;
  // A Kconfig file that cannot be read (a missing git object) may define any
  // symbol: then an unfound symbol is not evidence of absence.
  bool kconfig_complete = true;
  if (k.source) {
    defined = defined_symbols(*k.source, wanted, problems);
    if (!problems.empty()) {
      kconfig_complete = false;
      col.warnings.push_back(fmt::format("{} Kconfig file(s) could not be read: symbols they may define are not held against "
                                         "any feature (markers still are)", problems.size()));
    }
  }

  std::optional<kconfig::DotConfig> dc;
  std::shared_ptr<const kconfig::Kconfig> kc;
  std::optional<kconfig::Evaluator> ev;
  if (k.config) {
    dc = kconfig::read_dotconfig(*k.config);
    if (!k.tree_dir.empty()) {
      try {
        std::string arch = kconfig_arch(k.arch, *dc);
        kc = cache ? cache->get(k.tree_dir, arch) : std::make_shared<const kconfig::Kconfig>(kconfig::parse_kernel_tree(k.tree_dir, arch));
        ev.emplace(*kc);
        ev->load(*dc);
      } catch (const Error& e) {
        ev.reset();
        col.warnings.push_back(fmt::format("the Kconfig model cannot read {} ({}); the config's values are taken as written",
                                           k.tree_dir, e.what()));
      }
    }
  }
  auto value = [&](const std::string& name) -> std::string {
    if (ev) {
      const kconfig::Symbol* s = kc->find(name);
      return s ? ev->value(*s) : "";
    }
    return dc->get(name);
  };
  bool known_version = !k.version.empty();

  for (const Feature* f : features) {
    Cell cell;
    bool later = known_version && kconfig::compare_versions(k.version, f->since) < 0;
    std::string since_note = later ? fmt::format(" (upstream since {}; this is {})", f->since, k.version) : "";
    if (f->arch != "any" && !k.arch.empty() && f->arch != k.arch) {
      cell.evidence = "arch";
      cell.reason = fmt::format("an {} feature; this kernel is built for {}", f->arch, k.arch);
      col.cells.push_back(std::move(cell));
      continue;
    }
    // Is the code there?
    if (k.source) {
      for (const auto& r : f->symbols)
        if (!defined.count(r.symbol) && kconfig_complete) cell.missing.push_back(r.symbol);
      std::size_t symbols_missing = cell.missing.size();
      for (const auto& group : f->markers)
        if (std::none_of(group.begin(), group.end(), [&](const kconfig::Marker& m) { return has_marker(*k.source, m, problems); }))
          cell.missing.push_back(alternatives(group));
      if (!cell.missing.empty()) {
        cell.evidence = "source";
        std::vector<std::string> parts;
        if (symbols_missing)
          parts.push_back(fmt::format("no Kconfig symbol {}",
                                      fmt::join(cell.missing.begin(), cell.missing.begin() + long(symbols_missing), ", ")));
        if (cell.missing.size() > symbols_missing)
          parts.push_back(fmt::format("no {}", fmt::join(cell.missing.begin() + long(symbols_missing), cell.missing.end(), ", ")));
        cell.reason = fmt::format("{}{}", fmt::join(parts, "; "), since_note);
        col.cells.push_back(std::move(cell));
        continue;
      }
    } else if (dc) {
      bool proven = !f->proof.empty() && dc->values.count(f->proof);
      if (!proven && (later || (!known_version && !f->proof.empty()))) {
        cell.evidence = "version";
        if (!f->proof.empty()) {
          cell.missing.push_back(f->proof);
          cell.reason = known_version ? fmt::format("no CONFIG_{} line, and the feature came in {}; this is {}", f->proof, f->since, k.version)
                                      : fmt::format("no CONFIG_{} line, and the config does not say its version", f->proof);
        } else {
          cell.reason = fmt::format("the feature came in {}; this is {} (a config cannot show a backport: "
                                    "give the source tree to look for its code)", f->since, k.version);
        }
        col.cells.push_back(std::move(cell));
        continue;
      }
    }
    // Is it on?
    if (dc) {
      std::vector<std::string> off;
      for (const auto& r : f->symbols) {
        std::string v = value(r.symbol);
        if (!on(v, r.builtin)) {
          cell.missing.push_back(r.symbol);
          off.push_back(fmt::format("{}={}", r.symbol, v.empty() ? "n (no line)" : v));
        }
      }
      cell.evidence = ev ? "kconfig" : "config";
      // A symbol that no prompt, default or select of this architecture's
      // Kconfig can turn on (UNACCEPTED_MEMORY is selected only from
      // arch/x86/Kconfig in 6.12): the feature is absent here, not off.
      std::string unreachable;
      if (ev)
        for (const auto& sym : cell.missing)
          if (const kconfig::Symbol* s = kc->find(sym); s && s->defined() && s->all(kconfig::PropertyKind::Prompt).empty() &&
                                                        s->all(kconfig::PropertyKind::Default).empty() && ev->selected_by(*s).empty()) {
            unreachable = sym;
            break;
          }
      if (!unreachable.empty()) {
        cell.evidence = "kconfig";
        cell.reason = fmt::format("{} cannot be enabled for {}: it has no prompt and no default, and nothing in this "
                                  "architecture's Kconfig selects it{}", unreachable, k.arch.empty() ? "this architecture" : k.arch,
                                  since_note);
      } else if (!off.empty()) {
        cell.status = Status::Disabled;
        cell.reason = fmt::format("{}", fmt::join(off, ", "));
        if (ev) {
          kconfig::Explanation x = kconfig::explain(*ev, cell.missing.front(), kconfig::Tri::M);
          if (!x.reasons.empty()) cell.reason += ": " + x.reasons.front();
        }
      } else {
        cell.status = Status::Supported;
        std::vector<std::string> set;
        for (const auto& r : f->symbols) set.push_back(fmt::format("{}={}", r.symbol, value(r.symbol)));
        cell.reason = fmt::format("{}", fmt::join(set, ", "));
        if (!k.source && !f->proof.empty() && later) cell.reason += fmt::format(" (a backport: upstream since {})", f->since);
      }
    } else {
      cell.status = Status::Supported;
      cell.evidence = "source";
      cell.reason = "the code is there (no config says whether it is built)";
    }
    col.cells.push_back(std::move(cell));
  }
  std::sort(problems.begin(), problems.end());
  problems.erase(std::unique(problems.begin(), problems.end()), problems.end());
  for (auto& p : problems) col.warnings.push_back(p);
  return col;
}

Matrix build_matrix(const std::vector<Kernel>& kernels, const std::vector<const Feature*>& features, unsigned jobs,
                    const std::function<void(std::size_t, std::size_t)>& progress) {
  Matrix m;
  m.features = features;
  m.kernels.resize(kernels.size());
  if (jobs == 0) jobs = std::max(1u, std::thread::hardware_concurrency());
  jobs = std::min<unsigned>(jobs, unsigned(kernels.size()));
  std::atomic<std::size_t> next{0};
  std::size_t done = 0;
  std::mutex mutex;
  std::vector<std::exception_ptr> errors(kernels.size());
  KconfigCache cache;
  auto work = [&] {
    for (std::size_t i; (i = next++) < kernels.size();) {
      try {
        m.kernels[i] = evaluate(kernels[i], features, &cache);
      } catch (...) {
        errors[i] = std::current_exception();
      }
      if (progress) {
        std::lock_guard<std::mutex> lock(mutex);
        progress(++done, kernels.size());
      }
    }
  };
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < jobs; ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  return m;
}

}  // namespace beaver::matrix
