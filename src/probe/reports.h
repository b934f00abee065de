// Attestation reports, parsed from their documented byte layouts. Every
// parser checks sizes first and never reads out of bounds (fuzzed).
//
// SNP ATTESTATION_REPORT (AMD SEV-SNP ABI, table "ATTESTATION_REPORT
// Structure"), 0x4A0 bytes: version u32 @0x00, guest_svn u32 @0x04, policy
// u64 @0x08, family_id[16] @0x10, image_id[16] @0x20, vmpl u32 @0x30,
// signature_algo u32 @0x34, current_tcb u64 @0x38, platform_info u64 @0x40,
// report_data[64] @0x50, measurement[48] @0x90, host_data[32] @0xC0,
// id_key_digest[48] @0xE0, author_key_digest[48] @0x110, report_id[32]
// @0x140, report_id_ma[32] @0x160, reported_tcb u64 @0x180, chip_id[64]
// @0x1A0, signature[512] @0x2A0.
//
// TDX TDREPORT_STRUCT (Intel TDX module ABI), 1024 bytes: REPORTMACSTRUCT
// (256: report_type {type u8 @0 = 0x81 for TDX, subtype @1, version @2}
// @0, cpusvn[16] @16, tee_tcb_info_hash[48] @32, tee_info_hash[48] @80,
// reportdata[64] @128, mac[32] @224), TEE_TCB_INFO[239] @256, reserved[17],
// TDINFO[512] @512 (attributes u64 @512, xfam u64 @520, mrtd[48] @528, ...).
//
// TDX quote v4 (what configfs-tsm returns for TDX): header 48 bytes
// (version u16 @0 = 4, att_key_type u16 @2, tee_type u32 @4 = 0x81, ...),
// then the TD report body: tee_tcb_svn[16], mrseam[48], mrsignerseam[48],
// seam_attributes u64, td_attributes u64 @+120, xfam u64, mrtd[48] @+136,
// mrconfigid, mrowner, mrownerconfig (48 each), rtmr0..3 (4x48),
// report_data[64] @+520 (absolute 568).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace beaver::probe {

inline constexpr std::size_t kSnpReportSize = 0x4A0;
inline constexpr std::size_t kTdReportSize = 1024;
inline constexpr std::size_t kTdQuoteReportDataOffset = 568;

struct Field {
  std::string name, value;  // value as text (hex for byte strings)
};

struct ParsedReport {
  std::string kind;        // snp-report | tdx-tdreport | tdx-quote
  std::string report_data; // 64 raw bytes
  std::vector<Field> fields;
  std::string error;       // why it is not a report of this kind ("" when parsed)
};

std::string to_hex(std::string_view bytes);

ParsedReport parse_snp_report(std::string_view bytes);
ParsedReport parse_tdreport(std::string_view bytes);
ParsedReport parse_td_quote(std::string_view bytes);
// By provider name ("sev_guest", "tdx_guest", ...) or by shape when unknown.
ParsedReport parse_report(std::string_view provider, std::string_view bytes);

}  // namespace beaver::probe
