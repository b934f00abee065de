// Everything the probe reads from the machine goes through Env, so tests run
// fixture guests: files under a root prefix (`--root DIR`), CPUID from a table
// (`--cpuid FILE`), the SEV_STATUS MSR from the msr device file, and the
// attestation ioctls overridable by a subclass.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace beaver::probe {

struct CpuidRegs {
  std::uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
};

class Env {
public:
  virtual ~Env() = default;

  // Files, relative to the root prefix ("/" on a real guest).
  virtual std::optional<std::string> read_file(const std::string& path, std::size_t limit = 1 << 20);
  virtual bool exists(const std::string& path);
  virtual std::vector<std::string> list_dir(const std::string& path);
  virtual bool make_dir(const std::string& path, std::string& error);
  virtual bool remove_dir(const std::string& path);
  virtual bool write_file(const std::string& path, const std::string& data, std::string& error);
  std::string full_path(const std::string& path) const;

  // CPUID; the table from --cpuid replaces the instruction when set.
  virtual CpuidRegs cpuid(std::uint32_t leaf, std::uint32_t subleaf = 0);
  // An MSR through /dev/cpu/0/msr; nullopt with `why` when unreadable.
  virtual std::optional<std::uint64_t> read_msr(std::uint32_t msr, std::string& why);
  // ioctl on a device under the root; returns 0 or an errno value.
  virtual int device_ioctl(const std::string& path, unsigned long request, void* arg);
  // Fresh random bytes (getrandom).
  virtual void random_bytes(std::uint8_t* out, std::size_t n);
  // The kernel log (klogctl on a real guest; file "dmesg" under a fixture root).
  virtual std::string kernel_log();
  // uname -r
  virtual std::string kernel_release();

  void set_root(std::string root) { root_ = std::move(root); }
  const std::string& root() const { return root_; }
  bool fixture() const { return root_ != "/"; }
  // Lines "LEAF SUBLEAF EAX EBX ECX EDX" (hex, 0x optional); '#' comments.
  // Returns false with `error` naming the line when malformed.
  bool load_cpuid_table(const std::string& text, std::string& error);
  void set_cpuid(std::uint32_t leaf, std::uint32_t subleaf, CpuidRegs regs) {
    use_table_ = true;
    table_[{leaf, subleaf}] = regs;
  }

protected:
  std::string root_ = "/";
  bool use_table_ = false;
  std::map<std::pair<std::uint32_t, std::uint32_t>, CpuidRegs> table_;
};

// Decodes CPUID register bytes as text (vendor strings).
std::string regs_text(std::initializer_list<std::uint32_t> regs);

}  // namespace beaver::probe
