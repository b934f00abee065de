// .config reading and writing, on snippets and on Debian's real configs, and
// the cached kernel trees from Debian's linux-source packages (with the
// kernel's own `make olddefconfig` run on them, as later work compares to).
#include "kconfig/dotconfig.h"
#include "kconfig/trees.h"
#include "test_util.h"
#include "util/error.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace beaver::kconfig {
namespace {

namespace fs = std::filesystem;

TEST(KconfigDotConfig, ReadsEveryFormAndReportsBadLines) {
  DotConfig c = read_dotconfig(
      "#\n# Automatically generated file; DO NOT EDIT.\n# Linux/x86 6.12.0 Kernel Configuration\n#\n"
      "CONFIG_A=y\nCONFIG_B=m\n# CONFIG_C is not set\nCONFIG_S=\"a \\\"quoted\\\" \\\\ path\"\nCONFIG_I=42\n"
      "CONFIG_H=0x1f\r\n\nCONFIG_A=m\ngarbage here\nCONFIG_NOEQ\nCONFIG_U=\"open\nCONFIG_BAD-NAME=y\nCONFIG_E=\n"
      "# CONFIG_ is not set\n");
  EXPECT_EQ(c.version, "6.12.0");
  EXPECT_EQ(c.get("A"), "m");  // set twice: the later wins, and it is reported
  EXPECT_EQ(c.get("B"), "m");
  EXPECT_EQ(c.get("C"), "n");
  EXPECT_EQ(c.get("S"), "a \"quoted\" \\ path");
  EXPECT_TRUE(c.values.at("S").is_string);
  EXPECT_EQ(c.get("I"), "42");
  EXPECT_EQ(c.get("H"), "0x1f");
  EXPECT_EQ(c.get("MISSING"), "");
  std::vector<std::pair<int, std::string>> got;
  for (auto& p : c.problems) got.emplace_back(p.line, p.what);
  ASSERT_EQ(got.size(), 7u);
  EXPECT_EQ(got[0].first, 12);
  EXPECT_NE(got[0].second.find("set again (line 5 said y)"), std::string::npos) << got[0].second;
  EXPECT_EQ(got[1], std::make_pair(13, std::string("not a config line: 'garbage here'")));
  EXPECT_EQ(got[2], std::make_pair(14, std::string("no '=' after CONFIG_NOEQ")));
  EXPECT_EQ(got[3], std::make_pair(15, std::string("unterminated string for CONFIG_U")));
  EXPECT_EQ(got[4], std::make_pair(16, std::string("bad symbol name 'BAD-NAME'")));
  EXPECT_EQ(got[5], std::make_pair(17, std::string("empty value for CONFIG_E")));
  EXPECT_EQ(got[6], std::make_pair(18, std::string("malformed 'is not set' line")));
  // Round trip.
  DotConfig again = read_dotconfig(write_dotconfig(c));
  EXPECT_TRUE(again.problems.empty());
  for (auto& [name, e] : c.values) EXPECT_EQ(again.get(name), e.value) << name;
}

// Debian's real configs: every line is understood, and writing them back
// loses nothing.
TEST(KconfigDotConfig, DebianConfigsParseCompletely) {
  int seen = 0;
  for (std::string version : {"6.1", "6.12"})
    for (std::string flavour : {"amd64_none_amd64", "amd64_none_cloud-amd64"}) {
      std::string text;
      try {
        text = debian_config(version, flavour);
      } catch (const Error& e) {
        GTEST_SKIP() << e.what();
      }
      ++seen;
      DotConfig c = read_dotconfig(text);
      EXPECT_TRUE(c.problems.empty()) << version << " " << flavour << ": line " << c.problems[0].line << ": " << c.problems[0].what;
      std::size_t lines = 0;
      std::istringstream in(text);
      std::regex entry(R"(^(CONFIG_[A-Za-z0-9_]+=.*|# CONFIG_[A-Za-z0-9_]+ is not set)$)");
      for (std::string l; std::getline(in, l);) lines += std::regex_match(l, entry);
      EXPECT_EQ(c.values.size(), lines) << version << " " << flavour;
      EXPECT_GT(c.values.size(), 3000u);
      EXPECT_TRUE(c.version.starts_with(version)) << c.version;
      EXPECT_EQ(c.get("AMD_MEM_ENCRYPT"), "y") << version << " " << flavour;
      DotConfig again = read_dotconfig(write_dotconfig(c));
      EXPECT_EQ(again.values.size(), c.values.size());
      for (auto& [name, e] : c.values) ASSERT_EQ(again.get(name), e.value) << name;
    }
  EXPECT_EQ(seen, 4);
}

TEST(KconfigTrees, UnpacksOnceAndTheKernelsOwnToolingRunsOnIt) {
  if (installed_source_versions().empty()) GTEST_SKIP() << "no /usr/src/linux-source-*.tar.xz (apt-get install linux-source-6.1)";
  test::TempDir out;
  for (const std::string& version : installed_source_versions()) {
    std::string tree = unpacked_tree(version);
    EXPECT_TRUE(fs::exists(tree + "/Kconfig")) << tree;
    EXPECT_TRUE(fs::exists(tree + "/arch/x86/Kconfig"));
    EXPECT_TRUE(fs::exists(tree + "/scripts/kconfig/conf.c"));
    // Only what Kconfig needs and the files of beaver matrix's markers.
    EXPECT_FALSE(fs::exists(tree + "/drivers/gpu/drm/drm_drv.c"));
    EXPECT_TRUE(fs::exists(tree + "/arch/x86/coco/tdx/tdx.c"));
    EXPECT_TRUE(fs::exists(tree + "/include/linux/cc_platform.h"));
    EXPECT_EQ(unpacked_tree(version), tree);  // cached
    // make olddefconfig, the reference later work is compared with, runs on the cached tree.
    std::string o = out.str() + "/" + version;
    fs::create_directories(o);
    std::ofstream(o + "/.config") << debian_config(version, "amd64_none_cloud-amd64");
    auto run = test::sh(tree, "make -s O=" + o + " ARCH=x86_64 olddefconfig");
    ASSERT_EQ(run.code, 0) << run.out << run.err;
    std::ifstream f(o + "/.config");
    std::stringstream s;
    s << f.rdbuf();
    DotConfig c = read_dotconfig(s.str());
    EXPECT_TRUE(c.problems.empty());
    EXPECT_EQ(c.get("AMD_MEM_ENCRYPT"), "y");
    EXPECT_FALSE(fs::exists(tree + "/.config")) << "the cached tree must stay clean (O= is used)";
  }
  EXPECT_THROW(unpacked_tree("0.0"), Error);
}

}  // namespace
}  // namespace beaver::kconfig
