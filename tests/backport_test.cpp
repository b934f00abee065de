// beaver backport on a scenario repository: a fix that applies alone, one
// that needs an upstream refactor (found by blame, with its reason), a chain
// of three, a prerequisite the branch carries as a modified backport, a
// Fixes: follow-up, a revert, a conflict only the branch explains, --paths,
// --feature, and --apply / --series checked against git itself.
#include "backport/backport.h"
#include "match/apply.h"
#include "report/backport_report.h"
#include "test_util.h"
#include "util/error.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>

namespace beaver {
namespace {

using test::sh;
using test::sh_ok;
using test::TestRepo;

class BackportTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    r = new TestRepo;
    for (const char* f : {"fix", "chain", "carried", "follow", "revert", "conflict", "solo", "removal"})
      r->write(std::string(f) + ".c", test::c_functions(f, 40));
    r->commit("Initial import");
    r->git("tag v1.0");
    auto edit = [](const std::string& file, const std::string& from, const std::string& to) {
      sh_ok(r->dir(), "sed -i 's/" + from + "/" + to + "/' " + file);
    };
    // A refactor, then a fix of a line the refactor wrote.
    edit("fix.c", "fix_10(void) { return 10; }", "fix_10(void) { return helper(10); }");
    edit("fix.c", "fix_11(void) { return 11; }", "fix_11(void) { return helper(11); }");
    id["REFACTOR"] = r->commit("fix: use helper()\n\nSigned-off-by: Ada Lovelace <ada@example.org>\n");
    edit("fix.c", "return helper(11); }", "return helper(11) + 1; }");
    id["FIX"] = r->commit("fix: off by one in fix_11\n\nSigned-off-by: Ada Lovelace <ada@example.org>\n");
    // A fix that stands alone.
    edit("solo.c", "return 20; }", "return 20 + solo_fix(); }");
    id["SOLO"] = r->commit("solo: fix solo_20\n");
    // A chain: each changes the line the one before wrote.
    edit("chain.c", "return 5; }", "return 5 + c1(); }");
    id["C1"] = r->commit("chain: one\n");
    edit("chain.c", "return 5 + c1(); }", "return 5 + c1() + c2(); }");
    id["C2"] = r->commit("chain: two\n");
    edit("chain.c", "return 5 + c1() + c2(); }", "return 5 + c1() + c2() + c3(); }");
    id["C3"] = r->commit("chain: three\n");
    // A prerequisite the branch will carry as a modified backport.
    edit("carried.c", "return 10; }", "return 10 + p(); }");
    edit("carried.c", "return 30; }", "return 30 + p_far(); }");
    id["P"] = r->commit("carried: prerequisite\n");
    edit("carried.c", "return 10 + p(); }", "return 10 + p() + q(); }");
    id["Q"] = r->commit("carried: needs the prerequisite\n");
    // A feature and its fix (Fixes: follow-up).
    edit("follow.c", "return 3; }", "return 3 + feature(); }");
    id["FEATURE"] = r->commit("follow: add feature\n");
    edit("follow.c", "return 30; }", "return 30 + feature_fix(); }");
    id["FEATURE_FIX"] = r->commit("follow: fix feature\n\nFixes: " + id["FEATURE"].substr(0, 12) + " (\"follow: add feature\")\n");
    // A change and its revert.
    edit("revert.c", "return 7; }", "return 7 + reverted(); }");
    id["REVERTED"] = r->commit("revert: a change upstream took back\n");
    sh_ok(r->dir(), "git revert --no-edit " + id["REVERTED"] + " >/dev/null");
    id["REVERT"] = r->head();
    // A change of a line the branch changed on its own.
    edit("conflict.c", "return 15; }", "return 15 + upstream(); }");
    id["CONFLICTING"] = r->commit("conflict: upstream change\n");
    // A line removed, then the line after it changed (blame cannot see the removal).
    sh_ok(r->dir(), "sed -i '/removal_20(/d' removal.c");
    id["REMOVE"] = r->commit("removal: drop removal_20\n");
    edit("removal.c", "return 21; }", "return 21 + after_removal(); }");
    id["AFTER_REMOVE"] = r->commit("removal: change the line after it\n");
    // A file upstream adds that the branch added on its own, differently.
    r->write("both.c", "int upstream_version;\n");
    id["ADD_UPSTREAM"] = r->commit("both: add it upstream\n");
    // A feature of the catalog: sme-host (its marker file and its symbol).
    r->write("arch/x86/mm/mem_encrypt_identity.c", "void sme_enable(void) {}\n");
    id["SME"] = r->commit("x86/mm: add SME\n");
    r->write("arch/x86/Kconfig", "config X86\n\tdef_bool y\n\nconfig AMD_MEM_ENCRYPT\n\tbool \"AMD SME\"\n");
    id["SME_KCONFIG"] = r->commit("x86: Kconfig for SME\n");
    r->git("branch -M main");

    // The branch: v1.0, a modified backport of P, a local change of conflict.c.
    r->git("checkout -q -b stable v1.0");
    edit("carried.c", "return 10; }", "return 10 + p(); }");
    edit("carried.c", "return 30; }", "return 30 + p_far_stable(); }");
    id["P_STABLE"] = r->commit("carried: prerequisite\n\n[ backported: p_far differs on stable ]\n");
    edit("conflict.c", "return 15; }", "return 15 + local(); }");
    id["LOCAL"] = r->commit("conflict: a change of the branch's own\n");
    r->write("both.c", "int branch_version;\n");
    id["ADD_BRANCH"] = r->commit("both: add it on the branch\n");
    r->git("checkout -q main");
    r->git("config user.name 'Ada Lovelace'");
    r->git("config user.email ada@example.org");
  }
  static void TearDownTestSuite() {
    delete r;
    r = nullptr;
  }

  static backport::Plan plan_of(std::vector<std::string> revisions, const std::function<void(backport::Options&)>& tweak = {}) {
    git::Repository repo = git::Repository::open(r->dir());
    backport::Options o;
    o.upstream = "main";
    o.onto = "stable";
    o.revisions = std::move(revisions);
    if (tweak) tweak(o);
    return backport::plan(repo, o);
  }
  static std::vector<std::string> commits(const backport::Plan& p) {
    std::vector<std::string> out;
    for (auto& s : p.steps) out.push_back(s.commit);
    return out;
  }
  static const backport::Step* step(const backport::Plan& p, const std::string& commit) {
    for (auto& s : p.steps)
      if (s.commit == commit) return &s;
    return nullptr;
  }

  static TestRepo* r;
  static std::map<std::string, std::string> id;
};

TestRepo* BackportTest::r = nullptr;
std::map<std::string, std::string> BackportTest::id;

TEST_F(BackportTest, AFixThatAppliesAloneIsOneStep) {
  auto p = plan_of({id["SOLO"]});
  ASSERT_EQ(commits(p), std::vector<std::string>{id["SOLO"]});
  EXPECT_EQ(p.steps[0].role, "requested");
  EXPECT_EQ(p.steps[0].result, "applies");
  EXPECT_EQ(p.category, "bugfix");
  EXPECT_EQ(p.summary.at("commits"), 1u);
  EXPECT_EQ(p.summary.at("lines"), 2u);  // one line out, one in
  EXPECT_TRUE(p.limits.empty());
}

TEST_F(BackportTest, TheRefactorAFixNeedsComesFirstWithItsReason) {
  auto p = plan_of({id["FIX"]});
  ASSERT_EQ(commits(p), (std::vector<std::string>{id["REFACTOR"], id["FIX"]}));
  const auto& pre = p.steps[0];
  EXPECT_EQ(pre.role, "prerequisite");
  EXPECT_EQ(pre.needed_by, std::vector<std::string>{id["FIX"]});
  ASSERT_EQ(pre.reasons.size(), 1u);
  EXPECT_EQ(pre.reasons[0], id["FIX"].substr(0, 12) + "'s hunk at fix.c:11 needs lines from it");
  EXPECT_EQ(pre.result, "applies");
  EXPECT_EQ(p.steps[1].result, "applies");
  EXPECT_EQ(p.summary.at("prerequisites"), 1u);
}

TEST_F(BackportTest, AnUpstreamRemovalNextToAHunkIsAPrerequisite) {
  auto p = plan_of({id["AFTER_REMOVE"]});
  ASSERT_EQ(commits(p), (std::vector<std::string>{id["REMOVE"], id["AFTER_REMOVE"]}));
  ASSERT_EQ(p.steps[0].reasons.size(), 1u);
  EXPECT_EQ(p.steps[0].reasons[0], id["AFTER_REMOVE"].substr(0, 12) + "'s hunk at removal.c:19 needs lines it removed");
  for (auto& s : p.steps) EXPECT_EQ(s.result, "applies") << s.subject;
  // Without it, git conflicts too.
  test::TempDir wt;
  std::string w = wt.str() + "/w";
  auto alone = sh(r->dir(), "git worktree add -q --detach " + w + " stable && cd " + w + " && git cherry-pick " +
                                id["AFTER_REMOVE"] + " >/dev/null 2>&1");
  EXPECT_NE(alone.code, 0);
  sh(r->dir(), "git -C " + w + " cherry-pick --abort; git worktree remove --force " + w);
}

TEST_F(BackportTest, AChainOfThreeIsFollowedToItsRoot) {
  auto p = plan_of({id["C3"]});
  EXPECT_EQ(commits(p), (std::vector<std::string>{id["C1"], id["C2"], id["C3"]}));
  EXPECT_EQ(step(p, id["C1"])->depth, 2);
  for (auto& s : p.steps) EXPECT_EQ(s.result, "applies") << s.subject;
  // A bound on the depth is said, not hidden.
  auto cut = plan_of({id["C3"]}, [](backport::Options& o) { o.max_depth = 1; });
  EXPECT_EQ(commits(cut), (std::vector<std::string>{id["C2"], id["C3"]}));
  ASSERT_FALSE(cut.limits.empty());
  EXPECT_NE(cut.limits[0].find("--max-depth"), std::string::npos);
  EXPECT_EQ(cut.steps[0].result, "conflicts");  // without C1, C2 cannot apply
}

TEST_F(BackportTest, APrerequisiteTheBranchCarriesModifiedIsNotPlannedAgain) {
  // Q's lines come from P; the branch has P's change there (its backport
  // differs elsewhere), so Q needs nothing more and applies.
  auto p = plan_of({id["Q"]});
  ASSERT_EQ(commits(p), std::vector<std::string>{id["Q"]});
  EXPECT_EQ(p.steps[0].result, "applies");
  // Asked for together, P is named as carried, by the branch's modified backport.
  auto both = plan_of({id["P"], id["Q"]});
  ASSERT_EQ(commits(both), std::vector<std::string>{id["Q"]});
  ASSERT_EQ(both.carried.size(), 1u);
  EXPECT_EQ(both.carried[0].commit, id["P"]);
  EXPECT_EQ(both.carried[0].carried_as, id["P_STABLE"]);
  EXPECT_NE(both.carried[0].how, "same");
  EXPECT_EQ(both.steps[0].result, "applies");
}

TEST_F(BackportTest, AMissingFixOfAStepFollowsIt) {
  auto p = plan_of({id["FEATURE"]});
  ASSERT_EQ(commits(p), (std::vector<std::string>{id["FEATURE"], id["FEATURE_FIX"]}));
  EXPECT_EQ(p.steps[1].role, "fix");
  EXPECT_EQ(p.steps[1].needed_by, std::vector<std::string>{id["FEATURE"]});
  auto bare = plan_of({id["FEATURE"]}, [](backport::Options& o) { o.follow_fixes = false; });
  EXPECT_EQ(commits(bare), std::vector<std::string>{id["FEATURE"]});
}

TEST_F(BackportTest, ARevertedCommitLeavesThePlanUnlessAsked) {
  auto p = plan_of({id["REVERTED"], id["SOLO"]});
  EXPECT_EQ(commits(p), std::vector<std::string>{id["SOLO"]});
  ASSERT_EQ(p.not_planned.size(), 1u);
  EXPECT_EQ(p.not_planned[0].commit, id["REVERTED"]);
  EXPECT_NE(p.not_planned[0].why.find("reverted upstream by " + id["REVERT"].substr(0, 12)), std::string::npos);
  auto kept = plan_of({id["REVERTED"]}, [](backport::Options& o) { o.keep_reverted = true; });
  ASSERT_EQ(commits(kept), (std::vector<std::string>{id["REVERTED"], id["REVERT"]}));
  EXPECT_EQ(kept.steps[1].role, "revert");
  EXPECT_EQ(kept.steps[1].result, "applies");
}

TEST_F(BackportTest, AConflictNoUpstreamCommitExplainsIsReportedWithTheBranchCommit) {
  auto p = plan_of({id["CONFLICTING"]});
  ASSERT_EQ(commits(p), std::vector<std::string>{id["CONFLICTING"]});
  const auto& s = p.steps[0];
  EXPECT_EQ(s.result, "conflicts");
  ASSERT_EQ(s.conflicts.size(), 1u);
  EXPECT_EQ(s.conflicts[0].file, "conflict.c");
  ASSERT_FALSE(s.conflicts[0].lines.empty());
  EXPECT_EQ(s.conflicts[0].lines[0], 15);
  EXPECT_EQ(s.conflicts[0].changed_on_branch, std::vector<std::string>{id["LOCAL"]});
  EXPECT_EQ(p.summary.at("conflicts"), 1u);
}

TEST_F(BackportTest, AFileBothSidesAddedDifferentlyConflicts) {
  auto p = plan_of({id["ADD_UPSTREAM"]});
  ASSERT_EQ(commits(p), std::vector<std::string>{id["ADD_UPSTREAM"]});
  EXPECT_EQ(p.steps[0].result, "conflicts");  // git: add/add
  ASSERT_EQ(p.steps[0].conflicts.size(), 1u);
  EXPECT_EQ(p.steps[0].conflicts[0].file, "both.c");
  EXPECT_EQ(p.steps[0].conflicts[0].changed_on_branch, std::vector<std::string>{id["ADD_BRANCH"]});
}

TEST_F(BackportTest, PathsAndFeaturesNameTheirCommits) {
  auto p = plan_of({}, [](backport::Options& o) { o.paths = {"chain.c"}; });
  EXPECT_EQ(commits(p), (std::vector<std::string>{id["C1"], id["C2"], id["C3"]}));
  for (auto& s : p.steps) EXPECT_EQ(s.role, "requested");
  auto f = plan_of({}, [](backport::Options& o) { o.features = {"sme-host"}; });
  EXPECT_EQ(commits(f), (std::vector<std::string>{id["SME"], id["SME_KCONFIG"]}));
  EXPECT_NE(f.steps[0].reasons[0].find("feature sme-host: arch/x86/mm/mem_encrypt_identity.c"), std::string::npos);
  EXPECT_NE(f.steps[1].reasons[0].find("config AMD_MEM_ENCRYPT"), std::string::npos);
  EXPECT_THROW(plan_of({}, [](backport::Options& o) { o.features = {"no-such-feature"}; }), Error);
  EXPECT_THROW(plan_of({}), Error);  // nothing asked for
}

TEST_F(BackportTest, ARangeAndAnAlreadyPresentCommit) {
  auto p = plan_of({id["C1"] + ".." + id["C3"]});
  EXPECT_EQ(commits(p), (std::vector<std::string>{id["C1"], id["C2"], id["C3"]}));
  EXPECT_EQ(p.steps[0].role, "prerequisite");  // the range starts after C1; C2 needs it
  EXPECT_EQ(p.steps[1].role, "requested");
  auto none = plan_of({id["P"]});
  EXPECT_TRUE(none.steps.empty());
  ASSERT_EQ(none.carried.size(), 1u);
  EXPECT_EQ(none.carried[0].carried_as, id["P_STABLE"]);
}

TEST_F(BackportTest, ApplyWritesTheBranchGitWouldAndTheSeriesGitAmTakes) {
  auto p = plan_of({id["FIX"]});
  git::Repository repo = git::Repository::open(r->dir());
  test::TempDir series;
  backport::ApplyOptions ao;
  ao.branch = "stable-fix";
  ao.series_dir = series.str();
  std::string head = backport::apply(repo, p, ao);
  EXPECT_EQ(r->git("rev-parse stable-fix").substr(0, 40), head);
  EXPECT_EQ(r->git("rev-list --count stable..stable-fix"), "2\n");
  // The same tree as git cherry-pick, in a scratch worktree.
  test::TempDir wt;
  sh_ok(r->dir(), "git worktree add -q --detach " + wt.str() + "/w stable && cd " + wt.str() + "/w && git cherry-pick " +
                      id["REFACTOR"] + " " + id["FIX"] + " >/dev/null");
  EXPECT_EQ(sh_ok(wt.str() + "/w", "git rev-parse HEAD^{tree}"), r->git("rev-parse stable-fix^{tree}"));
  // Messages: the upstream reference, and Stable-dep-of on the prerequisite.
  std::string pre = r->git("log -1 --format=%B stable-fix^");
  EXPECT_EQ(pre, "fix: use helper()\n\ncommit " + id["REFACTOR"] + " upstream.\n\nSigned-off-by: Ada Lovelace <ada@example.org>\n" +
                     "Stable-dep-of: " + id["FIX"].substr(0, 12) + " (\"fix: off by one in fix_11\")\n\n");
  EXPECT_EQ(r->git("log -1 --format=%an stable-fix"), "Ada Lovelace\n");
  // The series: git am of it gives the same tree.
  auto files = sh_ok(series.str(), "ls");
  EXPECT_EQ(files, "0001-fix-use-helper.patch\n0002-fix-off-by-one-in-fix_11.patch\n");
  sh_ok(wt.str() + "/w", "git reset -q --hard stable && git am -q " + series.str() + "/*.patch");
  EXPECT_EQ(sh_ok(wt.str() + "/w", "git rev-parse HEAD^{tree}"), r->git("rev-parse stable-fix^{tree}"));
  // An existing branch is kept unless forced; cherry-pick references.
  EXPECT_THROW(backport::apply(repo, p, ao), Error);
  ao.force = true;
  ao.series_dir.clear();
  ao.reference = backport::Reference::CherryPick;
  backport::apply(repo, p, ao);
  EXPECT_EQ(r->git("log -1 --format=%B stable-fix"), "fix: off by one in fix_11\n\nSigned-off-by: Ada Lovelace <ada@example.org>\n"
                                                      "(cherry picked from commit " + id["FIX"] + ")\n\n");
  sh_ok(r->dir(), "git worktree remove --force " + wt.str() + "/w");
  // A plan that conflicts writes nothing.
  auto bad = plan_of({id["CONFLICTING"]});
  ao.branch = "stable-conflict";
  EXPECT_THROW(backport::apply(repo, bad, ao), Error);
  EXPECT_NE(sh(r->dir(), "git rev-parse -q --verify stable-conflict").code, 0);
}

TEST_F(BackportTest, MessageReferenceLines) {
  backport::Step s;
  s.commit = std::string(40, 'a');
  EXPECT_EQ(backport::backport_message("subject only\n", s, {}, backport::Reference::Upstream),
            "subject only\n\ncommit " + s.commit + " upstream.\n");
  EXPECT_EQ(backport::backport_message("subject\n\nBody text.\n", s, {}, backport::Reference::CherryPick),
            "subject\n\nBody text.\n\n(cherry picked from commit " + s.commit + ")\n");
  EXPECT_EQ(backport::backport_message("subject\n\nBody.\n\nSigned-off-by: A <a@b>\n", s, {{std::string(40, 'b'), "other"}},
                                       backport::Reference::Upstream),
            "subject\n\ncommit " + s.commit + " upstream.\n\nBody.\n\nSigned-off-by: A <a@b>\nStable-dep-of: bbbbbbbbbbbb (\"other\")\n");
  EXPECT_EQ(backport::category_of(5), "bugfix");
  EXPECT_EQ(backport::category_of(6), "feature");
  EXPECT_EQ(backport::category_of(51), "mass");
}

TEST_F(BackportTest, JsonFollowsTheContract) {
  auto j = report::backport_json(plan_of({id["FIX"], id["CONFLICTING"]}));
  for (const char* k : {"onto", "upstream", "category", "summary", "steps", "carried", "not_planned"}) EXPECT_TRUE(j.contains(k)) << k;
  ASSERT_EQ(j["steps"].size(), 3u);
  for (auto& s : j["steps"])
    for (const char* k : {"commit", "subject", "role", "needed_by", "reasons", "result", "conflicts", "files", "lines"})
      EXPECT_TRUE(s.contains(k)) << k;
  EXPECT_EQ(j["steps"][2]["result"], "conflicts");
  EXPECT_EQ(j["steps"][2]["conflicts"][0]["file"], "conflict.c");
  // The CLI: --check exits 1 on a conflicting plan, 0 on a clean one; bad input exits 2.
  auto cli = test::quote(test::beaver_binary()) + " backport -q --onto stable -u main ";
  EXPECT_EQ(sh(r->dir(), cli + id["CONFLICTING"] + " --check").code, 1);
  EXPECT_EQ(sh(r->dir(), cli + id["SOLO"] + " --check").code, 0);
  EXPECT_EQ(sh(r->dir(), cli + "no-such-rev").code, 2);
  auto md = sh_ok(r->dir(), cli + id["FIX"] + " --format markdown");
  EXPECT_NE(md.find("needs lines from it"), std::string::npos);
  auto html = sh_ok(r->dir(), cli + id["FIX"] + " --format html");
  EXPECT_NE(html.find("prerequisite"), std::string::npos);
}

// Picked onto an older tree, a file upstream renamed and edited merges as
// git cherry-pick merges it, however many other files differ (libgit2 alone
// gives up renames past 1000 changed paths: a false modify/delete conflict),
// and the result is git's.
TEST(BackportRenames, ARenamedAndEditedFileAppliesAsWithGit) {
  TestRepo r;
  std::string doc;
  for (int k = 1; k <= 100; ++k) doc += fmt::format("line {}\n", k);
  r.write("doc.txt", doc);
  sh_ok(r.dir(), "for i in $(seq 1 1200); do echo \"file $i\" > f$i.txt; done");
  r.commit("base");
  r.git("tag v1");
  // Upstream changes 1200 files (and doc.txt, away from the later edit) ...
  sh_ok(r.dir(), "for i in $(seq 1 1200); do echo \"file $i changed\" > f$i.txt; done && sed -i 's/^line 10$/line ten/' doc.txt");
  r.commit("many files");
  // ... then renames doc.txt and edits it.
  sh_ok(r.dir(), "mkdir dir && git mv doc.txt dir/doc.txt && sed -i 's/^line 50$/line fifty/' dir/doc.txt");
  std::string rename = r.commit("move doc into dir\n");
  r.git("branch -M main");
  git::Repository repo = git::Repository::open(r.dir());
  backport::Options o;
  o.upstream = "main";
  o.onto = "v1";
  o.revisions = {rename};
  auto p = backport::plan(repo, o);
  ASSERT_EQ(p.steps.size(), 1u);
  EXPECT_EQ(p.steps[0].result, "applies");
  EXPECT_TRUE(p.steps[0].conflicts.empty());
  sh_ok(r.dir(), "git checkout -q --detach v1 && git cherry-pick " + rename + " >/dev/null");  // git agrees
  const std::string picked_by_git = r.git("rev-parse HEAD^{tree}");
  backport::ApplyOptions ao;
  ao.branch = "picked";
  r.git("config user.name 'Ada Lovelace'");
  r.git("config user.email ada@example.org");
  backport::apply(repo, p, ao);
  EXPECT_EQ(r.git("rev-parse picked^{tree}"), picked_by_git);

  // A later edit of the moved file, picked onto v1 where it has its old
  // name: only a whole-tree merge can find it there. With a rename limit
  // below what differs, libgit2 alone sees a modify/delete conflict; git's
  // merge (it looks at the renames that matter) decides, and says it did.
  r.git("checkout -q main");
  sh_ok(r.dir(), "sed -i 's/^line 80$/line eighty/' dir/doc.txt");
  std::string edit = r.commit("edit the moved doc\n");
  sh_ok(r.dir(), "git checkout -q --detach v1 && git cherry-pick " + edit + " >/dev/null");  // git: clean
  r.git("config merge.renameLimit 500");
  const std::string objects_before = r.git("count-objects -v");
  {
    git::Repository again = git::Repository::open(r.dir());
    match::TreePicker picker(again, /*scratch=*/true);
    auto v1 = *git::Oid::from_hex(r.git("rev-parse v1^{commit}").substr(0, 40));
    auto pick = picker.pick(*git::Oid::from_hex(edit), picker.tree_of(v1));
    EXPECT_EQ(pick.kind, match::PickResult::Applies);
    EXPECT_EQ(picker.git_checked(), 1u);
    EXPECT_EQ(picker.git_cleared(), 1u);
    EXPECT_EQ(pick.tree.hex() + "\n", r.git("rev-parse HEAD^{tree}"));
  }
  EXPECT_EQ(r.git("count-objects -v"), objects_before);  // the scratch objects are gone, the repository untouched
}

}  // namespace
}  // namespace beaver
