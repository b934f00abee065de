#include "probe/env.h"

#include <algorithm>
#include <cerrno>
#include <cpuid.h>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sstream>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

namespace beaver::probe {

std::string Env::full_path(const std::string& path) const {
  if (root_ == "/" || root_.empty()) return path;
  return root_ + (path.starts_with("/") ? "" : "/") + path;
}

std::optional<std::string> Env::read_file(const std::string& path, std::size_t limit) {
  // Regular files only (sysfs, procfs and configfs attributes are): a FIFO
  // would block, a device could stream forever. O_NONBLOCK keeps open() of a
  // FIFO from waiting for a writer.
  int fd = ::open(full_path(path).c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return std::nullopt;
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    errno = EINVAL;
    return std::nullopt;
  }
  std::string out;
  char buf[65536];
  while (out.size() < limit) {
    ssize_t n = ::read(fd, buf, std::min(sizeof buf, limit - out.size()));
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    out.append(buf, std::size_t(n));
  }
  ::close(fd);
  return out;
}

bool Env::exists(const std::string& path) {
  struct stat st;
  return ::stat(full_path(path).c_str(), &st) == 0;
}

std::vector<std::string> Env::list_dir(const std::string& path) {
  std::vector<std::string> out;
  DIR* d = ::opendir(full_path(path).c_str());
  if (!d) return out;
  while (dirent* e = ::readdir(d))
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) out.emplace_back(e->d_name);
  ::closedir(d);
  return out;
}

bool Env::make_dir(const std::string& path, std::string& error) {
  if (::mkdir(full_path(path).c_str(), 0700) == 0) return true;
  error = std::strerror(errno);
  return false;
}

bool Env::remove_dir(const std::string& path) { return ::rmdir(full_path(path).c_str()) == 0; }

bool Env::write_file(const std::string& path, const std::string& data, std::string& error) {
  int fd = ::open(full_path(path).c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    error = std::strerror(errno);
    return false;
  }
  ssize_t n = ::write(fd, data.data(), data.size());
  int err = errno;
  ::close(fd);
  if (n != ssize_t(data.size())) {
    error = n < 0 ? std::strerror(err) : "short write";
    return false;
  }
  return true;
}

CpuidRegs Env::cpuid(std::uint32_t leaf, std::uint32_t subleaf) {
  if (use_table_) {
    auto it = table_.find({leaf, subleaf});
    return it == table_.end() ? CpuidRegs{} : it->second;
  }
  CpuidRegs r;
  unsigned a, b, c, d;
  // Leaves above the maximum return garbage on some CPUs: check the range first.
  unsigned max = __get_cpuid_max(leaf & 0x80000000u, nullptr);
  if ((leaf & 0x7fffffffu) > (max & 0x7fffffffu) && !(leaf >= 0x40000000u && leaf < 0x50000000u)) return r;
  __cpuid_count(leaf, subleaf, a, b, c, d);
  r.eax = a;
  r.ebx = b;
  r.ecx = c;
  r.edx = d;
  return r;
}

std::optional<std::uint64_t> Env::read_msr(std::uint32_t msr, std::string& why) {
  std::string dev = full_path("/dev/cpu/0/msr");
  int fd = ::open(dev.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    why = errno == ENOENT ? "/dev/cpu/0/msr is missing (load the msr module: modprobe msr)"
                          : std::string("/dev/cpu/0/msr: ") + std::strerror(errno);
    return std::nullopt;
  }
  std::uint64_t v = 0;
  ssize_t n = ::pread(fd, &v, sizeof v, off_t(msr));
  int err = errno;
  ::close(fd);
  if (n != ssize_t(sizeof v)) {
    why = n < 0 ? std::string("reading MSR: ") + std::strerror(err) : "reading MSR: short read";
    return std::nullopt;
  }
  return v;
}

int Env::device_ioctl(const std::string& path, unsigned long request, void* arg) {
  int fd = ::open(full_path(path).c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return errno;
  int rc = ::ioctl(fd, request, arg);
  int err = errno;
  ::close(fd);
  return rc == 0 ? 0 : err;
}

void Env::random_bytes(std::uint8_t* out, std::size_t n) {
  std::size_t done = 0;
  while (done < n) {
    ssize_t got = ::getrandom(out + done, n - done, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      // No entropy source at all: still unique per run (time and pid).
      for (; done < n; ++done) out[done] = std::uint8_t((std::uint64_t(::getpid()) * 2654435761u + done * 40503u + std::uint64_t(::time(nullptr))) >> 3);
      return;
    }
    done += std::size_t(got);
  }
}

std::string Env::kernel_log() {
  if (fixture()) return read_file("/dmesg").value_or("");
  int size = ::klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, nullptr, 0);
  if (size <= 0) return {};
  std::string buf(std::size_t(size), '\0');
  int n = ::klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf.data(), size);
  if (n <= 0) return {};
  buf.resize(std::size_t(n));
  return buf;
}

std::string Env::kernel_release() {
  if (fixture()) {
    // A release is a short printable word ("6.12.57+deb13-cloud-amd64"); anything else is not one.
    std::string r = read_file("/proc/sys/kernel/osrelease", 256).value_or("");
    while (!r.empty() && (r.back() == '\n' || r.back() == ' ')) r.pop_back();
    if (r.size() > 128 || std::any_of(r.begin(), r.end(), [](char c) { return c <= ' ' || c > '~'; })) return {};
    return r;
  }
  struct utsname u;
  if (::uname(&u) != 0) return {};
  return u.release;
}

bool Env::load_cpuid_table(const std::string& text, std::string& error) {
  std::istringstream in(text);
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    auto hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    std::istringstream ls(line);
    std::vector<std::uint32_t> v;
    std::string word;
    while (ls >> word) {
      char* end = nullptr;
      errno = 0;
      unsigned long x = std::strtoul(word.c_str(), &end, 16);
      if (errno || !end || *end || x > 0xffffffffUL) {
        // Quote a bounded piece of it: the file may be anything.
        std::string shown = word.size() > 40 ? word.substr(0, 40) + "..." : word;
        error = "line " + std::to_string(lineno) + ": '" + shown + "' is not a 32-bit hex number";
        return false;
      }
      v.push_back(std::uint32_t(x));
    }
    if (v.empty()) continue;
    if (v.size() != 6) {
      error = "line " + std::to_string(lineno) + ": expected LEAF SUBLEAF EAX EBX ECX EDX";
      return false;
    }
    table_[{v[0], v[1]}] = CpuidRegs{v[2], v[3], v[4], v[5]};
  }
  use_table_ = true;
  return true;
}

std::string regs_text(std::initializer_list<std::uint32_t> regs) {
  std::string s;
  for (std::uint32_t r : regs)
    for (int k = 0; k < 4; ++k) s += char((r >> (8 * k)) & 0xff);
  return s;
}

}  // namespace beaver::probe
