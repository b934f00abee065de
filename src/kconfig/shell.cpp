// $(shell,...) for the Kconfig preprocessor: /bin/sh like popen(3) in
// preprocess.c's do_shell, with a process-wide memory cache and an optional
// cache file.
//
// Cache file format (text, one record per line):
//   beaver-kconfig-shell-cache 1
//   <40 hex digits: SHA-1 of the key> TAB <output, escaped>
// where the key is the command, the working directory, every environment
// entry and the toolchain id, NUL-separated, and the output escapes '\\' as
// "\\\\", TAB as "\\t", LF as "\\n", CR as "\\r" and NUL as "\\0".
#include "kconfig/kconfig.h"
#include "util/text.h"
#include "util/process.h"
#include "util/sha1.h"

#include <fmt/format.h>

#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <unistd.h>

namespace beaver::kconfig {

namespace {

constexpr std::string_view kMagic = "beaver-kconfig-shell-cache 1";

std::mutex& memory_mutex() {
  static std::mutex m;
  return m;
}
std::unordered_map<std::string, std::string>& memory() {
  static std::unordered_map<std::string, std::string> m;
  return m;
}

std::string hex(const Digest& d) { return hex_of_bytes(d.data(), d.size()); }

std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\0': out += "\\0"; break;
      default: out += c;
    }
  }
  return out;
}

std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    char c = s[++i];
    out += c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c == '0' ? '\0' : c;
  }
  return out;
}

}  // namespace

ShellRunner::ShellRunner(std::filesystem::path cwd, std::map<std::string, std::string> env,
                         std::filesystem::path cache_file, std::string toolchain_id)
    : cwd_(std::move(cwd)), env_(std::move(env)), cache_file_(std::move(cache_file)) {
  for (const auto& [k, v] : env_) env_list_.push_back(k + "=" + v);
  fingerprint_ = cwd_.string();
  fingerprint_ += '\0';
  for (const std::string& e : env_list_) {
    fingerprint_ += e;
    fingerprint_ += '\0';
  }
  fingerprint_ += toolchain_id;
  if (cache_file_.empty()) return;
  std::ifstream in(cache_file_);
  std::string line;
  if (!in || !std::getline(in, line) || line != kMagic) return;
  while (std::getline(in, line)) {
    std::size_t tab = line.find('\t');
    if (tab != 40) continue;
    disk_[line.substr(0, 40)] = unescape(std::string_view(line).substr(41));
  }
}

ShellRunner::~ShellRunner() {
  try {
    save();
  } catch (...) {
    // A cache that cannot be written only costs time next run.
  }
}

void ShellRunner::clear_memory_cache() {
  std::lock_guard<std::mutex> lock(memory_mutex());
  memory().clear();
}

std::string ShellRunner::key(const std::string& command) const {
  Sha1 sha;
  sha.update(command);
  sha.update(std::string_view("\0", 1));
  sha.update(fingerprint_);
  return hex(sha.finish());
}

std::string ShellRunner::run(const std::string& command) {
  const std::string k = key(command);
  {
    std::lock_guard<std::mutex> lock(memory_mutex());
    if (auto it = memory().find(k); it != memory().end()) {
      ++cached_;
      return it->second;
    }
  }
  if (auto it = disk_.find(k); it != disk_.end()) {
    ++cached_;
    std::lock_guard<std::mutex> lock(memory_mutex());
    memory()[k] = it->second;
    return it->second;
  }

  ++runs_;
  ProcessOptions po;
  po.cwd = cwd_.string();
  po.env = env_list_;
  std::string out;
  try {
    out = run_process({"/bin/sh", "-c", command}, po).out;
  } catch (const std::exception&) {
    out.clear();  // like a popen whose command printed nothing
  }
  // do_shell: at most 4095 bytes, trailing newlines dropped, newlines → spaces.
  if (out.size() >= 4096) out.resize(4095);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  for (char& c : out)
    if (c == '\n') c = ' ';

  std::lock_guard<std::mutex> lock(memory_mutex());
  memory()[k] = out;
  if (!cache_file_.empty()) {
    disk_[k] = out;
    dirty_ = true;
  }
  return out;
}

void ShellRunner::save() {
  if (!dirty_ || cache_file_.empty()) return;
  // Merge with what another process may have written meanwhile.
  {
    std::ifstream in(cache_file_);
    std::string line;
    if (in && std::getline(in, line) && line == kMagic) {
      while (std::getline(in, line)) {
        if (line.find('\t') != 40) continue;
        disk_.emplace(line.substr(0, 40), unescape(std::string_view(line).substr(41)));
      }
    }
  }
  std::ostringstream out;
  out << kMagic << '\n';
  for (const auto& [k, v] : disk_) out << k << '\t' << escape(v) << '\n';
  std::error_code ec;
  if (cache_file_.has_parent_path()) std::filesystem::create_directories(cache_file_.parent_path(), ec);
  std::filesystem::path tmp = cache_file_;
  // Per process and thread: beaver matrix parses several trees at once.
  tmp += fmt::format(".tmp{}.{}", static_cast<long>(getpid()), std::hash<std::thread::id>{}(std::this_thread::get_id()));
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return;
    f << out.str();
    if (!f.flush()) {
      std::filesystem::remove(tmp, ec);
      return;
    }
  }
  std::filesystem::rename(tmp, cache_file_, ec);
  if (ec) std::filesystem::remove(tmp, ec);
  dirty_ = false;
}

}  // namespace beaver::kconfig
