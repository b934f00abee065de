// beaver matrix: the feature catalog checked against Debian's real 6.1 and
// 6.12 trees, cells on Debian's real configs (each expected cell quotes the
// line of the file it comes from, and the test checks that the line is
// there), a synthetic backport tree, git revisions read from objects, config
// files compressed as distros ship them, and real .deb packages.
#include "kconfig/catalog.h"
#include "kconfig/features.h"
#include "kconfig/trees.h"
#include "matrix/matrix.h"
#include "report/matrix_report.h"
#include "test_util.h"
#include "util/error.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <regex>

namespace beaver::matrix {
namespace {

namespace fs = std::filesystem;
using kconfig::Feature;
using test::sh_ok;

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_text(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

// The file really has this line (the justification quoted by a test).
void expect_line(const std::string& text, const std::string& line, const std::string& where) {
  EXPECT_NE(("\n" + text + "\n").find("\n" + line + "\n"), std::string::npos) << where << " has no line '" << line << "'";
}

const Cell& cell(const Column& c, const Matrix& m, const std::string& id) {
  for (std::size_t i = 0; i < m.features.size(); ++i)
    if (m.features[i]->id == id) return c.cells.at(i);
  throw std::runtime_error("no feature " + id);
}

Matrix one(Kernel k, const std::vector<std::string>& ids = {}) {
  std::vector<Kernel> ks;
  ks.push_back(std::move(k));
  return build_matrix(ks, select_features(ids, ""), 1);
}

// "6.12.118" from "# Linux/x86 6.12.118 Kernel Configuration", read with a
// regular expression of the test's own (not beaver's parser).
std::string header_version(const std::string& config) {
  std::smatch m;
  if (!std::regex_search(config, m, std::regex("\n# Linux/[a-z0-9_]+ ([0-9][^ ]*) Kernel Configuration\n"))) return "";
  return m[1];
}

Kernel only(std::vector<Kernel> ks) {
  EXPECT_EQ(ks.size(), 1u);
  return std::move(ks.at(0));
}

// --- The catalog ---------------------------------------------------------------

TEST(MatrixCatalog, HasEveryFeatureIdOfTheReference) {
  fs::path ref = fs::path(test::source_dir()) / ".." / "shared" / "reference" / "coco-features.md";
  if (!fs::exists(ref)) GTEST_SKIP() << ref << " is not beside the checkout";
  std::string text = read_text(ref);
  std::regex row(R"(\n\| `([a-z0-9-]+)` \|)");
  std::set<std::string> want, have;
  for (std::sregex_iterator it(text.begin(), text.end(), row), end; it != end; ++it) want.insert((*it)[1]);
  for (const Feature& f : kconfig::builtin_features()) have.insert(f.id);
  EXPECT_GE(want.size(), 20u);
  EXPECT_EQ(want, have);
}

TEST(MatrixCatalog, ProfilesNameKnownFeatures) {
  for (const kconfig::Profile& p : kconfig::builtin_catalog())
    for (const std::string& id : p.features) EXPECT_NE(kconfig::find_feature(id), nullptr) << p.name << " names " << id;
}

TEST(MatrixCatalog, ReportsEveryProblemWithItsLine) {
  std::string bad =
      "[feature.a]\ntitle = \"A\"\ntechnology = \"T\"\nrole = \"both\"\narch = \"x86\"\nsince = \"6.x\"\n"
      "symbols = [\"lower\"]\nmarkers = [\"/abs/path\"]\n"
      "[feature.b]\ntitle = \"B\"\ntechnology = \"T\"\nrole = \"guest\"\narch = \"x86\"\nsince = \"6.1\"\n"
      "symbols = [\"X\"]\nproof = \"y lower\"\nmarkers = [[]]\ncolour = \"red\"\n";
  try {
    kconfig::parse_features(bad, "bad.toml");
    FAIL() << "accepted";
  } catch (const Error& e) {
    std::string m = e.what();
    for (const char* want : {"bad.toml:1: a.role is 'both'", "a.since '6.x'", "'lower' is not a Kconfig symbol name",
                             "'/abs/path' is not a tree-relative", "b.proof: 'y lower' is not a Kconfig symbol name",
                             "an empty list of alternatives", "unknown key 'colour'", "feature a names no symbols"})
      EXPECT_NE(m.find(want), std::string::npos) << want << "\nin:\n" << m;
  }
  try {
    kconfig::parse_features("[feature.a\n", "broken.toml");
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("broken.toml:1:"), std::string::npos) << e.what();
  }
}

TEST(MatrixCatalog, VersionsCompareNumerically) {
  EXPECT_LT(kconfig::compare_versions("6.9", "6.12"), 0);
  EXPECT_GT(kconfig::compare_versions("6.12.117", "6.12"), 0);
  EXPECT_EQ(kconfig::compare_versions("6.13-rc4", "6.13"), 0);
  EXPECT_LT(kconfig::compare_versions("5.14.0-427.el9", "5.19"), 0);
  EXPECT_EQ(kconfig::release_of("6.12.117-amd64"), "6.12");
}

// Every symbol and marker the catalog names is in a real tree at or after the
// feature's release (and each alternative within its since/until), and a
// feature newer than the tree comes out absent.
void check_catalog_against(const std::string& version) {
  if (!kconfig::source_installed(version)) GTEST_SKIP() << "install linux-source-" << version;
  std::string dir = kconfig::unpacked_tree(version);
  Kernel k = only(load_kernels(dir));
  std::vector<std::string> problems;
  std::set<std::string> wanted;
  for (const Feature& f : kconfig::builtin_features()) {
    for (const auto& r : f.symbols) wanted.insert(r.symbol);
    if (!f.proof.empty()) wanted.insert(f.proof);
  }
  std::set<std::string> defined = defined_symbols(*k.source, wanted, problems);
  Matrix m = one(k);
  int checked = 0;
  for (const Feature& f : kconfig::builtin_features()) {
    bool has = kconfig::compare_versions(k.version, f.since) >= 0;
    const Cell& c = cell(m.kernels[0], m, f.id);
    EXPECT_EQ(c.status, has ? Status::Supported : Status::Absent) << f.id << " in " << k.version << ": " << c.reason;
    // A proof symbol arrived with the feature: in the tree exactly when the feature is.
    if (!f.proof.empty()) {
      EXPECT_EQ(defined.count(f.proof) == 1, has) << f.id << ": proof " << f.proof << " in " << version;
    }
    if (!has) {
      // Before the feature's release, none of its markers is there (each is its code, not something older).
      for (const auto& group : f.markers)
        for (const auto& mk : group)
          EXPECT_FALSE(has_marker(*k.source, mk, problems)) << f.id << ": " << mk.describe() << " already in " << version;
      continue;
    }
    for (const auto& r : f.symbols) EXPECT_TRUE(defined.count(r.symbol)) << f.id << ": no config " << r.symbol << " in " << version;
    for (const auto& group : f.markers) {
      bool any = false;
      for (const auto& mk : group) {
        bool found = has_marker(*k.source, mk, problems);
        any |= found;
        bool in_range = (mk.since.empty() || kconfig::compare_versions(k.version, mk.since) >= 0) &&
                        (mk.until.empty() || kconfig::compare_versions(kconfig::release_of(k.version), mk.until) <= 0);
        if (!mk.since.empty() || !mk.until.empty()) {
          EXPECT_EQ(found, in_range) << f.id << ": " << mk.describe() << " in " << version;
          ++checked;
        }
      }
      EXPECT_TRUE(any) << f.id << ": no alternative of a marker group in " << version;
    }
  }
  EXPECT_GT(checked, 3);
  EXPECT_TRUE(problems.empty());
}

TEST(MatrixCatalog, AgreesWithDebian61Tree) { check_catalog_against("6.1"); }
TEST(MatrixCatalog, AgreesWithDebian612Tree) { check_catalog_against("6.12"); }

TEST(MatrixCatalog, QuotedLinesOfTheRealTrees) {
  if (!kconfig::source_installed("6.1") || !kconfig::source_installed("6.12")) GTEST_SKIP() << "install linux-source-6.1/6.12";
  fs::path t61 = kconfig::unpacked_tree("6.1"), t612 = kconfig::unpacked_tree("6.12");
  // TDX host: 6.12 arch/x86/Kconfig has it, behind !KEXEC_CORE; 6.1 has none.
  std::string k612 = read_text(t612 / "arch/x86/Kconfig"), k61 = read_text(t61 / "arch/x86/Kconfig");
  expect_line(k612, "config INTEL_TDX_HOST", "6.12 arch/x86/Kconfig");
  expect_line(k612, "\tdepends on !KEXEC_CORE", "6.12 arch/x86/Kconfig");
  EXPECT_EQ(k61.find("config INTEL_TDX_HOST"), std::string::npos);
  // The SEV core moved: 6.1 arch/x86/kernel/sev.c, 6.12 arch/x86/coco/sev/core.c.
  EXPECT_TRUE(fs::exists(t61 / "arch/x86/kernel/sev.c"));
  EXPECT_FALSE(fs::exists(t612 / "arch/x86/kernel/sev.c"));
  EXPECT_NE(read_text(t612 / "arch/x86/coco/sev/core.c").find("svsm_perform_call_protocol"), std::string::npos);
  // tdx-guest attestation: 6.12 include/uapi/linux/tdx-guest.h defines TDX_CMD_GET_REPORT0; 6.1 has no such file.
  EXPECT_NE(read_text(t612 / "include/uapi/linux/tdx-guest.h").find("#define TDX_CMD_GET_REPORT0"), std::string::npos);
  EXPECT_FALSE(fs::exists(t61 / "include/uapi/linux/tdx-guest.h"));
  Kernel a = only(load_kernels(t61.string())), b = only(load_kernels(t612.string()));
  Matrix m = one(std::move(a), {"tdx-host", "svsm", "tdx-guest-attestation"});
  for (const Cell& c : m.kernels[0].cells) EXPECT_EQ(c.status, Status::Absent) << c.reason;
  Matrix n = one(std::move(b), {"tdx-host", "svsm", "tdx-guest-attestation"});
  for (const Cell& c : n.kernels[0].cells) EXPECT_EQ(c.status, Status::Supported) << c.reason;
}

// --- Debian's configs ----------------------------------------------------------

bool debian_configs() {
  return fs::exists("/usr/src/linux-config-6.1/config.amd64_none_amd64.xz") &&
         fs::exists("/usr/src/linux-config-6.12/config.amd64_none_cloud-amd64.xz");
}

TEST(MatrixDebian, ConfigsAlone) {
  if (!debian_configs()) GTEST_SKIP() << "install linux-config-6.1 and linux-config-6.12";
  std::string c61 = "/usr/src/linux-config-6.1/config.amd64_none_amd64.xz";
  std::string c612 = "/usr/src/linux-config-6.12/config.amd64_none_amd64.xz";
  std::string c612c = "/usr/src/linux-config-6.12/config.amd64_none_cloud-amd64.xz";
  std::string t61 = read_config_file(c61), t612 = read_config_file(c612), t612c = read_config_file(c612c);
  std::vector<Kernel> ks;
  for (auto& p : {c61, c612, c612c}) ks.push_back(only(load_kernels(p)));
  EXPECT_EQ(ks[0].name, "linux-config-6.1:amd64");
  EXPECT_EQ(ks[2].name, "linux-config-6.12:cloud-amd64");
  Matrix m = build_matrix(ks, select_features({}, ""));
  const Column &a = m.kernels[0], &b = m.kernels[1], &c = m.kernels[2];
  // The version is the config's own (Debian's point release moves every few weeks).
  std::string v61 = header_version(t61);
  ASSERT_TRUE(v61.starts_with("6.1.")) << v61;
  expect_line(t61, "# Linux/x86 " + v61 + " Kernel Configuration", c61);
  EXPECT_EQ(a.version, v61);
  EXPECT_EQ(a.arch, "x86");

  expect_line(t61, "# CONFIG_INTEL_TDX_GUEST is not set", c61);
  EXPECT_EQ(cell(a, m, "tdx-guest").status, Status::Disabled);
  expect_line(t612, "CONFIG_INTEL_TDX_GUEST=y", c612);
  EXPECT_EQ(cell(b, m, "tdx-guest").status, Status::Supported);

  // No TDX_GUEST_DRIVER line in 6.1 (the driver came in 6.2); 6.12 has it as a module.
  EXPECT_EQ(t61.find("CONFIG_TDX_GUEST_DRIVER"), std::string::npos);
  EXPECT_EQ(cell(a, m, "tdx-guest-attestation").status, Status::Absent);
  EXPECT_EQ(cell(a, m, "tdx-guest-attestation").evidence, "version");
  expect_line(t612, "CONFIG_TDX_GUEST_DRIVER=m", c612);
  EXPECT_EQ(cell(b, m, "tdx-guest-attestation").status, Status::Supported);

  expect_line(t61, "CONFIG_KVM_AMD_SEV=y", c61);
  EXPECT_EQ(cell(a, m, "sev-host").status, Status::Supported);
  // The cloud flavour builds KVM_AMD but has no KVM_AMD_SEV line (no PSP driver).
  expect_line(t612c, "CONFIG_KVM_AMD=m", c612c);
  EXPECT_EQ(t612c.find("CONFIG_KVM_AMD_SEV"), std::string::npos);
  EXPECT_EQ(cell(c, m, "sev-host").status, Status::Disabled);
  EXPECT_EQ(cell(c, m, "sev-host").missing, std::vector<std::string>{"KVM_AMD_SEV"});

  expect_line(t612, "CONFIG_SEV_GUEST=m", c612);
  expect_line(t612, "CONFIG_AMD_MEM_ENCRYPT=y", c612);
  EXPECT_EQ(cell(b, m, "snp-guest-attestation").status, Status::Supported);
  expect_line(t612, "CONFIG_UNACCEPTED_MEMORY=y", c612);
  EXPECT_EQ(cell(b, m, "unaccepted-memory").status, Status::Supported);
  expect_line(t612, "CONFIG_TSM_REPORTS=m", c612);
  EXPECT_EQ(cell(b, m, "tsm-reports").status, Status::Supported);
  expect_line(t612, "# CONFIG_EFI_SECRET is not set", c612);
  EXPECT_EQ(cell(b, m, "efi-coco-secret").status, Status::Disabled);
  // Secure TSC came in 6.14: a 6.12 config alone cannot show it.
  EXPECT_EQ(cell(b, m, "snp-secure-tsc").status, Status::Absent);
  EXPECT_EQ(cell(b, m, "snp-secure-tsc").evidence, "version");
  // An arm64 feature on an x86 config.
  EXPECT_EQ(cell(b, m, "cca-realm-guest").evidence, "arch");
}

TEST(MatrixDebian, FlavoursByTheirShortNames) {
  EXPECT_EQ(kconfig::debian_flavour_name("config.amd64_none_cloud-amd64.xz"), "cloud-amd64");
  EXPECT_EQ(kconfig::debian_flavour_name("/usr/src/linux-config-6.1/config.amd64_rt_amd64.xz"), "rt-amd64");
  EXPECT_EQ(kconfig::debian_flavour_name("amd64_none_amd64"), "amd64");
  if (!fs::exists("/usr/src/linux-config-6.12/config.amd64_rt_amd64.xz")) GTEST_SKIP() << "install linux-config-6.12";
  EXPECT_EQ(kconfig::debian_config("6.12", "rt-amd64"), kconfig::debian_config("6.12", "amd64_rt_amd64"));
  try {
    kconfig::debian_config("6.12", "arm64");
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("linux-config-6.12 has no flavour 'arm64' (it has amd64, cloud-amd64, rt-amd64)"),
              std::string::npos) << e.what();
  }
}

TEST(MatrixDebian, TreeWithConfigUsesTheKconfigModel) {
  if (!kconfig::source_installed("6.12") || !debian_configs()) GTEST_SKIP() << "install linux-source-6.12 and linux-config-6.12";
  std::string text = kconfig::debian_config("6.12", "amd64_none_amd64");
  // INTEL_TDX_HOST has no line in Debian's config: it `depends on !KEXEC_CORE`, and
  expect_line(text, "CONFIG_KEXEC_CORE=y", "6.12 amd64 config");
  EXPECT_EQ(text.find("CONFIG_INTEL_TDX_HOST"), std::string::npos);
  Matrix m = one(only(load_kernels("debian:6.12:amd64")), {"tdx-host", "tdx-guest", "snp-host"});
  const Column& c = m.kernels[0];
  EXPECT_EQ(c.kind, "tree");
  EXPECT_EQ(cell(c, m, "tdx-host").status, Status::Disabled);
  EXPECT_EQ(cell(c, m, "tdx-host").evidence, "kconfig");
  EXPECT_NE(cell(c, m, "tdx-host").reason.find("KEXEC_CORE"), std::string::npos) << cell(c, m, "tdx-host").reason;
  expect_line(text, "CONFIG_INTEL_TDX_GUEST=y", "6.12 amd64 config");
  EXPECT_EQ(cell(c, m, "tdx-guest").status, Status::Supported);
  expect_line(text, "CONFIG_KVM_AMD_SEV=y", "6.12 amd64 config");
  EXPECT_EQ(cell(c, m, "snp-host").status, Status::Supported);

  // Flavours of one tree share its parse (KconfigCache); each still gets its own answer.
  std::vector<Kernel> both;
  for (const char* spec : {"debian:6.12:amd64", "debian:6.12:cloud-amd64", "debian:6.12:amd64"}) both.push_back(only(load_kernels(spec)));
  Matrix shared = build_matrix(both, select_features({}, ""), 2);
  for (std::size_t i = 0; i < both.size(); ++i) {
    Matrix alone = one(only(load_kernels(both[i].spec)));
    for (std::size_t f = 0; f < alone.features.size(); ++f)
      EXPECT_EQ(shared.kernels[i].cells[f].reason, alone.kernels[0].cells[f].reason) << both[i].spec << " " << alone.features[f]->id;
  }
  std::string cloud612 = kconfig::debian_config("6.12", "cloud-amd64");
  expect_line(cloud612, "CONFIG_KVM_AMD=m", "6.12 cloud config");
  EXPECT_EQ(cloud612.find("CONFIG_CRYPTO_DEV_SP_PSP"), std::string::npos);  // KVM_AMD_SEV depends on it
  EXPECT_EQ(cell(shared.kernels[1], shared, "sev-host").status, Status::Disabled);
  EXPECT_EQ(cell(shared.kernels[0], shared, "sev-host").status, Status::Supported);

  // 6.1 cloud: SEV_GUEST sits under VIRT_DRIVERS, which the cloud flavour turns off.
  if (!kconfig::source_installed("6.1")) return;
  std::string cloud = kconfig::debian_config("6.1", "amd64_none_cloud-amd64");
  expect_line(cloud, "# CONFIG_VIRT_DRIVERS is not set", "6.1 cloud config");
  Matrix n = one(only(load_kernels("debian:6.1:cloud-amd64")), {"snp-guest-attestation"});
  const Cell& x = n.kernels[0].cells[0];
  EXPECT_EQ(x.status, Status::Disabled);
  EXPECT_NE(x.reason.find("VIRT_DRIVERS"), std::string::npos) << x.reason;
}

// --- A backport tree -------------------------------------------------------------

// A 5.14 tree (an enterprise kernel) with SNP and TDX guest code and the TDX
// host code of 6.8 backported, and no unaccepted-memory support.
void write_backport_tree(const fs::path& d) {
  write_text(d / "Makefile", "VERSION = 5\nPATCHLEVEL = 14\nSUBLEVEL = 0\nEXTRAVERSION = -427.el9\nNAME = Backport\n");
  write_text(d / "kernel/fork.c", "/* the kernel itself */\n");
  write_text(d / "Kconfig", "mainmenu \"Linux/$(SRCARCH) $(KERNELVERSION) Kernel Configuration\"\n"
                            "config X86_64\n\tdef_bool y\n"
                            "config AMD_MEM_ENCRYPT\n\tbool \"AMD Secure Memory Encryption\"\n\tdepends on X86_64\n"
                            "config KVM_INTEL\n\ttristate \"KVM for Intel\"\n"
                            "config KEXEC_CORE\n\tbool \"kexec\"\n"
                            "config INTEL_TDX_HOST\n\tbool \"TDX host\"\n\tdepends on KVM_INTEL && !KEXEC_CORE\n"
                            "config INTEL_TDX_GUEST\n\tbool \"TDX guest\"\n");
  write_text(d / "arch/x86/coco/tdx/tdx.c", "void __init tdx_early_init(void) {}\n");
  write_text(d / "include/linux/cc_platform.h", "enum cc_attr {\n\tCC_ATTR_GUEST_SEV_SNP,\n};\n");
  write_text(d / "arch/x86/kernel/sev.c", "int snp_set_memory_private(unsigned long vaddr) { return 0; }\n");
  write_text(d / "arch/x86/include/asm/msr-index.h", "#define MSR_AMD64_SEV_ES_GHCB 0xc0010130\n");
  write_text(d / "arch/x86/virt/vmx/tdx/tdx.c", "int tdx_enable(void) { return 0; }\n");
}

TEST(MatrixBackport, MarkersDecideNotTheVersion) {
  test::TempDir tmp;
  write_backport_tree(tmp.path() / "linux");
  Kernel k = only(load_kernels((tmp.path() / "linux").string()));
  EXPECT_EQ(k.version, "5.14.0-427.el9");
  Matrix m = one(std::move(k), {"snp-guest", "tdx-host", "unaccepted-memory", "sev-es-guest"});
  const Column& c = m.kernels[0];
  EXPECT_EQ(cell(c, m, "snp-guest").status, Status::Supported) << cell(c, m, "snp-guest").reason;  // 5.19 upstream
  EXPECT_EQ(cell(c, m, "tdx-host").status, Status::Supported) << cell(c, m, "tdx-host").reason;    // 6.8 upstream
  // The SEV-ES #VC handler was not backported: its marker is missing.
  EXPECT_EQ(cell(c, m, "sev-es-guest").status, Status::Absent);
  EXPECT_NE(cell(c, m, "sev-es-guest").reason.find("vc_handle_exitcode"), std::string::npos);
  const Cell& u = cell(c, m, "unaccepted-memory");
  EXPECT_EQ(u.status, Status::Absent);
  EXPECT_EQ(u.missing.front(), "UNACCEPTED_MEMORY");
  EXPECT_NE(u.reason.find("upstream since 6.5; this is 5.14.0-427.el9"), std::string::npos) << u.reason;

  // With a .config, the Kconfig model finishes it: INTEL_TDX_HOST=y is dropped
  // because KEXEC_CORE=y, so the code is there but off.
  write_text(tmp.path() / "linux/.config",
             "# Linux/x86 5.14.0-427.el9 Kernel Configuration\nCONFIG_AMD_MEM_ENCRYPT=y\nCONFIG_KVM_INTEL=m\n"
             "CONFIG_KEXEC_CORE=y\nCONFIG_INTEL_TDX_HOST=y\n");
  Matrix n = one(only(load_kernels((tmp.path() / "linux").string())), {"snp-guest", "tdx-host"});
  EXPECT_EQ(cell(n.kernels[0], n, "snp-guest").status, Status::Supported);
  const Cell& t = cell(n.kernels[0], n, "tdx-host");
  EXPECT_EQ(t.status, Status::Disabled);
  EXPECT_EQ(t.evidence, "kconfig");
  EXPECT_NE(t.reason.find("KEXEC_CORE"), std::string::npos) << t.reason;

  // The same config alone: INTEL_TDX_HOST has a line, which proves the backport.
  write_text(tmp.path() / "config-5.14", "# Linux/x86 5.14.0-427.el9 Kernel Configuration\nCONFIG_KVM_INTEL=m\nCONFIG_INTEL_TDX_HOST=y\n");
  Matrix o = one(only(load_kernels((tmp.path() / "config-5.14").string())), {"tdx-host", "unaccepted-memory"});
  EXPECT_EQ(o.kernels[0].cells[0].status, Status::Supported);
  EXPECT_NE(o.kernels[0].cells[0].reason.find("backport"), std::string::npos);
  EXPECT_EQ(o.kernels[0].cells[1].status, Status::Absent);
}

TEST(MatrixBackport, AnEnterpriseConfigAlone) {
  // Fedora and RHEL build with ARCH=x86_64, and RHEL 9 (5.14) carries SNP and
  // TDX guest support: lines for SEV_GUEST and TDX_GUEST_DRIVER prove the backports.
  test::TempDir tmp;
  write_text(tmp.path() / "config-5.14.0-427.el9.x86_64",
             "#\n# Automatically generated file; DO NOT EDIT.\n# Linux/x86_64 5.14.0-427.el9.x86_64 Kernel Configuration\n#\n"
             "CONFIG_64BIT=y\nCONFIG_AMD_MEM_ENCRYPT=y\nCONFIG_INTEL_TDX_GUEST=y\nCONFIG_VIRT_DRIVERS=y\nCONFIG_SEV_GUEST=m\n"
             "CONFIG_TDX_GUEST_DRIVER=m\n# CONFIG_HYPERV is not set\n");
  Kernel k = only(load_kernels((tmp.path() / "config-5.14.0-427.el9.x86_64").string()));
  EXPECT_EQ(k.arch, "x86");
  EXPECT_EQ(k.version, "5.14.0-427.el9.x86_64");
  Matrix m = one(std::move(k), {"snp-guest", "snp-guest-attestation", "tdx-guest-attestation", "svsm", "unaccepted-memory",
                                "hyperv-isolation", "cca-realm-guest"});
  const Column& c = m.kernels[0];
  EXPECT_EQ(cell(c, m, "snp-guest").status, Status::Supported) << cell(c, m, "snp-guest").reason;
  EXPECT_EQ(cell(c, m, "snp-guest-attestation").status, Status::Supported);
  EXPECT_EQ(cell(c, m, "tdx-guest-attestation").status, Status::Supported);
  EXPECT_NE(cell(c, m, "tdx-guest-attestation").reason.find("a backport: upstream since 6.2"), std::string::npos);
  EXPECT_EQ(cell(c, m, "svsm").status, Status::Absent);  // nothing in a config can show it
  EXPECT_EQ(cell(c, m, "svsm").evidence, "version");
  EXPECT_EQ(cell(c, m, "unaccepted-memory").status, Status::Absent);
  EXPECT_EQ(cell(c, m, "hyperv-isolation").status, Status::Absent);  // 5.16 upstream, and HYPERV is older than that
  EXPECT_EQ(cell(c, m, "hyperv-isolation").evidence, "version");
  EXPECT_EQ(cell(c, m, "cca-realm-guest").evidence, "arch");
}

// --- Git revisions -----------------------------------------------------------------

TEST(MatrixGit, RevisionsAreReadFromObjects) {
  test::TestRepo repo;
  repo.write("Makefile", "VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 0\nEXTRAVERSION =\n");
  repo.write("Kconfig", "config INTEL_TDX_GUEST\n\tbool \"TDX guest\"\n");
  repo.write("arch/x86/coco/tdx/tdx.c", "void __init tdx_early_init(void) {}\n");
  repo.commit("v6.1");
  repo.git("tag v6.1");
  repo.write("Makefile", "VERSION = 6\nPATCHLEVEL = 8\nSUBLEVEL = 0\nEXTRAVERSION =\n");
  repo.write("arch/x86/Kconfig", "menuconfig INTEL_TDX_HOST\n\tbool \"TDX host\"\n");
  repo.write("arch/x86/virt/vmx/tdx/tdx.c", "int tdx_enable(void) { return 0; }\n");
  repo.commit("tdx host");
  repo.git("tag v6.8");
  repo.git("checkout -q v6.1");  // the work tree says 6.1; v6.8 must come from objects
  std::vector<Kernel> ks;
  for (const char* rev : {"v6.1", "v6.8", "HEAD"})
    for (Kernel& k : load_kernels(rev, repo.dir())) ks.push_back(std::move(k));
  EXPECT_EQ(ks[0].kind, "git");
  EXPECT_EQ(ks[0].version, "6.1.0");
  EXPECT_EQ(ks[1].version, "6.8.0");
  Matrix m = build_matrix(ks, select_features({"tdx-guest", "tdx-host"}, ""));
  EXPECT_EQ(cell(m.kernels[0], m, "tdx-guest").status, Status::Supported);
  EXPECT_EQ(cell(m.kernels[0], m, "tdx-host").status, Status::Absent);
  EXPECT_EQ(cell(m.kernels[1], m, "tdx-host").status, Status::Supported) << cell(m.kernels[1], m, "tdx-host").reason;
  EXPECT_EQ(cell(m.kernels[2], m, "tdx-host").status, Status::Absent);

  // A revision with a config: REV:CONFIG.
  test::TempDir tmp;
  write_text(tmp.path() / "tdx.config", "# Linux/x86 6.8.0 Kernel Configuration\n# CONFIG_INTEL_TDX_HOST is not set\n");
  Kernel k = only(load_kernels("v6.8:" + tmp.str() + "/tdx.config", repo.dir()));
  Matrix n = one(std::move(k), {"tdx-host"});
  EXPECT_EQ(n.kernels[0].cells[0].status, Status::Disabled);

  EXPECT_THROW(load_kernels("no-such-tag", repo.dir()), Error);
}

TEST(MatrixGit, AMissingBlobIsAWarningNotAnAbsence) {
  test::TestRepo repo;
  repo.write("Makefile", "VERSION = 6\nPATCHLEVEL = 8\nSUBLEVEL = 0\n");
  repo.write("Kconfig", "config INTEL_TDX_HOST\n\tbool \"TDX host\"\n");
  repo.write("arch/x86/virt/vmx/tdx/tdx.c", "int tdx_enable(void) { return 0; } /* unique 1f3a */\n");
  repo.commit("tdx");
  // Public mirrors omit objects: remove the blob of tdx.c.
  std::string blob = repo.git("rev-parse HEAD:arch/x86/virt/vmx/tdx/tdx.c").substr(0, 40);
  fs::remove(fs::path(repo.dir()) / ".git/objects" / blob.substr(0, 2) / blob.substr(2));
  Matrix m = one(only(load_kernels("HEAD", repo.dir())), {"tdx-host"});
  const Column& c = m.kernels[0];
  EXPECT_EQ(c.cells[0].status, Status::Supported);
  ASSERT_FALSE(c.warnings.empty());
  EXPECT_NE(c.warnings[0].find("arch/x86/virt/vmx/tdx/tdx.c: object " + blob + " is missing"), std::string::npos) << c.warnings[0];

  // The Kconfig and Makefile blobs gone too: the symbol cannot be checked,
  // which is a warning and not "absent"; the version is unknown.
  for (const char* path : {"Kconfig", "Makefile"}) {
    std::string b = repo.git(std::string("rev-parse HEAD:") + path).substr(0, 40);
    fs::remove(fs::path(repo.dir()) / ".git/objects" / b.substr(0, 2) / b.substr(2));
  }
  Matrix n = one(only(load_kernels("HEAD", repo.dir())), {"tdx-host"});
  EXPECT_EQ(n.kernels[0].version, "");
  EXPECT_EQ(n.kernels[0].cells[0].status, Status::Supported) << n.kernels[0].cells[0].reason;
  bool said = false;
  for (const std::string& w : n.kernels[0].warnings) said |= w.find("1 Kconfig file(s) could not be read") != std::string::npos;
  EXPECT_TRUE(said);
}

// --- Config files and packages ------------------------------------------------------

TEST(MatrixInput, CompressedConfigsAndBadFiles) {
  test::TempDir tmp;
  std::string text = "#\n# Automatically generated file; DO NOT EDIT.\n# Linux/x86 6.12.117 Kernel Configuration\n#\n"
                     "CONFIG_AMD_MEM_ENCRYPT=y\nCONFIG_VIRT_DRIVERS=y\nCONFIG_SEV_GUEST=m\n";
  write_text(tmp.path() / "config", text);
  sh_ok(tmp.str(), "gzip -k config && xz -k config && cp config.gz config-proc");
  for (const char* f : {"config", "config.gz", "config.xz", "config-proc"}) {
    EXPECT_EQ(read_config_file((tmp.path() / f).string()), text) << f;
    Matrix m = one(only(load_kernels((tmp.path() / f).string())), {"snp-guest-attestation"});
    EXPECT_EQ(m.kernels[0].cells[0].status, Status::Supported) << f;
  }
  write_text(tmp.path() / "notes.txt", "hello\n");
  write_text(tmp.path() / "empty", "");
  write_text(tmp.path() / "bad.xz", std::string("\xfd" "7zXZ\0garbage", 13));
  // 100 MiB of zeros in 15 KiB of xz: refused, not swallowed.
  sh_ok(tmp.str(), "head -c 100M /dev/zero | xz -1 > bomb.xz");
  for (const char* f : {"notes.txt", "empty", "bad.xz", "missing", "bomb.xz"}) {
    try {
      load_kernels((tmp.path() / f).string());
      ADD_FAILURE() << f << " accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(f), std::string::npos) << e.what();
    }
  }
  // A directory that is not a kernel tree.
  EXPECT_THROW(load_kernels(tmp.str()), Error);
  // A headers or build directory (Debian's /usr/src/linux-headers-*: Makefile and .config, no
  // sources): judged by its .config, with a warning.
  write_text(tmp.path() / "linux-headers-6.12.117-amd64/Makefile", "include /usr/src/linux-headers-6.12.117-common/Makefile\n");
  write_text(tmp.path() / "linux-headers-6.12.117-amd64/.config", text);
  Kernel h = only(load_kernels((tmp.path() / "linux-headers-6.12.117-amd64").string()));
  EXPECT_EQ(h.kind, "config");
  EXPECT_EQ(h.version, "6.12.117");
  ASSERT_EQ(h.warnings.size(), 1u);
  EXPECT_NE(h.warnings[0].find("no kernel sources"), std::string::npos);
}

// Builds a .deb with the real dpkg-deb.
std::string make_deb(const fs::path& root, const std::string& package, const std::string& compression) {
  write_text(root / "DEBIAN/control", "Package: " + package + "\nVersion: 6.12.117-1\nArchitecture: amd64\n"
                                      "Maintainer: Test <t@example.org>\nDescription: test\n");
  std::string out = root.string() + ".deb";
  sh_ok(root.parent_path().string(), "dpkg-deb --root-owner-group -Z" + compression + " --build " + test::quote(root.string()) +
                                         " " + test::quote(out) + " >/dev/null");
  return out;
}

TEST(MatrixInput, DebianPackages) {
  if (test::sh("/", "command -v dpkg-deb").code != 0) GTEST_SKIP() << "no dpkg-deb";
  if (!debian_configs()) GTEST_SKIP() << "install linux-config-6.12";
  test::TempDir tmp;
  std::string cfg = kconfig::debian_config("6.12", "amd64_none_amd64");
  // linux-image: /boot/config-VERSION, then modules.
  fs::path img = tmp.path() / "linux-image-6.12.117-amd64_6.12.117-1_amd64";
  write_text(img / "boot/config-6.12.117-amd64", cfg);
  write_text(img / "lib/modules/6.12.117-amd64/kernel/drivers/virt/coco/sev-guest/sev-guest.ko", std::string(4096, 'x'));
  std::string img_deb = make_deb(img, "linux-image-6.12.117-amd64", "xz");
  // linux-config: one xz config per flavour.
  fs::path lc = tmp.path() / "linux-config-6.12_6.12.117-1_amd64";
  write_text(lc / "usr/src/linux-config-6.12/config.amd64_none_amd64.xz",
             read_text("/usr/src/linux-config-6.12/config.amd64_none_amd64.xz"));
  write_text(lc / "usr/src/linux-config-6.12/config.amd64_none_cloud-amd64.xz",
             read_text("/usr/src/linux-config-6.12/config.amd64_none_cloud-amd64.xz"));
  std::string lc_deb = make_deb(lc, "linux-config-6.12", "gzip");

  // linux-headers: /usr/src/linux-headers-VERSION/.config.
  fs::path hdr = tmp.path() / "linux-headers-6.12.117-amd64_6.12.117-1_amd64";
  write_text(hdr / "usr/src/linux-headers-6.12.117-amd64/include/config/auto.conf", "CONFIG_X=y\n");
  write_text(hdr / "usr/src/linux-headers-6.12.117-amd64/.config", cfg);
  Kernel h = only(load_kernels(make_deb(hdr, "linux-headers-6.12.117-amd64", "xz")));
  EXPECT_EQ(h.name, "linux-headers-6.12.117-amd64");
  EXPECT_EQ(*h.config, cfg);

  Kernel k = only(load_kernels(img_deb));
  EXPECT_EQ(k.name, "linux-image-6.12.117-amd64");
  EXPECT_EQ(k.kind, "deb");
  // The version inside the config, not the package's name (the real config
  // is whatever point release Debian serves today).
  ASSERT_TRUE(header_version(cfg).starts_with("6.12.")) << header_version(cfg);
  EXPECT_EQ(k.version, header_version(cfg));
  EXPECT_EQ(*k.config, cfg);
  std::vector<Kernel> two = load_kernels(lc_deb);
  ASSERT_EQ(two.size(), 2u);
  std::set<std::string> names{two[0].name, two[1].name};
  EXPECT_EQ(names, (std::set<std::string>{"linux-config-6.12:amd64", "linux-config-6.12:cloud-amd64"}));
  two.push_back(std::move(k));
  Matrix m = build_matrix(two, select_features({"tdx-guest-attestation", "sev-host"}, ""));
  for (const Column& c : m.kernels) {
    EXPECT_EQ(cell(c, m, "tdx-guest-attestation").status, Status::Supported) << c.name;
    // CONFIG_KVM_AMD_SEV=y in amd64; no line in cloud-amd64 (see ConfigsAlone).
    EXPECT_EQ(cell(c, m, "sev-host").status, c.name.ends_with("cloud-amd64") ? Status::Disabled : Status::Supported) << c.name;
  }

  // A package with no config, and a damaged one.
  fs::path other = tmp.path() / "hello_1_amd64";
  write_text(other / "usr/share/doc/hello/README", "hi\n");
  std::string other_deb = make_deb(other, "hello", "xz");
  try {
    load_kernels(other_deb);
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no kernel config in package hello"), std::string::npos) << e.what();
  }
  std::string bytes = read_text(lc_deb);
  write_text(tmp.path() / "cut.deb", bytes.substr(0, bytes.size() / 2));
  EXPECT_THROW(load_kernels((tmp.path() / "cut.deb").string()), Error);
}

// --- The command ----------------------------------------------------------------------

// A config package made of many big members must not take the machine's
// memory: a budget per package and one per run, each naming the input.
TEST(MatrixInput, PackageAndRunBudgets) {
  if (test::sh("/", "command -v dpkg-deb && command -v xz").code != 0) GTEST_SKIP() << "no dpkg-deb or xz";
  test::TempDir tmp;
  // 60 MiB of config lines, stored as they are (3 of them: 180 MiB > 128 MiB).
  fs::path big = tmp.path() / "big";
  sh_ok(tmp.str(), "yes CONFIG_X=y | head -c 62914560 > big && xz -0 -T1 -k big");
  fs::path raw = tmp.path() / "linux-config-9.9_9.9-1_amd64";
  for (const char* f : {"a", "b", "c"})
    sh_ok(tmp.str(), "mkdir -p " + test::quote((raw / "usr/src/linux-config-9.9").string()) + " && cp big " +
                         test::quote((raw / "usr/src/linux-config-9.9" / (std::string("config.") + f)).string()));
  std::string raw_deb = make_deb(raw, "linux-config-9.9", "gzip");
  try {
    load_kernels(raw_deb);
    ADD_FAILURE() << "a package of 180 MiB of configs was read";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(raw_deb), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("exceed 128 MiB"), std::string::npos) << e.what();
  }
  // The same as small xz members: bounded once decompressed.
  fs::path bomb = tmp.path() / "linux-config-9.8_9.8-1_amd64";
  for (const char* f : {"a.xz", "b.xz", "c.xz"})
    sh_ok(tmp.str(), "mkdir -p " + test::quote((bomb / "usr/src/linux-config-9.8").string()) + " && cp big.xz " +
                         test::quote((bomb / "usr/src/linux-config-9.8" / (std::string("config.") + f)).string()));
  std::string bomb_deb = make_deb(bomb, "linux-config-9.8", "xz");
  EXPECT_LT(fs::file_size(bomb_deb), 1u << 20);
  try {
    load_kernels(bomb_deb);
    ADD_FAILURE() << "180 MiB of decompressed configs were read";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("exceed 128 MiB in all once decompressed"), std::string::npos) << e.what();
  }
  // Two members per package fit; nine such arguments do not fit one run.
  fs::path two = tmp.path() / "linux-config-9.7_9.7-1_amd64";
  for (const char* f : {"a.xz", "b.xz"})
    sh_ok(tmp.str(), "mkdir -p " + test::quote((two / "usr/src/linux-config-9.7").string()) + " && cp big.xz " +
                         test::quote((two / "usr/src/linux-config-9.7" / (std::string("config.") + f)).string()));
  std::string two_deb = make_deb(two, "linux-config-9.7", "xz");
  EXPECT_EQ(load_kernels(two_deb).size(), 2u);
  LoadBudget budget;
  std::size_t loaded = 0;
  try {
    for (int i = 0; i < 9; ++i) loaded += load_kernels(two_deb, "", &budget).size();
    ADD_FAILURE() << "nine packages of 120 MiB were read in one run";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("exceed 512 MiB in all"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(two_deb), std::string::npos) << e.what();
  }
  EXPECT_EQ(loaded, 8u);  // four packages fit in 512 MiB
}

// A config without its header: the architecture comes from its symbols, with
// a warning; x86-only features are absent on arm64, and a symbol only x86's
// Kconfig can select is absent there (not "off").
TEST(MatrixInput, ConfigWithoutHeaderAndOtherArchitectures) {
  test::TempDir tmp;
  fs::path arm = tmp.path() / "arm64.config";
  write_text(arm, "CONFIG_ARM64=y\nCONFIG_HYPERV=y\nCONFIG_TSM_REPORTS=y\nCONFIG_EFI=y\n");
  Kernel k = only(load_kernels(arm.string()));
  EXPECT_EQ(k.arch, "arm64");
  ASSERT_FALSE(k.warnings.empty());
  EXPECT_NE(k.warnings[0].find("no '# Linux/ARCH VERSION Kernel Configuration' header; read as arm64"), std::string::npos)
      << k.warnings[0];
  Matrix m = one(k, {"hyperv-isolation", "tsm-reports"});
  EXPECT_EQ(cell(m.kernels[0], m, "hyperv-isolation").status, Status::Absent);
  EXPECT_EQ(cell(m.kernels[0], m, "hyperv-isolation").evidence, "arch");
  EXPECT_EQ(cell(m.kernels[0], m, "tsm-reports").status, Status::Supported);
  write_text(arm, "CONFIG_X86_64=y\nCONFIG_HYPERV=y\n");
  EXPECT_EQ(only(load_kernels(arm.string())).arch, "x86");
  write_text(arm, "CONFIG_FOO=y\n");
  Kernel unknown = only(load_kernels(arm.string()));
  EXPECT_EQ(unknown.arch, "");
  ASSERT_FALSE(unknown.warnings.empty());
  EXPECT_NE(unknown.warnings[0].find("its architecture is unknown"), std::string::npos) << unknown.warnings[0];

  if (!kconfig::source_installed("6.12")) GTEST_SKIP() << "install linux-source-6.12";
  std::string tree = kconfig::unpacked_tree("6.12");
  std::string efi = read_text(fs::path(tree) / "drivers/firmware/efi/Kconfig");
  ASSERT_NE(efi.find("config UNACCEPTED_MEMORY\n\tbool\n"), std::string::npos) << "no promptless UNACCEPTED_MEMORY";
  std::string x86 = read_text(fs::path(tree) / "arch/x86/Kconfig");
  EXPECT_NE(x86.find("select UNACCEPTED_MEMORY"), std::string::npos);
  EXPECT_EQ(read_text(fs::path(tree) / "arch/arm64/Kconfig").find("UNACCEPTED_MEMORY"), std::string::npos);
  fs::path cfg = tmp.path() / "arm64-6.12.config";
  write_text(cfg, "#\n# Linux/arm64 6.12.0 Kernel Configuration\n#\nCONFIG_ARM64=y\nCONFIG_EFI=y\nCONFIG_EFI_STUB=y\n");
  Matrix t = one(only(load_kernels(tree + ":" + cfg.string())), {"unaccepted-memory", "tsm-reports"});
  const Cell& u = cell(t.kernels[0], t, "unaccepted-memory");
  EXPECT_EQ(u.status, Status::Absent) << u.reason;
  EXPECT_EQ(u.evidence, "kconfig");
  EXPECT_NE(u.reason.find("UNACCEPTED_MEMORY cannot be enabled for arm64"), std::string::npos) << u.reason;
  // On x86 the same tree can select it: with Debian's config it is on.
  Matrix x = one(only(load_kernels("debian:6.12:amd64")), {"unaccepted-memory"});
  EXPECT_EQ(x.kernels[0].cells[0].status, Status::Supported) << x.kernels[0].cells[0].reason;
}

TEST(MatrixCli, JsonContractExitCodesAndFaces) {
  test::TempDir tmp;
  write_backport_tree(tmp.path() / "linux");
  write_text(tmp.path() / "config-6.12",
             "# Linux/x86 6.12.117 Kernel Configuration\nCONFIG_AMD_MEM_ENCRYPT=y\nCONFIG_VIRT_DRIVERS=y\nCONFIG_SEV_GUEST=m\n");
  std::string b = test::beaver_binary();
  std::string args = " matrix " + tmp.str() + "/linux " + tmp.str() + "/config-6.12";
  test::Run r = test::sh(tmp.str(), b + args + " --format json");
  ASSERT_EQ(r.code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["kernels"].size(), 2u);
  EXPECT_EQ(j["kernels"][0]["name"], "linux");
  EXPECT_EQ(j["kernels"][0]["version"], "5.14.0-427.el9");
  EXPECT_EQ(j["kernels"][1]["version"], "6.12.117");
  EXPECT_EQ(j["features"].size(), kconfig::builtin_features().size());
  for (const Feature& f : kconfig::builtin_features()) {
    const auto& x = j["kernels"][1]["features"][f.id];
    ASSERT_TRUE(x.is_object()) << f.id;
    EXPECT_TRUE(x["supported"].is_boolean());
    EXPECT_TRUE(x["missing"].is_array());
  }
  EXPECT_EQ(j["kernels"][1]["features"]["snp-guest-attestation"]["supported"], true);
  EXPECT_EQ(j["kernels"][0]["features"]["tdx-host"]["supported"], true);
  EXPECT_EQ(j["kernels"][0]["features"]["unaccepted-memory"]["missing"][0], "UNACCEPTED_MEMORY");

  // --check: exit 1 when a selected feature is missing anywhere, 0 when not.
  EXPECT_EQ(test::sh(tmp.str(), b + args + " --features snp-guest-attestation,tdx-host --check").code, 1);
  EXPECT_EQ(test::sh(tmp.str(), b + " matrix " + tmp.str() + "/config-6.12 --features snp-guest-attestation --check").code, 0);
  // Usage and input errors: exit 2, naming the problem.
  test::Run bad = test::sh(tmp.str(), b + args + " --features snp-gest");
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("no such feature: snp-gest"), std::string::npos) << bad.err;
  bad = test::sh(tmp.str(), b + " matrix " + tmp.str() + "/nothing-here");
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("nothing-here: no such file or directory"), std::string::npos) << bad.err;
  EXPECT_EQ(test::sh(tmp.str(), b + " matrix").code, 2);

  // --role filters rows; text, Markdown and HTML faces.
  r = test::sh(tmp.str(), b + args + " --role host");
  ASSERT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("tdx-host"), std::string::npos);
  EXPECT_EQ(r.out.find("snp-guest "), std::string::npos);
  EXPECT_EQ(r.out.find("\x1b["), std::string::npos);  // no colour into a pipe
  r = test::sh(tmp.str(), b + args + " --format markdown");
  EXPECT_NE(r.out.find("| `tdx-host` "), std::string::npos);
  EXPECT_NE(r.out.find("### Why not"), std::string::npos);
  r = test::sh(tmp.str(), b + args + " --format html -o " + tmp.str() + "/m.html");
  ASSERT_EQ(r.code, 0) << r.err;
  std::string html = read_text(tmp.path() / "m.html");
  EXPECT_NE(html.find("<td class=\"cell supported\" title=\"AMD_MEM_ENCRYPT=y, SEV_GUEST=m\">yes"), std::string::npos);
  EXPECT_NE(html.find("class=\"cell absent\" title=\"no Kconfig symbol UNACCEPTED_MEMORY"), std::string::npos);
  EXPECT_NE(html.find("</html>"), std::string::npos);
}

// --- The HTML matrix in a real browser ------------------------------------------------

// A decoded PNG (8-bit RGB or RGBA, not interlaced: what Chromium writes).
struct Image {
  unsigned width = 0, height = 0;
  std::vector<std::uint32_t> rgb;  // 0xRRGGBB per pixel
  std::uint32_t at(unsigned x, unsigned y) const { return rgb[std::size_t(y) * width + x]; }
};

Image decode_png(const std::string& png) {
  auto be32 = [&](std::size_t i) {
    return std::uint32_t(std::uint8_t(png[i])) << 24 | std::uint32_t(std::uint8_t(png[i + 1])) << 16 |
           std::uint32_t(std::uint8_t(png[i + 2])) << 8 | std::uint8_t(png[i + 3]);
  };
  if (png.size() < 33 || png.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) throw std::runtime_error("not a PNG");
  Image img;
  std::string idat;
  int channels = 0;
  for (std::size_t i = 8; i + 8 <= png.size();) {
    std::uint32_t len = be32(i);
    std::string type = png.substr(i + 4, 4);
    if (type == "IHDR") {
      img.width = be32(i + 8);
      img.height = be32(i + 12);
      int depth = std::uint8_t(png[i + 16]), colour = std::uint8_t(png[i + 17]), interlace = std::uint8_t(png[i + 20]);
      if (depth != 8 || interlace != 0 || (colour != 2 && colour != 6)) throw std::runtime_error("unsupported PNG");
      channels = colour == 6 ? 4 : 3;
    } else if (type == "IDAT") {
      idat += png.substr(i + 8, len);
    }
    i += 12 + len;
  }
  std::size_t stride = std::size_t(img.width) * channels;
  std::vector<unsigned char> raw((stride + 1) * img.height);
  uLongf size = raw.size();
  if (uncompress(raw.data(), &size, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) != Z_OK || size != raw.size())
    throw std::runtime_error("bad PNG data");
  std::vector<unsigned char> prev(stride, 0), cur(stride);
  img.rgb.resize(std::size_t(img.width) * img.height);
  for (unsigned y = 0; y < img.height; ++y) {
    const unsigned char* line = &raw[y * (stride + 1)];
    int filter = line[0];
    for (std::size_t x = 0; x < stride; ++x) {
      int a = x >= std::size_t(channels) ? cur[x - channels] : 0, b = prev[x], c = x >= std::size_t(channels) ? prev[x - channels] : 0;
      int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
      int pred = filter == 1 ? a : filter == 2 ? b : filter == 3 ? (a + b) / 2 : filter == 4 ? (pa <= pb && pa <= pc ? a : pb <= pc ? b : c) : 0;
      cur[x] = static_cast<unsigned char>(line[1 + x] + pred);
    }
    for (unsigned x = 0; x < img.width; ++x)
      img.rgb[std::size_t(y) * img.width + x] = std::uint32_t(cur[x * channels]) << 16 | std::uint32_t(cur[x * channels + 1]) << 8 |
                                                 cur[x * channels + 2];
    prev = cur;
  }
  return img;
}

TEST(MatrixHtml, ChromiumShowsEachCellInItsStatusColour) {
  std::string chromium;
  for (const char* c : {"chromium", "chromium-browser", "google-chrome"})
    if (test::sh("/", std::string("command -v ") + c).code == 0) chromium = c;
  if (chromium.empty()) GTEST_SKIP() << "no chromium (./dev installs it)";
  test::TempDir tmp;
  write_backport_tree(tmp.path() / "linux");
  write_text(tmp.path() / "linux/.config",
             "# Linux/x86 5.14.0-427.el9 Kernel Configuration\nCONFIG_AMD_MEM_ENCRYPT=y\nCONFIG_KVM_INTEL=m\nCONFIG_KEXEC_CORE=y\n");
  std::string b = test::beaver_binary(), dir = tmp.str();
  std::string args = " matrix " + dir + "/linux --role guest";
  sh_ok(dir, b + args + " --format html -o m.html");
  nlohmann::json j = nlohmann::json::parse(sh_ok(dir, b + args + " --format json"));
  sh_ok(dir, "HOME=" + dir + " " + chromium + " --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=900,2000 "
                 "--screenshot=" + dir + "/m.png file://" + dir + "/m.html >/dev/null 2>&1");
  Image img = decode_png(read_text(tmp.path() / "m.png"));
  ASSERT_EQ(img.width, 900u);
  // The cell backgrounds of report/html.cpp.
  const std::map<std::uint32_t, std::string> colour = {{0xdafbe1, "supported"}, {0xfff8c5, "disabled"}, {0xebedf0, "absent"}};
  // The kernel column: the leftmost x where a cell colour runs 20 pixels wide
  // (a lone pixel of that colour is the anti-aliased edge of a badge); walk
  // down just inside it.
  auto cell_at = [&](unsigned x, unsigned y) {
    if (!colour.count(img.at(x, y)) || x + 20 >= img.width) return false;
    for (unsigned i = 1; i < 20; ++i)
      if (img.at(x + i, y) != img.at(x, y)) return false;
    return true;
  };
  unsigned left = img.width;
  for (unsigned y = 0; y < img.height; ++y)
    for (unsigned x = 0; x < left; ++x)
      if (cell_at(x, y)) left = x;
  ASSERT_LT(left, img.width) << "no cell colour on the page";
  std::vector<std::string> seen, want;
  for (unsigned y = 0; y < img.height; ++y) {
    auto it = colour.find(img.at(left + 3, y));
    if (it != colour.end() && (seen.empty() || seen.back() != it->second)) seen.push_back(it->second);
  }
  // What the rows say, in order, with neighbours of one status merged as they are on screen.
  for (const auto& f : j["features"]) {
    std::string s = j["kernels"][0]["features"][f["id"].get<std::string>()]["status"];
    if (want.empty() || want.back() != s) want.push_back(s);
  }
  EXPECT_GE(std::set<std::string>(want.begin(), want.end()).size(), 3u) << "the page should show all three statuses";
  EXPECT_EQ(seen, want);
}

}  // namespace
}  // namespace beaver::matrix
