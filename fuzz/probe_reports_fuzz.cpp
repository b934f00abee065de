// libFuzzer target for the probe's report parsers: any bytes, any provider,
// never a crash or an out-of-bounds read; a parsed report always carries 64
// bytes of report data and its fields.
#include "probe/reports.h"
#include "probe/env.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace beaver::probe;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (std::string_view provider : {"sev_guest", "tdx_guest", "", "other"}) {
    ParsedReport r = parse_report(provider, bytes);
    if (r.error.empty()) {
      if (r.report_data.size() != 64) std::abort();
      if (r.fields.empty()) std::abort();
    }
  }
  for (auto* parse : {&parse_snp_report, &parse_tdreport, &parse_td_quote}) {
    ParsedReport r = parse(bytes);
    if (r.error.empty() && r.report_data.size() != 64) std::abort();
  }
  // The CPUID table parser takes user files too.
  Env env;
  std::string error;
  if (!env.load_cpuid_table(std::string(bytes), error) && error.empty()) std::abort();
  return 0;
}
