#include "util/sha256.h"
#include "util/text.h"

#include "util/error.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#define BEAVER_SHA256_NI 1
#endif

namespace beaver {

namespace {

alignas(16) constexpr std::uint32_t kK[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u,
};

inline std::uint32_t ror(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

void blocks_portable(std::uint32_t* h, const std::uint8_t* p, std::size_t n) {
  for (; n; --n, p += 64) {
    std::uint32_t w[64];
    for (int i = 0; i < 16; ++i)
      w[i] = (std::uint32_t(p[4 * i]) << 24) | (std::uint32_t(p[4 * i + 1]) << 16) |
             (std::uint32_t(p[4 * i + 2]) << 8) | std::uint32_t(p[4 * i + 3]);
    for (int i = 16; i < 64; ++i) {
      std::uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
      std::uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; ++i) {
      std::uint32_t S1 = ror(e, 6) ^ ror(e, 11) ^ ror(e, 25);
      std::uint32_t ch = (e & f) ^ (~e & g);
      std::uint32_t t1 = hh + S1 + ch + kK[i] + w[i];
      std::uint32_t S0 = ror(a, 2) ^ ror(a, 13) ^ ror(a, 22);
      std::uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
      std::uint32_t t2 = S0 + maj;
      hh = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
  }
}

#if BEAVER_SHA256_NI
// Blocks with the x86 SHA extensions (the instruction sequence of Intel's
// SHA extensions paper). The state lives as ABEF and CDGH; each iteration of
// the loop is four rounds, and the message schedule for rounds 16..63 is
// computed four words at a time (sha256msg1 adds sigma0, sha256msg2 sigma1).
// palignr with its immediate spelled out: GCC's _mm_alignr_epi8 is an
// inline function whose count is no immediate in a -O0 (sanitizer) build.
#define BEAVER_ALIGNR(a, b, bytes) ((__m128i)__builtin_ia32_palignr128((__v2di)(a), (__v2di)(b), (bytes) * 8))
__attribute__((target("sha,sse4.1,ssse3"))) void blocks_sha_ni(std::uint32_t* h, const std::uint8_t* p,
                                                                   std::size_t n) {
  const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
  __m128i tmp = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h));           // DCBA
  __m128i state1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h + 4));    // HGFE
  tmp = _mm_shuffle_epi32(tmp, 0xB1);                                            // CDAB
  state1 = _mm_shuffle_epi32(state1, 0x1B);                                      // EFGH
  __m128i state0 = BEAVER_ALIGNR(tmp, state1, 8);                              // ABEF
  state1 = _mm_blend_epi16(state1, tmp, 0xF0);                                   // CDGH
  for (; n; --n, p += 64) {
    const __m128i abef = state0, cdgh = state1;
    __m128i w[4];
    for (int i = 0; i < 16; ++i) {
      __m128i m;
      if (i < 4) {
        m = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i)), mask);
      } else {
        // W[i-4] is w[i&3] until it is overwritten here.
        m = _mm_sha256msg1_epu32(w[i & 3], w[(i - 3) & 3]);
        m = _mm_add_epi32(m, BEAVER_ALIGNR(w[(i - 1) & 3], w[(i - 2) & 3], 4));
        m = _mm_sha256msg2_epu32(m, w[(i - 1) & 3]);
      }
      w[i & 3] = m;
      __m128i k = _mm_add_epi32(m, _mm_load_si128(reinterpret_cast<const __m128i*>(kK + 4 * i)));
      state1 = _mm_sha256rnds2_epu32(state1, state0, k);
      k = _mm_shuffle_epi32(k, 0x0E);
      state0 = _mm_sha256rnds2_epu32(state0, state1, k);
    }
    state0 = _mm_add_epi32(state0, abef);
    state1 = _mm_add_epi32(state1, cdgh);
  }
  tmp = _mm_shuffle_epi32(state0, 0x1B);          // FEBA
  state1 = _mm_shuffle_epi32(state1, 0xB1);       // DCHG
  state0 = _mm_blend_epi16(tmp, state1, 0xF0);    // DCBA
  state1 = BEAVER_ALIGNR(state1, tmp, 8);       // HGFE
  _mm_storeu_si128(reinterpret_cast<__m128i*>(h), state0);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(h + 4), state1);
}

// CPUID leaf 7 EBX bit 29: SHA extensions; leaf 1 ECX bit 19: SSE4.1, bit 9: SSSE3.
bool have_sha_ni() {
  static const bool yes = [] {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 19)) || !(c & (1u << 9))) return false;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
    return (b & (1u << 29)) != 0;
  }();
  return yes;
}
#endif

}  // namespace

void Sha256::reset() {
  static constexpr std::uint32_t kInit[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                                             0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};
  std::copy(std::begin(kInit), std::end(kInit), h_);
  buf_len_ = 0;
  total_ = 0;
}

bool Sha256::hardware() const {
#if BEAVER_SHA256_NI
  return have_sha_ni() && !force_portable_;
#else
  return false;
#endif
}

void Sha256::blocks(const std::uint8_t* p, std::size_t n) {
#if BEAVER_SHA256_NI
  if (hardware()) {
    blocks_sha_ni(h_, p, n);
    return;
  }
#endif
  blocks_portable(h_, p, n);
}

void Sha256::update(const void* data, std::size_t len) {
  auto p = static_cast<const std::uint8_t*>(data);
  total_ += len;
  if (buf_len_) {
    std::size_t take = std::min(len, 64 - buf_len_);
    std::memcpy(buf_ + buf_len_, p, take);
    buf_len_ += take;
    p += take;
    len -= take;
    if (buf_len_ < 64) return;
    blocks(buf_, 1);
    buf_len_ = 0;
  }
  if (len >= 64) {
    blocks(p, len / 64);
    p += len / 64 * 64;
    len %= 64;
  }
  if (len) {
    std::memcpy(buf_, p, len);
    buf_len_ = len;
  }
}

Sha256Digest Sha256::finish() {
  std::uint64_t bits = total_ * 8;
  std::uint8_t tail[128] = {0x80};
  std::size_t pad = buf_len_ < 56 ? 56 - buf_len_ : 120 - buf_len_;
  for (int i = 0; i < 8; ++i) tail[pad + std::size_t(i)] = std::uint8_t(bits >> (56 - 8 * i));
  update(tail, pad + 8);
  Sha256Digest out;
  for (int i = 0; i < 8; ++i) {
    out[4 * i] = std::uint8_t(h_[i] >> 24);
    out[4 * i + 1] = std::uint8_t(h_[i] >> 16);
    out[4 * i + 2] = std::uint8_t(h_[i] >> 8);
    out[4 * i + 3] = std::uint8_t(h_[i]);
  }
  reset();
  return out;
}

std::string to_hex(const Sha256Digest& d) { return hex_of_bytes(d.data(), d.size()); }

Sha256Digest sha256(std::string_view s) {
  Sha256 h;
  h.update(s);
  return h.finish();
}

std::string sha256_hex(std::string_view s) { return to_hex(sha256(s)); }

std::string sha256_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) throw Error("{}: cannot read: {}", path, std::strerror(errno));
  Sha256 h;
  std::vector<char> buf(1 << 20);
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      throw Error("{}: cannot read: {}", path, std::strerror(err));
    }
    if (n == 0) break;
    h.update(buf.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  return to_hex(h.finish());
}

}  // namespace beaver
