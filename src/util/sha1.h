// SHA-1, as git hashes patch text. Plain FIPS 180-1; git's SHA1DC produces the
// same digests for every input that is not a crafted collision.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace beaver {

using Digest = std::array<std::uint8_t, 20>;

class Sha1 {
public:
  Sha1() { reset(); }
  void reset();
  void update(const void* data, std::size_t len);
  void update(std::string_view s) { update(s.data(), s.size()); }
  Digest finish();  // also resets
  // Uses the CPU's SHA extensions when it has them; tests compare both paths.
  bool hardware();
  void force_portable(bool on) { force_portable_ = on; }

private:
  void block(const std::uint8_t* p);
  std::uint32_t h_[5];
  std::uint8_t buf_[64];
  std::size_t buf_len_ = 0;
  std::uint64_t total_ = 0;
  bool force_portable_ = false;
};

std::string to_hex(const Digest& d);
Digest sha1(std::string_view s);

}  // namespace beaver
