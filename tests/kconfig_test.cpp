// Tests for the Kconfig parser (src/kconfig/kconfig.h): small trees written
// to temporary directories for every construct and error message, then the
// real 6.1 and 6.12 x86 trees (BEAVER_KSRC_6_1, BEAVER_KSRC_6_12) parsed
// whole with the real toolchain.
#include "kconfig/trees.h"
#include "kconfig/kconfig.h"
#include "test_util.h"
#include "util/error.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace beaver::kconfig {
namespace {

using test::TempDir;

void write(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// A tree of files (path → text) in a temporary directory.
class Tree {
public:
  explicit Tree(const std::map<std::string, std::string>& files) {
    for (const auto& [path, text] : files) write(tmp_.path() / path, text);
    options.source_dir = tmp_.path();
    options.shell = false;
  }
  Kconfig parse() const { return parse_tree(options); }
  // The message of the error parse_tree throws ("" when it does not).
  std::string error() const {
    try {
      parse_tree(options);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
  const std::filesystem::path& dir() const { return tmp_.path(); }
  ParseOptions options;

private:
  TempDir tmp_;
};

using Files = std::map<std::string, std::string>;
Kconfig parse_one(const std::string& text) { return Tree(Files{{"Kconfig", text}}).parse(); }
std::string error_of(const std::string& text) { return Tree(Files{{"Kconfig", text}}).error(); }

const Symbol& sym(const Kconfig& k, const std::string& name) {
  const Symbol* s = k.find(name);
  if (!s) throw std::runtime_error("no symbol " + name);
  return *s;
}

// One line per property: "kind expr [if cond] [dep D] [vis V] @line".
std::string dump(const Symbol& s) {
  std::string out;
  for (const Property& p : s.properties) {
    out += to_string(p.kind);
    if (p.kind == PropertyKind::Prompt || p.kind == PropertyKind::Option) out += " \"" + p.text + "\"";
    if (p.expr) out += " " + to_string(p.expr);
    if (p.expr2) out += " " + to_string(p.expr2);
    if (p.cond) out += " if " + to_string(p.cond);
    if (p.dep) out += " [dep " + to_string(p.dep) + "]";
    if (p.visibility) out += " [vis " + to_string(p.visibility) + "]";
    out += " @" + std::to_string(p.loc.line) + "\n";
  }
  return out;
}

std::vector<std::string> messages(const std::vector<Diagnostic>& ds) {
  std::vector<std::string> out;
  for (const Diagnostic& d : ds) out.push_back(d.str());
  return out;
}

// --- constructs --------------------------------------------------------------

TEST(KconfigParse, ConfigOptions) {
  Kconfig k = parse_one(
      "mainmenu \"Test $(ARCH) menu\"\n"
      "config A\n"
      "\tbool \"Enable A\" if B\n"
      "\tdefault y if C\n"
      "\tselect D if E\n"
      "\timply F\n"
      "\tdepends on B || C\n"
      "\n"
      "config N\n"
      "\tint \"a number\"\n"
      "\trange 1 64 if A\n"
      "\trange 0x10 MAX\n"
      "\tdefault 8\n"
      "config H\n"
      "\thex\n"
      "\tdefault 0x1000\n"
      "config S\n"
      "\tstring\n"
      "\tprompt \"a string\"\n"
      "\tdefault \"hello world\"\n"
      "config DB\n"
      "\tdef_bool A && !B\n"
      "config DT\n"
      "\tdef_tristate m if A\n");
  EXPECT_EQ(k.mainmenu(), "Test x86_64 menu");
  const Symbol& a = sym(k, "A");
  EXPECT_EQ(a.type, SymbolType::Bool);
  EXPECT_EQ(dump(a),
            "prompt \"Enable A\" if B [dep B || C] @3\n"
            "default y if C [dep B || C] @4\n"
            "select D if E [dep B || C] @5\n"
            "imply F [dep B || C] @6\n"
            "depends on B || C [dep B || C] @7\n");
  EXPECT_EQ(a.definitions.size(), 1u);
  EXPECT_EQ(a.definitions[0]->loc.line, 2);
  EXPECT_EQ(a.definitions[0]->loc.file, "Kconfig");
  EXPECT_EQ(to_string(a.definitions[0]->depends), "B || C");

  const Symbol& n = sym(k, "N");
  EXPECT_EQ(n.type, SymbolType::Int);
  EXPECT_EQ(dump(n),
            "prompt \"a number\" @10\n"
            "range 1 64 if A @11\n"
            "range 0x10 MAX @12\n"
            "default 8 @13\n");
  const Property* r = n.all(PropertyKind::Range)[0];
  EXPECT_EQ(r->expr->kind, ExprKind::Const);
  EXPECT_EQ(r->expr->const_kind, ConstKind::Number);
  EXPECT_EQ(n.all(PropertyKind::Range)[1]->expr2->kind, ExprKind::Symbol);  // MAX

  EXPECT_EQ(sym(k, "H").type, SymbolType::Hex);
  const Symbol& s = sym(k, "S");
  EXPECT_EQ(s.type, SymbolType::String);
  EXPECT_EQ(dump(s), "prompt \"a string\" @19\ndefault \"hello world\" @20\n");
  EXPECT_EQ(s.all(PropertyKind::Default)[0]->expr->const_kind, ConstKind::String);

  const Symbol& db = sym(k, "DB");
  EXPECT_EQ(db.type, SymbolType::Bool);
  EXPECT_EQ(db.all(PropertyKind::Default)[0]->def_type, SymbolType::Bool);
  EXPECT_EQ(to_string(db.all(PropertyKind::Default)[0]->expr), "A && !B");
  const Symbol& dt = sym(k, "DT");
  EXPECT_EQ(dt.type, SymbolType::Tristate);
  EXPECT_EQ(dump(dt), "default m if A @24\n");
  EXPECT_EQ(dt.all(PropertyKind::Default)[0]->expr->const_kind, ConstKind::Tristate);

  // Referenced-only symbols exist, undefined; defined_count counts the defined.
  EXPECT_FALSE(sym(k, "MAX").defined());
  EXPECT_FALSE(sym(k, "E").defined());
  EXPECT_EQ(k.defined_count(), 6u);  // A N H S DB DT
  EXPECT_EQ(k.find("NOPE"), nullptr);
}

TEST(KconfigParse, ExpressionPrecedenceAsParserY) {
  Kconfig k = parse_one(
      "config A\n"
      "\tbool\n"
      "\tdepends on B || C && !D\n"
      "\tdepends on (B || C) && D\n"
      "\tdepends on !(B || C)\n"
      "\tdepends on !B = y\n"
      "\tdepends on B != \"x y\" && C < 10 || C >= 0x20\n"
      "\tdepends on ((B))\n"
      "\tdepends on B && C && D || E || F\n");
  std::vector<std::string> got;
  for (const Property* p : sym(k, "A").all(PropertyKind::DependsOn)) got.push_back(to_string(p->expr));
  EXPECT_EQ(got, (std::vector<std::string>{"B || C && !D", "(B || C) && D", "!(B || C)", "!B=y",
                                            "B!=\"x y\" && C<10 || C>=0x20", "B",
                                            "B && C && D || E || F"}));
  const Expr* e = sym(k, "A").all(PropertyKind::DependsOn)[0]->expr;
  ASSERT_EQ(e->kind, ExprKind::Or);  // && binds tighter than ||
  EXPECT_EQ(e->right->kind, ExprKind::And);
  EXPECT_EQ(e->right->right->kind, ExprKind::Not);
  const Expr* n = sym(k, "A").all(PropertyKind::DependsOn)[3]->expr;
  ASSERT_EQ(n->kind, ExprKind::Not);  // !B = y is !(B = y)
  EXPECT_EQ(n->left->kind, ExprKind::Equal);
  EXPECT_EQ(n->left->right->const_kind, ConstKind::Tristate);
  // `depends on` lines are ANDed in order.
  EXPECT_EQ(to_string(sym(k, "A").definitions[0]->depends),
            "(B || C && !D) && ((B || C) && D) && !(B || C) && !B=y && (B!=\"x y\" && C<10 || C>=0x20) && B && "
            "(B && C && D || E || F)");
}

TEST(KconfigParse, DependenciesPropagateThroughIfMenuAndChoice) {
  Kconfig k = parse_one(
      "if OUTER\n"
      "menu \"M\"\n"
      "\tdepends on MD\n"
      "\tvisible if VIS\n"
      "config A\n"
      "\tbool \"a\" if PA\n"
      "\tdepends on AD\n"
      "\tdefault y if DC\n"
      "menu \"Inner\"\n"
      "\tvisible if VIS2\n"
      "config B\n"
      "\ttristate \"b\"\n"
      "endmenu\n"
      "choice\n"
      "\tprompt \"pick\"\n"
      "\tdepends on CD\n"
      "\tdefault C1\n"
      "config C1\n"
      "\tbool \"one\"\n"
      "if CI\n"
      "config C2\n"
      "\tbool \"two\"\n"
      "endif\n"
      "endchoice\n"
      "comment \"note\"\n"
      "\tdepends on CM\n"
      "endmenu\n"
      "endif\n"
      "config TOP\n"
      "\tbool\n");
  // The raw own condition and the inherited dependency, separately.
  EXPECT_EQ(dump(sym(k, "A")),
            "prompt \"a\" if PA [dep OUTER && MD && AD] [vis VIS] @6\n"
            "depends on AD [dep OUTER && MD && AD] @7\n"
            "default y if DC [dep OUTER && MD && AD] @8\n");
  EXPECT_EQ(dump(sym(k, "B")), "prompt \"b\" [dep OUTER && MD] [vis VIS2 && VIS] @12\n");
  EXPECT_EQ(dump(sym(k, "C1")), "prompt \"one\" [dep OUTER && MD && CD] [vis VIS] @19\n");
  EXPECT_EQ(dump(sym(k, "C2")), "prompt \"two\" [dep OUTER && MD && CD && CI] [vis VIS] @22\n");
  EXPECT_EQ(dump(sym(k, "TOP")), "");
  EXPECT_EQ(sym(k, "TOP").definitions[0]->dep, nullptr);

  // The menu tree.
  const MenuNode& root = k.root();
  ASSERT_EQ(root.children.size(), 2u);
  const MenuNode* iff = root.children[0];
  EXPECT_EQ(iff->kind, NodeKind::If);
  EXPECT_EQ(to_string(iff->depends), "OUTER");
  ASSERT_EQ(iff->children.size(), 1u);
  const MenuNode* m = iff->children[0];
  EXPECT_EQ(m->kind, NodeKind::Menu);
  EXPECT_EQ(*m->prompt, "M");
  EXPECT_EQ(to_string(m->visible_if), "VIS");
  EXPECT_EQ(to_string(m->dep), "OUTER && MD");
  ASSERT_EQ(m->children.size(), 4u);  // A, Inner, choice, comment
  EXPECT_EQ(m->children[1]->kind, NodeKind::Menu);
  const MenuNode* choice = m->children[2];
  EXPECT_EQ(choice->kind, NodeKind::Choice);
  ASSERT_TRUE(choice->symbol && choice->symbol->is_choice);
  EXPECT_EQ(choice->symbol->type, SymbolType::Bool);
  EXPECT_EQ(dump(*choice->symbol),
            "prompt \"pick\" [dep OUTER && MD && CD] [vis VIS] @15\n"
            "depends on CD [dep OUTER && MD && CD] @16\n"
            "default C1 [dep OUTER && MD && CD] @17\n");
  ASSERT_EQ(choice->children.size(), 2u);  // C1, if
  EXPECT_EQ(sym(k, "C1").choice, choice);
  EXPECT_EQ(sym(k, "C2").choice, choice);
  EXPECT_EQ(sym(k, "A").choice, nullptr);
  const MenuNode* comment = m->children[3];
  EXPECT_EQ(comment->kind, NodeKind::Comment);
  EXPECT_EQ(*comment->prompt, "note");
  EXPECT_EQ(to_string(comment->dep), "OUTER && MD && CM");
}

TEST(KconfigParse, MultipleDefinitionsKeepEach) {
  Kconfig k = Tree({{"Kconfig",
                     "config X\n"
                     "\tbool \"x\"\n"
                     "\thelp\n"
                     "\t  First.\n"
                     "if P\n"
                     "source \"sub/Kconfig\"\n"
                     "endif\n"},
                    {"sub/Kconfig",
                     "config X\n"
                     "\tdefault y\n"
                     "\tselect Y\n"}})
                  .parse();
  const Symbol& x = sym(k, "X");
  ASSERT_EQ(x.definitions.size(), 2u);
  EXPECT_EQ(x.definitions[0]->loc.file, "Kconfig");
  EXPECT_EQ(x.definitions[1]->loc.file, "sub/Kconfig");
  // An unindented line right after the text ends it with its newline (the
  // kernel's `[ \t]*\n/[^ \t\n]` rule).
  EXPECT_EQ(x.definitions[0]->help, "First.");
  EXPECT_EQ(x.definitions[1]->help, "");
  EXPECT_EQ(dump(x), "prompt \"x\" @2\nhelp @3\ndefault y [dep P] @2\nselect Y [dep P] @3\n");
  EXPECT_EQ(x.properties[2].loc.file, "sub/Kconfig");
  EXPECT_EQ(x.properties[2].node, x.definitions[1]);
  EXPECT_EQ(k.files(), (std::vector<std::string_view>{"Kconfig", "sub/Kconfig"}));
  EXPECT_EQ(k.defined_count(), 1u);
}

TEST(KconfigParse, SourceWithVariablesAndMenuconfig) {
  Tree t({{"Kconfig",
           "mainmenu \"Linux/$(ARCH) $(KERNELVERSION) Kernel Configuration\"\n"
           "source \"arch/$(SRCARCH)/Kconfig\"\n"
           "menuconfig VIRT\n"
           "\tbool \"Virtualization\"\n"
           "if VIRT\n"
           "source \"drivers/$(NAME)/Kconfig\"\n"
           "endif # VIRT\n"},
          {"Makefile", "# SPDX\nVERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 57\nEXTRAVERSION = -rc1\nNAME = x\n"},
          {"arch/x86/Kconfig", "config X86_64\n\tdef_bool y\n"},
          {"arch/arm64/Kconfig", "config ARM64\n\tdef_bool y\n"},
          {"drivers/coco/Kconfig", "config COCO\n\ttristate \"coco\"\n"}});
  t.options.env["NAME"] = "coco";
  Kconfig k = t.parse();
  EXPECT_EQ(k.mainmenu(), "Linux/x86_64 6.12.57-rc1 Kernel Configuration");
  EXPECT_TRUE(sym(k, "X86_64").defined());
  EXPECT_EQ(k.find("ARM64"), nullptr);
  EXPECT_EQ(dump(sym(k, "COCO")), "prompt \"coco\" [dep VIRT] @2\n");
  EXPECT_EQ(sym(k, "VIRT").definitions[0]->kind, NodeKind::MenuConfig);
  EXPECT_EQ(k.env_used().at("SRCARCH"), "x86");
  EXPECT_EQ(k.env_used().at("NAME"), "coco");

  t.options.arch = "arm64";
  Kconfig arm = t.parse();
  EXPECT_EQ(arm.mainmenu(), "Linux/arm64 6.12.57-rc1 Kernel Configuration");
  EXPECT_TRUE(sym(arm, "ARM64").defined());
  EXPECT_EQ(arm.find("X86_64"), nullptr);
}

TEST(KconfigParse, ChoiceOldAndNewForms) {
  Kconfig k = parse_one(
      "choice NAMED\n"
      "\ttristate \"old style\"\n"
      "\toptional\n"
      "\tdefault M1 if Q\n"
      "\thelp\n"
      "\t  Pick one.\n"
      "config M1\n"
      "\ttristate \"m1\"\n"
      "config M2\n"
      "\ttristate \"m2\"\n"
      "endchoice\n"
      "choice\n"
      "\tprompt \"new style\"\n"
      "config N1\n"
      "\tbool \"n1\"\n"
      "endchoice\n");
  const MenuNode* c1 = k.root().children[0];
  ASSERT_EQ(c1->kind, NodeKind::Choice);
  EXPECT_EQ(c1->symbol->name, "NAMED");
  EXPECT_EQ(c1->symbol->type, SymbolType::Tristate);
  EXPECT_TRUE(c1->symbol->optional);
  EXPECT_EQ(c1->help, "Pick one.");
  EXPECT_EQ(dump(*c1->symbol), "prompt \"old style\" @2\noptional @3\ndefault M1 if Q @4\nhelp @5\n");
  EXPECT_EQ(k.find("NAMED"), nullptr);  // choices have their own namespace
  const MenuNode* c2 = k.root().children[1];
  EXPECT_EQ(c2->symbol->name, "");
  EXPECT_EQ(c2->symbol->type, SymbolType::Bool);
  EXPECT_EQ(c2->children.size(), 1u);
  EXPECT_EQ(k.defined_count(), 3u);
}

TEST(KconfigParse, HelpTextAsTheKernelMeasuresIt) {
  Kconfig k = parse_one(
      "config A\n"
      "\tbool \"a\"\n"
      "\thelp\n"
      "\t  First line.\n"
      "\t    Indented more.\n"
      "\n"
      "\t  After a blank line.   \n"
      "          Ten spaces are a tab and two.\n"
      "\tdefault y\n"
      "config B\n"
      "\tbool\n"
      "\thelp\n"
      "\t  Ends at an unindented line.\n"
      "\n"
      "# comment\n"
      "config C\n"
      "\tbool\n"
      "\thelp\n"
      "\t  Up to the end of the file.");
  // Text indented less than the first line ends the help (the kernel's rule:
  // `default y` here is a property again).
  EXPECT_EQ(sym(k, "A").definitions[0]->help,
            "First line.\n  Indented more.\n\nAfter a blank line.\nTen spaces are a tab and two.\n");
  EXPECT_EQ(dump(sym(k, "A")), "prompt \"a\" @2\nhelp @3\ndefault y @9\n");
  EXPECT_EQ(sym(k, "B").definitions[0]->help, "Ends at an unindented line.\n");
  EXPECT_EQ(sym(k, "C").definitions[0]->help, "Up to the end of the file.");
  EXPECT_TRUE(sym(k, "C").defined());
}

TEST(KconfigParse, ModulesOptionTransitionalAndWarnings) {
  Kconfig k = parse_one(
      "config MODULES\n"
      "\tbool \"modules\"\n"
      "\tmodules\n"
      "config OLD\n"
      "\tstring\n"
      "\toption env=\"ARCH\"\n"
      "config RENAMED\n"
      "\tbool\n"
      "\ttransitional\n"
      "config T\n"
      "\tbool \"t\"\n"
      "\tprompt \"  again\"\n"
      "\ttristate\n"
      "menuconfig NOPROMPT\n"
      "\tbool\n"
      "config Z\n"
      "\tbool ~\n"
      "config LAST\n"
      "\tbool");
  EXPECT_EQ(k.modules_symbol(), k.find("MODULES"));
  EXPECT_TRUE(sym(k, "MODULES").modules);
  EXPECT_EQ(sym(k, "OLD").all(PropertyKind::Option)[0]->text, "env=\"ARCH\"");
  EXPECT_TRUE(sym(k, "RENAMED").transitional);
  EXPECT_EQ(sym(k, "T").type, SymbolType::Bool);
  EXPECT_EQ(sym(k, "T").all(PropertyKind::Prompt)[1]->text, "again");
  EXPECT_EQ(messages(k.warnings()),
            (std::vector<std::string>{
                "Kconfig:12:2: leading whitespace ignored",
                "Kconfig:12:2: prompt redefined",
                "Kconfig:10:1: ignoring type redefinition of 'T' from 'bool' to 'tristate'",
                "Kconfig:14:1: menuconfig statement without prompt",
                "Kconfig:17:7: ignoring unsupported character '~'",
                "Kconfig:19:6: no new line at end of file",
            }));
  EXPECT_EQ(sym(k, "LAST").type, SymbolType::Bool);
}

// --- the macro language ------------------------------------------------------

TEST(KconfigMacro, VariablesFunctionsAndBuiltins) {
  Kconfig k = parse_one(
      "X = one\n"
      "Y := $(X) two\n"
      "X = changed\n"
      "Y += three\n"
      "R = $(X)\n"
      "R += $(Y)\n"
      "greet = hello $(1) and $(2)\n"
      "comma := ,\n"
      "$(info,$(greet,a,b$(comma)c))\n"
      "$(info,R=$(R))\n"
      "$(info,$(filename):$(lineno))\n"
      "$(warning-if,y,careful)\n"
      "$(warning-if,n,silent)\n"
      "$(info,env=$(ARCH) none=$(UNDEFINED_THING).)\n"
      "config $(X)_SYM\n"
      "\tbool \"$(Y)\"\n"
      "\tdefault $(greet,x,y)\n");
  EXPECT_EQ(messages(k.messages()), (std::vector<std::string>{
                                        "Kconfig:9:1: hello a and b,c",
                                        "Kconfig:10:1: R=changed one two three",
                                        "Kconfig:11:1: Kconfig:11",
                                        "Kconfig:14:1: env=x86_64 none=.",
                                    }));
  EXPECT_EQ(messages(k.warnings()), (std::vector<std::string>{"Kconfig:12:1: careful"}));
  const Symbol& s = sym(k, "changed_SYM");
  EXPECT_EQ(s.all(PropertyKind::Prompt)[0]->text, "one two three");
  // A word ends where the input's token ends; one $(...) in it is one
  // word whatever its expansion holds (spaces too), as in the kernel.
  EXPECT_EQ(to_string(s.all(PropertyKind::Default)[0]->expr), "hello x and y");
  EXPECT_EQ(s.all(PropertyKind::Default)[0]->expr->kind, ExprKind::Symbol);
  EXPECT_EQ(k.env_used(), (std::map<std::string, std::string>{{"ARCH", "x86_64"}}));
}

TEST(KconfigMacro, PreprocessorDirectly) {
  std::vector<std::string> shells;
  Preprocessor::Hooks hooks;
  hooks.shell = [&](const std::string& cmd) {
    shells.push_back(cmd);
    return std::string("out");
  };
  Preprocessor pp({{"CC", "gcc"}}, hooks);
  pp.add_variable("f", "[$(1)|$(2)|$(3)]", Preprocessor::Flavor::Recursive);
  EXPECT_EQ(pp.expand_string("$(f,a,(b,c),$(CC))"), "[a|(b,c)|gcc]");
  EXPECT_EQ(pp.expand_string("cost $5 and $(shell,echo $$)"), "cost $5 and out");
  EXPECT_EQ(shells, (std::vector<std::string>{"echo $$"}));
  std::string_view in = "a$(CC)b-c d";
  EXPECT_EQ(pp.expand_one_token(in), "agccb-c");
  EXPECT_EQ(in, " d");
  pp.add_variable("loop", "$(loop)", Preprocessor::Flavor::Recursive);
  try {
    pp.expand_string("$(loop)");
    ADD_FAILURE() << "no error";
  } catch (const Preprocessor::Failure& f) {
    EXPECT_EQ(f.message, "Recursive variable 'loop' references itself (eventually)");
  }
  try {
    pp.expand_string("$(info,a,b)");
    ADD_FAILURE() << "no error";
  } catch (const Preprocessor::Failure& f) {
    EXPECT_EQ(f.message, "too many function arguments passed to 'info'");
  }
  // Exponential expansion is stopped, not waited for.
  pp.add_variable("b0", "xx", Preprocessor::Flavor::Recursive);
  for (int i = 1; i < 40; ++i)
    pp.add_variable("b" + std::to_string(i), fmt::format("$(b{0})$(b{0})", i - 1), Preprocessor::Flavor::Recursive);
  EXPECT_THROW(pp.expand_string("$(b39)"), Preprocessor::Failure);
}

TEST(KconfigMacro, ShellAndKconfigIncludeFunctionsWithTheRealToolchain) {
  Tree t({{"Kconfig",
           "source \"scripts/Kconfig.include\"\n"
           "config CC_OPT\n"
           "\tdef_bool $(cc-option,-O2)\n"
           "config CC_BAD\n"
           "\tdef_bool $(cc-option,-fno-such-option-beaver)\n"
           "config OK\n"
           "\tdef_bool $(success,true)\n"
           "config NOK\n"
           "\tdef_bool $(failure,true)\n"
           "config GCC_VERSION\n"
           "\tint\n"
           "\tdefault $(cc-version) if CC_IS_GCC\n"
           "config VER\n"
           "\tstring\n"
           "\tdefault \"$(CC_VERSION_TEXT)\"\n"
           "config PWD\n"
           "\tstring\n"
           "\tdefault \"$(shell,pwd)\"\n"},
          {"scripts/Kconfig.include",
           "if-success = $(shell,{ $(1); } >/dev/null 2>&1 && echo \"$(2)\" || echo \"$(3)\")\n"
           "success = $(if-success,$(1),y,n)\n"
           "failure = $(if-success,$(1),n,y)\n"
           "cc-option = $(success,trap \"rm -rf .tmp_$$\" EXIT; mkdir .tmp_$$; $(CC) -Werror $(CLANG_FLAGS) $(1) -c "
           "-x c /dev/null -o .tmp_$$/tmp.o)\n"
           "cc-version := $(shell,echo __GNUC__ | $(CC) -E -P -x c - | tr -d ' ')0000\n"}});
  t.options.shell = true;
  Kconfig k = t.parse();
  auto value = [&](const char* name) { return to_string(sym(k, name).all(PropertyKind::Default)[0]->expr); };
  EXPECT_EQ(value("CC_OPT"), "y");
  EXPECT_EQ(value("CC_BAD"), "n");
  EXPECT_EQ(value("OK"), "y");
  EXPECT_EQ(value("NOK"), "n");
  std::string gcc_major = test::sh_ok(t.dir().string(), "echo __GNUC__ | gcc -E -P -x c - | tr -d ' \\n'");
  EXPECT_EQ(value("GCC_VERSION"), gcc_major + "0000");
  std::string version = test::sh_ok(t.dir().string(), "LC_ALL=C gcc --version | head -n 1 | tr -d '#\\n'");
  EXPECT_EQ(value("VER"), "\"" + version + "\"");
  // $(shell) runs in the source tree, and cc-option leaves nothing behind.
  EXPECT_EQ(value("PWD"), "\"" + std::filesystem::canonical(t.dir()).string() + "\"");
  EXPECT_EQ(test::sh_ok(t.dir().string(), "ls -a | grep -c '^.tmp_' || true"), "0\n");

  // Without shell: nothing runs, every $(shell) is empty (a word that is
  // empty after expansion is no token, like in the kernel: `def_bool` alone).
  t.options.shell = false;
  std::string err = t.error();
  EXPECT_EQ(err,
            "Kconfig:3:27: unexpected end of line, expected a symbol, a constant, '!' or '('\n"
            "Kconfig:5:47: unexpected end of line, expected a symbol, a constant, '!' or '('\n"
            "Kconfig:7:26: unexpected end of line, expected a symbol, a constant, '!' or '('\n"
            "Kconfig:9:26: unexpected end of line, expected a symbol, a constant, '!' or '('");
}

TEST(KconfigMacro, ShellCacheFileKeepsResultsBetweenRuns) {
  TempDir cache;
  Tree t(std::map<std::string, std::string>{
      {"Kconfig", "config A\n\tstring\n\tdefault \"$(shell,echo run >> ../count; echo fresh)\"\n"}});
  t.options.shell = true;
  t.options.shell_cwd = t.dir() / "work";
  std::filesystem::create_directories(t.options.shell_cwd);
  t.options.shell_cache = cache.path() / "sub" / "shell.cache";
  const std::filesystem::path count = t.dir() / "count";
  write(count, "");
  auto runs = [&]() { return test::sh_ok(t.dir().string(), "wc -l < count | tr -d ' \\n'"); };
  auto value = [&]() {
    Kconfig k = t.parse();
    return to_string(sym(k, "A").all(PropertyKind::Default)[0]->expr);
  };
  ShellRunner::clear_memory_cache();
  EXPECT_EQ(value(), "\"fresh\"");
  EXPECT_EQ(runs(), "1");
  EXPECT_EQ(value(), "\"fresh\"");  // memory
  EXPECT_EQ(runs(), "1");
  ShellRunner::clear_memory_cache();
  EXPECT_EQ(value(), "\"fresh\"");  // the file
  EXPECT_EQ(runs(), "1");
  std::string text = test::sh_ok(cache.str(), "cat sub/shell.cache");
  EXPECT_EQ(text.rfind("beaver-kconfig-shell-cache 1\n", 0), 0u) << text;
  // The file is what is used: change the answer in it.
  test::sh_ok(cache.str(), "sed -i 's/\\tfresh$/\\tfrom-file/' sub/shell.cache");
  ShellRunner::clear_memory_cache();
  EXPECT_EQ(value(), "\"from-file\"");
  // Another compiler is another key.
  t.options.env["CC_VERSION_TEXT"] = "gcc (Other) 99.0";
  EXPECT_EQ(value(), "\"fresh\"");
  EXPECT_EQ(runs(), "2");
  ShellRunner::clear_memory_cache();
}

// --- errors ------------------------------------------------------------------

TEST(KconfigErrors, MessagesNameFileLineAndColumn) {
  EXPECT_EQ(error_of("config A\n\tbool \"abc\n\tdefault y\n"), "Kconfig:2:7: unterminated string");
  EXPECT_EQ(error_of("config A\n\tbool\n\tprompt 'abc"), "Kconfig:3:9: unterminated string");
  EXPECT_EQ(error_of("frobnicate the kernel\n"), "Kconfig:1:1: unknown statement \"frobnicate\"");
  EXPECT_EQ(error_of("config A\n\tbool\n\tdepend on B\n"), "Kconfig:3:2: unknown statement \"depend\"");
  EXPECT_EQ(error_of("config A\n\tbool\nendif\n"), "Kconfig:3:1: 'endif' without matching 'if'");
  EXPECT_EQ(error_of("endmenu\n"), "Kconfig:1:1: 'endmenu' without matching 'menu'");
  EXPECT_EQ(error_of("if A\nendmenu\n"), "Kconfig:2:1: unexpected 'endmenu' within if block (opened at Kconfig:1:1)");
  EXPECT_EQ(error_of("menu \"m\"\nconfig A\n\tbool\n"), "Kconfig:1:1: missing 'endmenu' for this menu");
  EXPECT_EQ(error_of("if A\nchoice\n\tprompt \"c\"\n"),
            "Kconfig:2:1: missing 'endchoice' for this choice\nKconfig:1:1: missing 'endif' for this if");
  EXPECT_EQ(error_of("source \"nope/Kconfig\"\n"), "Kconfig:1:1: can't open file \"nope/Kconfig\"");
  EXPECT_EQ(error_of("config A\n\tbool\n\tdepends on B &&\n"),
            "Kconfig:3:17: unexpected end of line, expected a symbol, a constant, '!' or '('");
  EXPECT_EQ(error_of("config A\n\tbool\n\tdepends on (B || C\n"),
            "Kconfig:3:20: unexpected end of line, expected ')'");
  EXPECT_EQ(error_of("config A\n\tbool\n\tdefault B = \n"),
            "Kconfig:3:14: unexpected end of line after '=', expected a symbol or a constant");
  EXPECT_EQ(error_of("config A\n\tbool\n\tdepends B\n"),
            "Kconfig:3:10: unexpected 'B' after 'depends', expected 'on'");
  EXPECT_EQ(error_of("config A\n\tbool\n\tselect \"B\"\n"),
            "Kconfig:3:9: unexpected \"B\" after 'select', expected a symbol name");
  EXPECT_EQ(error_of("config\n\tbool\n"), "Kconfig:1:7: unexpected end of line after 'config', expected a symbol name");
  EXPECT_EQ(error_of("config A B\n"), "Kconfig:1:10: unexpected 'B', expected end of line");
  EXPECT_EQ(error_of("choice\nmenu \"x\"\nendmenu\nendchoice\n"),
            "Kconfig:1:1: choice must have a prompt\n"
            "Kconfig:2:1: invalid statement in a choice: 'menu'\n"
            "Kconfig:3:1: unexpected 'endmenu' within choice block (opened at Kconfig:1:1)\n"
            "Kconfig:4:1: 'endchoice' without matching 'choice'");
  EXPECT_EQ(error_of("config A\n\tbool\nmainmenu \"late\"\n"), "Kconfig:3:1: 'mainmenu' must be the first statement");
  EXPECT_EQ(error_of("config A\n\tbool\n\tmodules\nconfig B\n\tbool\n\tmodules\n"),
            "Kconfig:6:2: symbol 'B' redefines option 'modules' already defined by symbol 'A'");
  EXPECT_EQ(error_of("$(error-if,y,Sorry$(comma) no)\n"), "Kconfig:1:1: Sorry no");
  EXPECT_EQ(error_of("comma := ,\n$(error-if,$(comma),x)\nA := $(error-if,y,in assignment)\n"
                     "$(error-if,y,Sorry$(comma) no)\n"),
            "Kconfig:3:1: in assignment\nKconfig:4:1: Sorry, no");
  EXPECT_EQ(error_of("config A\n\tbool \"$(oops\"\n"), "Kconfig:2:8: unterminated reference to 'oops\"': missing ')'");
  EXPECT_EQ(error_of("X = $(X)\nconfig $(X)\n"),
            "Kconfig:2:8: Recursive variable 'X' references itself (eventually)\n"
            "Kconfig:2:12: unexpected end of line after 'config', expected a symbol name");
}

TEST(KconfigErrors, EveryErrorIsCollectedAcrossFiles) {
  Tree t({{"Kconfig",
           "source \"a/Kconfig\"\n"
           "config OK\n"
           "\tbool \"fine\"\n"
           "bogus\n"
           "if X\n"
           "source \"b/Kconfig\"\n"
           "source \"Kconfig\"\n"},
          {"a/Kconfig", "config A\n\tbool\n\tdefault\n"},
          {"b/Kconfig", "endif\nmenu \"open\"\n"}});
  EXPECT_EQ(t.error(),
            "a/Kconfig:3:9: unexpected end of line, expected a symbol, a constant, '!' or '('\n"
            "Kconfig:4:1: unknown statement \"bogus\"\n"
            "b/Kconfig:1:1: 'endif' in different file than 'if' (opened at Kconfig:5:1)\n"
            "Kconfig:7:1: recursive inclusion of \"Kconfig\"\n"
            "b/Kconfig:2:1: missing 'endmenu' for this menu");
}

TEST(KconfigErrors, AtMostMaxErrorsAreListed) {
  std::string text;
  for (int i = 0; i < 25; ++i) text += "oops" + std::to_string(i) + "\n";
  std::string err = error_of(text);
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 20);
  EXPECT_NE(err.find("Kconfig:20:1: unknown statement \"oops19\"\n... and 5 more errors"), std::string::npos) << err;
}

TEST(KconfigErrors, TopFileMissing) {
  TempDir tmp;
  ParseOptions o;
  o.source_dir = tmp.path();
  o.shell = false;
  try {
    parse_tree(o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), (tmp.path() / "Kconfig").string() + ": can't open file \"Kconfig\"");
  }
}

// --- real trees --------------------------------------------------------------

// The tree named by the environment variable, or "" (the test then skips).
// The tree in $VAR when set, else Debian's linux-source-VERSION unpacked
// into the cache (kconfig/trees.h); "" when neither is there.
std::string real_tree(const char* var) {
  const char* dir = std::getenv(var);
  if (dir && *dir) return std::filesystem::exists(std::filesystem::path(dir) / "Kconfig") ? dir : "";
  std::string version = std::string(var) == "BEAVER_KSRC_6_1" ? "6.1" : "6.12";
  if (!source_installed(version)) return "";
  return unpacked_tree(version);
}

// Names defined by `config`/`menuconfig` lines in the files the parser read,
// counted the way grep would: the independent check of defined_count().
std::size_t grep_config_names(const std::string& tree, const Kconfig& k) {
  static const std::regex re(R"(^\s*(menu)?config\s+([A-Za-z0-9_]+)\s*(#.*)?$)");
  std::set<std::string> names;
  for (std::string_view f : k.files()) {
    std::ifstream in(std::filesystem::path(tree) / std::string(f));
    std::string line;
    std::smatch m;
    while (std::getline(in, line))
      if (std::regex_match(line, m, re)) names.insert(m[2]);
  }
  return names.size();
}

struct Timed {
  Kconfig k;
  double cold_ms, warm_ms;
};

Timed parse_real(const std::string& tree) {
  ParseOptions o;
  o.source_dir = tree;
  auto t0 = std::chrono::steady_clock::now();
  Kconfig cold = parse_tree(o);
  auto t1 = std::chrono::steady_clock::now();
  Kconfig warm = parse_tree(o);  // $(shell) answers from the memory cache
  auto t2 = std::chrono::steady_clock::now();
  using ms = std::chrono::duration<double, std::milli>;
  std::printf("[ parse    ] %s: %zu files, %zu symbols, %d shell commands run, %d cached; first parse %.0f ms, "
              "second parse %.0f ms\n",
              tree.c_str(), cold.files().size(), cold.defined_count(), cold.shell_runs(), warm.shell_cached(),
              ms(t1 - t0).count(), ms(t2 - t1).count());
  EXPECT_EQ(warm.defined_count(), cold.defined_count());
  return Timed{std::move(warm), ms(t1 - t0).count(), ms(t2 - t1).count()};
}

void common_x86_facts(const std::string& tree, const Kconfig& k) {
  EXPECT_EQ(k.files()[0], "Kconfig");
  EXPECT_NE(std::find(k.files().begin(), k.files().end(), "arch/x86/Kconfig"), k.files().end());
  EXPECT_EQ(std::find(k.files().begin(), k.files().end(), "arch/arm64/Kconfig"), k.files().end());
  EXPECT_EQ(k.mainmenu().rfind("Linux/x86_64 6.", 0), 0u) << k.mainmenu();

  const Symbol& sme = sym(k, "AMD_MEM_ENCRYPT");
  EXPECT_EQ(sme.type, SymbolType::Bool);
  ASSERT_EQ(sme.definitions.size(), 1u);
  EXPECT_EQ(sme.definitions[0]->loc.file, "arch/x86/Kconfig");
  auto deps = sme.all(PropertyKind::DependsOn);
  ASSERT_FALSE(deps.empty());
  EXPECT_EQ(to_string(deps[0]->expr), "X86_64 && CPU_SUP_AMD");
  bool selects_cc = false;
  for (const Property* p : sme.all(PropertyKind::Select)) selects_cc |= p->expr->symbol->name == "ARCH_HAS_CC_PLATFORM";
  EXPECT_TRUE(selects_cc);
  ASSERT_EQ(sme.all(PropertyKind::Prompt).size(), 1u);
  EXPECT_EQ(sme.all(PropertyKind::Prompt)[0]->text, "AMD Secure Memory Encryption (SME) support");
  EXPECT_NE(sme.definitions[0]->help.find("Secure Memory"), std::string::npos);
  // It sits in the "Processor type and features" menu.
  const MenuNode* menu = sme.definitions[0]->parent;
  while (menu && menu->kind != NodeKind::Menu) menu = menu->parent;
  ASSERT_TRUE(menu);
  EXPECT_EQ(*menu->prompt, "Processor type and features");

  const Symbol& sev = sym(k, "SEV_GUEST");
  EXPECT_EQ(sev.type, SymbolType::Tristate);
  ASSERT_EQ(sev.all(PropertyKind::Prompt).size(), 1u);
  EXPECT_EQ(sev.all(PropertyKind::Prompt)[0]->text, "AMD SEV Guest driver");
  EXPECT_EQ(to_string(sev.all(PropertyKind::Default)[0]->expr), "m");
  EXPECT_EQ(to_string(sev.all(PropertyKind::DependsOn)[0]->expr), "AMD_MEM_ENCRYPT");
  // The enclosing `if VIRT_DRIVERS` (drivers/virt/Kconfig) reaches it.
  std::string dep = to_string(sev.all(PropertyKind::Prompt)[0]->dep);
  EXPECT_NE(dep.find("VIRT_DRIVERS"), std::string::npos) << dep;
  EXPECT_NE(dep.find("AMD_MEM_ENCRYPT"), std::string::npos) << dep;

  const Symbol& tdx = sym(k, "INTEL_TDX_GUEST");
  EXPECT_EQ(tdx.type, SymbolType::Bool);
  EXPECT_EQ(to_string(tdx.all(PropertyKind::DependsOn)[0]->expr), "X86_64 && CPU_SUP_INTEL");

  // Toolchain answers: gcc is the compiler, x86_64 is 64-bit.
  const Symbol& gcc = sym(k, "CC_IS_GCC");
  EXPECT_EQ(to_string(gcc.all(PropertyKind::Default)[0]->expr), "y");
  const Symbol& clang = sym(k, "CC_IS_CLANG");
  EXPECT_EQ(to_string(clang.all(PropertyKind::Default)[0]->expr), "n");
  EXPECT_GT(std::stoi(std::string(sym(k, "GCC_VERSION").all(PropertyKind::Default)[0]->expr->text)), 50000);
  EXPECT_EQ(k.env_used().at("SRCARCH"), "x86");
  EXPECT_EQ(k.env_used().at("CC"), "gcc");
  EXPECT_TRUE(k.modules_symbol() && k.modules_symbol()->name == "MODULES");

  const std::size_t grepped = grep_config_names(tree, k);
  std::printf("[ symbols  ] parsed %zu, grep over the %zu sourced files %zu\n", k.defined_count(), k.files().size(),
              grepped);
  EXPECT_EQ(k.defined_count(), grepped);
  for (const Diagnostic& w : k.warnings()) std::printf("[ warning  ] %s\n", w.str().c_str());
  EXPECT_GT(k.defined_count(), 10000u);
}

TEST(KconfigRealTree, Linux6_1_x86) {
  std::string tree = real_tree("BEAVER_KSRC_6_1");
  if (tree.empty()) GTEST_SKIP() << "install linux-source-6.1 (or set BEAVER_KSRC_6_1 to a tree)";
  Timed t = parse_real(tree);
  common_x86_facts(tree, t.k);
  EXPECT_EQ(t.k.find("TSM_REPORTS"), nullptr);
  EXPECT_EQ(sym(t.k, "SEV_GUEST").all(PropertyKind::Select).size(), 3u);
}

TEST(KconfigRealTree, Linux6_12_x86) {
  std::string tree = real_tree("BEAVER_KSRC_6_12");
  if (tree.empty()) GTEST_SKIP() << "install linux-source-6.12 (or set BEAVER_KSRC_6_12 to a tree)";
  Timed t = parse_real(tree);
  common_x86_facts(tree, t.k);
  const Symbol& tsm = sym(t.k, "TSM_REPORTS");
  EXPECT_EQ(tsm.type, SymbolType::Tristate);
  EXPECT_TRUE(tsm.all(PropertyKind::Prompt).empty());  // promptless: only selected
  EXPECT_EQ(tsm.definitions[0]->loc.file, "drivers/virt/coco/Kconfig");
  bool selected = false;
  for (const Property* p : sym(t.k, "SEV_GUEST").all(PropertyKind::Select))
    selected |= p->expr->symbol == &tsm;
  EXPECT_TRUE(selected);
  EXPECT_EQ(to_string(sym(t.k, "AMD_MEM_ENCRYPT").definitions[0]->depends), "X86_64 && CPU_SUP_AMD && EFI_STUB");
}

}  // namespace
}  // namespace beaver::kconfig
