#include "util/sha1.h"
#include "util/text.h"

#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#define BEAVER_SHA_NI 1
#endif

namespace beaver {

namespace {
inline std::uint32_t rol(std::uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }
}  // namespace

void Sha1::reset() {
  h_[0] = 0x67452301u;
  h_[1] = 0xEFCDAB89u;
  h_[2] = 0x98BADCFEu;
  h_[3] = 0x10325476u;
  h_[4] = 0xC3D2E1F0u;
  buf_len_ = 0;
  total_ = 0;
}

#if BEAVER_SHA_NI
namespace {
// One block with the x86 SHA extensions (Intel's published sequence).
__attribute__((target("sha,sse4.1"))) void block_sha_ni(std::uint32_t* h, const std::uint8_t* p) {
  const __m128i mask = _mm_set_epi64x(0x0001020304050607LL, 0x08090a0b0c0d0e0fLL);
  __m128i abcd = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h));
  __m128i e0 = _mm_set_epi32(int(h[4]), 0, 0, 0);
  abcd = _mm_shuffle_epi32(abcd, 0x1B);
  __m128i abcd_save = abcd, e_save = e0, e1;
  __m128i m0 = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 0)), mask);
  __m128i m1 = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16)), mask);
  __m128i m2 = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 32)), mask);
  __m128i m3 = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 48)), mask);

  // Rounds 0-3
  e0 = _mm_add_epi32(e0, m0);
  e1 = abcd;
  abcd = _mm_sha1rnds4_epu32(abcd, e0, 0);
  // Rounds 4-7
  e1 = _mm_sha1nexte_epu32(e1, m1);
  e0 = abcd;
  abcd = _mm_sha1rnds4_epu32(abcd, e1, 0);
  m0 = _mm_sha1msg1_epu32(m0, m1);
  // Rounds 8-11
  e0 = _mm_sha1nexte_epu32(e0, m2);
  e1 = abcd;
  abcd = _mm_sha1rnds4_epu32(abcd, e0, 0);
  m1 = _mm_sha1msg1_epu32(m1, m2);
  m0 = _mm_xor_si128(m0, m2);
  // Rounds 12-15
  e1 = _mm_sha1nexte_epu32(e1, m3);
  e0 = abcd;
  m0 = _mm_sha1msg2_epu32(m0, m3);
  abcd = _mm_sha1rnds4_epu32(abcd, e1, 0);
  m2 = _mm_sha1msg1_epu32(m2, m3);
  m1 = _mm_xor_si128(m1, m3);
  // Rounds 16-19
  e0 = _mm_sha1nexte_epu32(e0, m0);
  e1 = abcd;
  m1 = _mm_sha1msg2_epu32(m1, m0);
  abcd = _mm_sha1rnds4_epu32(abcd, e0, 0);
  m3 = _mm_sha1msg1_epu32(m3, m0);
  m2 = _mm_xor_si128(m2, m0);
  // Rounds 20-23
  e1 = _mm_sha1nexte_epu32(e1, m1);
  e0 = abcd;
  m2 = _mm_sha1msg2_epu32(m2, m1);
  abcd = _mm_sha1rnds4_epu32(abcd, e1, 1);
  m0 = _mm_sha1msg1_epu32(m0, m1);
  m3 = _mm_xor_si128(m3, m1);
  // Rounds 24-27
  e0 = _mm_sha1nexte_epu32(e0, m2);
  e1 = abcd;
  m3 = _mm_sha1msg2_epu32(m3, m2);
  abcd = _mm_sha1rnds4_epu32(abcd, e0, 1);
  m1 = _mm_sha1msg1_epu32(m1, m2);
  m0 = _mm_xor_si128(m0, m2);
  // Rounds 28-31
  e1 = _mm_sha1nexte_epu32(e1, m3);
  e0 = abcd;
  m0 = _mm_sha1msg2_epu32(m0, m3);
  abcd = _mm_sha1rnds4_epu32(abcd, e1, 1);
  m2 = _mm_sha1msg1_epu32(m2, m3);
  m1 = _mm_xor_si128(m1, m3);
  // Rounds 32-35
  e0 = _mm_sha1nexte_epu32(e0, m0);
  e1 = abcd;
  m1 = _mm_sha1msg2_epu32(m1, m0);
  abcd = _mm_sha1rnds4_epu32(abcd, e0, 1);
  m3 = _mm_sha1msg1_epu32(m3, m0);
  m2 = _mm_xor_si128(m2, m0);
  // Rounds 36-39
  e1 = _mm_sha1nexte_epu32(e1, m1);
  e0 = abcd;
  m2 = _mm_sha1msg2_epu32(m2, m1);
  abcd = _mm_sha1rnds4_epu32(abcd, e1, 1);
  m0 = _mm_sha1msg1_epu32(m0, m1);
  m3 = _mm_xor_si128(m3, m1);
  // Rounds 40-43
  e0 = _mm_sha1nexte_epu32(e0, m2);
  e1 = abcd;
  m3 = _mm_sha1msg2_epu32(m3, m2);
  abcd = _mm_sha1rnds4_epu32(abcd, e0, 2);
  m1 = _mm_sha1msg1_epu32(m1, m2);
  m0 = _mm_xor_si128(m0, m2);
  // Rounds 44-47
  e1 = _mm_sha1nexte_epu32(e1, m3);
  e0 = abcd;
  m0 = _mm_sha1msg2_epu32(m0, m3);
  abcd = _mm_sha1rnds4_epu32(abcd, e1, 2);
  m2 = _mm_sha1msg1_epu32(m2, m3);
  m1 = _mm_xor_si128(m1, m3);
  // Rounds 48-51
  e0 = _mm_sha1nexte_epu32(e0, m0);
  e1 = abcd;
  m1 = _mm_sha1msg2_epu32(m1, m0);
  abcd = _mm_sha1rnds4_epu32(abcd, e0, 2);
  m3 = _mm_sha1msg1_epu32(m3, m0);
  m2 = _mm_xor_si128(m2, m0);
  // Rounds 52-55
  e1 = _mm_sha1nexte_epu32(e1, m1);
  e0 = abcd;
  m2 = _mm_sha1msg2_epu32(m2, m1);
  abcd = _mm_sha1rnds4_epu32(abcd, e1, 2);
  m0 = _mm_sha1msg1_epu32(m0, m1);
  m3 = _mm_xor_si128(m3, m1);
  // Rounds 56-59
  e0 = _mm_sha1nexte_epu32(e0, m2);
  e1 = abcd;
  m3 = _mm_sha1msg2_epu32(m3, m2);
  abcd = _mm_sha1rnds4_epu32(abcd, e0, 2);
  m1 = _mm_sha1msg1_epu32(m1, m2);
  m0 = _mm_xor_si128(m0, m2);
  // Rounds 60-63
  e1 = _mm_sha1nexte_epu32(e1, m3);
  e0 = abcd;
  m0 = _mm_sha1msg2_epu32(m0, m3);
  abcd = _mm_sha1rnds4_epu32(abcd, e1, 3);
  m2 = _mm_sha1msg1_epu32(m2, m3);
  m1 = _mm_xor_si128(m1, m3);
  // Rounds 64-67
  e0 = _mm_sha1nexte_epu32(e0, m0);
  e1 = abcd;
  m1 = _mm_sha1msg2_epu32(m1, m0);
  abcd = _mm_sha1rnds4_epu32(abcd, e0, 3);
  m3 = _mm_sha1msg1_epu32(m3, m0);
  m2 = _mm_xor_si128(m2, m0);
  // Rounds 68-71
  e1 = _mm_sha1nexte_epu32(e1, m1);
  e0 = abcd;
  m2 = _mm_sha1msg2_epu32(m2, m1);
  abcd = _mm_sha1rnds4_epu32(abcd, e1, 3);
  m3 = _mm_xor_si128(m3, m1);
  // Rounds 72-75
  e0 = _mm_sha1nexte_epu32(e0, m2);
  e1 = abcd;
  m3 = _mm_sha1msg2_epu32(m3, m2);
  abcd = _mm_sha1rnds4_epu32(abcd, e0, 3);
  // Rounds 76-79
  e1 = _mm_sha1nexte_epu32(e1, m3);
  e0 = abcd;
  abcd = _mm_sha1rnds4_epu32(abcd, e1, 3);

  e0 = _mm_sha1nexte_epu32(e0, e_save);
  abcd = _mm_add_epi32(abcd, abcd_save);
  abcd = _mm_shuffle_epi32(abcd, 0x1B);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(h), abcd);
  h[4] = std::uint32_t(_mm_extract_epi32(e0, 3));
}

// CPUID leaf 7 EBX bit 29: SHA extensions; leaf 1 ECX bit 19: SSE4.1.
bool have_sha_ni() {
  static const bool yes = [] {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 19))) return false;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
    return (b & (1u << 29)) != 0;
  }();
  return yes;
}
}  // namespace
#endif

bool Sha1::hardware() {
#if BEAVER_SHA_NI
  return have_sha_ni() && !force_portable_;
#else
  return false;
#endif
}

void Sha1::block(const std::uint8_t* p) {
#if BEAVER_SHA_NI
  if (have_sha_ni() && !force_portable_) {
    block_sha_ni(h_, p);
    return;
  }
#endif
  std::uint32_t w[80];
  for (int i = 0; i < 16; ++i)
    w[i] = (std::uint32_t(p[4 * i]) << 24) | (std::uint32_t(p[4 * i + 1]) << 16) |
           (std::uint32_t(p[4 * i + 2]) << 8) | std::uint32_t(p[4 * i + 3]);
  for (int i = 16; i < 80; ++i) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  std::uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4];
  for (int i = 0; i < 80; ++i) {
    std::uint32_t f, k;
    if (i < 20) {
      f = (b & c) | (~b & d);
      k = 0x5A827999u;
    } else if (i < 40) {
      f = b ^ c ^ d;
      k = 0x6ED9EBA1u;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8F1BBCDCu;
    } else {
      f = b ^ c ^ d;
      k = 0xCA62C1D6u;
    }
    std::uint32_t t = rol(a, 5) + f + e + k + w[i];
    e = d;
    d = c;
    c = rol(b, 30);
    b = a;
    a = t;
  }
  h_[0] += a;
  h_[1] += b;
  h_[2] += c;
  h_[3] += d;
  h_[4] += e;
}

void Sha1::update(const void* data, std::size_t len) {
  auto p = static_cast<const std::uint8_t*>(data);
  total_ += len;
  if (buf_len_) {
    std::size_t take = std::min(len, 64 - buf_len_);
    std::memcpy(buf_ + buf_len_, p, take);
    buf_len_ += take;
    p += take;
    len -= take;
    if (buf_len_ == 64) {
      block(buf_);
      buf_len_ = 0;
    }
  }
  while (len >= 64) {
    block(p);
    p += 64;
    len -= 64;
  }
  if (len) {
    std::memcpy(buf_, p, len);
    buf_len_ = len;
  }
}

Digest Sha1::finish() {
  std::uint64_t bits = total_ * 8;
  std::uint8_t pad = 0x80;
  update(&pad, 1);
  std::uint8_t zero = 0;
  while (buf_len_ != 56) update(&zero, 1);
  std::uint8_t len_be[8];
  for (int i = 0; i < 8; ++i) len_be[i] = std::uint8_t(bits >> (56 - 8 * i));
  update(len_be, 8);
  Digest out;
  for (int i = 0; i < 5; ++i) {
    out[4 * i] = std::uint8_t(h_[i] >> 24);
    out[4 * i + 1] = std::uint8_t(h_[i] >> 16);
    out[4 * i + 2] = std::uint8_t(h_[i] >> 8);
    out[4 * i + 3] = std::uint8_t(h_[i]);
  }
  reset();
  return out;
}

std::string to_hex(const Digest& d) { return hex_of_bytes(d.data(), d.size()); }

Digest sha1(std::string_view s) {
  Sha1 h;
  h.update(s);
  return h.finish();
}

}  // namespace beaver
