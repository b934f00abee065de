#include "pipeline/build.h"

#include "git/repository.h"
#include "kconfig/dotconfig.h"
#include "kconfig/trees.h"
#include "pipeline/artifact.h"
#include "util/error.h"
#include "util/file.h"
#include "util/markup.h"
#include "util/process.h"
#include "util/sha256.h"
#include "util/term.h"
#include "util/text.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

namespace beaver::pipeline {

namespace fs = std::filesystem;

bool BuildReport::ok() const {
  return std::all_of(targets.begin(), targets.end(), [](auto& t) { return t.status == "ok"; });
}

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

bool have(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    std::error_code ec;
    fs::path p = fs::path(dir.empty() ? "." : dir) / program;
    if (fs::is_regular_file(p, ec) && access(p.c_str(), X_OK) == 0) return true;
  }
  return false;
}

std::string kernel_arch(const std::string& arch) {
  if (arch == "x86_64" || arch == "i386") return "x86";
  if (arch == "aarch64") return "arm64";
  return arch;
}

// Merges a fragment over a .config: every symbol the fragment sets replaces
// the base's value (merge_config.sh's rule: the later assignment wins); new
// symbols follow the base's. Lines that are not .config lines, in either,
// become warnings with their line.
std::string merge_fragment(const std::string& base, const std::string& base_name, const std::string& fragment,
                           const std::string& name, std::vector<std::string>& warnings) {
  kconfig::DotConfig merged = kconfig::read_dotconfig(base);
  kconfig::DotConfig over = kconfig::read_dotconfig(fragment);
  for (auto& p : merged.problems) warnings.push_back(fmt::format("{}:{}: {}", base_name, p.line, p.what));
  for (auto& p : over.problems) warnings.push_back(fmt::format("{}:{}: {}", name, p.line, p.what));
  for (auto& sym : over.order) {
    if (!merged.values.count(sym)) merged.order.push_back(sym);
    merged.values[sym] = over.values[sym];
  }
  return kconfig::write_dotconfig(merged);
}

// The assembled tree, checked out by git into `src` with an index of its
// own: only the files that changed since the last build are rewritten, so
// make (and ccache) rebuild only what changed.
void checkout(const git::Repository& repo, const std::string& head, const std::string& src, const std::string& index) {
  fs::create_directories(src);
  auto cmd = repo.git_command();
  cmd.insert(cmd.end(), {"--work-tree=" + src, "read-tree", "--reset", "-u", head});
  ProcessOptions po;
  po.env = {"GIT_INDEX_FILE=" + index};
  ProcessResult r = run_process(cmd, po);
  if (r.exit_code != 0) throw Error("checking out {} into {}: {}", short_id(head), src, trim(r.err));
}

struct MakeRun {
  int code = 0;
  std::string tail;
};

MakeRun run_logged(const std::vector<std::string>& argv, const std::vector<std::string>& env, const std::string& log_path,
                   const std::string& cwd, const std::function<void(const std::string&)>& on_line) {
  std::ofstream log(log_path, std::ios::app | std::ios::binary);
  if (!log) throw Error("{}: cannot write the build log", log_path);
  std::string cmdline;
  for (auto& a : argv) cmdline += (cmdline.empty() ? "" : " ") + a;
  log << "$ " << cmdline << "\n";
  log.flush();
  std::vector<std::string> sh = {"sh", "-c", "exec \"$@\" 2>&1", "sh"};
  sh.insert(sh.end(), argv.begin(), argv.end());
  ProcessOptions po;
  po.env = env;
  po.cwd = cwd;
  std::string partial;
  std::vector<std::string> last;
  auto line = [&](std::string l) {
    if (on_line) on_line(l);
    last.push_back(std::move(l));
    if (last.size() > 25) last.erase(last.begin());
  };
  ProcessResult r = run_process(sh, po, [&](std::string_view chunk) {
    log.write(chunk.data(), std::streamsize(chunk.size()));
    partial.append(chunk);
    std::size_t nl;
    while ((nl = partial.find('\n')) != std::string::npos) {
      line(partial.substr(0, nl));
      partial.erase(0, nl + 1);
    }
  });
  if (!partial.empty()) line(partial);
  log.flush();
  MakeRun out;
  out.code = r.exit_code;
  for (auto& l : last) out.tail += l + "\n";
  return out;
}

std::string repo_uri(const git::Repository& repo) {
  if (auto url = repo.config_value("remote.origin.url"); url && !url->empty()) return *url;
  // Never an absolute path of this machine: the repository's name.
  std::string p = repo.path();
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  std::string name = fs::path(p).filename().string();
  if (name == ".git") name = fs::path(p).parent_path().filename().string();
  return "git+file:" + name;
}

nlohmann::json provenance_for(const git::Repository& repo, const Manifest& m, const Target& t, const TargetAssembly& a,
                              const kconfig::ConfigureReport& config, const std::string& kbuild_timestamp) {
  ProvenanceInput in;
  nlohmann::json fragments = nlohmann::json::array();
  for (auto& f : t.fragments) fragments.push_back({{"name", fs::path(f).filename().string()}, {"sha256", sha256_file(f)}});
  in.external_parameters = {
      {"manifest", {{"name", fs::path(m.path).filename().string()}, {"sha256", sha256_file(m.path)}}},
      {"target",
       {{"name", t.name}, {"base", t.base}, {"config", t.config}, {"arch", t.arch}, {"enable", t.enable}, {"disable", t.disable},
        {"fragments", fragments}, {"make", t.make}}}};
  in.internal_parameters = {{"toolchain", toolchain_versions()},
                            {"kbuild", {{"KBUILD_BUILD_TIMESTAMP", kbuild_timestamp},
                                        {"KBUILD_BUILD_USER", "beaver"},
                                        {"KBUILD_BUILD_HOST", "beaver"}}}};
  std::string uri = repo_uri(repo);
  in.resolved_dependencies.push_back(resource_descriptor("repository", uri, {{"gitCommit", a.head}},
                                                         {{"ref", a.ref}, {"assembled", true}}));
  in.resolved_dependencies.push_back(resource_descriptor("base", uri, {{"gitCommit", a.base_commit}}, {{"revision", a.base}}));
  std::size_t k = 0;
  for (auto& p : a.patches) {
    ++k;
    nlohmann::json ann = {{"index", k}, {"source", p.source}, {"subject", p.subject}, {"status", p.status}};
    if (!p.patch_id.empty()) ann["patch_id"] = p.patch_id;
    if (!p.message_id.empty()) ann["message_id"] = p.message_id;
    if (!p.upstream_commit.empty()) ann["upstream_commit"] = p.upstream_commit;
    if (!p.release.empty()) ann["release"] = p.release;
    if (!p.result.empty()) ann["assembled_as"] = p.result;
    std::map<std::string, std::string> digest;
    if (!p.commit.empty()) digest["gitCommit"] = p.commit;
    in.resolved_dependencies.push_back(resource_descriptor(fmt::format("patch {}", k), p.commit.empty() ? "" : uri, digest, ann));
  }
  nlohmann::json requests = nlohmann::json::array();
  for (auto& r : config.results)
    requests.push_back({{"symbol", r.request.symbol}, {"profile", r.request.profile}, {"requested", r.requested},
                        {"actual", r.actual}, {"status", r.status}});
  in.resolved_dependencies.push_back(resource_descriptor("config", "", {{"sha256", sha256_hex(config.config)}},
                                                         {{"base", t.config}, {"engine", config.engine}, {"requests", requests}}));
  return provenance_statement(in);
}

}  // namespace

kconfig::ConfigureReport configure_target(const Target& t, const std::string& tree, const std::string& objdir,
                                          std::vector<std::string>& warnings) {
  std::string base, base_name;
  if (t.config.starts_with("make:")) {
    std::string what = t.config.substr(5);
    fs::create_directories(objdir);
    ProcessResult r = run_process({"make", "-s", "-C", tree, "O=" + objdir, "ARCH=" + t.arch, what});
    if (r.exit_code != 0) throw Error("{}: make {} failed: {}", t.name, what, trim(r.err.empty() ? r.out : r.err));
    base = read_file(objdir + "/.config");
    base_name = "make " + what;
  } else {
    base = kconfig::read_base(t.config, base_name);
  }
  for (auto& f : t.fragments) {
    base = merge_fragment(base, base_name, read_file(f), f, warnings);
    base_name += " + " + f;
  }
  kconfig::ConfigureOptions co;
  co.tree = tree;
  co.base_text = base;
  co.base_name = base_name;
  co.arch = t.arch;
  co.enable = t.enable;
  co.disable = t.disable;
  co.fix = t.fix;
  return kconfig::configure(co);
}

BuildReport build(const Manifest& m, const std::vector<const Target*>& targets, const BuildOptions& o) {
  auto t0 = Clock::now();
  BuildReport report;
  unsigned jobs = o.jobs ? o.jobs : std::max(1u, std::thread::hardware_concurrency());
  std::string work_root = o.work_dir.empty() ? kconfig::cache_dir() + "/build" : o.work_dir;
  fs::create_directories(work_root);
  fs::create_directories(o.out_dir);
  bool use_ccache = o.ccache && have("ccache");
  for (const Target* t : targets) {
    BuildResult res;
    res.name = t->name;
    auto tt = Clock::now();
    auto phase_start = tt;
    std::string phase;
    auto enter = [&](const std::string& p) {
      if (!phase.empty()) res.phases.emplace_back(phase, since(phase_start));
      phase = p;
      phase_start = Clock::now();
      if (o.on_phase) o.on_phase(t->name, p);
    };
    fs::path work = fs::path(work_root) / t->name;
    std::string src = (work / "src").string(), obj = (work / "obj").string();
    res.log = fs::absolute(fs::path(o.out_dir) / (t->name + ".build.log")).string();
    try {
      git::Repository repo = git::Repository::open(t->repo);
      fs::create_directories(work);
      write_file(res.log, "");
      enter("assemble");
      AssembleOptions ao;
      ao.index_path = o.index_path;
      res.assembly = assemble_target(*t, ao);
      res.head = res.assembly.head;
      if (res.assembly.conflicted()) {
        res.status = "conflict";
        for (auto& p : res.assembly.patches)
          if (p.status == "conflict") res.error = fmt::format("\"{}\" ({}) conflicts: run beaver assemble {}", p.subject, p.source, t->name);
        throw std::runtime_error("");
      }
      enter("checkout");
      checkout(repo, res.head, src, (work / "index").string());
      if (t->component) {
        enter("build");
        for (auto cmd : t->build) {
          for (std::size_t at; (at = cmd.find("{jobs}")) != std::string::npos;) cmd.replace(at, 6, std::to_string(jobs));
          MakeRun r = run_logged({"sh", "-c", cmd}, {}, res.log, src, o.on_make_line);
          if (r.code != 0) {
            res.status = "make-failed";
            res.error = fmt::format("`{}` failed (exit {})", cmd, r.code);
            res.log_tail = r.tail;
            throw std::runtime_error("");
          }
        }
        enter("");
        res.status = "ok";
        res.seconds = since(tt);
        report.targets.push_back(std::move(res));
        continue;
      }
      enter("config");
      res.config = configure_target(*t, src, obj, res.warnings);
      if (!res.config.all_ok()) {
        std::string why;
        for (auto& r : res.config.results)
          if (r.status != "ok")
            why += fmt::format("\n  {}={} is {} ({}): {}", r.request.symbol, r.requested.empty() ? "y" : r.requested,
                               r.actual.empty() ? "absent" : r.actual, r.status, r.why.text());
        if (!o.allow_partial) {
          res.status = "config-failed";
          res.error = "config requests did not stick (--allow-partial builds anyway):" + why;
          throw std::runtime_error("");
        }
        res.warnings.push_back("config requests did not stick:" + why);
      }
      fs::create_directories(obj);
      write_file(obj + "/.config", res.config.config);

      enter("make");
      std::string stamp = "@" + std::to_string(res.assembly.head_time);
      std::vector<std::string> env = {"KBUILD_BUILD_TIMESTAMP=" + stamp, "KBUILD_BUILD_USER=beaver", "KBUILD_BUILD_HOST=beaver",
                                      "KBUILD_BUILD_VERSION=1", "LC_ALL=C", "TZ=UTC"};
      std::vector<std::string> make = {"make", "-C", src, "O=" + obj, "ARCH=" + t->arch, "-j" + std::to_string(jobs),
                                       // The checkout's and the objects' paths never reach the image.
                                       "KCFLAGS=-ffile-prefix-map=" + src + "/= -ffile-prefix-map=" + obj + "/="};
      if (use_ccache) make.push_back("CC=ccache gcc");
      std::vector<std::string> goals;
      bool modules = false, debs = false;
      for (auto& g : t->make) {
        if (g == "modules") modules = true;
        if (g == "bindeb-pkg" || g == "deb-pkg") debs = true;
        goals.push_back(g);
      }
      std::vector<std::string> argv = make;
      argv.push_back("olddefconfig");
      argv.insert(argv.end(), goals.begin(), goals.end());
      std::set<std::string> debs_before;
      for (auto& e : fs::directory_iterator(work)) debs_before.insert(e.path().string());
      MakeRun mr = run_logged(argv, env, res.log, "", o.on_make_line);
      if (mr.code != 0) {
        res.status = "make-failed";
        res.error = fmt::format("make failed (exit {}); the whole output is in {}", mr.code, res.log);
        res.log_tail = mr.tail;
        throw std::runtime_error("");
      }
      ProcessResult rel = run_process({"make", "-s", "-C", src, "O=" + obj, "ARCH=" + t->arch, "kernelrelease"}, ProcessOptions{"", env, {}});
      res.kernelrelease = std::string(trim(rel.out));
      if (rel.exit_code != 0 || res.kernelrelease.empty()) throw Error("make kernelrelease failed: {}", trim(rel.err));

      enter("artifact");
      std::vector<ArtifactEntry> entries;
      std::string karch = kernel_arch(t->arch);
      for (const char* image : {"bzImage", "Image.gz", "Image", "zImage"}) {
        fs::path p = fs::path(obj) / "arch" / karch / "boot" / image;
        if (fs::is_regular_file(p)) {
          entries.push_back({"boot/vmlinuz-" + res.kernelrelease, p.string(), 0644});
          break;
        }
      }
      if (fs::is_regular_file(obj + "/System.map")) entries.push_back({"boot/System.map-" + res.kernelrelease, obj + "/System.map", 0644});
      entries.push_back({"boot/config-" + res.kernelrelease, obj + "/.config", 0644});
      fs::path stage = work / "stage";
      std::error_code ec;
      fs::remove_all(stage, ec);
      if (modules) {
        std::vector<std::string> mi = make;
        mi.insert(mi.end(), {"INSTALL_MOD_PATH=" + stage.string(), "INSTALL_MOD_STRIP=1", "DEPMOD=" + std::string(have("depmod") ? "depmod" : "true"),
                             "modules_install"});
        MakeRun r = run_logged(mi, env, res.log, "", o.on_make_line);
        if (r.code != 0) {
          res.status = "make-failed";
          res.error = fmt::format("make modules_install failed (exit {})", r.code);
          res.log_tail = r.tail;
          throw std::runtime_error("");
        }
        if (fs::is_directory(stage / "lib" / "modules")) {
          std::vector<std::string> skipped;
          for (auto& e : collect_tree((stage / "lib" / "modules").string(), "lib/modules", &skipped)) entries.push_back(e);
        }
      }
      if (debs)
        for (auto& e : fs::directory_iterator(work))
          if (e.path().extension() == ".deb" && !debs_before.count(e.path().string()))
            entries.push_back({"debs/" + e.path().filename().string(), e.path().string(), 0644});
      nlohmann::json statement = provenance_for(repo, m, *t, res.assembly, res.config, stamp);
      std::string out = (fs::path(o.out_dir) / artifact_file_name(t->name, res.kernelrelease, res.head)).string();
      ArtifactOptions aopt;
      aopt.mtime = res.assembly.head_time;
      WrittenArtifact w = write_artifact(out, entries, statement, aopt);
      res.artifact = w.path;
      res.sha256 = w.sha256;
      res.provenance = w.sidecar;
      enter("");
      res.status = "ok";
    } catch (const std::exception& e) {
      if (res.status.empty()) {
        res.status = "failed";
        res.error = fmt::format("{}{}", phase.empty() ? "" : phase + ": ", e.what());
      }
      if (!phase.empty()) res.phases.emplace_back(phase, since(phase_start));
    }
    res.seconds = since(tt);
    report.targets.push_back(std::move(res));
  }
  report.seconds = since(t0);
  return report;
}

nlohmann::json build_json(const BuildReport& r) {
  nlohmann::json targets = nlohmann::json::array();
  auto null_or = [](const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); };
  for (auto& t : r.targets) {
    nlohmann::json phases = nlohmann::json::object();
    for (auto& [p, s] : t.phases) phases[p] = s;
    nlohmann::json config = nlohmann::json::array();
    for (auto& c : t.config.results)
      config.push_back({{"symbol", c.request.symbol}, {"requested", c.requested}, {"actual", c.actual}, {"status", c.status}});
    targets.push_back({{"name", t.name},
                       {"status", t.status},
                       {"kernelrelease", null_or(t.kernelrelease)},
                       {"artifact", null_or(t.artifact)},
                       {"sha256", null_or(t.sha256)},
                       {"provenance", null_or(t.provenance)},
                       {"log", null_or(t.log)},
                       {"seconds", t.seconds},
                       {"head", null_or(t.head)},
                       {"error", null_or(t.error)},
                       {"phases", phases},
                       {"config", config},
                       {"warnings", t.warnings}});
  }
  return {{"targets", targets}, {"seconds", r.seconds}};
}

std::string build_text(const BuildReport& r, bool color) {
  std::string out;
  for (auto& t : r.targets) {
    bool ok = t.status == "ok";
    out += fmt::format("{} {}  {}\n", paint(fmt::format("{:<13}", t.status), ok ? "32" : "31", color), paint(t.name, "1", color),
                       ok ? fmt::format("{} ({}), {:.0f} s", t.kernelrelease.empty() ? "built" : t.kernelrelease,
                                        t.head.empty() ? "" : short_id(t.head), t.seconds)
                          : "");
    if (!t.artifact.empty()) out += fmt::format("  artifact   {}\n  sha256     {}\n  provenance {}\n", t.artifact, t.sha256, t.provenance);
    std::string phases;
    for (auto& [p, s] : t.phases) phases += fmt::format("{}{} {:.1f} s", phases.empty() ? "" : ", ", p, s);
    if (!phases.empty()) out += "  " + paint(phases, "2", color) + "\n";
    for (auto& w : t.warnings) out += fmt::format("  {} {}\n", paint("warning:", "33", color), terminal_text(w));
    if (!t.error.empty()) out += fmt::format("  {} {}\n", paint("error:", "31", color), terminal_text(t.error));
    if (!t.log_tail.empty()) {
      out += fmt::format("  the last lines of {}:\n", t.log);
      for_each_line(t.log_tail, [&](std::string_view l) { out += "    " + terminal_text(l) + "\n"; });
    }
  }
  return out;
}

}  // namespace beaver::pipeline
