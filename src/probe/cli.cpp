#include "probe/env.h"
#include "probe/output.h"
#include "probe/probe.h"
#include "probe/probe_checks.h"
#include "util/markup.h"

#include <cstdio>
#include <cstring>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>

#ifndef BEAVER_VERSION
#define BEAVER_VERSION "0"
#endif

namespace beaver::probe {

namespace {

constexpr const char* kUsage =
    "Usage: beaver-probe [--format human|tap|junit|json] [--no-attest] [--root DIR] [--cpuid FILE]\n"
    "\n"
    "Run inside a guest: detects the TEE (SEV, SEV-ES, SEV-SNP, TDX, Hyper-V isolation) from CPUID,\n"
    "the SEV_STATUS MSR, sysfs, devices, configfs-tsm, the kernel config and log; asks for an\n"
    "attestation report with a fresh nonce (configfs-tsm, else the guest ioctls); prints the checks.\n"
    "Writes nothing but its own configfs-tsm entry, which it removes on every path.\n"
    "\n"
    "Options:\n"
    "  --format FMT   human (default), tap, junit or json\n"
    "  --no-attest    detect and check only; do not ask for a report\n"
    "  --root DIR     read files under DIR instead of / (fixture guests, tests)\n"
    "  --cpuid FILE   CPUID from FILE, lines \"LEAF SUBLEAF EAX EBX ECX EDX\" in hex (fixtures)\n"
    "  --version      print the version\n"
    "\n"
    "Exit status: 0 qualified (no check failed), 1 not qualified, 2 usage or input error.\n"
    "\n"
    "Examples:\n"
    "  sudo beaver-probe\n"
    "  sudo beaver-probe --format junit > probe.xml\n"
    "  sudo modprobe msr; sudo beaver-probe --format json | jq '.checks[] | select(.result == \"fail\")'\n";

int usage_error(const std::string& what) {
  // `what` may quote a fixture file's bytes or a path: made safe for a terminal.
  std::fprintf(stderr, "beaver-probe: %s\n%s", terminal_text(what).c_str(), kUsage);
  return 2;
}

}  // namespace

int run_main(int argc, char** argv) {
  std::string format = "human", root = "/", cpuid_file;
  bool do_attest = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string& into) {
      if (i + 1 >= argc) return false;
      into = argv[++i];
      return true;
    };
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--version") {
      std::printf("beaver-probe %s\n", BEAVER_VERSION);
      return 0;
    } else if (a == "--format") {
      if (!value(format)) return usage_error("--format needs a value");
    } else if (a.starts_with("--format=")) {
      format = a.substr(9);
    } else if (a == "--root") {
      if (!value(root)) return usage_error("--root needs a directory");
    } else if (a == "--cpuid") {
      if (!value(cpuid_file)) return usage_error("--cpuid needs a file");
    } else if (a == "--no-attest") {
      do_attest = false;
    } else {
      return usage_error("unknown argument '" + a + "'");
    }
  }
  if (format != "human" && format != "tap" && format != "junit" && format != "json")
    return usage_error("--format must be human, tap, junit or json, not '" + format + "'");
  Env env;
  env.set_root(root);
  if (root != "/") {
    struct stat st;
    if (::stat(root.c_str(), &st) != 0) return usage_error(root + ": " + std::strerror(errno));
    if (!S_ISDIR(st.st_mode)) return usage_error(root + ": not a directory (--root names a guest's root directory)");
    if (access(root.c_str(), R_OK | X_OK) != 0) return usage_error(root + ": " + std::strerror(errno));
  }
  if (!cpuid_file.empty()) {
    Env plain;
    auto text = plain.read_file(cpuid_file);
    if (!text) return usage_error(cpuid_file + ": cannot read: " + (errno == EINVAL ? "not a regular file" : std::strerror(errno)));
    std::string error;
    if (!env.load_cpuid_table(*text, error)) return usage_error(cpuid_file + ": " + error);
  }
  ProbeOptions options;
  options.attest = do_attest;
  ProbeResult r = run_probe(env, options);
  std::string out = format == "json"    ? format_json(r)
                    : format == "tap"   ? format_tap(r)
                    : format == "junit" ? format_junit(r)
                                        : format_human(r, isatty(1) && !std::getenv("NO_COLOR"));
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return r.qualified() ? 0 : 1;
}

}  // namespace beaver::probe
