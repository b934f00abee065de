#include "util/file.h"

#include "util/error.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

namespace beaver {

namespace {

[[noreturn]] void fail(const std::string& path, int err) {
  throw Error("{}: cannot write: {}", path, std::strerror(err));
}

bool write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    text.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string dir_of(const std::string& p) {
  auto slash = p.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : p.substr(0, slash);
}

mode_t current_umask() {
  mode_t m = ::umask(022);
  ::umask(m);
  return m;
}

// Temporary file beside `target`, written, given `mode`, renamed over target.
void replace_atomically(const std::string& shown, const std::string& target, std::string_view text, mode_t mode,
                        const struct stat* old) {
  std::string base = target.substr(target.rfind('/') == std::string::npos ? 0 : target.rfind('/') + 1);
  std::string tmpl = dir_of(target) + "/." + base + ".beaver-XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  int fd = ::mkstemp(name.data());
  if (fd < 0) fail(shown, errno);
  int err = 0;
  if (!write_all(fd, text)) err = errno;
  if (!err && ::fchmod(fd, mode) != 0) err = errno;
  if (!err && old) {
    // Keep the owner where we may (root writing a user's file); not an error otherwise.
    if (old->st_uid != ::geteuid() || old->st_gid != ::getegid()) (void)!::fchown(fd, old->st_uid, old->st_gid);
  }
  if (::close(fd) != 0 && !err) err = errno;
  if (!err && ::rename(name.data(), target.c_str()) != 0) err = errno;
  if (err) {
    ::unlink(name.data());
    fail(shown, err);
  }
}

}  // namespace

void write_file(const std::string& path, std::string_view text) {
  if (path.empty()) throw Error("cannot write: empty file name");
  std::string target = path;
  for (int hops = 0;; ++hops) {
    struct stat st {};
    if (::lstat(target.c_str(), &st) != 0) {
      if (errno != ENOENT) fail(path, errno);
      replace_atomically(path, target, text, 0666 & ~current_umask(), nullptr);
      return;
    }
    if (S_ISLNK(st.st_mode)) {
      if (hops >= 40) fail(path, ELOOP);
      std::vector<char> buf(PATH_MAX + 1);
      ssize_t n = ::readlink(target.c_str(), buf.data(), buf.size() - 1);
      if (n < 0) fail(path, errno);
      std::string link(buf.data(), static_cast<size_t>(n));
      target = link.starts_with('/') ? link : dir_of(target) + "/" + link;
      continue;
    }
    if (S_ISDIR(st.st_mode)) fail(path, EISDIR);
    if (S_ISREG(st.st_mode)) {
      replace_atomically(path, target, text, st.st_mode & 07777, &st);
      return;
    }
    // A device or FIFO: written into as it is (a socket cannot be opened: an error).
    int fd = ::open(target.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) fail(path, errno);
    int err = write_all(fd, text) ? 0 : errno;
    if (::close(fd) != 0 && !err && errno != EINTR) err = errno;
    if (err) fail(path, err);
    return;
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("{}: cannot read: {}", path, std::strerror(errno));
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string make_temp_dir(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + prefix + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) throw Error("cannot create a directory under {}: {}", tmpl, std::strerror(errno));
  return buf.data();
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace beaver
