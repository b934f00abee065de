// libFuzzer target for beaver matrix's inputs: arbitrary bytes as a file that
// a user named on the command line (a config, gzip/xz/zstd-compressed or not,
// or a .deb read through libarchive), and as a feature catalog. Each must load
// or throw beaver::Error, never crash, hang or leak.
#include "kconfig/features.h"
#include "matrix/kernel.h"
#include "util/error.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    try {
      auto features = beaver::kconfig::parse_features(bytes, "fuzz.toml");
      for (const auto& f : features)
        if (f.symbols.empty() || f.markers.empty()) std::abort();  // parse_features promises both
    } catch (const beaver::Error&) {
    }
    return 0;
  }
  static const std::string path = "/tmp/beaver-matrix-fuzz-" + std::to_string(getpid());
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
  }
  try {
    for (const auto& k : beaver::matrix::load_kernels(path))
      if (!k.config || k.config->find("CONFIG_") == std::string::npos) std::abort();  // a kernel from a file has a config
  } catch (const beaver::Error&) {
  }
  return 0;
}
