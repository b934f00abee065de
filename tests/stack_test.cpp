// beaver stack and rebase-diff on scenario repositories built with git:
// every status, every matching rule of the issue (subjects never pair alone,
// references are checked against the diff, split and squashed backports,
// context-only cherry-picks that git cherry misses), mail archives, and a
// comparison with git range-diff.
#include "match/fixes.h"
#include "match/rebase_diff.h"
#include "match/stack.h"
#include "report/rebase_report.h"
#include "report/stack_report.h"
#include "test_util.h"
#include "util/error.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

namespace beaver {
namespace {

using test::sh;
using test::sh_ok;
using test::TestRepo;

// A C-like file of n distinct lines.
std::vector<std::string> c_file(const std::string& name, int n) {
  std::vector<std::string> v;
  for (int k = 1; k <= n; ++k) v.push_back(fmt::format("static int {}_fn{}(int x) {{ return x + {}; }}", name, k, k));
  return v;
}

std::string join(const std::vector<std::string>& lines) {
  std::string s;
  for (auto& l : lines) s += l + "\n";
  return s;
}

class Scenario {
public:
  TestRepo repo;
  test::TempDir mail;                     // archives, outside the work tree (commits add everything)
  std::map<std::string, std::string> id;  // name -> commit

  std::vector<std::string> read(const std::string& path) {
    std::ifstream f(repo.dir() + "/" + path);
    std::vector<std::string> v;
    for (std::string l; std::getline(f, l);) v.push_back(l);
    return v;
  }
  // Replaces `count` lines at 1-based `at` by `with`.
  void edit(const std::string& path, int at, int count, const std::vector<std::string>& with) {
    auto v = read(path);
    v.erase(v.begin() + at - 1, v.begin() + at - 1 + count);
    v.insert(v.begin() + at - 1, with.begin(), with.end());
    repo.write(path, join(v));
  }
  std::string commit(const std::string& name, const std::string& message) { return id[name] = repo.commit(message); }
};

// The upstream history and a downstream branch carrying every kind of patch.
class StackTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    s = new Scenario;
    auto& r = s->repo;
    for (int f = 1; f <= 8; ++f) r.write(fmt::format("drivers/f{}.c", f), join(c_file(fmt::format("f{}", f), 80)));
    s->commit("base", "Initial import");
    r.git("tag v1.0");
    r.git("branch vendor");

    // Upstream.
    s->edit("drivers/f1.c", 10, 1, {"static int f1_fn10(int x) { return x + 10 + 1; } /* U1 */", "static int f1_new(void) { return 1; }"});
    s->commit("U1", "f1: fix the offset of fn10\n\nSigned-off-by: Up Stream <up@example.org>\n");
    s->edit("drivers/f2.c", 40, 1, {"static int f2_fn40(int x) { return x * 40; } /* U2 */", "static int f2_extra40(void) { return 40; }"});
    s->commit("U2", "f2: multiply in fn40\n");
    s->edit("drivers/f3.c", 20, 3,
            {"static int f3_fn20(int x) { return x - 20; }", "static int f3_fn21(int x) { return x - 21; }",
             "static int f3_fn22(int x) { return x - 22; }", "static int f3_helper(void) { return 22; }",
             "static int f3_helper2(void) { return 23; }"});
    s->commit("U3", "f3: subtract in fn20-22\n");
    s->edit("drivers/f4.c", 10, 1, {"static int f4_fn10(int x) { return x ^ 10; }", "static int f4_a(void) { return 1; }", "static int f4_b(void) { return 2; }"});
    s->edit("drivers/f4.c", 62, 1, {"static int f4_fn60(int x) { return x ^ 60; }", "static int f4_c(void) { return 3; }", "static int f4_d(void) { return 4; }"});
    s->commit("U4", "f4: xor in fn10 and fn60\n");
    r.git("tag v1.1");
    s->edit("drivers/f5.c", 10, 1, {"static int f5_fn10(int x) { return x | 10; }", "static int f5_a(void) { return 5; }", "static int f5_b(void) { return 6; }"});
    s->commit("U5", "f5: or in fn10\n");
    s->edit("drivers/f5.c", 52, 1, {"static int f5_fn50(int x) { return x | 50; }", "static int f5_c(void) { return 7; }", "static int f5_d(void) { return 8; }"});
    s->commit("U6", "f5: or in fn50\n");
    s->edit("drivers/f6.c", 10, 1, {"static int f6_fn10(int x) { return x % 10; }", "static int f6_a(void) { return 9; }", "static int f6_b(void) { return 10; }", "static int f6_c(void) { return 11; }"});
    s->edit("drivers/f6.c", 63, 1, {"static int f6_fn60(int x) { return x % 60; }", "static int f6_d(void) { return 12; }", "static int f6_e(void) { return 13; }", "static int f6_f(void) { return 14; }"});
    s->commit("U7", "f6: modulo in fn10 and fn60\n");
    s->edit("drivers/f1.c", 71, 1, {"static int f1_fn70(int x) { return x + 70; } /* typo fixed */"});
    s->commit("U8", "Fix typo\n");
    r.git("tag v1.2");
    // A commit on a side branch, never merged upstream.
    r.git("checkout -q -b side v1.0");
    s->edit("drivers/f7.c", 5, 1, {"static int f7_fn5(int x) { return x + 555; }"});
    s->commit("SIDE", "f7: side change\n");

    // Downstream: vendor branch from v1.0.
    r.git("checkout -q vendor");
    s->edit("drivers/f2.c", 37, 1, {"static int f2_fn37(int x) { return x + 37; } /* vendor */"});
    s->commit("D0", "VENDOR: f2: tag fn37 for the lab\n");
    r.git("cherry-pick " + s->id["U1"]);
    s->id["D1"] = r.head();
    // U2's change on other context (fn37 differs within 3 lines of fn40? it is 3 lines away: context differs).
    s->edit("drivers/f2.c", 40, 1, {"static int f2_fn40(int x) { return x * 40; } /* U2 */", "static int f2_extra40(void) { return 40; }"});
    s->commit("D2", "f2: multiply in fn40\n");
    // U3 backported with a conflict resolved differently (one line differs).
    s->edit("drivers/f3.c", 20, 3,
            {"static int f3_fn20(int x) { return x - 20; }", "static int f3_fn21(int x) { return x - 21; }",
             "static int f3_fn22(int x) { return x - 22; }", "static int f3_helper(void) { return 22; }",
             "static int f3_helper2(void) { return 99; } /* backport */"});
    s->commit("D3", "f3: subtract in fn20-22\n\n(cherry picked from commit " + s->id["U3"] + ")\n");
    // Only the first hunk of U4.
    s->edit("drivers/f4.c", 10, 1, {"static int f4_fn10(int x) { return x ^ 10; }", "static int f4_a(void) { return 1; }", "static int f4_b(void) { return 2; }"});
    s->commit("D4", "BACKPORT: f4: xor in fn10\n");
    // U5 and U6 squashed.
    s->edit("drivers/f5.c", 10, 1, {"static int f5_fn10(int x) { return x | 10; }", "static int f5_a(void) { return 5; }", "static int f5_b(void) { return 6; }"});
    s->edit("drivers/f5.c", 52, 1, {"static int f5_fn50(int x) { return x | 50; }", "static int f5_c(void) { return 7; }", "static int f5_d(void) { return 8; }"});
    s->commit("D5", "f5: or in fn10 and fn50 (squashed)\n");
    // U7 split in two.
    s->edit("drivers/f6.c", 10, 1, {"static int f6_fn10(int x) { return x % 10; }", "static int f6_a(void) { return 9; }", "static int f6_b(void) { return 10; }", "static int f6_c(void) { return 11; }"});
    s->commit("D7a", "f6: modulo in fn10\n");
    s->edit("drivers/f6.c", 63, 1, {"static int f6_fn60(int x) { return x % 60; }", "static int f6_d(void) { return 12; }", "static int f6_e(void) { return 13; }", "static int f6_f(void) { return 14; }"});
    s->commit("D7b", "f6: modulo in fn60\n");
    // Same subject as U8, unrelated change.
    s->edit("drivers/f3.c", 70, 1, {"static int f3_fn70(int x) { return x + 7070; }"});
    s->commit("D8", "Fix typo\n");
    // Claims that do not hold.
    s->edit("drivers/f8.c", 30, 1, {"static int f8_fn30(int x) { return x + 3030; }", "static int f8_more(void) { return 30; }"});
    s->commit("D9", "UPSTREAM: f8: change fn30\n");
    s->edit("drivers/f7.c", 5, 1, {"static int f7_fn5(int x) { return x + 555; }"});
    s->commit("D10", "f7: side change\n\n(cherry picked from commit " + s->id["SIDE"] + ")\n");
    s->edit("drivers/f8.c", 50, 1, {"static int f8_fn50(int x) { return x + 5050; }", "static int f8_x(void) { return 50; }"});
    s->commit("D11", "f8: change fn50\n\n(cherry picked from commit " + s->id["U1"] + ")\n");
    s->edit("drivers/f8.c", 60, 1, {"static int f8_fn60(int x) { return x + 6060; }", "static int f8_y(void) { return 60; }"});
    s->commit("D11b", "f8: change fn60\n\n(cherry picked from commit 0123456789abcdef0123)\n");
    // Posted patches.
    s->edit("drivers/f7.c", 40, 1, {"static int f7_fn40(int x) { return x + 4040; }", "static int f7_z(void) { return 40; }"});
    s->commit("D12", "f7: change fn40\n\nSigned-off-by: Ada Lovelace <ada@example.org>\n");
    s->edit("drivers/f7.c", 61, 1, {"static int f7_fn60(int x) { return x + 6060; }", "static int f7_w(void) { return 60; }"});
    s->commit("D13", "FROMLIST: f7: change fn60\n");
    s->edit("drivers/f8.c", 10, 1, {"static int f8_fn10(int x) { return x + 1010; }", "static int f8_v(void) { return 10; }"});
    s->commit("D14", "FROMLIST: f8: change fn10\n");
    s->edit("drivers/f8.c", 70, 1, {"static int f8_fn70(int x) { return x + 7070; }", "static int f8_u(void) { return 70; }"});
    s->commit("D15", "f8: change fn70\n");

    // The mail archive: D12 as v1 and v2, D13 posted from other context, D15
    // posted with a diff that changed afterwards (subject + author match).
    std::string dir = r.dir();
    std::string m = s->mail.str() + "/";
    sh_ok(dir, "git format-patch -q --thread --stdout -1 " + s->id["D12"] + " > " + m + "v1.mbox");
    sh_ok(dir, "git format-patch -q --thread --stdout --subject-prefix='PATCH v2' -1 " + s->id["D12"] + " > " + m + "v2.mbox");
    r.git("checkout -q -b posting v1.0");
    s->edit("drivers/f7.c", 58, 1, {"static int f7_fn58(int x) { return x + 58; } /* other context */"});
    r.commit("context");
    s->edit("drivers/f7.c", 60, 1, {"static int f7_fn60(int x) { return x + 6060; }", "static int f7_w(void) { return 60; }"});
    std::string posted13 = r.commit("f7: change fn60\n");
    s->edit("drivers/f8.c", 70, 1, {"static int f8_fn70(int x) { return x + 70000; }", "static int f8_u(void) { return 70; }"});
    std::string posted15 = r.commit("f8: change fn70\n");
    sh_ok(dir, "git format-patch -q --thread --stdout -1 " + posted13 + " > " + m + "d13.mbox");
    sh_ok(dir, "git format-patch -q --thread --stdout -1 " + posted15 + " > " + m + "d15.mbox");
    // A cover letter and a reply without a diff.
    sh_ok(dir, "git format-patch -q --thread --stdout --cover-letter -2 " + posted15 + " | sed -n '/^From /,$p' > " + m + "series.mbox");
    sh_ok(dir, "printf 'From nobody Mon Sep 17 00:00:00 2001\\nFrom: Reviewer <rev@example.org>\\nSubject: Re: [PATCH] f8: change fn70\\n"
               "Message-ID: <reply@example.org>\\nDate: Mon, 1 Jan 2024 00:00:00 +0000\\n\\nLooks good.\\n' > " + m + "reply.mbox");
    sh_ok(dir, "cd " + m + " && cat v1.mbox v2.mbox d13.mbox d15.mbox series.mbox reply.mbox > archive.mbox");
    r.git("checkout -q vendor");
    r.git("branch -D posting");
    r.git("gc -q --prune=now");
  }
  static void TearDownTestSuite() {
    delete s;
    s = nullptr;
  }

  static match::StackReport stack(std::vector<std::string> mail = {}) {
    auto repo = git::Repository::open(s->repo.dir());
    match::StackOptions o;
    o.upstream = "main";
    o.branch = "vendor";
    o.mail = std::move(mail);
    return match::run_stack(repo, o);
  }
  static const match::StackEntry& entry(const match::StackReport& r, const std::string& name) {
    for (auto& e : r.entries)
      if (e.commit == s->id[name]) return e;
    throw std::runtime_error("no entry for " + name);
  }
  static Scenario* s;
};
Scenario* StackTest::s = nullptr;

TEST_F(StackTest, IdenticalCherryPickIsUpstreamWithRelease) {
  auto r = stack();
  auto& e = entry(r, "D1");
  EXPECT_EQ(e.status, "upstream");
  ASSERT_EQ(e.upstream.size(), 1u);
  EXPECT_EQ(e.upstream[0].commit, s->id["U1"]);
  EXPECT_EQ(e.upstream[0].release, "v1.1");
  EXPECT_EQ(e.upstream[0].how, "patch-id");
}

TEST_F(StackTest, ContextOnlyDifferenceThatGitCherryMisses) {
  // git cherry says "+" (not upstream) for D2: its patch-id differs.
  std::string cherry = sh_ok(s->repo.dir(), "git cherry main vendor");
  EXPECT_NE(cherry.find("+ " + s->id["D2"]), std::string::npos) << cherry;
  auto r = stack();
  auto& e = entry(r, "D2");
  EXPECT_EQ(e.status, "upstream-modified");
  ASSERT_FALSE(e.upstream.empty());
  EXPECT_EQ(e.upstream[0].commit, s->id["U2"]);
  EXPECT_EQ(e.upstream[0].how, "context");
  EXPECT_DOUBLE_EQ(e.upstream[0].similarity, 1.0);
}

TEST_F(StackTest, ConflictResolvedBackportWithReference) {
  auto r = stack();
  auto& e = entry(r, "D3");
  EXPECT_EQ(e.status, "upstream-modified");
  ASSERT_FALSE(e.upstream.empty());
  EXPECT_EQ(e.upstream[0].commit, s->id["U3"]);
  EXPECT_TRUE(e.upstream[0].by_reference);
  EXPECT_GT(e.upstream[0].similarity, 0.6);
  EXPECT_LT(e.upstream[0].similarity, 1.0);
  ASSERT_EQ(e.claimed.size(), 1u);
  EXPECT_EQ(e.claimed[0].kind, "cherry_picked_from");
  EXPECT_TRUE(e.claimed[0].holds);
  EXPECT_FALSE(e.false_claim);
}

TEST_F(StackTest, PartialBackportIsASubset) {
  auto r = stack();
  auto& e = entry(r, "D4");
  EXPECT_EQ(e.status, "upstream-modified");
  ASSERT_FALSE(e.upstream.empty());
  EXPECT_EQ(e.upstream[0].commit, s->id["U4"]);
  EXPECT_EQ(e.upstream[0].how, "partial");
  EXPECT_DOUBLE_EQ(e.upstream[0].covered, 1.0);
  EXPECT_NEAR(e.upstream[0].contained, 0.5, 0.01);
  EXPECT_FALSE(e.false_claim);  // BACKPORT: holds
}

TEST_F(StackTest, SquashReportsEveryPart) {
  auto r = stack();
  auto& e = entry(r, "D5");
  EXPECT_EQ(e.status, "upstream-modified");
  std::set<std::string> got;
  for (auto& p : e.upstream) got.insert(p.commit);
  EXPECT_EQ(got, (std::set<std::string>{s->id["U5"], s->id["U6"]}));
  for (auto& p : e.upstream) EXPECT_EQ(p.how, "part");
  EXPECT_EQ(e.squash_of, 2u);
  EXPECT_EQ(r.summary.at("squashes"), 1u);
}

TEST_F(StackTest, SplitBackportPairsBothHalves) {
  auto r = stack();
  for (const char* name : {"D7a", "D7b"}) {
    auto& e = entry(r, name);
    EXPECT_EQ(e.status, "upstream-modified") << name;
    ASSERT_FALSE(e.upstream.empty()) << name;
    EXPECT_EQ(e.upstream[0].commit, s->id["U7"]) << name;
    EXPECT_EQ(e.upstream[0].how, "partial") << name;
  }
}

TEST_F(StackTest, SameSubjectAloneNeverPairs) {
  auto r = stack();
  auto& e = entry(r, "D8");
  EXPECT_EQ(e.status, "unposted");
  EXPECT_TRUE(e.upstream.empty());
}

TEST_F(StackTest, FalseClaimsAreFlagged) {
  auto r = stack();
  auto& d9 = entry(r, "D9");  // UPSTREAM: without a match
  EXPECT_EQ(d9.status, "unposted");
  EXPECT_TRUE(d9.false_claim);
  ASSERT_EQ(d9.claimed.size(), 1u);
  EXPECT_EQ(d9.claimed[0].value, "UPSTREAM");
  EXPECT_FALSE(d9.claimed[0].holds);

  auto& d10 = entry(r, "D10");  // cherry picked from a commit that is not upstream
  EXPECT_TRUE(d10.false_claim);
  ASSERT_EQ(d10.claimed.size(), 1u);
  EXPECT_EQ(d10.claimed[0].resolved, s->id["SIDE"]);
  EXPECT_FALSE(d10.claimed[0].in_upstream);
  EXPECT_NE(d10.claimed[0].why.find("is not in main"), std::string::npos) << d10.claimed[0].why;

  auto& d11 = entry(r, "D11");  // cherry picked from an upstream commit with another diff
  EXPECT_TRUE(d11.false_claim);
  EXPECT_EQ(d11.status, "unposted");
  ASSERT_EQ(d11.claimed.size(), 1u);
  EXPECT_TRUE(d11.claimed[0].in_upstream);
  EXPECT_LT(d11.claimed[0].similarity, 0.3);
  EXPECT_NE(d11.claimed[0].why.find("shares no changed line"), std::string::npos) << d11.claimed[0].why;

  auto& d11b = entry(r, "D11b");  // names a commit that does not exist
  EXPECT_TRUE(d11b.false_claim);
  EXPECT_NE(d11b.claimed[0].why.find("not in the repository"), std::string::npos);

  EXPECT_EQ(r.summary.at("false_claims"), 4u);  // D9, D10, D11, D11b (FROMLIST unchecked without --mail)
  EXPECT_FALSE(entry(r, "D14").false_claim);
}

TEST_F(StackTest, MailArchiveGivesPostedWithVersions) {
  auto r = stack({s->mail.str() + "/archive.mbox"});
  auto& d12 = entry(r, "D12");
  EXPECT_EQ(d12.status, "posted");
  ASSERT_TRUE(d12.posted);
  EXPECT_EQ(d12.posted->how, "patch-id");
  EXPECT_EQ(d12.posted->version, 2);
  EXPECT_EQ(d12.posted->versions, (std::vector<int>{1, 2}));
  EXPECT_EQ(d12.posted->newest_version, 2);
  EXPECT_FALSE(d12.posted->message_id.empty());

  auto& d13 = entry(r, "D13");  // posted from another base: same changed lines
  EXPECT_EQ(d13.status, "posted");
  ASSERT_TRUE(d13.posted);
  EXPECT_EQ(d13.posted->how, "context");
  EXPECT_FALSE(d13.false_claim);  // FROMLIST: holds

  auto& d15 = entry(r, "D15");  // the diff changed after posting
  EXPECT_EQ(d15.status, "posted");
  ASSERT_TRUE(d15.posted);
  EXPECT_EQ(d15.posted->how, "subject+author");

  auto& d14 = entry(r, "D14");  // FROMLIST:, but in no mail
  EXPECT_EQ(d14.status, "unposted");
  EXPECT_TRUE(d14.false_claim);

  EXPECT_EQ(entry(r, "D0").status, "unposted");
  EXPECT_EQ(r.summary.at("total"), r.entries.size());
  EXPECT_GE(r.mails, 7u);  // v1, v2, d13, d15, cover letter + 2, reply
}

// git format-patch without --thread writes no Message-ID: such mails are
// read and matched, named by file and offset, never shown as "<>".
TEST_F(StackTest, MailsWithoutMessageIdAreReadAndNamedByPlace) {
  std::string mbox = s->mail.str() + "/plain.mbox";
  sh_ok(s->repo.dir(), "git format-patch -q --stdout -1 " + s->id["D12"] + " > " + test::quote(mbox));
  ASSERT_EQ(sh(s->repo.dir(), "grep -ci '^Message-ID:' " + test::quote(mbox)).out, "0\n");
  auto r = stack({mbox});
  auto& d12 = entry(r, "D12");
  EXPECT_EQ(d12.status, "posted");
  ASSERT_TRUE(d12.posted);
  EXPECT_TRUE(d12.posted->message_id.empty());
  EXPECT_TRUE(d12.posted->source.starts_with(mbox + "@")) << d12.posted->source;
  std::string text = report::stack_text(r, false);
  EXPECT_EQ(text.find("<>"), std::string::npos) << text;
  EXPECT_NE(text.find("posted in " + mbox + "@"), std::string::npos) << text;
  EXPECT_NE(text.find("1 mail(s) have no Message-ID (read all the same"), std::string::npos) << text;
  EXPECT_EQ(text.find("could not be read"), std::string::npos) << text;
  auto j = report::stack_json(r);
  for (auto& p : j["patches"])
    if (p["commit"] == s->id["D12"]) {
      EXPECT_TRUE(p["posted"]["message_id"].is_null());
      EXPECT_EQ(p["posted"]["source"], d12.posted->source);
    }
  EXPECT_EQ(report::stack_html(r, {}).find("&lt;&gt;"), std::string::npos);
}

TEST_F(StackTest, JsonFollowsTheContract) {
  auto j = report::stack_json(stack({s->mail.str() + "/archive.mbox"}));
  ASSERT_TRUE(j["patches"].is_array());
  for (auto& p : j["patches"]) {
    for (const char* k : {"commit", "subject", "status", "upstream_commit", "release", "similarity", "posted", "claimed"})
      EXPECT_TRUE(p.contains(k)) << k;
    std::string st = p["status"];
    EXPECT_TRUE(st == "upstream" || st == "upstream-modified" || st == "posted" || st == "unposted") << st;
    if (p["posted"].is_object()) {
      EXPECT_TRUE(p["posted"]["message_id"].is_string());
      EXPECT_TRUE(p["posted"]["version"].is_number());
    }
  }
  EXPECT_TRUE(j["summary"].contains("unposted"));
  std::string html = report::stack_html(stack(), {"https://example.org/c/{commit}", ""});
  EXPECT_NE(html.find("https://example.org/c/" + s->id["U1"]), std::string::npos);
  EXPECT_NE(html.find("badge modified"), std::string::npos);
}

TEST_F(StackTest, BadArchiveIsAnInputError) {
  try {
    stack({s->mail.str() + "/no-such.mbox"});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no-such.mbox"), std::string::npos) << e.what();
  }
}

TEST_F(StackTest, CliCheckExitCodesAndFormats) {
  std::string b = test::beaver_binary();
  std::string dir = s->repo.dir();
  auto run = sh(dir, b + " stack -u main vendor --check --format markdown");
  EXPECT_EQ(run.code, 1) << run.err;
  EXPECT_NE(run.out.find("| commit | status |"), std::string::npos);
  run = sh(dir, b + " stack -u main " + s->id["D2"] + " --check");  // D0..D2: D0 is unposted
  EXPECT_EQ(run.code, 1);
  run = sh(dir, b + " stack -u main --base " + s->id["D0"] + " " + s->id["D2"] + " --check --format json");
  EXPECT_EQ(run.code, 0) << run.out << run.err;
  run = sh(dir, b + " stack -u no-such-branch vendor");
  EXPECT_EQ(run.code, 2);
  EXPECT_NE(run.err.find("no-such-branch"), std::string::npos) << run.err;
  run = sh(dir, b + " stack -u main vendor --format html -o report.html");
  EXPECT_EQ(run.code, 0) << run.err;
  std::ifstream f(dir + "/report.html");
  std::stringstream html;
  html << f.rdbuf();
  EXPECT_NE(html.str().find("</html>"), std::string::npos);
}

// Inputs a real branch has: merges, messages in other encodings or invalid
// UTF-8, objects a mirror left out, an empty range, other archive kinds.
TEST(StackEdgeTest, MergesEncodingsMissingBlobsAndEmptyRanges) {
  Scenario s;
  auto& r = s.repo;
  for (int f = 1; f <= 3; ++f) r.write(fmt::format("f{}.c", f), join(c_file(fmt::format("f{}", f), 40)));
  s.commit("base", "Initial import");
  r.git("checkout -q -b vendor");
  s.edit("f1.c", 5, 1, {"static int f1_fn5(int x) { return 5; } /* vendor */", "static int f1_v(void) { return 1; }"});
  // A subject with invalid UTF-8 (Latin-1 bytes, no encoding header).
  s.commit("latin1", "f1: caf\xe9 cr\xe8me\n");
  r.git("checkout -q -b topic");
  s.edit("f2.c", 5, 1, {"static int f2_fn5(int x) { return 5; } /* topic */", "static int f2_t(void) { return 2; }"});
  s.commit("topic", "f2: topic work\n");
  r.git("checkout -q vendor");
  sh_ok(r.dir(), "git merge -q --no-ff -m 'Merge topic' topic");
  r.write("firmware.txt", "a blob the mirror left out\n");
  s.commit("victim", "add firmware\n");
  std::string blob = r.git("rev-parse " + s.id["victim"] + ":firmware.txt").substr(0, 40);
  sh_ok(r.dir(), "rm -f .git/objects/" + blob.substr(0, 2) + "/" + blob.substr(2));

  auto repo = git::Repository::open(r.dir());
  match::StackOptions o;
  o.upstream = "main";
  o.branch = "vendor";
  auto rep = match::run_stack(repo, o);
  ASSERT_EQ(rep.entries.size(), 3u);  // the merge is skipped
  std::map<std::string, const match::StackEntry*> by;
  for (auto& e : rep.entries) by[e.commit] = &e;
  ASSERT_TRUE(by.count(s.id["victim"]));
  EXPECT_NE(by[s.id["victim"]]->error.find(blob), std::string::npos) << by[s.id["victim"]]->error;
  EXPECT_EQ(by[s.id["victim"]]->status, "unposted");
  EXPECT_EQ(by[s.id["topic"]]->status, "unposted");
  // Invalid UTF-8 in a subject is read as Latin-1 (as git log does); JSON stays valid.
  std::string json = report::stack_json(rep).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  EXPECT_NE(json.find("caf\xc3\xa9"), std::string::npos) << json.substr(0, 2000);
  EXPECT_TRUE(nlohmann::json::accept(json));
  std::string html = report::stack_html(rep, {});
  EXPECT_NE(html.find("caf\xc3\xa9"), std::string::npos);

  // An empty range: nothing to report, not an error.
  o.branch = "main";
  auto empty = match::run_stack(repo, o);
  EXPECT_TRUE(empty.entries.empty());
  EXPECT_EQ(empty.summary.at("total"), 0u);

  // Unrelated histories: no merge base, a clear error that names --base.
  r.git("checkout -q --orphan lonely");
  r.commit("lonely root");
  o.branch = "lonely";
  try {
    match::run_stack(repo, o);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--base"), std::string::npos) << e.what();
  }
}

// The same posting found through a maildir and a public-inbox v2 repository.
TEST_F(StackTest, MaildirAndPublicInboxArchives) {
  std::string dir = s->repo.dir();
  sh_ok(dir, "rm -rf md pi && mkdir -p md/cur md/new md/tmp && git format-patch -q --thread -o md/cur -1 " + s->id["D12"]);
  // public-inbox v2: one epoch whose commits each hold one message in "m".
  sh_ok(dir, "git init -q --bare pi/git/0.git && "
             "blob=$(git --git-dir=pi/git/0.git hash-object -w " + s->mail.str() + "/v2.mbox) && "
             "tree=$(printf '100644 blob %s\tm\n' $blob | git --git-dir=pi/git/0.git mktree) && "
             "c=$(echo msg | git --git-dir=pi/git/0.git commit-tree $tree) && "
             "git --git-dir=pi/git/0.git update-ref refs/heads/master $c");
  for (std::string archive : {dir + "/md", dir + "/pi"}) {
    auto r = stack({archive});
    auto& e = entry(r, "D12");
    EXPECT_EQ(e.status, "posted") << archive;
    ASSERT_TRUE(e.posted) << archive;
    EXPECT_EQ(e.posted->how, "patch-id") << archive;
    EXPECT_EQ(entry(r, "D14").status, "unposted") << archive;
  }
}

// --- squashes and reworked backports known by their references -----------------------
//
// Xen's stable branches: a stable commit that squashes a change and its
// follow-up fix names both (two `master commit:` lines), and a backport
// reworked for the older base shares only a few lines with its upstream
// commit. Both carry what they name: stack lists them, fixes counts them.
class ReferenceTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    s = new Scenario;
    auto& r = s->repo;
    std::vector<std::string> g1, g2;
    for (int k = 1; k <= 40; ++k) g1.push_back(fmt::format("int g1_{}(void) {{ return {}; }}", k, k));
    for (int k = 1; k <= 40; ++k) g2.push_back(fmt::format("int g2_{}(void) {{ return {}; }}", k, k));
    r.write("g1.c", join(g1));
    r.write("g2.c", join(g2));
    std::vector<std::string> g3;
    for (int k = 1; k <= 40; ++k) g3.push_back(fmt::format("int g3_{}(void) {{ return {}; }}", k, k));
    r.write("g3.c", join(g3));
    r.write("g4.c", "int mtrr_add(int type)\n{\n\tif ((type == X86_MT_WC) && mtrr_have_wrcomb()) {\n\t\treturn -1;\n\t}\n"
                    "\treturn 0;\n}\n");
    s->commit("base", "Initial import");
    r.git("branch stable");
    // Upstream: A adds twenty functions, B (its follow-up fix) rewrites two of them, X fixes B.
    std::vector<std::string> feature;
    for (int k = 1; k <= 20; ++k) feature.push_back(fmt::format("int g1_feature_{}(void) {{ return {} * 3; }}", k, k));
    s->edit("g1.c", 11, 0, feature);
    s->commit("A", "g1: add the feature functions\n\nSigned-off-by: Up <up@example.org>\n");
    s->edit("g1.c", 15, 2, {"int g1_feature_5(void) { return 5 * 4; } /* fixed */", "int g1_feature_6(void) { return 6 * 4; } /* fixed */"});
    s->commit("B", "g1: fix features 5 and 6\n\nFixes: " + s->id["A"].substr(0, 12) + " (\"g1: add the feature functions\")\n");
    s->edit("g1.c", 50, 1, {"int g1_30(void) { return 30 + x_fix(); }"});
    s->commit("X", "g1: fix the fix\n\nFixes: " + s->id["B"].substr(0, 12) + " (\"g1: fix features 5 and 6\")\n");
    // C replaces ten functions of g2; Y fixes C.
    std::vector<std::string> fresh;
    for (int k = 1; k <= 10; ++k) fresh.push_back(fmt::format("int g2_new_{}(void) {{ return {} + 100; }}", k, k));
    s->edit("g2.c", 5, 10, fresh);
    s->commit("C", "g2: new functions\n");
    s->edit("g2.c", 30, 1, {"int g2_30(void) { return 30 + y_fix(); }"});
    s->commit("Y", "g2: fix the new functions\n\nFixes: " + s->id["C"].substr(0, 12) + " (\"g2: new functions\")\n");
    // E adds six functions to g3; P takes two of them out again.
    std::vector<std::string> six;
    for (int k = 1; k <= 6; ++k) six.push_back(fmt::format("int g3_e_{}(void) {{ return {} << 2; }}", k, k));
    s->edit("g3.c", 21, 0, six);
    s->commit("E", "g3: add the e functions\n");
    s->edit("g3.c", 25, 2, {});
    s->commit("P", "g3: Partially revert \"g3: add the e functions\"\n");
    // M inverts a check; the old base spells the type another way.
    r.write("g4.c", "int mtrr_add(int type)\n{\n\tif ((type == X86_MT_WC) && !mtrr_have_wrcomb()) {\n\t\treturn -1;\n\t}\n"
                    "\treturn 0;\n}\n");
    s->commit("M", "x86/MTRR: correct inadvertently inverted WC check\n");

    // The stable branch, Xen's way.
    r.git("checkout -q stable");
    std::vector<std::string> squashed = feature;
    squashed[4] = "int g1_feature_5(void) { return 5 * 4; } /* fixed */";
    squashed[5] = "int g1_feature_6(void) { return 6 * 4; } /* fixed */";
    s->edit("g1.c", 11, 0, squashed);
    s->commit("S", "g1: add the feature functions\n\nSigned-off-by: Up <up@example.org>\nmaster commit: " + s->id["A"] +
                       "\nmaster date: 2023-07-13 11:06:07 +0100\nmaster commit: " + s->id["B"] +
                       "\nmaster date: 2023-07-20 09:00:00 +0200\n");
    std::vector<std::string> reworked = {fresh[0], fresh[1], fresh[2]};
    for (int k = 1; k <= 12; ++k) reworked.push_back(fmt::format("int g2_compat_{}(void) {{ return {} - 1; }}", k, k));
    s->edit("g2.c", 21, 0, reworked);
    s->commit("R", "g2: new functions, for the old base\n\nmaster commit: " + s->id["C"] +
                       "\nmaster date: 2023-08-01 10:00:00 +0100\n");
    // E and P squashed: none of P's lines is on the branch (it only removes E's).
    s->edit("g3.c", 21, 0, {six[0], six[1], six[2], six[3]});
    s->commit("SQ", "g3: add the e functions\n\n(cherry picked from commit " + s->id["E"] + ")\n(cherry picked from commit " +
                        s->id["P"] + ")\n");
    // M on the old base, which spells the type its own way: the same subject
    // and file, no changed line in common.
    r.write("g4.c", "int mtrr_add(int type)\n{\n\tif ((type == MTRR_TYPE_WRCOMB) && mtrr_have_wrcomb()) {\n\t\treturn -1;\n\t}\n"
                    "\treturn 0;\n}\n");
    s->commit("OLDNAMES", "g4: the stable branch's names\n");
    r.write("g4.c", "int mtrr_add(int type)\n{\n\tif ((type == MTRR_TYPE_WRCOMB) && !mtrr_have_wrcomb()) {\n\t\treturn -1;\n\t}\n"
                    "\treturn 0;\n}\n");
    s->commit("M1", "x86/MTRR: correct inadvertently inverted WC check\n\nmaster commit: " + s->id["M"] + "\n");
    // A second version of the branch, for rebase-diff: R reworked again, one line left in common.
    r.git("checkout -q -b stable2 " + s->id["S"]);
    std::vector<std::string> again = {fresh[0]};
    for (int k = 1; k <= 10; ++k) again.push_back(fmt::format("int g2_again_{}(void) {{ return {} - 2; }}", k, k));
    s->edit("g2.c", 21, 0, again);
    s->commit("R2", "g2: new functions, once more\n\n(cherry picked from commit " + s->id["C"] + ")\n");
    r.git("checkout -q main");
  }
  static void TearDownTestSuite() {
    delete s;
    s = nullptr;
  }
  static const match::StackEntry& entry(const match::StackReport& r, const std::string& name) {
    for (auto& e : r.entries)
      if (e.commit == s->id[name]) return e;
    throw std::runtime_error("no entry for " + name);
  }
  // The stack of `stable` on `main` in this scenario.
  static match::StackReport stack() {
    auto repo = git::Repository::open(s->repo.dir());
    match::StackOptions o;
    o.upstream = "main";
    o.branch = "stable";
    return match::run_stack(repo, o);
  }
  static Scenario* s;
};
Scenario* ReferenceTest::s = nullptr;

TEST_F(ReferenceTest, SquashNamingTwoCommitsCarriesBoth) {
  auto r = stack();
  auto& e = entry(r, "S");
  EXPECT_EQ(e.status, "upstream-modified");
  std::map<std::string, const match::Pairing*> by;
  for (auto& p : e.upstream) by[p.commit] = &p;
  ASSERT_EQ(by.size(), 2u);
  ASSERT_TRUE(by.count(s->id["A"]) && by.count(s->id["B"]));
  EXPECT_TRUE(by[s->id["A"]]->by_reference);
  EXPECT_TRUE(by[s->id["B"]]->by_reference);
  EXPECT_EQ(by[s->id["A"]]->how, "similar");
  EXPECT_EQ(by[s->id["B"]]->how, "folded");  // two of its four changed lines, a tenth of the squash
  EXPECT_NEAR(by[s->id["B"]]->contained, 0.5, 0.01);
  EXPECT_EQ(e.squash_of, 2u);
  ASSERT_EQ(e.claimed.size(), 2u);
  for (auto& c : e.claimed) {
    EXPECT_EQ(c.kind, "master_commit");
    EXPECT_TRUE(c.holds) << c.why;
  }
  EXPECT_FALSE(e.false_claim);
  EXPECT_EQ(r.summary.at("squashes"), 2u);  // S, and SQ below

  // The report says so, and JSON carries it.
  EXPECT_NE(report::stack_text(r, false).find("a squash of 2 upstream commits"), std::string::npos);
  auto j = report::stack_json(r);
  bool seen = false;
  for (auto& p : j["patches"])
    if (p["commit"] == s->id["S"]) {
      seen = true;
      EXPECT_EQ(p["squash_of"], 2);
      EXPECT_EQ(p["upstream"].size(), 2u);
    }
  EXPECT_TRUE(seen);
}

TEST_F(ReferenceTest, ReworkedBackportKnownByItsReferenceIsUpstreamModified) {
  auto r = stack();
  auto& e = entry(r, "R");
  EXPECT_EQ(e.status, "upstream-modified");
  ASSERT_EQ(e.upstream.size(), 1u);
  EXPECT_EQ(e.upstream[0].commit, s->id["C"]);
  EXPECT_EQ(e.upstream[0].how, "reworked");
  EXPECT_TRUE(e.upstream[0].by_reference);
  EXPECT_LT(e.upstream[0].similarity, 0.3);
  EXPECT_GT(e.upstream[0].similarity, 0.0);
  EXPECT_EQ(e.squash_of, 0u);
  ASSERT_EQ(e.claimed.size(), 1u);
  EXPECT_TRUE(e.claimed[0].holds) << e.claimed[0].why;
  EXPECT_FALSE(e.false_claim);
  EXPECT_EQ(r.summary.at("false_claims"), 0u);
}

TEST_F(ReferenceTest, FixesCountsEveryReferencedCommitAsCarried) {
  auto repo = git::Repository::open(s->repo.dir());
  match::FixesOptions o;
  o.upstream = "main";
  o.branch = "stable";
  auto r = match::run_fixes(repo, o);
  std::map<std::string, const match::MissingFix*> missing;
  for (auto& m : r.missing) missing[m.commit] = &m;
  // B is carried by the squash (so not missing), which makes X (its fix) missing;
  // C is carried by the reworked backport, which makes Y missing.
  EXPECT_FALSE(missing.count(s->id["B"]));
  ASSERT_TRUE(missing.count(s->id["X"]));
  ASSERT_TRUE(missing.count(s->id["Y"]));
  EXPECT_EQ(missing.size(), 2u);
  EXPECT_EQ(missing[s->id["X"]]->fixes, std::vector<std::string>{s->id["B"]});
  EXPECT_EQ(missing[s->id["X"]]->fixed_in_branch_as, std::vector<std::string>{s->id["S"]});
  EXPECT_EQ(missing[s->id["Y"]]->fixed_in_branch_as, std::vector<std::string>{s->id["R"]});
}

TEST_F(ReferenceTest, RebaseDiffPairsByASharedReference) {
  auto repo = git::Repository::open(s->repo.dir());
  match::RebaseOptions o;
  o.upstream = "main";
  o.old_rev = "stable";
  o.new_rev = "stable2";
  auto rep = match::run_rebase_diff(repo, o);
  bool paired = false;
  for (auto& e : rep.entries) {
    if (e.old_commit == s->id["R"]) {
      EXPECT_EQ(e.status, "changed");
      EXPECT_EQ(e.new_commit, s->id["R2"]);
      EXPECT_EQ(e.how, "reference");
      paired = true;
    }
    EXPECT_NE(e.status, "added") << e.subject;
  }
  EXPECT_TRUE(paired);
}

TEST_F(ReferenceTest, SquashedPartialRevertIsFoldedByItsReversePatch) {
  auto r = stack();
  auto& e = entry(r, "SQ");
  std::map<std::string, std::string> how;
  for (auto& p : e.upstream) how[p.commit] = p.how;
  EXPECT_EQ(how.size(), 2u);
  EXPECT_EQ(how[s->id["P"]], "folded");  // P's removed lines are E's added ones
  EXPECT_EQ(e.squash_of, 2u);
  EXPECT_FALSE(e.false_claim);
  for (auto& c : e.claimed) EXPECT_TRUE(c.holds) << c.value << ": " << c.why;
}

TEST_F(ReferenceTest, RenamedIdentifiersSameSubjectAndFileIsReworked) {
  auto r = stack();
  auto& e = entry(r, "M1");
  EXPECT_EQ(e.status, "upstream-modified");
  ASSERT_EQ(e.upstream.size(), 1u);
  EXPECT_EQ(e.upstream[0].commit, s->id["M"]);
  EXPECT_EQ(e.upstream[0].how, "reworked");
  EXPECT_DOUBLE_EQ(e.upstream[0].similarity, 0.0);
  EXPECT_FALSE(e.false_claim);
}

// --- rebase-diff ---------------------------------------------------------------

class RebaseDiffTest : public ::testing::Test {};

TEST_F(RebaseDiffTest, EveryStatusAndAgreesWithGitRangeDiff) {
  Scenario s;
  auto& r = s.repo;
  for (int f = 1; f <= 6; ++f) r.write(fmt::format("f{}.c", f), join(c_file(fmt::format("f{}", f), 60)));
  s.commit("base", "Initial import");
  r.git("tag v1.0");
  // Old version of the vendor branch: six patches.
  r.git("checkout -q -b old");
  s.edit("f1.c", 10, 1, {"static int f1_fn10(int x) { return 0; }", "static int f1_k(void) { return 1; }"});
  s.commit("keep", "f1: keep me\n");
  s.edit("f2.c", 20, 1, {"static int f2_fn20(int x) { return 0; }", "static int f2_k(void) { return 2; }", "static int f2_l(void) { return 3; }", "static int f2_m(void) { return 4; }"});
  s.commit("change", "f2: change me\n");
  s.edit("f3.c", 30, 1, {"static int f3_fn30(int x) { return 0; }", "static int f3_k(void) { return 5; }"});
  s.commit("merge", "f3: goes upstream\n");
  s.edit("f4.c", 40, 1, {"static int f4_fn40(int x) { return 0; }", "static int f4_k(void) { return 6; }"});
  s.commit("drop", "f4: dropped\n");
  s.edit("f5.c", 50, 1, {"static int f5_fn50(int x) { return 0; }", "static int f5_k(void) { return 7; }"});
  s.commit("reword", "f5: old subject\n");
  s.edit("f6.c", 5, 1, {"static int f6_fn5(int x) { return 0; }", "static int f6_k(void) { return 8; }"});
  s.commit("context", "f6: context moves\n");
  // Upstream moves on and takes "merge" (as a cherry-pick) and changes f6's context.
  r.git("checkout -q main");
  r.git("cherry-pick " + s.id["merge"]);
  s.edit("f6.c", 7, 1, {"static int f6_fn7(int x) { return 77; } /* upstream */"});
  r.commit("f6: upstream touches fn7\n");
  r.git("tag v1.1");
  // New version: rebased on v1.1 by hand.
  r.git("checkout -q -b new v1.1");
  r.git("cherry-pick " + s.id["keep"]);
  s.edit("f2.c", 20, 1, {"static int f2_fn20(int x) { return 0; }", "static int f2_k(void) { return 2; }", "static int f2_l(void) { return 33; }", "static int f2_m(void) { return 4; }"});
  s.commit("change2", "f2: change me\n");
  s.edit("f5.c", 50, 1, {"static int f5_fn50(int x) { return 0; }", "static int f5_k(void) { return 7; }"});
  s.commit("reword2", "f5: new subject\n");
  s.edit("f6.c", 5, 1, {"static int f6_fn5(int x) { return 0; }", "static int f6_k(void) { return 8; }"});
  s.commit("context2", "f6: context moves\n");
  s.edit("f1.c", 50, 1, {"static int f1_fn50(int x) { return 0; }", "static int f1_z(void) { return 9; }"});
  s.commit("added", "f1: brand new\n");

  auto repo = git::Repository::open(r.dir());
  match::RebaseOptions o;
  o.upstream = "main";
  o.old_rev = "old";
  o.new_rev = "new";
  o.full = true;
  auto rep = match::run_rebase_diff(repo, o);
  std::map<std::string, std::string> status_of_old, status_of_new;
  std::set<std::pair<std::string, std::string>> pairs;
  for (auto& e : rep.entries) {
    if (!e.old_commit.empty()) status_of_old[e.old_commit] = e.status;
    if (!e.new_commit.empty()) status_of_new[e.new_commit] = e.status;
    if (!e.old_commit.empty() && !e.new_commit.empty()) pairs.emplace(e.old_commit, e.new_commit);
  }
  EXPECT_EQ(status_of_old[s.id["keep"]], "kept");
  EXPECT_EQ(status_of_old[s.id["change"]], "changed");
  EXPECT_EQ(status_of_old[s.id["merge"]], "merged-upstream");
  EXPECT_EQ(status_of_old[s.id["drop"]], "dropped");
  EXPECT_EQ(status_of_old[s.id["reword"]], "changed");
  EXPECT_EQ(status_of_old[s.id["context"]], "changed");
  EXPECT_EQ(status_of_new[s.id["added"]], "added");
  EXPECT_TRUE(pairs.count({s.id["change"], s.id["change2"]}));
  EXPECT_TRUE(pairs.count({s.id["reword"], s.id["reword2"]}));
  EXPECT_TRUE(pairs.count({s.id["context"], s.id["context2"]}));
  for (auto& e : rep.entries) {
    if (e.old_commit == s.id["merge"]) {
      ASSERT_FALSE(e.upstream.empty());
      EXPECT_EQ(e.upstream[0].release, "v1.1");
    }
    if (e.old_commit == s.id["change"]) {
      EXPECT_NE(e.interdiff.find("return 33"), std::string::npos) << e.interdiff;
      EXPECT_NE(e.change.find("+1 -1"), std::string::npos) << e.change;
    }
    if (e.old_commit == s.id["context"]) {
      EXPECT_NE(e.change.find("context"), std::string::npos) << e.change;
    }
    if (e.old_commit == s.id["reword"]) {
      EXPECT_EQ(e.old_subject, "f5: old subject");
    }
  }
  EXPECT_EQ(rep.summary["kept"], 1u);
  EXPECT_EQ(rep.summary["added"], 1u);

  // Every pair git range-diff finds, beaver finds too.
  std::string rd = sh_ok(r.dir(), "git range-diff --no-color v1.0..old v1.1..new");
  std::regex line_re(R"(^\s*\d+:\s+([0-9a-f]+)\s+([=!])\s+\d+:\s+([0-9a-f]+))");
  int git_pairs = 0;
  std::istringstream in(rd);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (!std::regex_search(line, m, line_re)) continue;
    ++git_pairs;
    std::string a = sh_ok(r.dir(), "git rev-parse " + m[1].str()).substr(0, 40);
    std::string b = sh_ok(r.dir(), "git rev-parse " + m[3].str()).substr(0, 40);
    EXPECT_TRUE(pairs.count({a, b})) << "git range-diff pairs " << line;
  }
  EXPECT_GE(git_pairs, 3) << rd;

  auto j = report::rebase_json(rep);
  for (auto& e : j["entries"])
    for (const char* k : {"status", "old", "new", "upstream_commit", "release", "subject"}) EXPECT_TRUE(e.contains(k)) << k;
}

}  // namespace
}  // namespace beaver
