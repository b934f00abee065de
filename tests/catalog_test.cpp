// The built-in CoCo profile catalog, checked against Debian's real 6.1 and
// 6.12 trees: every symbol a profile asks for exists in the x86 tree (unless
// `since` says it came later) and has a prompt (hidden symbols arrive by
// select and must not be requested).
#include "kconfig/catalog.h"
#include "kconfig/trees.h"
#include "test_util.h"
#include "util/error.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace beaver::kconfig {
namespace {

namespace fs = std::filesystem;

std::vector<int> version_parts(const std::string& v) {
  std::vector<int> out;
  std::istringstream in(v);
  for (std::string part; std::getline(in, part, '.');) out.push_back(std::atoi(part.c_str()));
  return out;
}

// symbol -> has a prompt, from every Kconfig file of the tree that x86 can source.
std::map<std::string, bool> x86_symbols(const std::string& tree) {
  std::map<std::string, bool> out;
  std::regex start(R"(^\s*(menu)?config\s+([A-Za-z0-9_]+)\s*$)");
  std::regex prompt(R"(^\s*(bool|tristate|string|int|hex|prompt|def_bool|def_tristate)\s+"|^\s*(bool|tristate|string|int|hex)\s+'|^\s*prompt\s)");
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(tree, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::directory_entry& e = *it;
    if (e.path().filename().string().starts_with(".")) {  // .tmp_$$ of a concurrent $(cc-option), .git
      it.disable_recursion_pending();
      continue;
    }
    std::string rel = fs::relative(e.path(), tree).string();
    if (!e.path().filename().string().starts_with("Kconfig")) continue;
    if (rel.starts_with("arch/") && !rel.starts_with("arch/x86/")) continue;
    std::ifstream f(e.path());
    std::string current;
    for (std::string line; std::getline(f, line);) {
      std::smatch m;
      if (std::regex_search(line, m, start)) {
        current = m[2];
        out.emplace(current, false);
      } else if (!current.empty() && std::regex_search(line, prompt) && line.find("def_") == std::string::npos) {
        out[current] = true;
      } else if (!line.empty() && line[0] != ' ' && line[0] != '\t' && line[0] != '#') {
        current.clear();
      }
    }
  }
  EXPECT_FALSE(ec) << tree << ": " << ec.message();
  return out;
}

TEST(KconfigCatalog, BuiltinProfilesParse) {
  const auto& cat = builtin_catalog();
  std::set<std::string> names;
  for (auto& p : cat) names.insert(p.name);
  for (const char* n : {"sev-guest", "snp-guest", "tdx-guest", "sev-host", "snp-host", "tdx-host", "sgx-host"})
    EXPECT_TRUE(names.count(n)) << n;
  ASSERT_TRUE(find_profile("snp-guest"));
  EXPECT_EQ(find_profile("snp-guest")->enable.back(), "SEV_GUEST");
  EXPECT_EQ(find_profile("no-such"), nullptr);
}

TEST(KconfigCatalog, MalformedCatalogsNameTheLine) {
  auto fails = [](const std::string& text) {
    try {
      parse_catalog(text, "t.toml");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(fails("[profile.x]\nenable = [\"lower_case\"]\n").find("t.toml:1: 'lower_case' in x is not a Kconfig symbol name"),
            std::string::npos);
  EXPECT_NE(fails("[profile.x]\ndescription = \"d\"\n").find("profile x enables nothing"), std::string::npos);
  EXPECT_NE(fails("[profile.x]\nenable = [\"A\"]\nsince = { B = \"6.2\" }\n").find("names B, which it does not enable"),
            std::string::npos);
  EXPECT_NE(fails("[profile.x\n").find("t.toml:1:"), std::string::npos);
}

TEST(KconfigCatalog, EverySymbolExistsWithAPromptInTheRealTrees) {
  auto versions = installed_source_versions();
  if (versions.empty()) GTEST_SKIP() << "no /usr/src/linux-source-*.tar.xz";
  for (auto& version : versions) {
    auto symbols = x86_symbols(unpacked_tree(version));
    ASSERT_GT(symbols.size(), 5000u) << version;
    for (auto& p : builtin_catalog())
      for (auto& s : p.enable) {
        auto since = p.since.find(s);
        bool expected = since == p.since.end() || version_parts(since->second) <= version_parts(version);
        auto it = symbols.find(s);
        EXPECT_EQ(it != symbols.end(), expected) << version << ": " << p.name << " " << s
                                                 << (expected ? " is missing from the tree" : " exists before its `since`");
        if (it != symbols.end()) {
          EXPECT_TRUE(it->second) << version << ": " << s << " has no prompt (hidden): select it instead";
        }
      }
  }
}

}  // namespace
}  // namespace beaver::kconfig
