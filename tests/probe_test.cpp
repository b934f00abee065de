// beaver-probe on fixture guests: files under a temporary root, CPUID from a
// table, and a FakeEnv that plays configfs-tsm, the MSR and the report
// ioctls. Report bytes are built here from the documented layouts.
#include "probe/env.h"
#include "probe/output.h"
#include "probe/probe_checks.h"
#include "probe/reports.h"
#include "test_util.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <elf.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <csignal>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

namespace beaver::probe {
namespace {

namespace fs = std::filesystem;
using test::sh;

std::uint32_t text_reg(const char* four) {
  std::uint32_t v;
  std::memcpy(&v, four, 4);
  return v;
}

template <typename T>
void put(std::string& b, std::size_t at, T v) {
  for (std::size_t k = 0; k < sizeof(T); ++k) b[at + k] = char((std::uint64_t(v) >> (8 * k)) & 0xff);
}

std::string snp_report(const std::string& report_data, std::uint32_t vmpl = 0, std::uint32_t version = 3) {
  std::string b(kSnpReportSize, '\0');
  put<std::uint32_t>(b, 0x00, version);
  put<std::uint64_t>(b, 0x08, 0x30000);
  put<std::uint32_t>(b, 0x30, vmpl);
  put<std::uint32_t>(b, 0x34, 1);
  b.replace(0x50, 64, report_data.substr(0, 64));
  for (int k = 0; k < 48; ++k) b[std::size_t(0x90 + k)] = char(k + 1);
  return b;
}

std::string td_quote(const std::string& report_data) {
  std::string b(48 + 584 + 100, '\0');
  put<std::uint16_t>(b, 0, 4);
  put<std::uint16_t>(b, 2, 2);
  put<std::uint32_t>(b, 4, 0x81);
  b.replace(kTdQuoteReportDataOffset, 64, report_data.substr(0, 64));
  return b;
}

std::string tdreport(const std::string& report_data) {
  std::string b(kTdReportSize, '\0');
  b[0] = char(0x81);
  b.replace(128, 64, report_data.substr(0, 64));
  return b;
}

// A guest made of files plus the parts files cannot play.
class FakeEnv : public Env {
public:
  explicit FakeEnv(const std::string& root) { set_root(root); }
  std::optional<std::uint64_t> msr;
  std::string msr_error = "/dev/cpu/0/msr is missing (load the msr module: modprobe msr)";
  std::string provider;  // configfs-tsm provider; empty: no configfs
  std::function<std::string(const std::string& inblob)> outblob;
  std::function<int(const std::string& dev, unsigned long req, void* arg)> ioctl;
  bool bump_generation = false;
  // Attribute files kept in memory, so the entry directory stays empty and a
  // plain rmdir (what the signal handler does) removes it, as on configfs.
  bool attrs_in_memory = false;
  std::map<std::string, std::string> attrs;

  std::optional<std::uint64_t> read_msr(std::uint32_t, std::string& why) override {
    if (!msr) why = msr_error;
    return msr;
  }
  bool make_dir(const std::string& path, std::string& error) override {
    if (!Env::make_dir(path, error)) return false;
    if (attrs_in_memory) {
      attrs[path + "/provider"] = provider + "\n";
      attrs[path + "/generation"] = "0\n";
      return true;
    }
    std::ofstream(full_path(path + "/provider")) << provider << "\n";
    std::ofstream(full_path(path + "/generation")) << "0\n";
    std::ofstream(full_path(path + "/inblob"));
    return true;
  }
  bool remove_dir(const std::string& path) override {
    std::error_code ec;
    return fs::remove_all(full_path(path), ec) > 0;
  }
  bool write_file(const std::string& path, const std::string& data, std::string& error) override {
    if (attrs_in_memory) {
      attrs[path] = data;
      return true;
    }
    return Env::write_file(path, data, error);
  }
  std::optional<std::string> read_file(const std::string& path, std::size_t limit) override {
    if (attrs_in_memory && path.ends_with("/outblob") && outblob)
      return outblob(attrs[path.substr(0, path.size() - 8) + "/inblob"]);
    if (attrs_in_memory && attrs.count(path)) return attrs[path];
    if (path.ends_with("/outblob") && outblob) {
      std::string in = Env::read_file(path.substr(0, path.size() - 8) + "/inblob").value_or("");
      if (bump_generation) std::ofstream(full_path(path.substr(0, path.size() - 8) + "/generation")) << "7\n";
      return outblob(in);
    }
    return Env::read_file(path, limit);
  }
  int device_ioctl(const std::string& dev, unsigned long req, void* arg) override {
    return ioctl ? ioctl(dev, req, arg) : ENOTTY;
  }
  std::string kernel_log() override { return read_file("/dmesg", 1 << 20).value_or(""); }
};

class ProbeTest : public ::testing::Test {
protected:
  test::TempDir tmp;
  std::string root = tmp.str();
  void file(const std::string& path, const std::string& content) {
    fs::create_directories(fs::path(root + path).parent_path());
    std::ofstream(root + path, std::ios::binary) << content;
  }
  void kvm(FakeEnv& env, const char* vendor) {
    // vendor string in EBX, EDX, ECX order
    env.set_cpuid(0, 0, {0x21, text_reg(vendor), text_reg(vendor + 8), text_reg(vendor + 4)});
    env.set_cpuid(1, 0, {0, 0, 1u << 31, 0});
    env.set_cpuid(0x40000000, 0, {0x40000001, text_reg("KVMK"), text_reg("VMKV"), text_reg("M\0\0\0")});
    env.set_cpuid(0x80000000, 0, {0x8000001F, 0, 0, 0});
    file("/proc/sys/kernel/osrelease", "6.12.0-test\n");
  }
  void snp_guest(FakeEnv& env) {
    kvm(env, "AuthenticAMD");
    env.set_cpuid(0x8000001F, 0, {0x1B, 51, 0, 0});  // SME SEV SEV-ES SNP
    env.msr = 0x7;                                    // SEV, SEV-ES, SNP active
    file("/dev/sev-guest", "");
    fs::create_directories(root + "/sys/kernel/config/tsm/report");
    env.provider = "sev_guest";
    env.outblob = [](const std::string& in) { return snp_report(in); };
    file("/boot/config-6.12.0-test", "CONFIG_AMD_MEM_ENCRYPT=y\nCONFIG_SEV_GUEST=m\nCONFIG_UNACCEPTED_MEMORY=y\n");
    file("/proc/meminfo", "MemTotal: 1000 kB\nUnaccepted: 512 kB\n");
    file("/proc/cpuinfo", "processor : 0\nflags : fpu sev sev_es sev_snp\n");
    file("/dmesg", "Memory Encryption Features active: AMD SEV SEV-ES SEV-SNP\n");
  }
  std::map<std::string, Check> by_id(const ProbeResult& r) {
    std::map<std::string, Check> m;
    for (auto& c : r.checks) m[c.id] = c;
    return m;
  }
};

TEST_F(ProbeTest, SnpGuestQualifiesAndCleansUp) {
  FakeEnv env(root);
  snp_guest(env);
  ProbeResult r = run_probe(env, {});
  EXPECT_EQ(r.detection.tee, "snp");
  auto c = by_id(r);
  for (const char* id : {"tee-detected", "memory-encryption-active", "signals-consistent", "attestation-device",
                         "report-obtained", "nonce-echoed", "kernel-config", "unaccepted-memory"})
    EXPECT_EQ(c[id].result, "pass") << id << ": " << c[id].detail;
  EXPECT_EQ(c["secure-tsc"].result, "skip");
  EXPECT_TRUE(r.qualified());
  EXPECT_EQ(r.attestation.method, "configfs-tsm");
  EXPECT_EQ(r.attestation.provider, "sev_guest");
  EXPECT_EQ(r.attestation.report.kind, "snp-report");
  // The report entry is gone, and the nonce was fresh (64 bytes, not all zero).
  EXPECT_TRUE(fs::is_empty(root + "/sys/kernel/config/tsm/report"));
  EXPECT_EQ(r.attestation.nonce.size(), 64u);
  EXPECT_NE(r.attestation.nonce, std::string(64, '\0'));
  // A second run sends another nonce.
  EXPECT_NE(run_probe(env, {}).attestation.nonce, r.attestation.nonce);
}

TEST_F(ProbeTest, SignalDuringAttestationRemovesTheEntry) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    FakeEnv env(root);
    snp_guest(env);
    env.attrs_in_memory = true;
    env.outblob = [](const std::string&) -> std::string {
      raise(SIGTERM);  // the user presses Ctrl-C / the CI job is cancelled
      return "";
    };
    run_probe(env, {});
    _exit(0);  // not reached
  }
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << status;
  EXPECT_TRUE(fs::exists(root + "/sys/kernel/config/tsm/report"));
  EXPECT_TRUE(fs::is_empty(root + "/sys/kernel/config/tsm/report")) << "the probe left its configfs entry behind";
}

TEST_F(ProbeTest, SnpUnderSvsmWithoutMsr) {
  FakeEnv env(root);
  snp_guest(env);
  env.msr.reset();
  file("/sys/devices/system/cpu/sev/vmpl", "2\n");
  env.outblob = [](const std::string& in) { return snp_report(in, 2); };
  ProbeResult r = run_probe(env, {});
  EXPECT_EQ(r.detection.tee, "snp");
  EXPECT_EQ(r.detection.vmpl, 2);
  auto c = by_id(r);
  EXPECT_EQ(c["memory-encryption-active"].result, "pass") << c["memory-encryption-active"].detail;
  EXPECT_NE(c["memory-encryption-active"].detail.find("modprobe msr"), std::string::npos);
  bool vmpl_field = false;
  for (auto& f : r.attestation.report.fields) vmpl_field |= f.name == "vmpl" && f.value == "2";
  EXPECT_TRUE(vmpl_field);
}

TEST_F(ProbeTest, TdxGuestThroughConfigfsQuote) {
  FakeEnv env(root);
  kvm(env, "GenuineIntel");
  env.set_cpuid(0x21, 0, {0, text_reg("Inte"), text_reg("    "), text_reg("lTDX")});
  file("/dev/tdx_guest", "");
  file("/proc/cpuinfo", "flags : fpu tdx_guest\n");
  fs::create_directories(root + "/sys/kernel/config/tsm/report");
  env.provider = "tdx_guest";
  env.outblob = [](const std::string& in) { return td_quote(in); };
  file("/boot/config-6.12.0-test", "CONFIG_INTEL_TDX_GUEST=y\nCONFIG_TDX_GUEST_DRIVER=y\n");
  ProbeResult r = run_probe(env, {});
  EXPECT_EQ(r.detection.tee, "tdx");
  EXPECT_TRUE(r.qualified()) << format_human(r, false);
  EXPECT_EQ(r.attestation.report.kind, "tdx-quote");
}

TEST_F(ProbeTest, TdxIoctlFallbackAndWrongNonce) {
  FakeEnv env(root);
  kvm(env, "GenuineIntel");
  env.set_cpuid(0x21, 0, {0, text_reg("Inte"), text_reg("    "), text_reg("lTDX")});
  file("/dev/tdx_guest", "");
  env.ioctl = [](const std::string& dev, unsigned long req, void* arg) {
    EXPECT_EQ(dev, "/dev/tdx_guest");
    EXPECT_EQ(req, 0xC4405401UL);
    auto* p = static_cast<std::uint8_t*>(arg);
    std::string in(reinterpret_cast<char*>(p), 64);
    std::string rep = tdreport(in);
    std::memcpy(p + 64, rep.data(), rep.size());
    return 0;
  };
  ProbeResult r = run_probe(env, {});
  EXPECT_EQ(r.attestation.method, "TDX_CMD_GET_REPORT0");
  auto c = by_id(r);
  EXPECT_EQ(c["report-obtained"].result, "pass") << c["report-obtained"].detail;
  EXPECT_EQ(c["nonce-echoed"].result, "pass");
  EXPECT_EQ(c["kernel-config"].result, "skip");  // no config file in this fixture
  // A stale report: the nonce does not come back.
  env.ioctl = [](const std::string&, unsigned long, void* arg) {
    std::string rep = tdreport(std::string(64, 'x'));
    std::memcpy(static_cast<std::uint8_t*>(arg) + 64, rep.data(), rep.size());
    return 0;
  };
  auto c2 = by_id(run_probe(env, {}));
  EXPECT_EQ(c2["nonce-echoed"].result, "fail");
}

TEST_F(ProbeTest, SnpIoctlFallbackLayout) {
  FakeEnv env(root);
  snp_guest(env);
  fs::remove_all(root + "/sys/kernel/config");
  env.ioctl = [](const std::string& dev, unsigned long req, void* arg) {
    EXPECT_EQ(dev, "/dev/sev-guest");
    EXPECT_EQ(req, 0xC0205300UL);
    auto* io = static_cast<std::uint8_t*>(arg);
    EXPECT_EQ(io[0], 1);  // msg_version
    std::uint64_t req_data, resp_data;
    std::memcpy(&req_data, io + 8, 8);
    std::memcpy(&resp_data, io + 16, 8);
    std::string user(reinterpret_cast<char*>(req_data), 64);
    std::string rep = snp_report(user);
    auto* resp = reinterpret_cast<std::uint8_t*>(resp_data);
    std::uint32_t status = 0, size = std::uint32_t(rep.size());
    std::memcpy(resp, &status, 4);
    std::memcpy(resp + 4, &size, 4);
    std::memcpy(resp + 0x20, rep.data(), rep.size());
    return 0;
  };
  ProbeResult r = run_probe(env, {});
  EXPECT_EQ(r.attestation.method, "SNP_GET_REPORT");
  EXPECT_TRUE(r.qualified()) << format_human(r, false);
}

TEST_F(ProbeTest, BrokenGuests) {
  {
    FakeEnv env(root);
    snp_guest(env);
    env.outblob = [](const std::string&) { return std::string(); };  // device there, report empty
    auto c = by_id(run_probe(env, {}));
    EXPECT_EQ(c["report-obtained"].result, "fail");
    EXPECT_NE(c["report-obtained"].detail.find("empty"), std::string::npos) << c["report-obtained"].detail;
  }
  {
    FakeEnv env(root);
    snp_guest(env);
    env.outblob = [](const std::string& in) { return snp_report(in).substr(0, 100); };  // wrong size
    auto c = by_id(run_probe(env, {}));
    EXPECT_EQ(c["report-obtained"].result, "fail");
    EXPECT_NE(c["report-obtained"].detail.find("not a report"), std::string::npos) << c["report-obtained"].detail;
  }
  {
    FakeEnv env(root);
    snp_guest(env);
    env.bump_generation = true;  // someone else wrote the entry meanwhile
    auto c = by_id(run_probe(env, {}));
    EXPECT_EQ(c["report-obtained"].result, "fail");
    EXPECT_NE(c["report-obtained"].detail.find("generation"), std::string::npos);
  }
  {
    FakeEnv env(root);
    snp_guest(env);
    file("/boot/config-6.12.0-test", "CONFIG_AMD_MEM_ENCRYPT=y\n# CONFIG_SEV_GUEST is not set\n");
    auto c = by_id(run_probe(env, {}));
    EXPECT_EQ(c["kernel-config"].result, "fail");
    EXPECT_NE(c["kernel-config"].detail.find("CONFIG_SEV_GUEST"), std::string::npos);
  }
}

TEST_F(ProbeTest, InconsistentSignalsFail) {
  FakeEnv env(root);
  snp_guest(env);
  env.set_cpuid(0x21, 0, {0, text_reg("Inte"), text_reg("    "), text_reg("lTDX")});  // a forged TDX leaf
  auto c = by_id(run_probe(env, {}));
  EXPECT_EQ(c["signals-consistent"].result, "fail");
  EXPECT_NE(c["signals-consistent"].detail.find("cpuid 0x21: tdx"), std::string::npos) << c["signals-consistent"].detail;
}

TEST_F(ProbeTest, HyperVSnpWithParavisor) {
  FakeEnv env(root);
  env.set_cpuid(0, 0, {0x10, text_reg("Auth"), text_reg("cAMD"), text_reg("enti")});
  env.set_cpuid(1, 0, {0, 0, 1u << 31, 0});
  env.set_cpuid(0x40000000, 0, {0x4000000C, text_reg("Micr"), text_reg("osof"), text_reg("t Hv")});
  env.set_cpuid(0x40000003, 0, {0, 1u << 22, 0, 0});
  env.set_cpuid(0x4000000C, 0, {1, 2, 0, 0});
  ProbeResult r = run_probe(env, {});
  EXPECT_EQ(r.detection.tee, "hyperv-snp");
  EXPECT_TRUE(r.detection.hyperv_paravisor);
  auto c = by_id(r);
  EXPECT_EQ(c["memory-encryption-active"].result, "pass");
  EXPECT_EQ(c["attestation-device"].result, "fail");  // the report lives in the vTPM, not checked here
}

TEST_F(ProbeTest, PlainKvmAndBareMetalAreNotQualified) {
  FakeEnv env(root);
  kvm(env, "AuthenticAMD");
  env.msr = 0;  // readable, nothing active
  ProbeResult r = run_probe(env, {});
  EXPECT_EQ(r.detection.tee, "none");
  EXPECT_FALSE(r.qualified());
  EXPECT_EQ(by_id(r)["tee-detected"].result, "fail");
  EXPECT_NE(by_id(r)["tee-detected"].detail.find("KVMKVMKVM"), std::string::npos);

  FakeEnv metal(root);
  metal.set_cpuid(0, 0, {0x10, text_reg("Genu"), text_reg("ntel"), text_reg("ineI")});
  ProbeResult m = run_probe(metal, {});
  EXPECT_EQ(m.detection.tee, "none");
  EXPECT_FALSE(m.detection.under_hypervisor);
}

TEST_F(ProbeTest, OutputFormats) {
  FakeEnv env(root);
  kvm(env, "AuthenticAMD");
  ProbeResult r = run_probe(env, {});
  std::string tap = format_tap(r);
  EXPECT_TRUE(tap.starts_with("TAP version 13\n1.." + std::to_string(r.checks.size()) + "\n"));
  EXPECT_NE(tap.find("not ok 1 - tee-detected"), std::string::npos);
  EXPECT_NE(tap.find("# SKIP"), std::string::npos);
  std::string junit = format_junit(r);
  EXPECT_NE(junit.find("failures=\"3\""), std::string::npos) << junit;
  EXPECT_NE(junit.find("<failure message="), std::string::npos);
  auto j = nlohmann::json::parse(format_json(r));
  EXPECT_EQ(j["tee"], "none");
  ASSERT_EQ(j["checks"].size(), r.checks.size());
  for (auto& c : j["checks"]) {
    EXPECT_TRUE(c.contains("id") && c.contains("result") && c.contains("detail"));
    std::string res = c["result"];
    EXPECT_TRUE(res == "pass" || res == "fail" || res == "skip");
  }
  EXPECT_NE(format_human(r, false).find("[ FAIL ] tee-detected"), std::string::npos);
}

TEST_F(ProbeTest, ReportParsersRejectWrongShapes) {
  EXPECT_FALSE(parse_snp_report(std::string(10, '\0')).error.empty());
  EXPECT_FALSE(parse_snp_report(snp_report(std::string(64, 'a'), 0, 99)).error.empty());
  EXPECT_FALSE(parse_tdreport(std::string(kTdReportSize, '\0')).error.empty());  // type 0 is not TDX
  EXPECT_TRUE(parse_tdreport(tdreport(std::string(64, 'a'))).error.empty());
  std::string q = td_quote(std::string(64, 'q'));
  q[4] = 0;  // TEE type SGX
  EXPECT_FALSE(parse_td_quote(q).error.empty());
  EXPECT_EQ(parse_report("sev_guest", snp_report(std::string(64, 'n'))).report_data, std::string(64, 'n'));
  EXPECT_EQ(parse_report("", td_quote(std::string(64, 'n'))).kind, "tdx-quote");
  EXPECT_EQ(parse_report("arm_cca_guest", "xyz").kind, "unknown");
}

TEST_F(ProbeTest, KernelConfigFromProcConfigGz) {
  FakeEnv env(root);
  file("/proc/config.gz.src", "CONFIG_INTEL_TDX_GUEST=y\nCONFIG_X=\"a b\"\n");
  sh(root, "gzip -c proc/config.gz.src > proc/config.gz");
  std::string source;
  std::string cfg = read_kernel_config(env, "none", source);
  EXPECT_EQ(source, "/proc/config.gz");
  EXPECT_EQ(config_value(cfg, "INTEL_TDX_GUEST"), "y");
  EXPECT_EQ(config_value(cfg, "X"), "\"a b\"");
  EXPECT_EQ(config_value(cfg, "TDX"), "");
}

// A hostile fixture: a FIFO, unparsable values, endless files, terminal
// escapes. The probe reads regular files only, bounded, and never takes an
// unparsable value for one that passes a check.
TEST_F(ProbeTest, HostileFilesAreNotBelieved) {
  FakeEnv env(root);
  snp_guest(env);
  env.msr.reset();  // only the vmpl file could say SNP is active
  file("/sys/devices/system/cpu/sev/vmpl", "abc\n");
  ProbeResult r = run_probe(env, {});
  EXPECT_EQ(r.detection.vmpl, -1);
  auto c = by_id(r);
  EXPECT_NE(c["memory-encryption-active"].result, "pass") << c["memory-encryption-active"].detail;
  file("/sys/devices/system/cpu/sev/vmpl", "");
  EXPECT_EQ(run_probe(env, {}).detection.vmpl, -1);
  file("/sys/devices/system/cpu/sev/vmpl", "7\n");
  EXPECT_EQ(run_probe(env, {}).detection.vmpl, -1);

  // A FIFO where a sysfs file should be: not opened for reading (it would block).
  fs::remove(root + "/sys/devices/system/cpu/sev/vmpl");
  ASSERT_EQ(::mkfifo((root + "/sys/devices/system/cpu/sev/vmpl").c_str(), 0600), 0);
  EXPECT_FALSE(env.read_file("/sys/devices/system/cpu/sev/vmpl", 64).has_value());
  EXPECT_EQ(run_probe(env, {}).detection.vmpl, -1);

  // osrelease is /dev/zero, then a terminal escape: no release, nothing printed raw.
  fs::remove(root + "/proc/sys/kernel/osrelease");
  fs::create_symlink("/dev/zero", root + "/proc/sys/kernel/osrelease");
  EXPECT_EQ(env.kernel_release(), "");
  fs::remove(root + "/proc/sys/kernel/osrelease");
  file("/proc/sys/kernel/osrelease", "6.12\x1b]0;owned\x07\n");
  EXPECT_EQ(env.kernel_release(), "");
  file("/proc/cpuinfo", "flags : sev \xc2\x9b""31m \xe2\x80\xae evil\n");
  std::string human = format_human(run_probe(env, {}), false);
  EXPECT_EQ(human.find('\0'), std::string::npos);
  EXPECT_EQ(human.find("\xc2\x9b"), std::string::npos);
  EXPECT_EQ(human.find("\xe2\x80\xae"), std::string::npos);
}

TEST(ProbeBinaryTest, HostileArguments) {
  std::string probe = fs::path(test::beaver_binary()).parent_path() / "beaver-probe";
  test::TempDir tmp;
  std::ofstream(tmp.str() + "/plain") << "not a directory\n";
  auto file_root = sh(tmp.str(), probe + " --root plain");
  EXPECT_EQ(file_root.code, 2);
  EXPECT_NE(file_root.err.find("not a directory"), std::string::npos) << file_root.err;
  // A bad token of 1 MiB with escapes: the message quotes a bounded, safe piece.
  std::ofstream(tmp.str() + "/huge") << "0 0 \x1b[2J" << std::string(1 << 20, 'z') << "\n";
  auto huge = sh(tmp.str(), probe + " --cpuid huge");
  EXPECT_EQ(huge.code, 2);
  EXPECT_LT(huge.err.size(), 4096u);
  EXPECT_EQ(huge.err.find('\x1b'), std::string::npos);
  EXPECT_NE(huge.err.find("line 1"), std::string::npos) << huge.err.substr(0, 200);
  // A FIFO as --cpuid: refused at once, not waited on.
  ASSERT_EQ(::mkfifo((tmp.str() + "/fifo").c_str(), 0600), 0);
  auto fifo = sh(tmp.str(), "timeout 20 " + probe + " --cpuid fifo");
  EXPECT_EQ(fifo.code, 2) << fifo.err;
  EXPECT_NE(fifo.err.find("not a regular file"), std::string::npos) << fifo.err;
}

TEST(ProbeBinaryTest, StaticCliAndFixtureRoot) {
  std::string probe = fs::path(test::beaver_binary()).parent_path() / "beaver-probe";
  // Static: no program interpreter in the ELF program headers.
  std::ifstream f(probe, std::ios::binary);
  ASSERT_TRUE(f) << probe;
  Elf64_Ehdr eh;
  f.read(reinterpret_cast<char*>(&eh), sizeof eh);
  ASSERT_EQ(std::memcmp(eh.e_ident, ELFMAG, SELFMAG), 0);
  bool interp = false;
  for (int k = 0; k < eh.e_phnum; ++k) {
    Elf64_Phdr ph;
    f.seekg(std::streamoff(eh.e_phoff + std::uint64_t(k) * eh.e_phentsize));
    f.read(reinterpret_cast<char*>(&ph), sizeof ph);
    interp |= ph.p_type == PT_INTERP;
  }
#ifndef __SANITIZE_ADDRESS__
  EXPECT_FALSE(interp) << "beaver-probe must be static";
#endif
  test::TempDir tmp;
  std::ofstream(tmp.str() + "/cpuid") << "# plain KVM\n0 0 21 68747541 444d4163 69746e65\n1 0 0 0 80000000 0\n"
                                      << "40000000 0 40000001 4b4d564b 564b4d56 4d\n";
  auto run = sh(tmp.str(), probe + " --root " + tmp.str() + " --cpuid cpuid --format json");
  EXPECT_EQ(run.code, 1) << run.err;
  auto j = nlohmann::json::parse(run.out);
  EXPECT_EQ(j["tee"], "none");
  EXPECT_EQ(j["hypervisor"], "KVMKVMKVM");
  EXPECT_EQ(sh(tmp.str(), probe + " --format yaml").code, 2);
  std::ofstream(tmp.str() + "/bad") << "0 0 zz\n";
  auto bad = sh(tmp.str(), probe + " --cpuid bad");
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("line 1"), std::string::npos) << bad.err;
  EXPECT_EQ(sh(tmp.str(), probe + " --help").code, 0);
}

}  // namespace
}  // namespace beaver::probe
