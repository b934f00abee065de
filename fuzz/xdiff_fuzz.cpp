// Differential libFuzzer target for beaver's port of xdiff: on any two
// texts it must print exactly what libgit2's copy of xdiff prints (the
// configuration of `git log -p`), and never crash.
//
// The input is split at its first NUL byte into the old and the new text.
// Vertical tabs and form feeds become spaces: the C library's isspace(),
// which libgit2's xdiff uses for the indent heuristic, counts them as
// whitespace, git's own isspace() (the reference, and the port's) does not.
#include "../tests/xdiff_reference.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  for (char& c : in)
    if (c == '\v' || c == '\f') c = ' ';
  std::size_t cut = in.find('\0');
  std::string a = in.substr(0, cut);
  std::string b = cut == std::string::npos ? std::string() : in.substr(cut + 1);
  std::string expected;
  if (!beaver::test::libgit2_diff(a, b, expected)) return 0;
  if (beaver::test::port_diff(a, b) != expected) std::abort();
  return 0;
}
