#include "util/sha1.h"

#include <gtest/gtest.h>

#include <random>

namespace beaver {
namespace {

TEST(Sha1, KnownVectors) {
  EXPECT_EQ(to_hex(sha1("")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(to_hex(sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(to_hex(sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  std::string million(1000000, 'a');
  EXPECT_EQ(to_hex(sha1(million)), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST(Sha1, HardwareAndPortableAgreeOnEveryLengthAndSplit) {
  std::mt19937 rng(42);
  for (std::size_t len = 0; len < 300; ++len) {
    std::string s(len, '\0');
    for (auto& c : s) c = char(rng());
    Sha1 hw, sw;
    sw.force_portable(true);
    std::size_t cut = len ? rng() % len : 0;
    hw.update(s.substr(0, cut));
    hw.update(s.substr(cut));
    sw.update(s);
    ASSERT_EQ(to_hex(hw.finish()), to_hex(sw.finish())) << "length " << len;
  }
}

}  // namespace
}  // namespace beaver
