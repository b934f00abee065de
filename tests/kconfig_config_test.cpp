// Explanations (kconfig/explain.h) on small trees whose answer is known, and
// `beaver config` (kconfig/configure.h) on Debian's real 6.1 and 6.12 trees
// and configs with the kernel's own make olddefconfig.
#include "kconfig/configure.h"
#include "kconfig/explain.h"
#include "kconfig/trees.h"
#include "report/config_report.h"
#include "util/error.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace beaver::kconfig {
namespace {

struct Model {
  Kconfig k;
  std::unique_ptr<Evaluator> ev;
  Model(const std::string& kconfig, const std::string& config, Generation g = Generation::Modern) {
    ParseOptions o;
    o.shell = false;
    o.follow_source = false;
    k = parse_text("config MODULES\n\tbool \"modules\"\n\tmodules\n\tdefault y\n" + kconfig, o);
    ev = std::make_unique<Evaluator>(k, g);
    ev->load(read_dotconfig(config));
  }
};

std::vector<std::string> fix_of(const Explanation& x) {
  std::vector<std::string> out;
  for (const Assignment& a : x.fix) out.push_back(a.symbol + "=" + a.value);
  return out;
}

using V = std::vector<std::string>;

TEST(KconfigExplain, NegatedDependencyIsClearedThroughWhatSelectsIt) {
  // The INTEL_TDX_HOST / KEXEC_CORE shape of 6.12.
  Model m("config KEXEC_CORE\n\tbool\n"
          "config KEXEC\n\tbool \"kexec\"\n\tselect KEXEC_CORE\n"
          "config KEXEC_FILE\n\tbool \"kexec file\"\n\tselect KEXEC_CORE\n"
          "config TDX_HOST\n\tbool \"tdx host\"\n\tdepends on !KEXEC_CORE\n",
          "CONFIG_KEXEC=y\nCONFIG_KEXEC_FILE=y\nCONFIG_TDX_HOST=y\n");
  Explanation x = explain(*m.ev, "TDX_HOST", Tri::Y);
  EXPECT_FALSE(x.satisfied);
  EXPECT_EQ(x.actual, "n");
  ASSERT_FALSE(x.reasons.empty());
  EXPECT_NE(x.reasons[0].find("`!KEXEC_CORE` (now KEXEC_CORE=y)"), std::string::npos) << x.reasons[0];
  EXPECT_EQ(x.blockers, (V{"KEXEC=y", "KEXEC_FILE=y"}));
  EXPECT_EQ(fix_of(x), (V{"KEXEC=n", "KEXEC_FILE=n", "TDX_HOST=y"}));
  EXPECT_EQ(x.fix[0].reason, "selects KEXEC_CORE; TDX_HOST depends on !KEXEC_CORE");
  // Applying the plan makes it stick in the model too.
  Model after("config KEXEC_CORE\n\tbool\n"
              "config KEXEC\n\tbool \"kexec\"\n\tselect KEXEC_CORE\n"
              "config KEXEC_FILE\n\tbool \"kexec file\"\n\tselect KEXEC_CORE\n"
              "config TDX_HOST\n\tbool \"tdx host\"\n\tdepends on !KEXEC_CORE\n",
              "CONFIG_KEXEC=n\nCONFIG_KEXEC_FILE=n\nCONFIG_TDX_HOST=y\n");
  EXPECT_TRUE(explain(*after.ev, "TDX_HOST", Tri::Y).satisfied);
}

TEST(KconfigExplain, ChainsOfDependenciesGoDownToWhatAUserCanSet) {
  Model m("config EFI\n\tbool \"efi\"\n"
          "config EFI_STUB\n\tbool \"stub\"\n\tdepends on EFI\n"
          "config SME\n\tbool \"sme\"\n\tdepends on EFI_STUB && X86_64\n"
          "config X86_64\n\tdef_bool y\n"
          "menuconfig VIRT\n\tbool \"virt\"\n"
          "if VIRT\nconfig GUEST\n\ttristate \"guest\"\n\tdepends on SME\nendif\n",
          "# CONFIG_EFI is not set\n");
  Explanation x = explain(*m.ev, "GUEST", Tri::M);
  EXPECT_FALSE(x.satisfied);
  EXPECT_NE(x.reasons[0].find("VIRT (now n)"), std::string::npos) << x.reasons[0];
  EXPECT_NE(x.reasons[0].find("SME (now n)"), std::string::npos) << x.reasons[0];
  EXPECT_EQ(fix_of(x), (V{"VIRT=y", "EFI=y", "EFI_STUB=y", "SME=y", "GUEST=m"}));
  EXPECT_EQ(x.blockers, (V{"VIRT=n", "EFI=n", "EFI_STUB=n", "SME=n"}));
}

TEST(KconfigExplain, OrTakesTheCheapestBranch) {
  Model m("config A\n\tbool \"a\"\n"
          "config B\n\tbool \"b\"\n\tdepends on C\n"
          "config C\n\tbool \"c\"\n"
          "config T\n\tbool \"t\"\n\tdepends on (B && C) || A\n",
          "");
  EXPECT_EQ(fix_of(explain(*m.ev, "T", Tri::Y)), (V{"A=y", "T=y"}));
}

TEST(KconfigExplain, BoolOnATristateAtMIsVisible) {
  // A bool prompt visible at m counts as visible (the kernel rounds up).
  Model m("config KVM\n\ttristate \"kvm\"\n"
          "config HOST\n\tbool \"host\"\n\tdepends on KVM\n"
          "config MOD\n\ttristate \"mod\"\n\tdepends on KVM\n",
          "CONFIG_KVM=m\nCONFIG_HOST=y\nCONFIG_MOD=y\n");
  Explanation host = explain(*m.ev, "HOST", Tri::Y);
  EXPECT_TRUE(host.satisfied) << host.text();
  Explanation mod = explain(*m.ev, "MOD", Tri::Y);
  EXPECT_FALSE(mod.satisfied);
  EXPECT_EQ(mod.actual, "m");
  EXPECT_NE(mod.reasons[0].find("can only be m"), std::string::npos) << mod.reasons[0];
  EXPECT_EQ(fix_of(mod), (V{"KVM=y", "MOD=y"}));
}

TEST(KconfigExplain, PromptlessSymbolsNameTheirSelectors) {
  Model m("config TSM\n\ttristate\n"
          "config SEV\n\ttristate \"sev\"\n\tdepends on SME\n\tselect TSM\n"
          "config SME\n\tbool \"sme\"\n",
          "");
  Explanation x = explain(*m.ev, "TSM", Tri::M);
  EXPECT_FALSE(x.has_prompt);
  EXPECT_EQ(x.selected_by, (V{"SEV=n"}));
  EXPECT_NE(x.reasons[0].find("cannot be set directly, only selected by SEV=n"), std::string::npos) << x.reasons[0];
  EXPECT_EQ(fix_of(x), (V{"SME=y", "SEV=m"}));
  // And turning it off means turning off what selects it.
  Model on("config TSM\n\ttristate\n"
           "config SEV\n\ttristate \"sev\"\n\tselect TSM\n",
           "CONFIG_SEV=y\n");
  Explanation off = explain(*on.ev, "TSM", Tri::N);
  EXPECT_EQ(off.actual, "y");
  EXPECT_NE(off.reasons[0].find("selected by SEV=y"), std::string::npos) << off.reasons[0];
  EXPECT_EQ(fix_of(off), (V{"SEV=n"}));
}

TEST(KconfigExplain, ToolchainAndConstantsCannotBeChanged) {
  Model m("config CC_IS_CLANG\n\tdef_bool n\n"
          "config CFI\n\tbool \"cfi\"\n\tdepends on CC_IS_CLANG\n"
          "config NEVER\n\tbool \"never\"\n\tdepends on n\n",
          "");
  Explanation cfi = explain(*m.ev, "CFI", Tri::Y);
  EXPECT_FALSE(cfi.fixable);
  EXPECT_TRUE(cfi.fix.empty());
  ASSERT_EQ(cfi.blockers.size(), 1u);
  EXPECT_EQ(cfi.blockers[0], "CC_IS_CLANG=n (set by the toolchain, not by .config)");
  EXPECT_NE(cfi.text().find("No change to user-settable symbols makes it stick."), std::string::npos);
  Explanation never = explain(*m.ev, "NEVER", Tri::Y);
  EXPECT_FALSE(never.fixable);
  ASSERT_FALSE(never.blockers.empty());
  EXPECT_NE(never.blockers[0].find("the constant n"), std::string::npos) << never.blockers[0];
}

TEST(KconfigExplain, UnknownSymbolsAndChoices) {
  Model m("choice\n\tprompt \"model\"\n"
          "config FLAT\n\tbool \"flat\"\n"
          "config SPARSE\n\tbool \"sparse\"\n\tdepends on WIDE\n"
          "endchoice\n"
          "config WIDE\n\tbool \"wide\"\n",
          "CONFIG_SPARSE=y\n");
  Explanation none = explain(*m.ev, "NOPE", Tri::Y);
  EXPECT_FALSE(none.defined);
  EXPECT_EQ(none.reasons[0], "NOPE is not defined by any Kconfig file of this tree.");
  Explanation sparse = explain(*m.ev, "SPARSE", Tri::Y);
  EXPECT_FALSE(sparse.satisfied);
  EXPECT_EQ(fix_of(sparse), (V{"WIDE=y", "SPARSE=y"}));
  EXPECT_TRUE(explain(*m.ev, "FLAT", Tri::Y).satisfied);
}

TEST(KconfigRequests, ProfilesSymbolsAndMistakes) {
  auto r = parse_requests({"snp-guest", "CONFIG_KVM=m", "X86_SGX"}, {"X86_X32_ABI"});
  ASSERT_GE(r.size(), 6u);
  EXPECT_EQ(r[0].symbol, "AMD_MEM_ENCRYPT");
  EXPECT_EQ(r[0].profile, "snp-guest");
  auto kvm = std::find_if(r.begin(), r.end(), [](const Request& q) { return q.symbol == "KVM"; });
  ASSERT_NE(kvm, r.end());
  EXPECT_EQ(kvm->value, "m");
  EXPECT_FALSE(r.back().enable);
  EXPECT_EQ(r.back().symbol, "X86_X32_ABI");
  auto tdx = parse_requests({"tdx-host"}, {});
  auto since = std::find_if(tdx.begin(), tdx.end(), [](const Request& q) { return q.symbol == "INTEL_TDX_HOST"; });
  EXPECT_EQ(since->since, "6.8");
  auto message = [](const std::vector<std::string>& e, const std::vector<std::string>& d) {
    try {
      parse_requests(e, d);
    } catch (const Error& err) {
      return std::string(err.what());
    }
    return std::string();
  };
  EXPECT_NE(message({"snp-gest"}, {}).find("'snp-gest': no such profile (profiles: coco-secrets, sev-guest"), std::string::npos);
  EXPECT_NE(message({"snp-guest=y"}, {}).find("a profile takes no value"), std::string::npos);
  EXPECT_NE(message({"FOO-BAR"}, {}).find("neither a profile"), std::string::npos);
  EXPECT_NE(message({}, {"KVM=y"}).find("--disable takes a name"), std::string::npos);
  EXPECT_NE(message({}, {}).find("nothing requested"), std::string::npos);
  // The later request for a symbol wins.
  auto twice = parse_requests({"KVM=y", "KVM=m"}, {});
  ASSERT_EQ(twice.size(), 1u);
  EXPECT_EQ(twice[0].value, "m");
}

// --- Debian's real trees, with the kernel's make olddefconfig -----------------

const RequestResult& result_for(const ConfigureReport& r, const std::string& sym) {
  for (const RequestResult& x : r.results)
    if (x.request.symbol == sym) return x;
  throw std::runtime_error("no result for " + sym);
}

TEST(KconfigConfigure, TdxHostOnDebian612IsBlockedByKexecAndFixed) {
  if (!source_installed("6.12")) GTEST_SKIP() << "install linux-source-6.12 and linux-config-6.12";
  ConfigureOptions o;
  o.tree = resolve_tree("debian:6.12");
  o.base_text = read_base("debian:6.12", o.base_name);
  EXPECT_EQ(o.base_name, "Debian linux-config-6.12 (amd64)");
  o.enable = {"tdx-host"};
  ConfigureReport r = configure(o);
  EXPECT_EQ(r.runs, 1);
  EXPECT_EQ(r.engine, "make olddefconfig");
  EXPECT_EQ(r.kernel_version.rfind("6.12", 0), 0u);
  // Debian's 6.12 config has CONFIG_KEXEC=y and CONFIG_KEXEC_FILE=y, and
  // arch/x86/Kconfig of 6.12 says for INTEL_TDX_HOST: "depends on !KEXEC_CORE".
  const RequestResult& host = result_for(r, "INTEL_TDX_HOST");
  EXPECT_EQ(host.status, "blocked");
  EXPECT_EQ(host.requested, "y");
  EXPECT_EQ(host.actual, "n");
  EXPECT_EQ(host.why.blockers, (V{"KEXEC=y", "KEXEC_FILE=y"}));
  EXPECT_NE(host.why.text().find("To make it stick: KEXEC=n, KEXEC_FILE=n, INTEL_TDX_HOST=y."), std::string::npos)
      << host.why.text();
  EXPECT_EQ(result_for(r, "KVM_INTEL_TDX").status, "unknown");  // 6.16
  EXPECT_EQ(result_for(r, "KVM_INTEL").actual, "m");             // Debian's m is kept
  EXPECT_FALSE(r.all_ok());
  EXPECT_TRUE(r.warnings.empty()) << r.warnings[0];

  o.fix = true;
  ConfigureReport fixed = configure(o);
  EXPECT_EQ(fixed.runs, 2);
  EXPECT_EQ(result_for(fixed, "INTEL_TDX_HOST").status, "ok");
  ASSERT_EQ(fixed.changes.size(), 2u);
  EXPECT_EQ(fixed.changes[0].symbol, "KEXEC");
  EXPECT_EQ(fixed.changes[0].from, "y");
  EXPECT_EQ(fixed.changes[0].to, "n");
  EXPECT_EQ(fixed.changes[0].for_request, "INTEL_TDX_HOST");
  DotConfig out = read_dotconfig(fixed.config);
  EXPECT_EQ(out.get("INTEL_TDX_HOST"), "y");
  EXPECT_EQ(out.get("KEXEC_CORE"), "");  // not written: its selectors are gone
  EXPECT_EQ(out.get("KEXEC"), "n");

  // The JSON contract of product.md.
  nlohmann::json j = report::config_json(fixed);
  ASSERT_TRUE(j["results"].is_array());
  for (const auto& e : j["results"])
    for (const char* f : {"symbol", "requested", "actual", "status", "blockers", "explanation"})
      EXPECT_TRUE(e.contains(f)) << f;
  EXPECT_EQ(j["summary"]["changes"], 2);
  // The other faces say the same.
  const std::string md = report::config_markdown(r);
  EXPECT_NE(md.find("| blocked | `CONFIG_INTEL_TDX_HOST` | y | n | tdx-host |"), std::string::npos) << md;
  const std::string html = report::config_html(fixed);
  EXPECT_NE(html.find("<span class=\"badge upstream\">ok</span></td><td><code>CONFIG_INTEL_TDX_HOST</code>"),
            std::string::npos);
  EXPECT_NE(html.find("<h2>Changed by --fix</h2>"), std::string::npos);
  EXPECT_NE(report::config_text(r, false).find("4 requested: 2 ok, 1 blocked, 1 unknown, 0 promptless"),
            std::string::npos);
  EXPECT_NE(fixed.fragment().find("CONFIG_INTEL_TDX_HOST=y\n"), std::string::npos);
  EXPECT_NE(fixed.fragment().find("# CONFIG_KVM_INTEL_TDX is not in this tree\n"), std::string::npos);
}

TEST(KconfigConfigure, SnpGuestOnDebian61AndTheModelAgreesWithMake) {
  if (!source_installed("6.1")) GTEST_SKIP() << "install linux-source-6.1 and linux-config-6.1";
  ConfigureOptions o;
  o.tree = resolve_tree("debian:6.1");
  o.base_text = read_base("debian:6.1:cloud-amd64", o.base_name);
  o.enable = {"snp-guest", "tdx-guest"};
  o.disable = {"EFI"};  // everything CoCo needs EFI_STUB
  ConfigureReport kernel = configure(o);
  o.model_only = true;
  ConfigureReport model = configure(o);
  EXPECT_EQ(model.runs, 0);
  EXPECT_EQ(read_dotconfig(model.config).values.size(), read_dotconfig(kernel.config).values.size());
  ASSERT_EQ(kernel.results.size(), model.results.size());
  for (std::size_t i = 0; i < kernel.results.size(); ++i) {
    EXPECT_EQ(kernel.results[i].actual, model.results[i].actual) << kernel.results[i].request.symbol;
    EXPECT_EQ(kernel.results[i].status, model.results[i].status) << kernel.results[i].request.symbol;
  }
  // drivers/virt/Kconfig of 6.1 has no TDX guest driver yet (6.2).
  const RequestResult& drv = result_for(kernel, "TDX_GUEST_DRIVER");
  EXPECT_EQ(drv.status, "unknown");
  EXPECT_NE(drv.why.text().find("It first appears in Linux 6.2; this tree is 6.1"), std::string::npos) << drv.why.text();
  // arch/x86/Kconfig of 6.1: "config EFI_STUB ... depends on EFI".
  const RequestResult& stub = result_for(kernel, "EFI_STUB");
  EXPECT_EQ(stub.status, "blocked");
  EXPECT_EQ(stub.why.blockers, (V{"EFI=n"}));
  EXPECT_EQ(result_for(kernel, "EFI").status, "ok");
  EXPECT_TRUE(kernel.warnings.empty()) << kernel.warnings[0];
  // --fix must not undo the explicit --disable EFI.
  o.model_only = false;
  o.fix = true;
  ConfigureReport fixed = configure(o);
  EXPECT_TRUE(std::none_of(fixed.changes.begin(), fixed.changes.end(), [](const ConfigChange& c) { return c.symbol == "EFI"; }));
  EXPECT_TRUE(std::any_of(fixed.warnings.begin(), fixed.warnings.end(), [](const std::string& w) {
    return w.find("contradicts the request EFI=n") != std::string::npos;
  }));
}

TEST(KconfigConfigure, BadInputIsNamed) {
  std::string name;
  EXPECT_THROW(read_base("/nonexistent/config", name), Error);
  EXPECT_THROW(resolve_tree("/nonexistent"), Error);
  try {
    resolve_tree("/tmp");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "/tmp: not a kernel source tree (no Kconfig file)");
  }
  if (!source_installed("6.12")) return;
  ConfigureOptions o;
  o.tree = resolve_tree("debian:6.12");
  o.base_name = "garbage.txt";
  o.base_text = "this is not a config\nat all\n";
  o.enable = {"KVM"};
  try {
    configure(o);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "garbage.txt: no CONFIG_ line in it; is it a .config?");
  }
  o.base_text = "CONFIG_KVM=m\nCONFIG_NR_CPUS=\"64\"\nCONFIG_NO_SUCH_THING=y\n";
  o.enable = {"NR_CPUS"};
  EXPECT_THROW(configure(o), Error);  // an int needs a value
  o.enable = {"NR_CPUS=16", "KVM"};
  o.model_only = true;
  ConfigureReport r = configure(o);
  // arch/x86/Kconfig: `int "Maximum number of CPUs" if SMP && !MAXSMP`, and SMP is off in this base.
  const RequestResult& cpus = result_for(r, "NR_CPUS");
  EXPECT_EQ(cpus.status, "blocked");
  EXPECT_EQ(cpus.actual, "1");
  EXPECT_NE(cpus.why.text().find("its prompt needs SMP (now n)"), std::string::npos) << cpus.why.text();
  EXPECT_EQ(cpus.why.blockers, (V{"SMP=n"}));
  // The base names a symbol this tree does not have: said, with its line.
  EXPECT_TRUE(std::any_of(r.warnings.begin(), r.warnings.end(), [](const std::string& w) {
    return w == "garbage.txt:3: CONFIG_NO_SUCH_THING is not a symbol of this tree";
  })) << ::testing::PrintToString(r.warnings);
}

}  // namespace
}  // namespace beaver::kconfig
