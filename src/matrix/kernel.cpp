#include "matrix/kernel.h"

#include "kconfig/configure.h"
#include "kconfig/trees.h"
#include "util/error.h"
#include "util/file.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace beaver::matrix {

namespace fs = std::filesystem;

namespace {

struct ArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveFree>;

bool compressed(std::string_view b) {
  return b.starts_with("\x1f\x8b") || b.starts_with(std::string_view("\xfd" "7zXZ\0", 6)) ||
         b.starts_with("\x28\xb5\x2f\xfd") || b.starts_with("BZh");
}

// A kernel config is a few hundred KiB; anything past this is not one (and
// a compressed "bomb" must not take the machine's memory).
constexpr std::size_t kMaxFile = 64u << 20;
// What one package may hold in configs altogether (Debian's linux-config-6.12
// holds 10 flavours of 0.3 MiB), and what one run may read from every input:
// many members just under kMaxFile must not add up to the machine's memory.
constexpr std::size_t kMaxPackage = 128u << 20;

// Everything libarchive reads from the current entry of `a`.
std::string entry_data(archive* a, const std::string& where) {
  std::string out;
  char buf[65536];
  for (;;) {
    la_ssize_t n = archive_read_data(a, buf, sizeof buf);
    if (n < 0) throw Error("{}: {}", where, archive_error_string(a) ? archive_error_string(a) : "cannot decompress");
    if (n == 0) break;
    out.append(buf, std::size_t(n));
    if (out.size() > kMaxFile) throw Error("{}: larger than {} MiB: not a kernel config", where, kMaxFile >> 20);
  }
  return out;
}

// A gzip/xz/zstd/bzip2 stream, decompressed; other bytes as they are.
std::string decompress(std::string bytes, const std::string& where) {
  if (!compressed(bytes)) return bytes;
  ArchivePtr a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_raw(a.get());
  archive_entry* e = nullptr;
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK ||
      archive_read_next_header(a.get(), &e) != ARCHIVE_OK)
    throw Error("{}: cannot decompress: {}", where, archive_error_string(a.get()) ? archive_error_string(a.get()) : "unknown format");
  return entry_data(a.get(), where);
}

std::string checked_config(std::string text, const std::string& where) {
  if (text.find("CONFIG_") == std::string::npos) throw Error("{}: not a kernel config (no CONFIG_ line)", where);
  return text;
}

// The architecture a config without its header was made for, from the
// symbols only that architecture defines; "" when none is there.
std::string arch_of_symbols(std::string_view text) {
  static const std::pair<const char*, const char*> kArchSymbols[] = {
      {"X86_64", "x86"}, {"X86_32", "x86"}, {"X86", "x86"},       {"ARM64", "arm64"}, {"RISCV", "riscv"},
      {"S390", "s390"},  {"PPC", "powerpc"}, {"LOONGARCH", "loongarch"}, {"ARM", "arm"}, {"MIPS", "mips"}};
  for (auto [symbol, arch] : kArchSymbols) {
    std::string line = fmt::format("CONFIG_{}=y", symbol);
    for (std::size_t pos = text.find(line); pos != std::string_view::npos; pos = text.find(line, pos + 1)) {
      bool starts = pos == 0 || text[pos - 1] == '\n';
      std::size_t end = pos + line.size();
      if (starts && (end == text.size() || text[end] == '\n' || text[end] == '\r')) return arch;
    }
  }
  return "";
}

void set_config(Kernel& k, std::string text, std::string name) {
  // Only the header is needed here; the values are read where the cells are made.
  ConfigHeader h = config_header(text);
  k.arch = h.arch;
  if (k.arch.empty()) {
    k.arch = arch_of_symbols(text);
    k.warnings.push_back(k.arch.empty()
                             ? fmt::format("{} has no '# Linux/ARCH VERSION Kernel Configuration' header and no CONFIG_X86, "
                                           "CONFIG_ARM64 or CONFIG_RISCV line: its architecture is unknown", name)
                             : fmt::format("{} has no '# Linux/ARCH VERSION Kernel Configuration' header; read as {} "
                                           "from its symbols", name, k.arch));
  }
  if (!h.version.empty()) {
    if (!k.version.empty() && kconfig::release_of(k.version) != kconfig::release_of(h.version))
      k.warnings.push_back(fmt::format("{} was written for Linux {}, but the tree is {}", name, h.version, k.version));
    if (k.version.empty()) k.version = h.version;
  }
  k.config = std::move(text);
  k.config_name = std::move(name);
}

// A kernel known by a config alone (a file, a package's, a headers directory's).
Kernel config_kernel(const std::string& spec, const char* kind, std::string name, std::string text, std::string where) {
  Kernel k;
  k.spec = spec;
  k.kind = kind;
  k.name = std::move(name);
  set_config(k, std::move(text), std::move(where));
  return k;
}

Kernel tree_kernel(const std::string& spec, const std::string& dir, const std::string& name) {
  Kernel k;
  k.spec = spec;
  k.name = name;
  k.kind = "tree";
  k.source = open_directory(dir);
  if (k.source->stat("Kconfig") != SourceTree::Entry::File || k.source->stat("Makefile") != SourceTree::Entry::File ||
      k.source->stat("kernel/fork.c") != SourceTree::Entry::File)
    throw Error("{}: not a kernel source tree (no Kconfig, Makefile and kernel/fork.c at its top)", dir);
  k.tree_dir = dir;
  k.version = tree_version(*k.source);
  return k;
}

std::string base_name(const std::string& path) {
  std::string s = fs::path(path).filename().string();
  if (s.empty()) s = fs::path(path).parent_path().filename().string();
  return s.empty() ? path : s;
}

std::vector<Kernel> deb_kernels(const std::string& spec) {
  // A linux-image package has /boot/config-VERSION (stop there: the modules
  // that follow are most of the package), a linux-headers package
  // /usr/src/linux-headers-VERSION/.config; a linux-config package has one
  // config per flavour under /usr/src/linux-config-V/.
  DebContents deb = read_deb(spec, [](const std::string& p) {
    if (p.starts_with("boot/config-")) return 2;
    if (p.starts_with("usr/src/linux-headers-") && p.ends_with("/.config") && std::count(p.begin(), p.end(), '/') == 3) return 2;
    if (p.starts_with("usr/src/linux-config-") && fs::path(p).filename().string().starts_with("config.")) return 1;
    return 0;
  });
  std::vector<Kernel> out;
  std::size_t total = 0;
  for (auto& [path, bytes] : deb.files) {
    std::string where = spec + ":" + path;
    std::string text = checked_config(decompress(std::move(bytes), where), where);
    total += text.size();
    if (total > kMaxPackage)
      throw Error("{}: its kernel configs exceed {} MiB in all once decompressed: not a kernel package", spec, kMaxPackage >> 20);
    std::string name = path.starts_with("usr/src/linux-config-") ? deb.package + ":" + kconfig::debian_flavour_name(path) : deb.package;
    out.push_back(config_kernel(spec, "deb", std::move(name), std::move(text), where));
  }
  if (out.empty())
    throw Error("{}: no kernel config in package {} (looked for /boot/config-*, /usr/src/linux-headers-*/.config and /usr/src/linux-config-*/config.*)", spec,
                deb.package.empty() ? "?" : deb.package);
  return out;
}

}  // namespace

ConfigHeader config_header(std::string_view text) {
  constexpr std::string_view kTail = " Kernel Configuration";
  std::size_t n = 0, pos = 0;
  while (pos < text.size() && n++ < 8) {
    std::size_t end = text.find('\n', pos);
    std::string_view line = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? text.size() : end + 1;
    std::size_t tail = line.find(kTail);
    if (!line.starts_with("# Linux/") || tail == std::string_view::npos) continue;
    std::string_view body = line.substr(8, tail - 8);  // "x86 6.12.117"
    std::size_t space = body.find(' ');
    ConfigHeader h;
    h.arch = std::string(body.substr(0, space));
    if (space != std::string_view::npos) h.version = std::string(body.substr(space + 1));
    // Debian builds with ARCH=x86 ("Linux/x86"), Fedora and RHEL with
    // ARCH=x86_64 ("Linux/x86_64"): one architecture.
    if (h.arch == "x86_64" || h.arch == "i386") h.arch = "x86";
    if (h.arch == "aarch64") h.arch = "arm64";
    return h;
  }
  return {};
}

std::string read_config_file(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw Error("{}: no such file", path);
  if (fs::file_size(path, ec) > kMaxFile) throw Error("{}: larger than {} MiB: not a kernel config", path, kMaxFile >> 20);
  return checked_config(decompress(read_file(path), path), path);
}

DebContents read_deb(const std::string& path, const std::function<int(const std::string&)>& want) {
  ArchivePtr outer(archive_read_new());
  archive_read_support_format_ar(outer.get());
  if (archive_read_open_filename(outer.get(), path.c_str(), 1 << 16) != ARCHIVE_OK)
    throw Error("{}: cannot open: {}", path, archive_error_string(outer.get()) ? archive_error_string(outer.get()) : "?");
  DebContents out;
  bool is_deb = false, stop = false;
  std::size_t kept = 0;
  archive_entry* e = nullptr;
  int r;
  while (!stop && (r = archive_read_next_header(outer.get(), &e)) == ARCHIVE_OK) {
    std::string member = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
    if (member == "debian-binary") is_deb = true;
    bool control = member.starts_with("control.tar"), data = member.starts_with("data.tar");
    if (!control && !data) continue;
    // The member is read straight from the outer archive: a package's data
    // can be hundreds of megabytes, and the config is near its start.
    struct Source {
      archive* outer;
      char buf[1 << 16];
    };
    auto src = std::make_unique<Source>();
    src->outer = outer.get();
    ArchivePtr inner(archive_read_new());
    archive_read_support_filter_all(inner.get());
    archive_read_support_format_tar(inner.get());
    auto reader = [](archive*, void* p, const void** buffer) -> la_ssize_t {
      auto* s = static_cast<Source*>(p);
      *buffer = s->buf;
      return archive_read_data(s->outer, s->buf, sizeof s->buf);
    };
    std::string where = path + ":" + member;
    if (archive_read_open(inner.get(), src.get(), nullptr, reader, nullptr) != ARCHIVE_OK)
      throw Error("{}: {}", where, archive_error_string(inner.get()) ? archive_error_string(inner.get()) : "cannot read");
    archive_entry* ie = nullptr;
    int ir;
    while ((ir = archive_read_next_header(inner.get(), &ie)) == ARCHIVE_OK) {
      std::string p = archive_entry_pathname(ie) ? archive_entry_pathname(ie) : "";
      if (p.starts_with("./")) p = p.substr(2);
      if (control && p == "control") {
        std::string text = entry_data(inner.get(), where + ":control");
        std::size_t pos = 0;
        while (pos < text.size()) {
          std::size_t end = text.find('\n', pos);
          if (end == std::string::npos) end = text.size();
          std::string_view line(text.data() + pos, end - pos);
          if (line.starts_with("Package: ")) out.package = std::string(line.substr(9));
          if (line.starts_with("Version: ")) out.version = std::string(line.substr(9));
          pos = end + 1;
        }
      } else if (data && archive_entry_filetype(ie) == AE_IFREG) {
        int w = want(p);
        if (w == 0) continue;
        out.files.emplace_back(p, entry_data(inner.get(), where + ":" + p));
        kept += out.files.back().second.size();
        if (kept > kMaxPackage)
          throw Error("{}: its kernel configs exceed {} MiB in all: not a kernel package", path, kMaxPackage >> 20);
        if (w == 2) {
          stop = true;
          break;
        }
      }
    }
    if (ir != ARCHIVE_EOF && ir != ARCHIVE_OK)
      throw Error("{}: damaged: {}", where, archive_error_string(inner.get()) ? archive_error_string(inner.get()) : "?");
  }
  if (!stop && r != ARCHIVE_EOF)
    throw Error("{}: not a Debian package ({})", path, archive_error_string(outer.get()) ? archive_error_string(outer.get()) : "?");
  if (!is_deb) throw Error("{}: not a Debian package (no debian-binary member)", path);
  return out;
}

namespace {

std::vector<Kernel> load(const std::string& spec, const std::string& repo) {
  if (spec.empty()) throw Error("an empty kernel argument");
  if (!repo.empty()) {
    // REV[:CONFIG]: a ref name cannot hold ':' (git check-ref-format).
    std::size_t colon = spec.find(':');
    Kernel k;
    k.spec = spec;
    k.kind = "git";
    k.name = spec.substr(0, colon);
    k.source = open_revision(repo, k.name);
    k.version = tree_version(*k.source);
    if (k.source->stat("Kconfig") != SourceTree::Entry::File)
      throw Error("{}: {} is not a kernel tree (no Kconfig at its top)", repo, k.name);
    if (colon != std::string::npos) set_config(k, read_config_file(spec.substr(colon + 1)), spec.substr(colon + 1));
    std::vector<Kernel> out;
    out.push_back(std::move(k));
    return out;
  }
  std::vector<Kernel> out;
  if (spec.starts_with("debian:")) {
    std::string rest = spec.substr(7);
    std::size_t colon = rest.find(':');
    std::string version = rest.substr(0, colon);
    Kernel k = tree_kernel(spec, kconfig::resolve_tree("debian:" + version), spec);
    if (colon != std::string::npos) {
      std::string name;
      std::string text = kconfig::read_base(spec, name);
      set_config(k, std::move(text), name);
    }
    out.push_back(std::move(k));
    return out;
  }
  std::error_code ec;
  std::string path = spec, config;
  if (!fs::exists(path, ec)) {
    std::size_t colon = spec.rfind(':');
    if (colon != std::string::npos && fs::is_directory(spec.substr(0, colon), ec)) {
      path = spec.substr(0, colon);
      config = spec.substr(colon + 1);
    } else {
      throw Error("{}: no such file or directory (a kernel is a source tree, DIR:CONFIG, a config file, a .deb, "
                  "debian:VERSION[:FLAVOUR], or with --repo a revision)", spec);
    }
  }
  if (fs::is_directory(path, ec)) {
    fs::path dot = fs::path(path) / ".config";
    if (config.empty() && !fs::exists(fs::path(path) / "kernel/fork.c", ec) && fs::is_regular_file(dot, ec)) {
      // Not a full source tree but a build or headers directory
      // (/lib/modules/$(uname -r)/build, /usr/src/linux-headers-*): its .config is what it knows.
      Kernel k = config_kernel(spec, "config", base_name(path), read_config_file(dot.string()), dot.string());
      k.warnings.push_back(fmt::format("{} has no kernel sources (no kernel/fork.c: a headers or build directory?); "
                                       "judged by its .config alone", path));
      out.push_back(std::move(k));
      return out;
    }
    Kernel k = tree_kernel(spec, path, base_name(path));
    if (config.empty() && fs::is_regular_file(dot, ec)) config = dot.string();
    else if (!config.empty()) k.name += "+" + base_name(config);
    if (!config.empty()) set_config(k, read_config_file(config), config);
    out.push_back(std::move(k));
    return out;
  }
  std::string head;
  {
    std::ifstream in(path, std::ios::binary);
    head.resize(8);
    in.read(head.data(), 8);
    head.resize(std::size_t(in.gcount()));
  }
  if (head == "!<arch>\n") return deb_kernels(path);
  // Debian's installed configs: /usr/src/linux-config-6.12/config.amd64_none_cloud-amd64.xz
  // is "linux-config-6.12:cloud-amd64", as in the package.
  std::string name = base_name(path);
  std::string parent = fs::absolute(path, ec).parent_path().filename().string();
  if (parent.starts_with("linux-config-") && name.starts_with("config.")) name = parent + ":" + kconfig::debian_flavour_name(name);
  out.push_back(config_kernel(spec, "config", std::move(name), read_config_file(path), path));
  return out;
}

}  // namespace

std::vector<Kernel> load_kernels(const std::string& spec, const std::string& repo, LoadBudget* budget) {
  std::vector<Kernel> out = load(spec, repo);
  if (budget) {
    std::size_t bytes = 0;
    for (const Kernel& k : out) bytes += k.config ? k.config->size() : 0;
    if (bytes > budget->left)
      throw Error("{}: the kernel configs of this run exceed {} MiB in all (this argument brings {} MiB): not kernel configs",
                  spec, LoadBudget::kRunBytes >> 20, (bytes + (1u << 20) - 1) >> 20);
    budget->left -= bytes;
  }
  return out;
}

}  // namespace beaver::matrix
