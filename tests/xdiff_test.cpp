// beaver's xdiff port must print what xdiff prints. libgit2 carries its own
// copy of xdiff, so the port is checked against it on random files made to
// reach every branch: repeated lines (discarding), long runs of common lines
// (trimming, the head and tail counts), blank lines and indentation (the
// indent heuristic), files of thousands of differing lines (the cost cut-off
// heuristics of xdl_split), and last lines without a newline. git itself is
// the reference in patch_id_test.cpp.
#include "xdiff_reference.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace beaver {
namespace {

std::string libgit2_diff(const std::string& a, const std::string& b) {
  std::string out;
  EXPECT_TRUE(test::libgit2_diff(a, b, out));
  return out;
}

std::string beaver_diff(const std::string& a, const std::string& b) { return test::port_diff(a, b); }

const std::vector<std::string> kVocab = {
    "{", "}", "", "\treturn 0;", "\treturn ret;", "\tif (ret)", "\t\tgoto out;", "int ret;", "out:", "\tkfree(p);",
    "/* comment */", "static int foo(void)", "\tret = bar();", "  two spaces", "\t\tbreak;", "\tdefault:",
    "        eight spaces", "\t", "   ", "\tx = y;\r", "#include <linux/io.h>", "};", "\t}", "\t\t}",
};

std::vector<std::string> random_lines(std::mt19937& rng, std::size_t n, std::size_t vocab) {
  std::vector<std::string> v;
  for (std::size_t i = 0; i < n; ++i) {
    if (rng() % 7 == 0) v.push_back("unique line " + std::to_string(rng() % 100000));
    else v.push_back(kVocab[rng() % std::min(vocab, kVocab.size())]);
  }
  return v;
}

std::string join(const std::vector<std::string>& v, bool eol) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += v[i] + (i + 1 < v.size() || eol ? "\n" : "");
  return s;
}

TEST(LineDiff, SmallCasesMatchXdiff) {
  std::vector<std::pair<std::string, std::string>> cases = {
      {"", "a\n"},
      {"a\n", ""},
      {"a\n", "a\n"},
      {"a\n", "b\n"},
      {"a", "a\n"},
      {"a\n", "a"},
      {"a\nb\nc\n", "a\nc\n"},
      {"a\nb\na\nb\n", "a\nb\na\nb\na\nb\n"},
      {"if (x) {\n\tfoo();\n}\n\nif (y) {\n\tbar();\n}\n",
       "if (x) {\n\tfoo();\n}\n\nif (z) {\n\tbaz();\n}\n\nif (y) {\n\tbar();\n}\n"},
      {"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "1\n2\nX\n4\n5\n6\n7\n8\n9\nY\n11\n12\n"},
      {"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "1\nX\n3\n4\n5\n6\n7\n8\n9\n10\nY\n12\n"},
      // the edges of the common head and tail
      {"x\n", "y\nx\n"}, {"x", "yx"}, {"b\nx", "a\nb\nx"}, {"x", "xy\n"}, {"a\nb\n", "b\n"},
      {"ab\n", "b\n"}, {"a\n", "a\nb"}, {"a\nb", "a\nbb"}, {"\n\n", "\n"}, {"x\ny\n", "xx\ny\n"},
  };
  for (auto& [a, b] : cases) EXPECT_EQ(beaver_diff(a, b), libgit2_diff(a, b)) << "a=" << a << " b=" << b;
}

TEST(LineDiff, RandomEditsMatchXdiff) {
  std::mt19937 rng(20261122);
  int differ = 0;
  for (int round = 0; round < 3000; ++round) {
    std::size_t n = 1 + rng() % (round % 10 == 0 ? 2000 : 120);
    auto a = random_lines(rng, n, 4 + rng() % kVocab.size());
    auto b = a;
    int edits = 1 + int(rng() % (round % 7 == 0 ? 60 : 6));
    for (int e = 0; e < edits; ++e) {
      std::size_t at = b.empty() ? 0 : rng() % (b.size() + 1);
      switch (rng() % 4) {
        case 0: b.insert(b.begin() + std::ptrdiff_t(at), kVocab[rng() % kVocab.size()]); break;
        case 1:
          if (at < b.size()) b.erase(b.begin() + std::ptrdiff_t(at));
          break;
        case 2:
          if (at < b.size()) b[at] = "changed " + std::to_string(rng() % 50);
          break;
        default: {  // move a block
          if (b.size() < 4) break;
          std::size_t len = 1 + rng() % std::min<std::size_t>(b.size() / 2, 12);
          std::size_t from = rng() % (b.size() - len);
          std::vector<std::string> block(b.begin() + std::ptrdiff_t(from), b.begin() + std::ptrdiff_t(from + len));
          b.erase(b.begin() + std::ptrdiff_t(from), b.begin() + std::ptrdiff_t(from + len));
          std::size_t to = rng() % (b.size() + 1);
          b.insert(b.begin() + std::ptrdiff_t(to), block.begin(), block.end());
        }
      }
    }
    std::string sa = join(a, rng() % 9 != 0), sb = join(b, rng() % 9 != 0);
    std::string expected = libgit2_diff(sa, sb);
    std::string got = beaver_diff(sa, sb);
    differ += !expected.empty();
    ASSERT_EQ(got, expected) << "round " << round;
  }
  EXPECT_GT(differ, 2500);
}

// Two unrelated files of thousands of lines: the edit cost passes xdl_split's
// limits, so its heuristic cut-offs decide the split points.
TEST(LineDiff, CostlyDiffsTakeXdiffsHeuristics) {
  std::mt19937 rng(7);
  for (int round = 0; round < 12; ++round) {
    auto a = random_lines(rng, 3000 + rng() % 3000, 6 + rng() % 10);
    auto b = random_lines(rng, 3000 + rng() % 3000, 6 + rng() % 10);
    if (round % 2) {  // long common runs between the random parts
      auto common = random_lines(rng, 500, kVocab.size());
      a.insert(a.begin() + 1000, common.begin(), common.end());
      b.insert(b.begin() + 2000, common.begin(), common.end());
    }
    std::string sa = join(a, true), sb = join(b, true);
    ASSERT_EQ(beaver_diff(sa, sb), libgit2_diff(sa, sb)) << "round " << round;
  }
  // A file rewritten in many places, with common runs longer than
  // XDL_SNAKE_CNT between the rewrites. Past 32k lines a side, the cost
  // limit (mxcost) exceeds XDL_HEUR_MIN_COST and the "interesting path"
  // heuristic comes first.
  for (int round = 0; round < 6; ++round) {
    std::vector<std::string> a, b;
    int blocks = round < 2 ? 1400 : 150;
    for (int block = 0; block < blocks; ++block) {
      auto common = random_lines(rng, 21 + rng() % 20, kVocab.size());
      for (auto& l : common) l += " " + std::to_string(block);
      a.insert(a.end(), common.begin(), common.end());
      b.insert(b.end(), common.begin(), common.end());
      // Rewritten lines that occur a few times in both files: xdiff keeps
      // them (it discards lines with no match, or too many).
      for (auto k = rng() % 12; k > 0; --k) a.push_back("pool " + std::to_string(rng() % 200));
      for (auto k = rng() % 12; k > 0; --k) b.push_back("pool " + std::to_string(rng() % 200));
    }
    std::string sa = join(a, true), sb = join(b, true);
    ASSERT_EQ(beaver_diff(sa, sb), libgit2_diff(sa, sb)) << "rewrite round " << round;
  }
}

}  // namespace
}  // namespace beaver
