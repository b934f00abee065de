// The evaluator (kconfig/eval.h) against the kernel's own tool: every
// snippet here is also run through the real scripts/kconfig/conf of 6.1 and
// 6.12 (built by `make olddefconfig` in the cached Debian trees), and Debian's
// real configs are compared symbol by symbol with `make olddefconfig`.
#include "kconfig/eval.h"
#include "kconfig/trees.h"
#include "test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace beaver::kconfig {
namespace {

namespace fs = std::filesystem;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The kernel's conf binary of VERSION, built once by olddefconfig().
std::string conf_binary(const std::string& version) {
  static std::map<std::string, std::string> built;
  auto it = built.find(version);
  if (it != built.end()) return it->second;
  const std::string tree = unpacked_tree(version);
  olddefconfig(tree, debian_config(version, "amd64_none_cloud-amd64"));
  // Only the top level of kbuild/ is listed: other tests run make in the
  // build directories below at the same time (temporary files come and go).
  std::string found;
  for (auto& e : fs::directory_iterator(cache_dir() + "/kbuild"))
    if (e.path().filename().string().starts_with("linux-source-" + version + "-") &&
        fs::exists(e.path() / "scripts/kconfig/conf"))
      found = (e.path() / "scripts/kconfig/conf").string();
  built[version] = found;
  return found;
}

// `conf --olddefconfig` of VERSION on a Kconfig text and a .config text.
std::string real_conf(const std::string& version, const std::string& kconfig, const std::string& config) {
  test::TempDir dir;
  std::ofstream(dir.str() + "/Kconfig") << kconfig;
  std::ofstream(dir.str() + "/.config") << config;
  auto r = test::sh(dir.str(), conf_binary(version) + " -s --olddefconfig Kconfig");
  EXPECT_EQ(r.code, 0) << r.err;
  return slurp(dir.str() + "/.config");
}

// Our result on the same input, as a map, and the kernel's.
std::map<std::string, std::string> ours(const std::string& kconfig, const std::string& config, Generation g) {
  ParseOptions o;
  o.shell = false;
  o.follow_source = false;
  Kconfig k = parse_text(kconfig, o);
  Evaluator ev(k, g);
  ev.load(read_dotconfig(config));
  std::map<std::string, std::string> out;
  for (auto& [name, e] : ev.result().values) out[name] = e.value;
  return out;
}

std::map<std::string, std::string> as_map(const DotConfig& c) {
  std::map<std::string, std::string> out;
  for (auto& [name, e] : c.values) out[name] = e.value;
  return out;
}

std::string diff(const std::map<std::string, std::string>& want, const std::map<std::string, std::string>& got,
                 std::size_t limit = 40) {
  std::string out;
  std::size_t n = 0;
  for (auto& [k, v] : want) {
    auto it = got.find(k);
    if (it == got.end()) {
      if (n++ < limit) out += "  " + k + ": kernel " + v + ", ours not written\n";
    } else if (it->second != v) {
      if (n++ < limit) out += "  " + k + ": kernel " + v + ", ours " + it->second + "\n";
    }
  }
  for (auto& [k, v] : got)
    if (!want.count(k) && n++ < limit) out += "  " + k + ": kernel not written, ours " + v + "\n";
  if (n > limit) out += "  ... " + std::to_string(n - limit) + " more\n";
  return out;
}

// Runs a snippet through both generations of the real tool and ours.
void same_as_kernel(const std::string& kconfig, const std::string& config) {
  for (auto [version, gen] : {std::pair{std::string("6.1"), Generation::Classic},
                              std::pair{std::string("6.12"), Generation::Modern}}) {
    if (!source_installed(version)) continue;
    auto want = as_map(read_dotconfig(real_conf(version, kconfig, config)));
    auto got = ours(kconfig, config, gen);
    EXPECT_EQ(got, want) << "kconfig " << version << " differs:\n" << diff(want, got) << "for\n" << kconfig;
  }
}

class KconfigEval : public ::testing::Test {
protected:
  void SetUp() override {
    if (!source_installed("6.1") && !source_installed("6.12"))
      GTEST_SKIP() << "install linux-source-6.1 or linux-source-6.12 (the kernel's conf is the reference)";
  }
};

const char* kModules = "config MODULES\n\tbool \"modules\"\n\tmodules\n\tdefault y\n";

TEST_F(KconfigEval, DefaultsDependsAndUserValues) {
  std::string k = std::string(kModules) +
                  "config A\n\tbool \"a\"\n\tdefault y\n"
                  "config B\n\ttristate \"b\"\n\tdepends on A\n\tdefault m\n"
                  "config C\n\tbool \"c\"\n\tdepends on !A\n"
                  "config D\n\tbool\n\tdefault y if B\n"
                  "config E\n\ttristate \"e\"\n\tdepends on B\n"
                  "config F\n\tbool \"f\"\n\tdepends on m\n"
                  "config G\n\ttristate \"g\" if A\n\tdefault y\n";
  same_as_kernel(k, "");
  same_as_kernel(k, "CONFIG_A=n\nCONFIG_C=y\nCONFIG_E=y\n");
  same_as_kernel(k, "CONFIG_B=y\nCONFIG_E=y\nCONFIG_F=y\nCONFIG_MODULES=n\n");
  same_as_kernel(k, "CONFIG_MODULES=n\nCONFIG_B=m\nCONFIG_E=m\nCONFIG_G=m\n");
}

TEST_F(KconfigEval, SelectImplyAndUnmetDependencies) {
  std::string k = std::string(kModules) +
                  "config A\n\ttristate \"a\"\n\tselect S\n\timply I\n"
                  "config S\n\ttristate\n"
                  "config I\n\ttristate \"i\"\n\tdepends on DEP\n"
                  "config DEP\n\tbool \"dep\"\n"
                  "config T\n\tbool \"t\"\n\tdepends on NOPE\n"
                  "config U\n\tbool \"u\"\n\tselect T if A\n";
  same_as_kernel(k, "CONFIG_A=m\n");
  same_as_kernel(k, "CONFIG_A=y\nCONFIG_DEP=y\nCONFIG_U=y\n");
  same_as_kernel(k, "CONFIG_A=y\nCONFIG_DEP=y\nCONFIG_I=n\n");
  same_as_kernel(k, "CONFIG_A=m\nCONFIG_DEP=y\nCONFIG_I=y\n");
}

TEST_F(KconfigEval, ChoicesFollowEachGeneration) {
  std::string k = std::string(kModules) +
                  "config X\n\tbool \"x\"\n"
                  "choice\n\tprompt \"pick\"\n\tdefault P2\n"
                  "config P1\n\tbool \"p1\"\n"
                  "config P2\n\tbool \"p2\"\n\tdepends on X\n"
                  "config P3\n\tbool \"p3\"\n"
                  "endchoice\n"
                  "choice\n\tprompt \"second\"\n\tdepends on X\n"
                  "config Q1\n\tbool \"q1\"\n"
                  "config Q2\n\tbool \"q2\"\n"
                  "endchoice\n";
  same_as_kernel(k, "");
  same_as_kernel(k, "CONFIG_X=y\n");
  same_as_kernel(k, "CONFIG_X=y\nCONFIG_P3=y\nCONFIG_Q2=y\n");
  same_as_kernel(k, "CONFIG_X=n\nCONFIG_P2=y\n");
  same_as_kernel(k, "CONFIG_X=y\nCONFIG_P2=n\nCONFIG_P1=n\n");
  same_as_kernel(k, "CONFIG_X=y\nCONFIG_P1=y\nCONFIG_P3=y\n");
}

TEST_F(KconfigEval, NumbersStringsRangesAndComparisons) {
  std::string k = std::string(kModules) +
                  "config N\n\tint \"n\"\n\trange 2 64\n\tdefault 8\n"
                  "config H\n\thex \"h\"\n\trange 0x1000 0x2000\n\tdefault 0x1800\n"
                  "config S\n\tstring \"s\"\n\tdefault \"hello\"\n"
                  "config S2\n\tstring\n\tdefault S\n"
                  "config BIG\n\tbool \"big\"\n\tdepends on N > 16\n"
                  "config HELLO\n\tbool\n\tdefault y if S = \"hello\"\n"
                  "config HEXCMP\n\tbool\n\tdefault H >= 0x1800\n"
                  "config I2\n\tint\n\tdefault N\n";
  same_as_kernel(k, "");
  same_as_kernel(k, "CONFIG_N=32\nCONFIG_BIG=y\nCONFIG_S=\"bye\"\nCONFIG_H=0x1000\n");
  same_as_kernel(k, "CONFIG_N=100\nCONFIG_H=0x3000\n");
  same_as_kernel(k, "CONFIG_N=1\nCONFIG_H=0x10\nCONFIG_S=unquoted\n");
}

TEST_F(KconfigEval, MenusIfsVisibleIfAndMultipleDefinitions) {
  std::string k = std::string(kModules) +
                  "config A\n\tbool \"a\"\n"
                  "menu \"m\"\n\tvisible if A\n"
                  "config B\n\tbool \"b\"\n\tdefault y\n"
                  "endmenu\n"
                  "if A\n"
                  "config C\n\tbool \"c\"\n\tdefault y\n"
                  "endif\n"
                  "config D\n\tbool \"d\"\n\tdepends on A\n"
                  "config D\n\tbool\n\tdefault y\n"
                  "menuconfig E\n\tbool \"e\"\n"
                  "if E\n"
                  "config E1\n\ttristate \"e1\"\n\tdefault m\n"
                  "endif\n";
  same_as_kernel(k, "");
  same_as_kernel(k, "CONFIG_A=y\nCONFIG_B=n\nCONFIG_E=y\n");
  same_as_kernel(k, "CONFIG_A=n\nCONFIG_B=y\nCONFIG_D=y\n");
}

// --- Debian's real configurations ---------------------------------------------

// Variants of a real config that make the evaluator do the work (Debian's
// configs are almost fixed points of olddefconfig: 10 to 16 symbols move).
std::string variant(const std::string& base, const std::string& kind) {
  if (kind == "as-is") return base;
  if (kind == "empty") return "";
  std::stringstream in(base);
  std::string line, out;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (kind == "every-third" && n % 3 != 0) continue;  // the rest comes from defaults
    if (kind == "flipped") {
      // Off: modules, PCI, ACPI, EFI, networking, KVM, memory encryption.
      for (const char* off : {"MODULES", "PCI", "ACPI", "EFI", "NET", "KVM", "AMD_MEM_ENCRYPT"})
        if (line == std::string("CONFIG_") + off + "=y") line = std::string("# CONFIG_") + off + " is not set";
    }
    out += line + "\n";
  }
  return out;
}

void same_as_olddefconfig(const std::string& version, const std::string& flavour,
                          std::initializer_list<const char*> kinds) {
  if (!source_installed(version)) GTEST_SKIP() << "install linux-source-" << version;
  const std::string tree = unpacked_tree(version);
  const std::string base = debian_config(version, flavour);
  ParseOptions o;
  o.source_dir = tree;
  Kconfig k = parse_tree(o);
  Evaluator ev(k);
  EXPECT_EQ(ev.generation(), version == "6.1" ? Generation::Classic : Generation::Modern);
  for (const char* kind : kinds) {
    const std::string input = variant(base, kind);
    const auto want = as_map(read_dotconfig(olddefconfig(tree, input)));
    auto t0 = std::chrono::steady_clock::now();
    ev.load(read_dotconfig(input));
    const auto got = as_map(ev.result());
    auto t1 = std::chrono::steady_clock::now();
    std::size_t moved = 0;
    const DotConfig in = read_dotconfig(input);
    for (auto& [name, v] : want) moved += in.get(name) != v;
    std::printf("[ evaluate ] %s %s %s: %zu symbols written, %zu differ from the input, %.0f ms\n", version.c_str(),
                flavour.c_str(), kind, got.size(), moved, std::chrono::duration<double, std::milli>(t1 - t0).count());
    EXPECT_GT(want.size(), 1000u);
    EXPECT_EQ(got, want) << kind << ":\n" << diff(want, got);
  }
}

TEST(KconfigEvalDebian, Linux6_1_amd64) {
  same_as_olddefconfig("6.1", "amd64_none_amd64", {"as-is", "every-third", "flipped", "empty"});
}
TEST(KconfigEvalDebian, Linux6_1_cloud) { same_as_olddefconfig("6.1", "amd64_none_cloud-amd64", {"as-is", "flipped"}); }
TEST(KconfigEvalDebian, Linux6_12_amd64) {
  same_as_olddefconfig("6.12", "amd64_none_amd64", {"as-is", "every-third", "flipped", "empty"});
}
TEST(KconfigEvalDebian, Linux6_12_cloud) {
  same_as_olddefconfig("6.12", "amd64_none_cloud-amd64", {"as-is", "flipped"});
}

}  // namespace
}  // namespace beaver::kconfig
