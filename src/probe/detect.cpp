#include "probe/probe_checks.h"

#include <algorithm>
#include <set>
#include <sstream>

namespace beaver::probe {

namespace {

constexpr std::uint32_t kSevStatusMsr = 0xC0010131;

bool has_flag(const std::string& cpuinfo, const std::string& flag) {
  std::istringstream in(cpuinfo);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("flags")) continue;
    std::istringstream words(line.substr(line.find(':') == std::string::npos ? 0 : line.find(':') + 1));
    std::string w;
    while (words >> w)
      if (w == flag) return true;
    return false;  // the first CPU's flags are enough
  }
  return false;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

}  // namespace

std::string tee_family(const std::string& tee) {
  if (tee == "sev" || tee == "sev-es" || tee == "snp" || tee == "hyperv-snp") return "sev";
  if (tee == "tdx" || tee == "hyperv-tdx") return "tdx";
  if (tee == "hyperv-vbs") return "vbs";
  return "";
}

Detection detect(Env& env) {
  Detection d;
  CpuidRegs v = env.cpuid(0);
  d.cpu_vendor = trim(regs_text({v.ebx, v.edx, v.ecx}));
  CpuidRegs l1 = env.cpuid(1);
  d.under_hypervisor = (l1.ecx >> 31) & 1;
  if (d.under_hypervisor) {
    CpuidRegs h = env.cpuid(0x40000000);
    d.hypervisor = trim(regs_text({h.ebx, h.ecx, h.edx}));
    d.signals.push_back({"cpuid 0x1 / 0x40000000", "", false, "hypervisor present: " + (d.hypervisor.empty() ? "?" : d.hypervisor)});
  } else {
    d.signals.push_back({"cpuid 0x1", "", false, "no hypervisor bit: bare metal or a hypervisor that hides itself"});
  }

  // AMD: capabilities, then the MSR the hypervisor cannot fake.
  CpuidRegs ext = env.cpuid(0x80000000);
  if (ext.eax >= 0x8000001F) {
    CpuidRegs f = env.cpuid(0x8000001F);
    std::string caps;
    if (f.eax & 1) caps += " SME";
    if (f.eax & 2) caps += " SEV";
    if (f.eax & 8) caps += " SEV-ES";
    if (f.eax & 16) caps += " SNP";
    if (f.eax & 32) caps += " VMPL";
    if (f.eax & 256) caps += " SecureTSC";
    if (!caps.empty())
      d.signals.push_back({"cpuid 0x8000001F", "", false,
                           "capable of" + caps + " (C-bit " + std::to_string(f.ebx & 63) + "); a capability, not proof"});
  }
  if (d.cpu_vendor == "AuthenticAMD" || d.cpu_vendor == "HygonGenuine") {
    std::string why;
    if (auto s = env.read_msr(kSevStatusMsr, why)) {
      d.sev_status_read = true;
      d.sev_status = *s;
      std::string tee = (*s & 4) ? "snp" : (*s & 2) ? "sev-es" : (*s & 1) ? "sev" : "";
      char buf[64];
      std::snprintf(buf, sizeof buf, "SEV_STATUS = 0x%llx", static_cast<unsigned long long>(*s));
      d.signals.push_back({"SEV_STATUS MSR", tee, true, std::string(buf) + (tee.empty() ? ": no SEV active" : ": " + tee + " active")});
    } else {
      d.msr_why = why;
      d.signals.push_back({"SEV_STATUS MSR", "", false, "not readable: " + why});
    }
  }
  if (auto vmpl = env.read_file("/sys/devices/system/cpu/sev/vmpl", 64)) {
    // The kernel writes one digit 0-3 and a newline; anything else says nothing.
    std::string level = *vmpl;
    while (!level.empty() && (level.back() == '\n' || level.back() == ' ')) level.pop_back();
    if (level.size() == 1 && level[0] >= '0' && level[0] <= '3') {
      d.vmpl = level[0] - '0';
      d.signals.push_back({"/sys/devices/system/cpu/sev/vmpl", "snp", true, "SNP guest at VMPL " + std::to_string(d.vmpl)});
    } else {
      d.signals.push_back({"/sys/devices/system/cpu/sev/vmpl", "", false, "unparsable (not a VMPL 0-3): ignored"});
    }
  }

  // Intel TDX: leaf 0x21 signature.
  CpuidRegs base = env.cpuid(0);
  if (base.eax >= 0x21 || env.cpuid(0x21).ebx != 0) {
    CpuidRegs t = env.cpuid(0x21, 0);
    if (regs_text({t.ebx, t.edx, t.ecx}) == "IntelTDX    ")
      d.signals.push_back({"cpuid 0x21", "tdx", true, "TDX signature \"IntelTDX\""});
  }

  // Hyper-V isolated guests.
  if (d.hypervisor == "Microsoft Hv") {
    CpuidRegs feat = env.cpuid(0x40000003);
    if ((feat.ebx >> 22) & 1) {
      CpuidRegs iso = env.cpuid(0x4000000C);
      unsigned type = iso.ebx & 0xf;
      d.hyperv_paravisor = iso.eax & 1;
      std::string tee = type == 2 ? "hyperv-snp" : type == 3 ? "hyperv-tdx" : type == 1 ? "hyperv-vbs" : "";
      d.signals.push_back({"cpuid 0x4000000C", tee, true,
                           "Hyper-V isolation type " + std::to_string(type) + (d.hyperv_paravisor ? ", with a paravisor" : "")});
    }
  }

  // What the kernel shows.
  std::string cpuinfo = env.read_file("/proc/cpuinfo").value_or("");
  if (has_flag(cpuinfo, "tdx_guest")) d.signals.push_back({"/proc/cpuinfo", "tdx", true, "flag tdx_guest"});
  for (const char* f : {"sev_snp", "sev_es", "sev"})
    if (has_flag(cpuinfo, f)) {
      d.signals.push_back({"/proc/cpuinfo", "", false, std::string("flag ") + f + " (unreliable inside a guest)"});
      break;
    }
  if (env.exists("/dev/sev-guest")) d.signals.push_back({"/dev/sev-guest", "snp", true, "SNP guest device"});
  for (const char* dev : {"/dev/tdx_guest", "/dev/tdx-guest", "/dev/tdx-attest"})
    if (env.exists(dev)) d.signals.push_back({dev, "tdx", true, "TDX guest device"});
  if (env.exists("/sys/devices/virtual/misc/tdx_guest/measurements"))
    d.signals.push_back({"/sys/devices/virtual/misc/tdx_guest/measurements", "tdx", true, "TDX measurement registers"});
  if (env.exists("/sys/kernel/config/tsm/report"))
    d.signals.push_back({"/sys/kernel/config/tsm/report", "", false, "configfs-tsm report interface present"});
  std::string log = env.kernel_log();
  if (auto at = log.find("Memory Encryption Features active:"); at != std::string::npos) {
    std::string line = log.substr(at, log.find('\n', at) - at);
    std::string tee = line.find("SEV-SNP") != std::string::npos  ? "snp"
                      : line.find("SEV-ES") != std::string::npos ? "sev-es"
                      : line.find("TDX") != std::string::npos    ? "tdx"
                                                                  : "sev";
    d.signals.push_back({"kernel log", tee, false, line + " (a log line is not proof)"});
  }
  if (log.find("tdx: Guest detected") != std::string::npos)
    d.signals.push_back({"kernel log", "tdx", false, "tdx: Guest detected (a log line is not proof)"});

  // The verdict comes from strong signals only, most specific first.
  std::set<std::string> strong;
  for (auto& s : d.signals)
    if (s.strong && !s.says.empty()) strong.insert(s.says);
  for (const char* tee : {"tdx", "snp", "sev-es", "sev", "hyperv-snp", "hyperv-tdx", "hyperv-vbs"})
    if (strong.count(tee)) {
      d.tee = tee;
      break;
    }
  // Hyper-V with a paravisor hides the SEV MSR: name the isolation.
  if ((d.tee == "snp" || d.tee == "tdx") && strong.count("hyperv-" + d.tee) && d.hyperv_paravisor) d.tee = "hyperv-" + d.tee;
  return d;
}

}  // namespace beaver::probe
