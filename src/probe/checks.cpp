#include "probe/probe_checks.h"

#include <zlib.h>

#include <algorithm>
#include <set>
#include <sstream>

namespace beaver::probe {

namespace {

// What each TEE needs in the guest kernel (feature ids of coco-features.md:
// sev-guest, snp-guest, snp-guest-attestation, tdx-guest, tdx-guest-attestation).
struct Need {
  const char* symbol;
  const char* why;
};
std::vector<Need> needs_of(const std::string& family) {
  if (family == "sev")
    return {{"AMD_MEM_ENCRYPT", "SEV/SNP guest support"}, {"SEV_GUEST", "the /dev/sev-guest attestation driver"}};
  if (family == "tdx")
    return {{"INTEL_TDX_GUEST", "TDX guest support"}, {"TDX_GUEST_DRIVER", "the /dev/tdx_guest attestation driver"}};
  return {};
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

}  // namespace

std::string config_value(const std::string& config, const std::string& name) {
  std::string key = "CONFIG_" + name + "=";
  std::size_t at = 0;
  while ((at = config.find(key, at)) != std::string::npos) {
    if (at == 0 || config[at - 1] == '\n') {
      std::size_t end = config.find('\n', at);
      return config.substr(at + key.size(), (end == std::string::npos ? config.size() : end) - at - key.size());
    }
    at += key.size();
  }
  return "";
}

std::string read_kernel_config(Env& env, const std::string& release, std::string& source) {
  std::string gz = env.full_path("/proc/config.gz");
  if (gzFile f = gzopen(gz.c_str(), "rb")) {
    std::string out;
    char buf[65536];
    int n;
    while ((n = gzread(f, buf, sizeof buf)) > 0 && out.size() < (64u << 20)) out.append(buf, std::size_t(n));
    gzclose(f);
    if (!out.empty()) {
      source = "/proc/config.gz";
      return out;
    }
  }
  if (!release.empty())
    if (auto c = env.read_file("/boot/config-" + release, 64u << 20)) {
      source = "/boot/config-" + release;
      return *c;
    }
  return "";
}

bool ProbeResult::qualified() const {
  return std::none_of(checks.begin(), checks.end(), [](const Check& c) { return c.result == "fail"; });
}

ProbeResult run_probe(Env& env, const ProbeOptions& options) {
  ProbeResult r;
  r.detection = detect(env);
  const Detection& d = r.detection;
  std::string family = tee_family(d.tee);
  bool sev = family == "sev", tdx = family == "tdx";
  r.kernel_release = env.kernel_release();
  std::string config = read_kernel_config(env, r.kernel_release, r.config_source);

  // tee-detected
  {
    std::vector<std::string> seen;
    for (auto& s : d.signals)
      if (s.strong && s.says == d.tee) seen.push_back(s.source);
    if (d.tee != "none")
      r.checks.push_back({"tee-detected", "pass", d.tee + " (from " + join(seen, ", ") + ")", ""});
    else
      r.checks.push_back({"tee-detected", "fail",
                          std::string("no TEE signal") + (d.under_hypervisor ? " in a VM under " + (d.hypervisor.empty() ? std::string("a hypervisor") : d.hypervisor)
                                                                             : " (no hypervisor bit)"),
                          "start the VM as a confidential guest (SEV-SNP: sev-snp-guest object; TDX: tdx-guest object)"});
  }
  // memory-encryption-active
  if (sev && d.tee != "hyperv-snp") {
    if (d.sev_status_read && (d.sev_status & 1))
      r.checks.push_back({"memory-encryption-active", "pass", "SEV_STATUS bit 0 set", ""});
    else if (d.sev_status_read)
      r.checks.push_back({"memory-encryption-active", "fail", "SEV_STATUS bit 0 clear", "the guest is not running encrypted"});
    else if (d.vmpl >= 0)
      r.checks.push_back({"memory-encryption-active", "pass", "SNP guest at VMPL " + std::to_string(d.vmpl) + " (SEV_STATUS not readable: " + d.msr_why + ")", ""});
    else
      r.checks.push_back({"memory-encryption-active", "skip", "SEV_STATUS not readable: " + d.msr_why, "modprobe msr, run as root"});
  } else if (tdx) {
    r.checks.push_back({"memory-encryption-active", "pass", "TDX guests always run with private memory encrypted", ""});
  } else if (d.tee.starts_with("hyperv-")) {
    r.checks.push_back({"memory-encryption-active", "pass", "Hyper-V hardware isolation (" + d.tee + ")", ""});
  } else {
    std::string detail = d.sev_status_read ? "SEV_STATUS shows no encryption" : "no TEE";
    r.checks.push_back({"memory-encryption-active", "fail", detail, "memory is not encrypted by a TEE"});
  }
  // signals-consistent
  {
    std::set<std::string> families;
    std::vector<std::string> said;
    for (auto& s : d.signals)
      if (s.strong && !s.says.empty()) {
        families.insert(tee_family(s.says));
        said.push_back(s.source + ": " + s.says);
      }
    if (families.empty())
      r.checks.push_back({"signals-consistent", "skip", "no strong signal to compare", ""});
    else if (families.size() == 1)
      r.checks.push_back({"signals-consistent", "pass", join(said, "; "), ""});
    else
      r.checks.push_back({"signals-consistent", "fail", "signals disagree: " + join(said, "; "),
                          "one of them is wrong or forged: trust CPUID and the MSR over devices and logs"});
  }
  // attestation-device, report-obtained, nonce-echoed
  bool tsm = env.exists("/sys/kernel/config/tsm/report");
  std::vector<std::string> devices;
  for (const char* dev : {"/dev/sev-guest", "/dev/tdx_guest", "/dev/tdx-guest"})
    if (env.exists(dev)) devices.push_back(dev);
  if (tsm || !devices.empty())
    r.checks.push_back({"attestation-device", "pass",
                        join(tsm ? std::vector<std::string>{"configfs-tsm"} : std::vector<std::string>{}, "") +
                            (tsm && !devices.empty() ? ", " : "") + join(devices, ", "),
                        ""});
  else
    r.checks.push_back({"attestation-device", "fail", "no configfs-tsm and no guest device",
                        sev ? "load sev-guest and mount configfs" : tdx ? "load tdx-guest and mount configfs"
                                                                       : "a confidential guest exposes /dev/sev-guest or /dev/tdx_guest"});
  if (options.attest) r.attestation = attest(env, d);
  const Attestation& a = r.attestation;
  if (!options.attest) {
    r.checks.push_back({"report-obtained", "skip", "--no-attest", ""});
    r.checks.push_back({"nonce-echoed", "skip", "--no-attest", ""});
  } else if (!a.attempted) {
    r.checks.push_back({"report-obtained", "skip", "no attestation interface", ""});
    r.checks.push_back({"nonce-echoed", "skip", "no report", ""});
  } else if (!a.error.empty() || a.blob.empty()) {
    r.checks.push_back({"report-obtained", "fail", a.method + ": " + (a.error.empty() ? "empty report" : a.error),
                        "check dmesg for the guest driver; the host's firmware must support guest requests"});
    r.checks.push_back({"nonce-echoed", "skip", "no report", ""});
  } else if (!a.report.error.empty()) {
    r.checks.push_back({"report-obtained", "fail",
                        a.method + " returned " + std::to_string(a.blob.size()) + " bytes that are not a report: " + a.report.error, ""});
    r.checks.push_back({"nonce-echoed", "skip", "no parsable report", ""});
  } else {
    r.checks.push_back({"report-obtained", "pass",
                        a.report.kind + " via " + a.method + (a.provider.empty() ? "" : " (" + a.provider + ")") + ", " +
                            std::to_string(a.blob.size()) + " bytes",
                        ""});
    if (a.report.report_data == a.nonce)
      r.checks.push_back({"nonce-echoed", "pass", "report data equals the 64-byte nonce sent", ""});
    else
      r.checks.push_back({"nonce-echoed", "fail", "report data " + to_hex(a.report.report_data.substr(0, 8)) + "... is not the nonce " +
                                                     to_hex(a.nonce.substr(0, 8)) + "...",
                          "the report is stale or replayed"});
  }
  // kernel-config
  if (d.tee == "none") {
    r.checks.push_back({"kernel-config", "skip", "no TEE to check the kernel config for", ""});
  } else if (config.empty()) {
    r.checks.push_back({"kernel-config", "skip", "no /proc/config.gz or /boot/config-" + r.kernel_release,
                        "enable CONFIG_IKCONFIG_PROC or install the config file"});
  } else {
    std::vector<std::string> missing, have;
    for (auto& n : needs_of(family)) {
      std::string v = config_value(config, n.symbol);
      if (v == "y" || v == "m") have.push_back(std::string(n.symbol) + "=" + v);
      else missing.push_back(std::string("CONFIG_") + n.symbol + " (" + n.why + ")");
    }
    if (missing.empty())
      r.checks.push_back({"kernel-config", "pass", join(have, " ") + " in " + r.config_source, ""});
    else
      r.checks.push_back({"kernel-config", "fail", "missing " + join(missing, ", ") + " in " + r.config_source,
                          "rebuild the guest kernel with them (beaver config --enable " + std::string(sev ? "snp-guest" : "tdx-guest") + ")"});
  }
  // unaccepted-memory (informational: pass when the kernel accepts memory lazily)
  if (d.tee == "snp" || d.tee == "tdx" || d.tee.starts_with("hyperv-")) {
    std::string meminfo = env.read_file("/proc/meminfo").value_or("");
    auto at = meminfo.find("Unaccepted:");
    if (at != std::string::npos) {
      std::string line = meminfo.substr(at, meminfo.find('\n', at) - at);
      r.checks.push_back({"unaccepted-memory", "pass", line, ""});
    } else if (config_value(config, "UNACCEPTED_MEMORY") == "y") {
      r.checks.push_back({"unaccepted-memory", "pass", "CONFIG_UNACCEPTED_MEMORY=y", ""});
    } else {
      r.checks.push_back({"unaccepted-memory", "skip", "not supported by this kernel: all memory is accepted at boot (slower start)",
                          "kernels >= 6.5 accept memory lazily"});
    }
  } else {
    r.checks.push_back({"unaccepted-memory", "skip", "applies to SNP and TDX guests", ""});
  }
  // secure-tsc (SNP only, optional)
  if (d.tee == "snp") {
    if (d.sev_status_read && ((d.sev_status >> 11) & 1))
      r.checks.push_back({"secure-tsc", "pass", "SEV_STATUS bit 11: Secure TSC active", ""});
    else
      r.checks.push_back({"secure-tsc", "skip", d.sev_status_read ? "Secure TSC not enabled (optional)" : "SEV_STATUS not readable", ""});
  } else {
    r.checks.push_back({"secure-tsc", "skip", "applies to SNP guests", ""});
  }
  return r;
}

}  // namespace beaver::probe
