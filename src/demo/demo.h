// The built-in demo: a small kernel-like repository made with the git CLI.
//
//   main          upstream: v6.8, then CoCo work, v6.9-rc1, v6.9
//   vendor/snp    a vendor branch on v6.8 carrying five SEV-SNP/TDX patches:
//                 one merged upstream as is, two merged modified (other
//                 context; an extra line), one posted but never merged, one
//                 vendor-only
//   linux-6.8.y   a stable branch with a backport ("commit X upstream.")
#pragma once

#include <string>

namespace beaver::demo {

struct DemoRepo {
  std::string dir;
  std::string upstream = "main";
  std::string vendor = "vendor/snp";
  std::string stable = "linux-6.8.y";
  std::string base = "v6.8";
};

// Creates the repository in `dir` (which must not exist or be empty).
// Throws beaver::Error when git fails.
DemoRepo build(const std::string& dir);

}  // namespace beaver::demo
