// beaver fixes on a scenario repository: backports carried by each kind of
// evidence, Fixes: by full and by wrong id, chains, reverts, fixes of commits
// the branch does not carry, waivers (and a stale one), --since, and the
// in-memory apply check (one fix applies, one conflicts).
#include "match/fixes.h"
#include "report/fixes_report.h"
#include "test_util.h"
#include "util/error.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>

namespace beaver {
namespace {

using test::sh;
using test::sh_ok;
using test::TestRepo;

class FixesTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    r = new TestRepo;
    for (const char* f : {"a", "b", "c", "d", "e"}) r->write(std::string(f) + ".c", test::c_functions(f, 40));
    r->commit("Initial import");
    r->git("tag v1.0");
    auto replace = [](const std::string& file, const std::string& from, const std::string& to) {
      sh_ok(r->dir(), "sed -i 's/" + from + "/" + to + "/' " + file);
    };
    // Upstream features.
    replace("a.c", "return 10; }", "return 10 + feature_a(); }");
    id["A"] = r->commit("a: add feature A\n");
    replace("b.c", "return 20; }", "return 20 + feature_b(); }");
    id["B"] = r->commit("b: add feature B\n");
    replace("c.c", "return 5; }", "return 5 + feature_c(); }");
    replace("c.c", "return 6; }", "return 6 + feature_c2(); }");
    replace("c.c", "return 7; }", "return 7 + feature_c3(); }");
    id["C"] = r->commit("c: add feature C\n");
    replace("d.c", "return 30; }", "return 30 + feature_d(); }");
    id["D"] = r->commit("d: add feature D\n");
    replace("e.c", "return 12; }", "return 12 + feature_e(); }");
    id["E"] = r->commit("e: add feature E\n");
    replace("a.c", "return 2; }", "return 2 + early_fix(); }");
    id["EARLY"] = r->commit("a: early fix\n\nFixes: " + id["A"].substr(0, 12) + " (\"a: add feature A\")\n");
    r->git("tag v1.1");
    // Upstream fixes.
    replace("a.c", "return 11; }", "return 11 + fix_a(); }");
    id["F1"] = r->commit("a: fix feature A\n\nFixes: " + id["A"].substr(0, 12) + " (\"a: add feature A\")\nCc: stable@vger.kernel.org # 1.0.x\n");
    replace("a.c", "return 12; }", "return 12 + fix_fix_a(); }");
    id["F2"] = r->commit("a: fix the fix of feature A\n\nFixes: " + id["F1"].substr(0, 12) + " (\"a: fix feature A\")\n");
    replace("b.c", "return 21; }", "return 21 + fix_b(); }");
    id["F3"] = r->commit("b: fix feature B\n\nFixes: " + id["B"] + "\n");
    replace("c.c", "return 8; }", "return 8 + fix_c(); }");
    id["F4"] = r->commit("c: fix feature C\n\nFixes: " + id["C"].substr(0, 12) + " (\"c: add feature C\")\n");
    replace("d.c", "return 31; }", "return 31 + fix_d(); }");
    id["F5"] = r->commit("d: fix feature D\n\nFixes: " + id["D"].substr(0, 12) + " (\"d: add feature D\")\n");
    replace("a.c", "return 13; }", "return 13 + fix_a_again(); }");
    id["F6"] = r->commit("a: fix feature A again\n\nFixes: 0123456789ab (\"a: add feature A\")\n");
    replace("b.c", "return 22; }", "return 22 + fix_unknown(); }");
    id["F7"] = r->commit("b: fix something old\n\nFixes: 0123456789ab (\"no such subject anywhere\")\n");
    sh_ok(r->dir(), "git revert --no-edit " + id["E"] + " >/dev/null");
    id["R1"] = r->head();
    replace("a.c", "return 30; }", "return 30 + carried_fix(); }");
    id["F8"] = r->commit("a: fix carried already\n\nFixes: " + id["A"].substr(0, 12) + " (\"a: add feature A\")\n");
    replace("a.c", "return 35; }", "return 35 + conflict_fix(); }");
    id["F9"] = r->commit("a: fix feature A at its own line\n\nFixes: " + id["A"].substr(0, 12) + " (\"a: add feature A\")\n");

    // The stable-like branch: v1.0 plus backports.
    r->git("checkout -q -b stable v1.0");
    r->git("cherry-pick -x " + id["A"]);  // (cherry picked from commit A)
    r->git("cherry-pick " + id["B"]);     // patch-id only
    replace("c.c", "return 5; }", "return 5 + feature_c(); }");
    replace("c.c", "return 6; }", "return 6 + feature_c2(); }");
    replace("c.c", "return 7; }", "return 7 + feature_c3_backport(); }");
    id["Cb"] = r->commit("c: add feature C (backport)\n");  // modified backport, no reference
    r->git("cherry-pick " + id["E"]);
    r->git("cherry-pick " + id["F8"]);  // a fix the branch already has
    // The branch changed F9's line its own way: F9 will conflict.
    replace("a.c", "return 35; }", "return 35 + local_change(); }");
    id["LOCAL"] = r->commit("a: local change\n");
    r->git("checkout -q main");
  }
  static void TearDownTestSuite() {
    delete r;
    r = nullptr;
  }
  static match::FixesReport run(match::FixesOptions o) {
    auto repo = git::Repository::open(r->dir());
    if (o.upstream.empty()) o.upstream = "main";
    if (o.branch.empty()) o.branch = "stable";
    return match::run_fixes(repo, o);
  }
  static const match::MissingFix* find(const std::vector<match::MissingFix>& v, const std::string& name) {
    for (auto& m : v)
      if (m.commit == id[name]) return &m;
    return nullptr;
  }
  static TestRepo* r;
  static std::map<std::string, std::string> id;
};
TestRepo* FixesTest::r = nullptr;
std::map<std::string, std::string> FixesTest::id;

TEST_F(FixesTest, MissingFixesOfEveryCarriedKind) {
  auto rep = run({});
  auto* f1 = find(rep.missing, "F1");  // A carried with a cherry-pick reference
  ASSERT_TRUE(f1);
  EXPECT_EQ(f1->depth, 1);
  EXPECT_EQ(f1->fixes, (std::vector<std::string>{id["A"]}));
  ASSERT_EQ(f1->fixed_in_branch_as.size(), 1u);
  EXPECT_NE(f1->fixed_in_branch_as[0], id["A"]);  // the backport, not A itself
  EXPECT_EQ(f1->stable, (std::vector<std::string>{"1.0.x"}));
  auto* f2 = find(rep.missing, "F2");  // a fix of a missing fix
  ASSERT_TRUE(f2);
  EXPECT_EQ(f2->depth, 2);
  EXPECT_EQ(f2->group, id["A"]);
  EXPECT_TRUE(find(rep.missing, "F3"));  // B carried by patch-id only, Fixes: with a full id
  EXPECT_TRUE(find(rep.missing, "F4"));  // C carried as a modified backport
  EXPECT_TRUE(find(rep.missing, "F6"));  // wrong id, right subject
  EXPECT_TRUE(find(rep.missing, "EARLY"));
  auto* r1 = find(rep.missing, "R1");  // a revert of a carried commit
  ASSERT_TRUE(r1);
  EXPECT_TRUE(r1->revert);
  EXPECT_FALSE(find(rep.missing, "F5"));  // D is not carried
  EXPECT_FALSE(find(rep.missing, "F8"));  // already in the branch
  // The unresolvable reference is listed, not dropped.
  bool listed = false;
  for (auto& u : rep.unresolved) listed |= u.commit == id["F7"];
  EXPECT_TRUE(listed);
  // Grouped by the carried commit, in upstream order: A's group first.
  ASSERT_FALSE(rep.missing.empty());
  EXPECT_EQ(rep.missing.front().group, id["A"]);
}

TEST_F(FixesTest, SinceLimitsTheFixes) {
  match::FixesOptions o;
  o.since = "v1.1";
  auto rep = run(o);
  EXPECT_FALSE(find(rep.missing, "EARLY"));
  EXPECT_TRUE(find(rep.missing, "F1"));
}

TEST_F(FixesTest, WaiversAndStaleWaivers) {
  test::TempDir tmp;
  std::string path = tmp.str() + "/waivers.toml";
  std::ofstream(path) << "[[waiver]]\ncommit = \"" << id["F3"].substr(0, 10) << "\"\nreason = \"B is not built\"\n"
                      << "author = \"Jane\"\ndate = 2024-06-01\n\n"
                      << "[[waiver]]\ncommit = \"deadbeefdeadbeef\"\nreason = \"old\"\n";
  match::FixesOptions o;
  o.waivers = path;
  auto rep = run(o);
  EXPECT_FALSE(find(rep.missing, "F3"));
  auto* w = find(rep.waived, "F3");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->waiver->reason, "B is not built");
  EXPECT_EQ(w->waiver->date, "2024-06-01");
  ASSERT_EQ(rep.stale_waivers.size(), 1u);
  EXPECT_EQ(rep.stale_waivers[0].commit, "deadbeefdeadbeef");
  EXPECT_EQ(rep.stale_waivers[0].line, 7);
}

TEST_F(FixesTest, MalformedWaiversAreInputErrorsWithLines) {
  test::TempDir tmp;
  std::string bad = tmp.str() + "/bad.toml";
  std::ofstream(bad) << "[[waiver]]\ncommit = \"xyz\"\nreson = \"typo\"\n";
  match::FixesOptions o;
  o.waivers = bad;
  try {
    run(o);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("bad.toml:1: waiver without 'reason'"), std::string::npos) << what;
    EXPECT_NE(what.find("unknown key 'reson'"), std::string::npos) << what;
    EXPECT_NE(what.find("'xyz' is not a commit id"), std::string::npos) << what;
  }
  std::ofstream(bad) << "[[waiver\n";
  try {
    run(o);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.toml:1:"), std::string::npos) << e.what();
  }
}

TEST_F(FixesTest, ApplyCheckInMemory) {
  std::string before = sh_ok(r->dir(), "git status --porcelain; git rev-parse HEAD; git count-objects");
  match::FixesOptions o;
  o.apply_check = true;
  auto rep = run(o);
  auto* f1 = find(rep.missing, "F1");
  ASSERT_TRUE(f1 && f1->applies);
  EXPECT_TRUE(*f1->applies);
  auto* f9 = find(rep.missing, "F9");
  ASSERT_TRUE(f9 && f9->applies);
  EXPECT_FALSE(*f9->applies);
  EXPECT_EQ(f9->conflicts, (std::vector<std::string>{"a.c"}));
  // Nothing written: same work tree, HEAD and loose objects.
  EXPECT_EQ(sh_ok(r->dir(), "git status --porcelain; git rev-parse HEAD; git count-objects"), before);
  // In order: F2 applies on top of F1.
  o.apply_in_order = true;
  auto rep2 = run(o);
  auto* f2 = find(rep2.missing, "F2");
  ASSERT_TRUE(f2 && f2->applies);
  EXPECT_TRUE(*f2->applies);
}

TEST_F(FixesTest, CliCheckAndJson) {
  std::string b = test::beaver_binary();
  auto run_cli = sh(r->dir(), b + " fixes -u main stable --check --format json");
  EXPECT_EQ(run_cli.code, 1) << run_cli.err;
  auto j = nlohmann::json::parse(run_cli.out);
  ASSERT_TRUE(j["missing"].is_array());
  for (auto& m : j["missing"])
    for (const char* k : {"commit", "subject", "fixes", "fixed_in_branch_as", "depth", "applies"})
      EXPECT_TRUE(m.contains(k)) << k;
  EXPECT_TRUE(j["waived"].is_array());
  EXPECT_TRUE(j["summary"].contains("missing"));
  // A branch with nothing to fix: exit 0.
  auto clean = sh(r->dir(), b + " fixes -u main main --check");
  EXPECT_EQ(clean.code, 0) << clean.out << clean.err;
  auto bad = sh(r->dir(), b + " fixes -u main stable --waivers /no/such.toml");
  EXPECT_EQ(bad.code, 2);
}

}  // namespace
}  // namespace beaver
