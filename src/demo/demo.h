// The built-in demo: a small kernel-like repository made with the git CLI.
//
//   main          upstream: v6.8, then CoCo work, v6.9-rc1, v6.9
//   vendor/snp    a vendor branch on v6.8 carrying five SEV-SNP/TDX patches:
//                 one merged upstream as is, two merged modified (other
//                 context; an extra line), one posted but never merged, one
//                 vendor-only
//   linux-6.8.y   a stable branch with a backport ("commit X upstream.")
//   vendor/snp-6.9, vendor/snp-6.10
//                 the vendor branch rebased twice: onto v6.9 (three patches
//                 merged upstream, the posted one revised as v4, one added),
//                 then onto v6.10 (v4 merged upstream, one dropped, one added)
//   linux-coco.mbox  (untracked) the posted patch as mailed, v3
#pragma once

#include <string>

namespace beaver::demo {

struct DemoRepo {
  std::string dir;
  std::string upstream = "main";
  std::string vendor = "vendor/snp";
  std::string stable = "linux-6.8.y";
  std::string base = "v6.8";
  std::string vendor_69 = "vendor/snp-6.9";
  std::string vendor_610 = "vendor/snp-6.10";
  std::string vendor_tdx = "vendor/tdx";
  std::string mail;  // the mbox file
};

// Creates the repository in `dir` (which must not exist or be empty).
// Throws beaver::Error when git fails.
DemoRepo build(const std::string& dir);

}  // namespace beaver::demo
