// What the probe finds in a guest: the TEE from every independent signal,
// an attestation report with a fresh nonce, and the checks that qualify the
// guest (see coco-features.md for the signals and layouts).
#pragma once

#include "probe/env.h"
#include "probe/reports.h"

#include <cstdint>
#include <string>
#include <vector>

namespace beaver::probe {

struct Signal {
  std::string source;  // "cpuid 0x8000001F", "SEV_STATUS MSR", "/dev/sev-guest", ...
  std::string says;    // the TEE it points to: snp, sev-es, sev, tdx, hyperv-snp, ..., or "" (none)
  bool strong = true;  // false: capability or log line only, never proof
  std::string detail;
};

struct Detection {
  std::string tee = "none";  // none | sev | sev-es | snp | tdx | hyperv-snp | hyperv-tdx | hyperv-vbs
  std::string cpu_vendor, hypervisor;  // "AuthenticAMD", "KVMKVMKVM"
  bool under_hypervisor = false;
  std::vector<Signal> signals;
  bool sev_status_read = false;
  std::uint64_t sev_status = 0;
  std::string msr_why;  // why SEV_STATUS could not be read
  int vmpl = -1;
  bool hyperv_paravisor = false;
};

Detection detect(Env& env);
// The family a TEE belongs to ("sev" for sev/sev-es/snp/hyperv-snp, "tdx" for tdx/hyperv-tdx, ...).
std::string tee_family(const std::string& tee);

struct Attestation {
  bool attempted = false;
  std::string method;    // configfs-tsm | SNP_GET_REPORT | TDX_CMD_GET_REPORT0
  std::string provider;  // configfs-tsm provider
  std::string nonce;     // 64 random bytes sent
  std::string blob;      // what came back
  ParsedReport report;
  std::string error;     // why no report
};

// Asks for a report through configfs-tsm (own entry, removed on every path,
// signals included), falling back to the report ioctls.
Attestation attest(Env& env, const Detection& d);

struct Check {
  std::string id;
  std::string result;  // pass | fail | skip
  std::string detail;
  std::string hint;    // on failure (and some skips): what to do
};

struct ProbeResult {
  Detection detection;
  Attestation attestation;
  std::vector<Check> checks;
  std::string kernel_release;
  std::string config_source;  // where the kernel config came from, or ""
  bool qualified() const;
};

struct ProbeOptions {
  bool attest = true;
};

ProbeResult run_probe(Env& env, const ProbeOptions& options);

// The kernel config of the running kernel: /proc/config.gz, else
// /boot/config-RELEASE; "" when neither is readable. `source` says which.
std::string read_kernel_config(Env& env, const std::string& release, std::string& source);
// CONFIG_NAME's value in a .config text ("y", "m", a string...), "" when unset.
std::string config_value(const std::string& config, const std::string& name);

}  // namespace beaver::probe
