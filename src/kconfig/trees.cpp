#include "kconfig/trees.h"

#include "kconfig/features.h"
#include "util/error.h"
#include "util/process.h"
#include "util/sha1.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>
#include <sys/file.h>
#include <unistd.h>

namespace beaver::kconfig {

namespace fs = std::filesystem;

std::vector<std::string> installed_source_versions(const std::string& usr_src) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto& e : fs::directory_iterator(usr_src, ec)) {
    std::string name = e.path().filename().string();
    if (name.starts_with("linux-source-") && name.ends_with(".tar.xz"))
      out.push_back(name.substr(13, name.size() - 13 - 7));
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool source_installed(const std::string& version, const std::string& usr_src) {
  auto v = installed_source_versions(usr_src);
  return std::find(v.begin(), v.end(), version) != v.end();
}

std::string cache_dir() {
  if (const char* c = std::getenv("BEAVER_CACHE"); c && *c) return c;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/beaver";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/tmp") + "/.cache/beaver";
}

namespace {

// An exclusive flock on PATH for the life of the object.
class FileLock {
public:
  explicit FileLock(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw Error("{}: {}", path, std::strerror(errno));
    ::flock(fd_, LOCK_EX);
  }
  ~FileLock() {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

private:
  int fd_ = -1;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// What unpacked_tree() takes from a tarball (tar wildcards under its top directory).
std::vector<std::string> unpacked_paths() {
  // Kconfig and `make olddefconfig` need these (kernel/fork.c is how beaver
  // matrix tells a source tree from a headers directory)...
  std::vector<std::string> out = {"Makefile", "Kconfig", "kernel/fork.c", "scripts/*", "*Kconfig*", "arch/*/Makefile", "arch/*/tools/*",
                                  "arch/*/include/uapi/asm/*", "include/uapi/*", "tools/include/*"};
  // ...and beaver matrix the files its markers name (every alternative).
  for (const Feature& f : builtin_features())
    for (const auto& group : f.markers)
      for (const Marker& m : group) {
        std::string p = m.path.ends_with('/') ? m.path + "*" : m.path;
        if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
      }
  return out;
}

}  // namespace

std::string unpacked_tree(const std::string& version, const std::string& usr_src) {
  std::string tarball = usr_src + "/linux-source-" + version + ".tar.xz";
  std::string top = cache_dir() + "/linux-source-" + version;
  std::string tree = top + "/linux-source-" + version;
  std::string marker = top + "/.complete";
  // The marker holds what was unpacked: a newer beaver that needs more files
  // unpacks again instead of working on a partial tree.
  std::vector<std::string> paths = unpacked_paths();
  std::string key = fmt::format("{}\n{}\n", version, to_hex(sha1(fmt::format("{}", fmt::join(paths, "\n")))));
  auto complete = [&] { return fs::exists(marker) && read_file(marker) == key; };
  if (complete()) return tree;
  if (!fs::exists(tarball))
    throw Error("{}: missing; install the Debian package linux-source-{} (apt-get install linux-source-{})", tarball, version, version);
  std::error_code ec;
  fs::create_directories(top, ec);
  if (ec) throw Error("{}: cannot create: {}", top, ec.message());
  // One unpacker at a time; the others wait and then find the marker.
  FileLock lock(top + ".lock");
  if (complete()) return tree;
  fs::remove(marker, ec);
  fs::remove_all(tree, ec);  // an interrupted or older unpack: start over
  std::string prefix = "linux-source-" + version + "/";
  std::vector<std::string> argv = {"tar", "-xJf", tarball, "-C", top, "--wildcards", "--wildcards-match-slash"};
  for (const std::string& p : paths) argv.push_back(prefix + p);
  ProcessResult r = run_process(argv);
  if (r.exit_code != 0) {
    // A marker of a newer release (tdx.c of 6.8 in a 6.1 tarball) matches
    // nothing; tar says so and fails. Anything else is a real failure.
    std::istringstream err(r.err);
    for (std::string line; std::getline(err, line);)
      if (line.find("Not found in archive") == std::string::npos && line.find("Exiting with failure status") == std::string::npos)
        throw Error("unpacking {}: tar failed: {}", tarball, r.err);
  }
  std::ofstream(marker) << key;
  return tree;
}

std::string olddefconfig(const std::string& tree, const std::string& config_text, const std::string& arch,
                         std::string* log) {
  std::error_code ec;
  const fs::path src = fs::weakly_canonical(tree, ec);
  if (ec || !fs::exists(src / "Makefile") || !fs::exists(src / "scripts/kconfig"))
    throw Error("{}: not a kernel source tree (no Makefile or scripts/kconfig)", tree);
  // One build directory per tree and arch, named by a hash of the path.
  const std::string key = fmt::format("{:016x}", std::hash<std::string>{}(src.string() + "\n" + arch));
  const std::string objdir = cache_dir() + "/kbuild/" + src.filename().string() + "-" + key;
  fs::create_directories(objdir, ec);
  if (ec) throw Error("{}: cannot create: {}", objdir, ec.message());
  FileLock lock(objdir + ".lock");
  const std::string config = objdir + "/.config";
  {
    std::ofstream out(config, std::ios::binary | std::ios::trunc);
    out << config_text;
    if (!out) throw Error("{}: cannot write", config);
  }
  ProcessResult r = run_process({"make", "-s", "-C", src.string(), "O=" + objdir, "ARCH=" + arch, "olddefconfig"});
  if (log) *log = r.err;
  if (r.exit_code != 0)
    throw Error("make olddefconfig in {} failed (exit {}):\n{}{}", src.string(), r.exit_code, r.out, r.err);
  return read_file(config);
}

std::string debian_flavour_name(std::string file) {
  file = fs::path(file).filename().string();
  if (file.starts_with("config.")) file = file.substr(7);
  if (file.ends_with(".xz")) file.resize(file.size() - 3);
  std::size_t a = file.find('_'), b = a == std::string::npos ? a : file.find('_', a + 1);
  if (b == std::string::npos) return file;
  std::string featureset = file.substr(a + 1, b - a - 1), flavour = file.substr(b + 1);
  return featureset == "none" ? flavour : featureset + "-" + flavour;
}

std::string debian_config(const std::string& version, const std::string& flavour, const std::string& usr_src) {
  std::string dir = usr_src + "/linux-config-" + version;
  std::string path = dir + "/config." + flavour + ".xz";
  if (!fs::exists(path)) {
    // A short name ("cloud-amd64", "rt-amd64") for the package's long one.
    std::vector<std::string> known;
    std::error_code ec;
    for (auto& e : fs::directory_iterator(dir, ec)) {
      std::string name = e.path().filename().string();
      if (!name.starts_with("config.") || !name.ends_with(".xz")) continue;
      known.push_back(debian_flavour_name(name));
      if (known.back() == flavour) path = e.path().string();
    }
    if (!fs::exists(path)) {
      if (known.empty())
        throw Error("{}: missing; install the Debian package linux-config-{} (apt-get install linux-config-{})", path, version, version);
      std::sort(known.begin(), known.end());
      throw Error("linux-config-{} has no flavour '{}' (it has {})", version, flavour, fmt::join(known, ", "));
    }
  }
  ProcessResult r = run_process({"xz", "-dc", path});
  if (r.exit_code != 0) throw Error("{}: xz failed: {}", path, r.err);
  return r.out;
}

}  // namespace beaver::kconfig
