// beaver assemble / combine on a scenario repository: a vendor branch on an
// older base, one of its patches also merged upstream (dropped, with its
// release), one conflicting with an upstream change (with the commit that
// caused it), a posted series as an mbox (with a cover letter), a quilt
// series (one patch a plain diff), determinism, and that nothing of the
// user's (refs, index, work tree) changes. Trees are checked against git am
// and git cherry-pick run by hand.
#include "pipeline/assemble.h"
#include "pipeline/manifest.h"
#include "report/assemble_report.h"
#include "test_util.h"
#include "util/error.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>

namespace beaver {
namespace {

using test::sh;
using test::sh_ok;
using test::TestRepo;

class AssembleTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    r = new TestRepo;
    // The manifest and the series files live in the work tree, untracked.
    sh_ok(r->dir(), "printf 'series/\\npatches/\\nbeaver.toml\\n' >> .git/info/exclude");
    for (const char* f : {"core", "drv", "mm", "mail", "quilt"}) r->write(std::string(f) + ".c", test::c_functions(f, 40));
    r->commit("Initial import");
    r->git("tag v1.0");
    auto edit = [](const std::string& file, const std::string& from, const std::string& to) {
      sh_ok(r->dir(), "sed -i 's/" + from + "/" + to + "/' " + file);
    };
    // The vendor branch, on v1.0.
    r->git("checkout -q -b vendor");
    edit("core.c", "return 3; }", "return 3 + vendor_one(); }");
    id["P1"] = r->commit("core: vendor patch one\n\nSigned-off-by: Vendor <v@example.org>\n");
    edit("drv.c", "return 10; }", "return 10 + merged(); }");
    id["P2"] = r->commit("drv: a fix upstream took\n");
    edit("mm.c", "return 20; }", "return 20 + vendor_mm(); }");
    id["P3"] = r->commit("mm: vendor change upstream rewrote\n");
    edit("core.c", "return 30; }", "return 30 + vendor_four(); }");
    id["P4"] = r->commit("core: vendor patch four\n");
    // Upstream moves on: takes P2 (cherry-picked), rewrites mm_20's line.
    r->git("checkout -q main");
    edit("core.c", "return 35; }", "return 35 + upstream(); }");
    r->commit("core: an upstream change\n");
    sh_ok(r->dir(), "git cherry-pick -x " + id["P2"] + " >/dev/null");
    id["U2"] = r->head();
    edit("mm.c", "return 20; }", "return 20 * upstream_mm(); }");
    id["UMM"] = r->commit("mm: upstream rewrites mm_20\n");
    r->git("tag v1.1");
    // A posted series (cover letter + 2 patches) and a quilt series, from a scratch branch.
    r->git("checkout -q -b posted v1.1");
    edit("mail.c", "return 5; }", "return 5 + posted_one(); }");
    r->commit("mail: posted one\n\nThe first patch of a posted series.\n\nSigned-off-by: Poster <p@example.org>\n");
    edit("mail.c", "return 25; }", "return 25 + posted_two(); }");
    r->commit("mail: posted two\n\nSigned-off-by: Poster <p@example.org>\n");
    sh_ok(r->dir(), "mkdir -p series patches && git format-patch -q --thread --cover-letter --stdout v1.1..posted > series/posted.mbox");
    // git am stops at a cover letter: its reference run reads the patches alone.
    sh_ok(r->dir(), "git format-patch -q --stdout v1.1..posted > series/posted-patches.mbox");
    edit("quilt.c", "return 7; }", "return 7 + quilt_one(); }");
    r->commit("quilt: one\n\nFrom a quilt series.\n");
    sh_ok(r->dir(), "git format-patch -q -1 --stdout > patches/quilt-one.patch");
    edit("quilt.c", "return 17; }", "return 17 + quilt_two(); }");
    r->commit("quilt: two\n");
    // The second as a bare diff, as quilt itself writes it (no mail header).
    sh_ok(r->dir(), "{ echo 'Add quilt_two.'; echo; git diff HEAD~1 HEAD; } > patches/quilt-two.patch");
    sh_ok(r->dir(), "printf '# the quilt series\\nquilt-one.patch\\nquilt-two.patch -p1\\n' > patches/series");
    r->git("checkout -q main");
    sh_ok(r->dir(), "git branch -D -q posted");
  }
  static void TearDownTestSuite() {
    delete r;
    r = nullptr;
  }

  static std::string manifest_file(const std::string& text) {
    std::string path = r->dir() + "/beaver.toml";
    std::ofstream(path) << text;
    return path;
  }
  static pipeline::Manifest manifest(const std::string& text) { return pipeline::load_manifest(manifest_file(text), r->dir()); }

  // The tree git itself makes: cherry-picks and git am in a scratch clone.
  static std::string tree_by_git(const std::string& base, const std::vector<std::string>& picks, const std::vector<std::string>& am) {
    test::TempDir clone;
    sh_ok(clone.str(), "git clone -q " + test::quote(r->dir()) + " c && cd c && git checkout -q " + base);
    for (auto& p : picks) sh_ok(clone.str() + "/c", "git cherry-pick --allow-empty " + p + " >/dev/null");
    for (auto& f : am) sh_ok(clone.str() + "/c", "git am -q " + test::quote(f));
    return sh_ok(clone.str() + "/c", "git rev-parse HEAD^{tree}").substr(0, 40);
  }

  static TestRepo* r;
  static std::map<std::string, std::string> id;
};
TestRepo* AssembleTest::r = nullptr;
std::map<std::string, std::string> AssembleTest::id;

TEST_F(AssembleTest, ManifestProblemsAreAllReportedWithTheirLines) {
  std::string text =
      "[defaults]\n"            // 1
      "upstream = \"main\"\n"  // 2
      "colour = \"red\"\n"       // 3: unknown key
      "[target.snp]\n"           // 4: no base
      "patches = [\n"            // 5
      "  { branch = \"vendor\" },\n"  // 6
      "  { tarball = \"x\" },\n"      // 7: unknown source
      "  { mbox = \"missing.mbox\" },\n"  // 8: no such file
      "  { branch = \"a\", mbox = \"b\" },\n"  // 9: two sources
      "]\n"
      "make = 3\n";  // 11: not strings
  try {
    pipeline::parse_manifest(text, r->dir() + "/m.toml", r->dir());
    FAIL() << "no error";
  } catch (const Error& e) {
    std::string what = e.what();
    for (const char* want : {"m.toml:3: [defaults] has no key 'colour'", "m.toml:4: target.snp has no base",
                             "m.toml:7: target.snp.patches: unknown source 'tarball'", "m.toml:8: target.snp.patches: mbox file",
                             "m.toml:9: target.snp.patches: an entry has exactly one of", "m.toml:11: target.snp.make must be"})
      EXPECT_NE(what.find(want), std::string::npos) << want << "\nin:\n" << what;
  }
  // A TOML syntax error names its line too.
  try {
    pipeline::parse_manifest("[target.x]\nbase = \n", "bad.toml", r->dir());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.toml:2"), std::string::npos) << e.what();
  }
  // Targets keep the file's order; components come after them.
  pipeline::Manifest m = pipeline::parse_manifest(
      "[component.qemu]\nbase = \"v1.0\"\nbuild = [\"make -j{jobs}\"]\n[target.zz]\nbase = \"v1.0\"\n[target.aa]\nbase = \"v1.1\"\n",
      r->dir() + "/m.toml", r->dir());
  ASSERT_EQ(m.targets.size(), 3u);
  EXPECT_EQ(m.targets[0].name, "zz");
  EXPECT_EQ(m.targets[1].name, "aa");
  EXPECT_TRUE(m.targets[2].component);
  EXPECT_EQ(m.select({}).size(), 2u);
  EXPECT_THROW(m.select({"nope"}), Error);
}

TEST_F(AssembleTest, StatusesTreesDeterminismAndNothingOfTheUsersChanges) {
  pipeline::Manifest m = manifest(
      "[defaults]\nupstream = \"main\"\n"
      "[target.lab]\nbase = \"v1.1\"\n"
      "patches = [ { commits = [\"" + id["P1"] + "\", \"" + id["P2"] + "\", \"" + id["P4"] + "\"] },\n"
      "            { mbox = \"series/posted.mbox\" }, { series = \"patches/series\" },\n"
      "            { commits = [\"" + id["P1"] + "\"] } ]\n");
  std::string refs_before = r->git("for-each-ref --format='%(refname) %(objectname)'");
  std::string status_before = sh_ok(r->dir(), "git status --porcelain=v2 --branch");
  std::string index_before = sh_ok(r->dir(), "sha1sum .git/index");

  pipeline::TargetAssembly a = pipeline::assemble_target(*m.find("lab"), {});
  ASSERT_EQ(a.patches.size(), 8u);  // 3 commits, 2 mails (the cover letter is not a patch), 2 quilt patches, P1 again
  EXPECT_EQ(a.patches[0].status, "applied");
  EXPECT_EQ(a.patches[1].status, "dropped-upstream");
  EXPECT_EQ(a.patches[1].upstream_commit, id["U2"]);
  EXPECT_EQ(a.patches[1].release, "v1.1");
  EXPECT_EQ(a.patches[2].status, "applied");
  EXPECT_EQ(a.patches[3].status, "applied");
  EXPECT_EQ(a.patches[3].subject, "mail: posted one");
  EXPECT_FALSE(a.patches[3].message_id.empty());
  EXPECT_EQ(a.patches[3].author, r->git("log -1 --format=%an v1.0").substr(0, a.patches[3].author.size()));
  EXPECT_FALSE(a.patches[3].author.empty());
  EXPECT_EQ(a.patches[5].status, "applied");
  EXPECT_EQ(a.patches[6].status, "applied");
  EXPECT_EQ(a.patches[6].subject, "Add quilt_two.");
  EXPECT_EQ(a.patches[7].status, "already-applied");
  EXPECT_TRUE(a.ref_updated);
  EXPECT_EQ(r->git("rev-parse beaver/lab").substr(0, 40), a.head);
  // The patch-id of each patch is git's.
  EXPECT_EQ(a.patches[0].patch_id, sh_ok(r->dir(), "git show " + id["P1"] + " | git patch-id --stable").substr(0, 40));

  // Git's own cherry-pick and git am give the same tree; the messages are git am's.
  std::string by_git = tree_by_git("v1.1", {id["P1"], id["P4"]},
                                   {r->dir() + "/series/posted-patches.mbox", r->dir() + "/patches/quilt-one.patch"});
  std::string head_tree_minus_last = r->git("rev-parse beaver/lab~1^{tree}").substr(0, 40);
  EXPECT_EQ(head_tree_minus_last, by_git);
  EXPECT_EQ(r->git("log -1 --format=%B beaver/lab~2"), "mail: posted two\n\nSigned-off-by: Poster <p@example.org>\n\n");
  EXPECT_EQ(r->git("log -1 --format='%an <%ae> %cn <%ce>' beaver/lab~2"),
            r->git("log -1 --format='%an <%ae>' v1.0").substr(0, 0) + r->git("log -1 --format='%an <%ae>' v1.0").substr(0, r->git("log -1 --format='%an <%ae>' v1.0").size() - 1) +
                " beaver assemble <beaver@assemble.invalid>\n");

  // Determinism: the same inputs give the same commit ids.
  pipeline::TargetAssembly again = pipeline::assemble_target(*m.find("lab"), {});
  EXPECT_EQ(again.head, a.head);

  // Nothing else of the user's changed: other refs, the index file, the work tree.
  std::string refs_after = sh_ok(r->dir(), "git for-each-ref --format='%(refname) %(objectname)' | grep -v '^refs/heads/beaver/'");
  EXPECT_EQ(refs_after, refs_before);
  EXPECT_EQ(sh_ok(r->dir(), "git status --porcelain=v2 --branch"), status_before);
  EXPECT_EQ(sh_ok(r->dir(), "sha1sum .git/index"), index_before);
  r->git("branch -D -q beaver/lab");
}

TEST_F(AssembleTest, AConflictNamesItsFilesAndTheBaseCommitThatCausedIt) {
  pipeline::Manifest m = manifest("[target.v]\nbase = \"v1.1\"\nupstream = \"main\"\npatches = [ { branch = \"vendor\" } ]\n");
  pipeline::TargetAssembly a = pipeline::assemble_target(*m.find("v"), {});
  ASSERT_EQ(a.patches.size(), 4u);
  EXPECT_EQ(a.patches[0].status, "applied");
  EXPECT_EQ(a.patches[1].status, "dropped-upstream");
  ASSERT_EQ(a.patches[2].status, "conflict");
  ASSERT_TRUE(a.patches[2].conflict);
  EXPECT_EQ(a.patches[2].conflict->files, std::vector<std::string>{"mm.c"});
  ASSERT_FALSE(a.patches[2].conflict->hunks.empty());
  EXPECT_EQ(a.patches[2].conflict->hunks[0].rfind("mm.c:", 0), 0u);
  EXPECT_EQ(a.patches[2].conflict->caused_by, std::vector<std::string>{id["UMM"]});
  EXPECT_EQ(a.patches[3].status, "not-tried");
  EXPECT_FALSE(a.ref_updated);
  EXPECT_NE(r->git("branch --list beaver/v"), std::string("  beaver/v\n"));

  // --keep-going: every patch tried, the branch still not written.
  pipeline::AssembleOptions o;
  o.keep_going = true;
  a = pipeline::assemble_target(*m.find("v"), o);
  EXPECT_EQ(a.patches[3].status, "applied");
  EXPECT_EQ(a.summary["conflict"], 1u);
  EXPECT_FALSE(a.ref_updated);
  EXPECT_EQ(r->git("branch --list 'beaver/*'"), "");

  // The command: exit 1, the JSON contract.
  test::Run run = sh(r->dir(), test::quote(test::beaver_binary()) + " assemble v --format json");
  EXPECT_EQ(run.code, 1) << run.err;
  nlohmann::json j = nlohmann::json::parse(run.out);
  ASSERT_EQ(j["targets"].size(), 1u);
  auto& t = j["targets"][0];
  for (const char* k : {"name", "base", "base_commit", "ref", "head", "patches", "summary"}) EXPECT_TRUE(t.contains(k)) << k;
  EXPECT_EQ(t["patches"][1]["status"], "dropped-upstream");
  EXPECT_EQ(t["patches"][1]["upstream_commit"], id["U2"]);
  EXPECT_EQ(t["patches"][2]["conflict"]["caused_by"][0], id["UMM"]);
  for (const char* k : {"source", "commit", "subject", "patch_id", "status", "upstream_commit", "release", "conflict"})
    EXPECT_TRUE(t["patches"][0].contains(k)) << k;
}

TEST_F(AssembleTest, CombineFindsWhichPatchConflictsWithWhich) {
  auto edit_branch = [&](const std::string& name, const std::string& file, const std::string& from, const std::string& to,
                         const std::string& subject) {
    r->git("checkout -q -B " + name + " v1.1");
    sh_ok(r->dir(), "sed -i 's/" + from + "/" + to + "/' " + file);
    r->commit(subject + "\n");
    r->git("checkout -q main");
  };
  edit_branch("snp", "drv.c", "return 30; }", "return 30 + snp(); }", "drv: snp support");
  edit_branch("tdx", "drv.c", "return 30; }", "return 30 + tdx(); }", "drv: tdx support");
  edit_branch("sgx", "core.c", "return 12; }", "return 12 + sgx(); }", "core: sgx support");
  pipeline::Manifest m = manifest(
      "[target.snp]\nbase = \"v1.0\"\npatches = [ { branch = \"snp\" } ]\n"
      "[target.tdx]\nbase = \"v1.1\"\npatches = [ { branch = \"tdx\" } ]\n"
      "[target.sgx]\nbase = \"v1.1\"\npatches = [ { branch = \"sgx\" } ]\n");
  pipeline::CombineReport bad = pipeline::combine(*m.find("snp"), *m.find("tdx"), {});
  EXPECT_FALSE(bad.combines);
  EXPECT_EQ(bad.base, "v1.1");  // the newer base
  ASSERT_EQ(bad.conflicts.size(), 2u);  // one per order
  EXPECT_EQ(bad.conflicts[0].order, "snp+tdx");
  EXPECT_EQ(bad.conflicts[0].patch, "tdx#1: drv: tdx support");
  EXPECT_EQ(bad.conflicts[0].with, "snp#1: drv: snp support");
  EXPECT_EQ(bad.conflicts[1].order, "tdx+snp");
  EXPECT_EQ(bad.conflicts[1].patch, "snp#1: drv: snp support");
  EXPECT_EQ(bad.conflicts[0].files, std::vector<std::string>{"drv.c"});

  pipeline::CombineReport good = pipeline::combine(*m.find("snp"), *m.find("sgx"), {});
  EXPECT_TRUE(good.combines);
  EXPECT_EQ(good.order, "snp+sgx");
  EXPECT_EQ(good.series.size(), 2u);
  test::Run run = sh(r->dir(), test::quote(test::beaver_binary()) + " combine snp tdx");
  EXPECT_EQ(run.code, 1) << run.err;
  EXPECT_NE(run.out.find("they do not combine"), std::string::npos) << run.out;
  r->git("branch -D -q snp tdx sgx");
}

}  // namespace
}  // namespace beaver
