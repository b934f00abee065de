#include "probe/probe_checks.h"

#include <csignal>
#include <cstring>
#include <unistd.h>

namespace beaver::probe {

namespace {

constexpr const char* kTsmReports = "/sys/kernel/config/tsm/report";

// The configfs entry being used, for the signal handler: it must remove it
// before the probe dies (async-signal-safe: rmdir only).
char g_entry[4096];

extern "C" void remove_entry_and_die(int sig) {
  if (g_entry[0]) ::rmdir(g_entry);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

class EntryGuard {
public:
  EntryGuard(Env& env, std::string path) : env_(env), path_(std::move(path)) {
    std::string full = env.full_path(path_);
    if (full.size() < sizeof g_entry) std::memcpy(g_entry, full.c_str(), full.size() + 1);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) old_[sig] = std::signal(sig, remove_entry_and_die);
  }
  ~EntryGuard() {
    env_.remove_dir(path_);
    g_entry[0] = 0;
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) std::signal(sig, old_[sig]);
  }

private:
  Env& env_;
  std::string path_;
  void (*old_[32])(int) = {};
};

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

bool configfs_report(Env& env, Attestation& a) {
  a.method = "configfs-tsm";
  std::uint8_t rnd[4];
  env.random_bytes(rnd, sizeof rnd);
  char name[96];
  std::snprintf(name, sizeof name, "%s/beaver-probe-%d-%02x%02x%02x%02x", kTsmReports, int(::getpid()), rnd[0], rnd[1],
                rnd[2], rnd[3]);
  std::string entry = name, err;
  if (!env.make_dir(entry, err)) {
    a.error = "cannot create " + entry + ": " + err;
    return false;
  }
  EntryGuard guard(env, entry);
  if (!env.write_file(entry + "/inblob", a.nonce, err)) {
    a.error = "writing inblob: " + err;
    return false;
  }
  std::string gen1 = trim(env.read_file(entry + "/generation").value_or(""));
  a.provider = trim(env.read_file(entry + "/provider").value_or(""));
  auto out = env.read_file(entry + "/outblob");
  std::string gen2 = trim(env.read_file(entry + "/generation").value_or(""));
  if (!out) {
    a.error = "reading outblob failed (is the provider module loaded? modprobe sev-guest / tdx-guest)";
    return false;
  }
  if (gen1 != gen2) {
    a.error = "the report entry's generation changed (" + gen1 + " -> " + gen2 + "): another process used it";
    return false;
  }
  if (out->empty()) {
    a.error = "outblob came back empty (provider '" + a.provider + "'; is its module loaded?)";
    return false;
  }
  a.blob = std::move(*out);
  a.report = parse_report(a.provider, a.blob);
  return true;
}

// struct snp_guest_request_ioctl and the SNP_GET_REPORT request/response
// (include/uapi/linux/sev-guest.h).
struct SnpGuestRequestIoctl {
  std::uint8_t msg_version;
  std::uint8_t pad[7];
  std::uint64_t req_data;
  std::uint64_t resp_data;
  std::uint64_t exitinfo2;
};
static_assert(sizeof(SnpGuestRequestIoctl) == 32);
struct SnpReportReq {
  std::uint8_t user_data[64];
  std::uint32_t vmpl;
  std::uint8_t rsvd[28];
};
static_assert(sizeof(SnpReportReq) == 96);
constexpr unsigned long kSnpGetReport = 0xC0205300;
// struct tdx_report_req (include/uapi/linux/tdx-guest.h).
struct TdxReportReq {
  std::uint8_t reportdata[64];
  std::uint8_t tdreport[1024];
};
constexpr unsigned long kTdxGetReport0 = 0xC4405401;

bool ioctl_report(Env& env, const Detection& d, Attestation& a) {
  if (env.exists("/dev/sev-guest")) {
    a.method = "SNP_GET_REPORT";
    SnpReportReq req{};
    std::memcpy(req.user_data, a.nonce.data(), 64);
    req.vmpl = d.vmpl > 0 ? std::uint32_t(d.vmpl) : 0;
    std::string resp(4000, '\0');
    SnpGuestRequestIoctl io{};
    io.msg_version = 1;
    io.req_data = reinterpret_cast<std::uintptr_t>(&req);
    io.resp_data = reinterpret_cast<std::uintptr_t>(resp.data());
    if (int err = env.device_ioctl("/dev/sev-guest", kSnpGetReport, &io)) {
      a.error = std::string("SNP_GET_REPORT: ") + std::strerror(err);
      return false;
    }
    std::uint32_t status, size;
    std::memcpy(&status, resp.data(), 4);
    std::memcpy(&size, resp.data() + 4, 4);
    if (status != 0) {
      a.error = "SNP_GET_REPORT: firmware status " + std::to_string(status);
      return false;
    }
    if (size < kSnpReportSize || size > resp.size() - 0x20) {
      a.error = "SNP_GET_REPORT: report size " + std::to_string(size) + " (expected " + std::to_string(kSnpReportSize) + ")";
      return false;
    }
    a.blob = resp.substr(0x20, size);
    a.report = parse_snp_report(a.blob);
    return true;
  }
  for (const char* dev : {"/dev/tdx_guest", "/dev/tdx-guest"}) {
    if (!env.exists(dev)) continue;
    a.method = "TDX_CMD_GET_REPORT0";
    TdxReportReq req{};
    std::memcpy(req.reportdata, a.nonce.data(), 64);
    if (int err = env.device_ioctl(dev, kTdxGetReport0, &req)) {
      a.error = std::string("TDX_CMD_GET_REPORT0: ") + std::strerror(err);
      return false;
    }
    a.blob.assign(reinterpret_cast<const char*>(req.tdreport), sizeof req.tdreport);
    a.report = parse_tdreport(a.blob);
    return true;
  }
  return false;
}

}  // namespace

Attestation attest(Env& env, const Detection& d) {
  Attestation a;
  std::uint8_t nonce[64];
  env.random_bytes(nonce, sizeof nonce);
  a.nonce.assign(reinterpret_cast<const char*>(nonce), sizeof nonce);
  bool tsm = env.exists(kTsmReports);
  bool device = env.exists("/dev/sev-guest") || env.exists("/dev/tdx_guest") || env.exists("/dev/tdx-guest");
  if (!tsm && !device) return a;
  a.attempted = true;
  std::string tsm_error;
  if (tsm) {
    if (configfs_report(env, a)) return a;
    tsm_error = a.error;
  }
  if (device) {
    a.error.clear();
    if (ioctl_report(env, d, a)) return a;
  }
  if (!tsm_error.empty()) a.error = tsm_error + (a.error.empty() ? "" : "; then " + a.error);
  return a;
}

}  // namespace beaver::probe
