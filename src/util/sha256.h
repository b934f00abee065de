// SHA-256 (FIPS 180-4), for artifact digests: the in-toto subjects of
// `beaver build`'s provenance and `beaver build --verify`. The same digests
// as `sha256sum`.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace beaver {

using Sha256Digest = std::array<std::uint8_t, 32>;

class Sha256 {
public:
  Sha256() { reset(); }
  void reset();
  void update(const void* data, std::size_t len);
  void update(std::string_view s) { update(s.data(), s.size()); }
  Sha256Digest finish();  // also resets
  // Uses the CPU's SHA extensions when it has them; tests compare both paths.
  bool hardware() const;
  void force_portable(bool on) { force_portable_ = on; }

private:
  void blocks(const std::uint8_t* p, std::size_t n);
  std::uint32_t h_[8];
  std::uint8_t buf_[64];
  std::size_t buf_len_ = 0;
  std::uint64_t total_ = 0;
  bool force_portable_ = false;
};

std::string to_hex(const Sha256Digest& d);
Sha256Digest sha256(std::string_view s);
// Lower-case hex, as sha256sum prints it.
std::string sha256_hex(std::string_view s);
// The SHA-256 of a file's bytes, read in chunks (any size). Throws
// beaver::Error naming the file when it cannot be opened or read.
std::string sha256_file(const std::string& path);

}  // namespace beaver
