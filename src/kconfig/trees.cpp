#include "kconfig/trees.h"

#include "util/error.h"
#include "util/process.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
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

std::string cache_dir() {
  if (const char* c = std::getenv("BEAVER_CACHE"); c && *c) return c;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/beaver";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/tmp") + "/.cache/beaver";
}

std::string unpacked_tree(const std::string& version, const std::string& usr_src) {
  std::string tarball = usr_src + "/linux-source-" + version + ".tar.xz";
  std::string top = cache_dir() + "/linux-source-" + version;
  std::string tree = top + "/linux-source-" + version;
  std::string marker = top + "/.complete";
  if (fs::exists(marker)) return tree;
  if (!fs::exists(tarball))
    throw Error("{}: missing; install the Debian package linux-source-{} (apt-get install linux-source-{})", tarball, version, version);
  std::error_code ec;
  fs::create_directories(top, ec);
  if (ec) throw Error("{}: cannot create: {}", top, ec.message());
  // One unpacker at a time; the others wait and then find the marker.
  int fd = ::open((top + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw Error("{}.lock: {}", top, std::strerror(errno));
  ::flock(fd, LOCK_EX);
  struct Unlock {
    int fd;
    ~Unlock() {
      ::flock(fd, LOCK_UN);
      ::close(fd);
    }
  } unlock{fd};
  if (fs::exists(marker)) return tree;
  fs::remove_all(tree, ec);  // an interrupted unpack: start over
  std::string prefix = "linux-source-" + version + "/";
  std::vector<std::string> argv = {"tar", "-xJf", tarball, "-C", top, "--wildcards", "--no-wildcards-match-slash",
                                   prefix + "Makefile", prefix + "Kconfig", prefix + "scripts/*"};
  // Every Kconfig file at any depth (the wildcard may cross slashes for these).
  argv.insert(argv.end(), {"--wildcards-match-slash", prefix + "*Kconfig*", prefix + "arch/*/Makefile",
                           prefix + "arch/*/tools/*", prefix + "arch/*/include/uapi/asm/*", prefix + "include/uapi/*",
                           prefix + "tools/include/*"});
  ProcessResult r = run_process(argv);
  if (r.exit_code != 0) throw Error("unpacking {}: tar failed: {}", tarball, r.err);
  std::ofstream(marker) << version << "\n";
  return tree;
}

std::string debian_config(const std::string& version, const std::string& flavour, const std::string& usr_src) {
  std::string path = usr_src + "/linux-config-" + version + "/config." + flavour + ".xz";
  if (!fs::exists(path))
    throw Error("{}: missing; install the Debian package linux-config-{} (apt-get install linux-config-{})", path, version, version);
  ProcessResult r = run_process({"xz", "-dc", path});
  if (r.exit_code != 0) throw Error("{}: xz failed: {}", path, r.err);
  return r.out;
}

}  // namespace beaver::kconfig
