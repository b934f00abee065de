#include "probe/reports.h"

#include <cstring>

namespace beaver::probe {

namespace {

template <typename T>
T le(std::string_view b, std::size_t at) {
  T v = 0;
  for (std::size_t k = 0; k < sizeof(T); ++k) v = T(v | (T(static_cast<unsigned char>(b[at + k])) << (8 * k)));
  return v;
}

std::string hexnum(std::uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

std::string to_hex(std::string_view bytes) {
  static const char* d = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    s += d[c >> 4];
    s += d[c & 15];
  }
  return s;
}

ParsedReport parse_snp_report(std::string_view b) {
  ParsedReport r;
  r.kind = "snp-report";
  if (b.size() < kSnpReportSize) {
    r.error = "an SNP report has " + std::to_string(kSnpReportSize) + " bytes, this one " + std::to_string(b.size());
    return r;
  }
  std::uint32_t version = le<std::uint32_t>(b, 0x00);
  if (version < 2 || version > 16) {
    r.error = "SNP report version " + std::to_string(version) + " is not one AMD documents (2 to 5)";
    return r;
  }
  std::uint32_t vmpl = le<std::uint32_t>(b, 0x30);
  r.report_data = std::string(b.substr(0x50, 64));
  r.fields = {{"version", std::to_string(version)},
              {"guest_svn", std::to_string(le<std::uint32_t>(b, 0x04))},
              {"policy", hexnum(le<std::uint64_t>(b, 0x08))},
              {"vmpl", std::to_string(vmpl)},
              {"signature_algo", std::to_string(le<std::uint32_t>(b, 0x34))},
              {"current_tcb", hexnum(le<std::uint64_t>(b, 0x38))},
              {"platform_info", hexnum(le<std::uint64_t>(b, 0x40))},
              {"measurement", to_hex(b.substr(0x90, 48))},
              {"host_data", to_hex(b.substr(0xC0, 32))},
              {"report_data", to_hex(b.substr(0x50, 64))},
              {"chip_id", to_hex(b.substr(0x1A0, 64))}};
  if (vmpl > 3) r.error = "VMPL " + std::to_string(vmpl) + " is out of range (0 to 3)";
  return r;
}

ParsedReport parse_tdreport(std::string_view b) {
  ParsedReport r;
  r.kind = "tdx-tdreport";
  if (b.size() < kTdReportSize) {
    r.error = "a TDREPORT has 1024 bytes, this one " + std::to_string(b.size());
    return r;
  }
  auto type = static_cast<unsigned char>(b[0]);
  if (type != 0x81) {
    r.error = "TDREPORT type " + hexnum(type) + " is not TDX (0x81)";
    return r;
  }
  r.report_data = std::string(b.substr(128, 64));
  r.fields = {{"type", hexnum(type)},
              {"subtype", std::to_string(static_cast<unsigned char>(b[1]))},
              {"version", std::to_string(static_cast<unsigned char>(b[2]))},
              {"report_data", to_hex(b.substr(128, 64))},
              {"tee_tcb_info_hash", to_hex(b.substr(32, 48))},
              {"td_info_hash", to_hex(b.substr(80, 48))},
              {"td_attributes", hexnum(le<std::uint64_t>(b, 512))},
              {"mrtd", to_hex(b.substr(528, 48))}};
  return r;
}

ParsedReport parse_td_quote(std::string_view b) {
  ParsedReport r;
  r.kind = "tdx-quote";
  if (b.size() < kTdQuoteReportDataOffset + 64) {
    r.error = "a TDX quote v4 has at least 632 bytes, this one " + std::to_string(b.size());
    return r;
  }
  std::uint16_t version = le<std::uint16_t>(b, 0);
  std::uint32_t tee = le<std::uint32_t>(b, 4);
  if (version != 4 && version != 5) {
    r.error = "quote version " + std::to_string(version) + " is not 4 or 5";
    return r;
  }
  if (tee != 0x81) {
    r.error = "quote TEE type " + hexnum(tee) + " is not TDX (0x81)";
    return r;
  }
  if (version == 5) {
    // v5 adds a 6-byte body descriptor (type u16, size u32) after the header.
    if (b.size() < 48 + 6 + 520 + 64) {
      r.error = "a TDX quote v5 is shorter than its TD report body";
      return r;
    }
  }
  std::size_t body = version == 5 ? 48 + 6 : 48;
  r.report_data = std::string(b.substr(body + 520, 64));
  r.fields = {{"version", std::to_string(version)},
              {"att_key_type", std::to_string(le<std::uint16_t>(b, 2))},
              {"tee_type", hexnum(tee)},
              {"td_attributes", hexnum(le<std::uint64_t>(b, body + 120))},
              {"mrtd", to_hex(b.substr(body + 136, 48))},
              {"report_data", to_hex(b.substr(body + 520, 64))}};
  return r;
}

ParsedReport parse_report(std::string_view provider, std::string_view b) {
  if (provider == "sev_guest") return parse_snp_report(b);
  if (provider == "tdx_guest") return b.size() == kTdReportSize ? parse_tdreport(b) : parse_td_quote(b);
  // Unknown provider: try the shapes.
  if (b.size() == kSnpReportSize) return parse_snp_report(b);
  if (b.size() == kTdReportSize) return parse_tdreport(b);
  ParsedReport q = parse_td_quote(b);
  if (q.error.empty()) return q;
  ParsedReport r;
  r.kind = "unknown";
  r.error = "provider '" + std::string(provider) + "' and " + std::to_string(b.size()) + " bytes: not a known report";
  return r;
}

}  // namespace beaver::probe
