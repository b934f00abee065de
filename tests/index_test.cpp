// The commit index: what it stores, incremental updates, rewritten
// branches, missing objects, corrupt and foreign files, interruption by
// kill -9 and concurrent runs. Repositories are real, built with git.
#include "index/index.h"
#include "index/schema.h"
#include "test_util.h"
#include "util/error.h"
#include "util/term.h"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace beaver {
namespace {

using test::sh;
using test::sh_ok;
using test::TestRepo;

struct Row {
  std::map<std::string, std::string> col;
};

std::vector<std::map<std::string, std::string>> query(const std::string& db_path, const std::string& sql) {
  index::Database db = index::Database::open(db_path, false);
  auto st = db.prepare(sql);
  std::vector<std::map<std::string, std::string>> rows;
  while (st.step()) {
    std::map<std::string, std::string> r;
    for (int i = 0; i < sqlite3_column_count(st.handle()); ++i) r[sqlite3_column_name(st.handle(), i)] = st.text(i);
    rows.push_back(r);
  }
  return rows;
}

// Commits with their first tag and release, as `c`.
const std::string kTagged =
    "WITH c AS (SELECT commits.*, t.tag, t.release FROM commits LEFT JOIN first_tags t ON t.commit_id = commits.id) ";

std::string one(const std::string& db, const std::string& sql) {
  auto rows = query(db, sql);
  if (rows.empty() || rows[0].empty()) return "";
  return rows[0].begin()->second;
}

// The message of the beaver::Error that `f` throws; a test failure, naming
// `what`, when it throws none.
template <typename F>
std::string error_of(F&& f, const char* what) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << what;
  return "";
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

index::UpdateSummary run_index(const std::string& dir, index::UpdateOptions o = {}) {
  return index::update(git::Repository::open(dir), o);
}

class IndexTest : public ::testing::Test {
protected:
  TestRepo repo;
  std::string db() { return repo.dir() + "/.git/beaver/index.sqlite"; }

  // A small kernel-like history: a bug, its fix, a release and a backport.
  void build() {
    repo.write("arch/x86/coco/sev/core.c", "int snp_init(void)\n{\n\treturn 0;\n}\n");
    first_ = repo.commit("x86/sev: Add SNP initialisation\n\nSigned-off-by: A <a@example.org>\n");
    repo.git("tag v6.0-rc1");
    repo.write("arch/x86/coco/sev/core.c", "int snp_init(void)\n{\n\treturn 1;\n}\n");
    buggy_ = repo.commit("x86/sev: Report SNP state\n\nSigned-off-by: A <a@example.org>\n");
    repo.git("tag v6.0");
    repo.write("arch/x86/coco/sev/core.c", "int snp_init(void)\n{\n\treturn 2;\n}\n");
    fix_ = repo.commit("x86/sev: Fix SNP state report\n\nFixes: " + buggy_.substr(0, 12) +
                       " (\"x86/sev: Report SNP state\")\nCc: stable@vger.kernel.org # 5.19.x\n"
                       "Signed-off-by: B <b@example.org>\nLink: https://lore.kernel.org/r/1@example.org\n");
    repo.write("drivers/virt/coco/tdx-guest.c", "int tdx(void) { return 0; }\n");
    wrong_ = repo.commit("virt: tdx-guest: Fix report\n\nFixes: 0123456789ab (\"x86/sev: Add SNP initialisation\")\n"
                         "Fixes: fedcba987654 (\"no such subject\")\nSigned-off-by: C <c@example.org>\n");
    repo.git("tag v6.1");
  }
  std::string first_, buggy_, fix_, wrong_;
};

TEST_F(IndexTest, StoresCommitsPatchIdsTrailersAndReleases) {
  build();
  auto s = run_index(repo.dir());
  EXPECT_FALSE(s.up_to_date);
  EXPECT_EQ(s.new_commits, 4u);
  EXPECT_EQ(s.total_commits, 4u);
  EXPECT_TRUE(s.problems.empty());

  // patch-ids equal git's
  auto git_ids = test::git_patch_ids(repo.dir(), "HEAD");
  auto rows = query(db(), "SELECT lower(hex(patch_id)) || ' ' || lower(hex(oid)) AS l FROM commits ORDER BY l");
  ASSERT_EQ(rows.size(), git_ids.size());
  for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i]["l"], git_ids[i]);

  // first tag and first release (rc tags are not releases)
  EXPECT_EQ(one(db(), kTagged + "SELECT tag FROM c WHERE hex(oid) = upper('" + first_ + "')"), "v6.0-rc1");
  EXPECT_EQ(one(db(), kTagged + "SELECT release FROM c WHERE hex(oid) = upper('" + first_ + "')"), "v6.0");
  EXPECT_EQ(one(db(), kTagged + "SELECT release FROM c WHERE hex(oid) = upper('" + fix_ + "')"), "v6.1");

  // Fixes: resolved by id, by subject when the id is wrong, unknown otherwise
  auto refs = query(db(), "SELECT r.target, r.state, lower(hex(r.resolved)) AS resolved FROM refs r JOIN commits c ON "
                          "c.id = r.commit_id ORDER BY c.committer_time, r.line");
  ASSERT_EQ(refs.size(), 3u);
  EXPECT_EQ(refs[0]["target"], buggy_.substr(0, 12));
  EXPECT_EQ(refs[0]["state"], "resolved");
  EXPECT_EQ(refs[0]["resolved"], buggy_);
  EXPECT_EQ(refs[1]["state"], "by-subject");
  EXPECT_EQ(refs[1]["resolved"], first_);
  EXPECT_EQ(refs[2]["state"], "unknown");
  EXPECT_EQ(s.refs_unresolved, 1u);

  EXPECT_EQ(one(db(), "SELECT count(*) FROM trailers WHERE key = 'Signed-off-by'"), "4");
  EXPECT_EQ(one(db(), "SELECT path FROM paths p JOIN commits c ON c.id = p.commit_id WHERE hex(c.oid) = upper('" + wrong_ + "')"),
            "drivers/virt/coco/tdx-guest.c");
  EXPECT_EQ(one(db(), "SELECT insertions || '/' || deletions FROM commits WHERE hex(oid) = upper('" + fix_ + "')"), "1/1");
  EXPECT_EQ(one(db(), "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(one(db(), "PRAGMA user_version"), std::to_string(index::kSchemaVersion));
}

TEST_F(IndexTest, IncrementalUpToDateAndRewrittenBranch) {
  build();
  run_index(repo.dir());
  auto again = run_index(repo.dir());
  EXPECT_TRUE(again.up_to_date);
  EXPECT_EQ(again.new_commits, 0u);

  repo.write("new.c", "x\n");
  repo.commit("one more");
  auto more = run_index(repo.dir());
  EXPECT_FALSE(more.up_to_date);
  EXPECT_EQ(more.new_commits, 1u);
  EXPECT_EQ(more.total_commits, 5u);
  EXPECT_EQ(one(db(), kTagged + "SELECT count(*) FROM c WHERE release IS NULL"), "1");
  EXPECT_EQ(one(db(), "SELECT count(*) FROM first_tags"), "4") << "a commit in no tag has no row";
  // A new tag on old commits: no new commit, but releases are recomputed.
  repo.git("tag v6.2");
  auto tagged = run_index(repo.dir());
  EXPECT_FALSE(tagged.up_to_date);
  EXPECT_EQ(tagged.new_commits, 0u);
  EXPECT_EQ(one(db(), kTagged + "SELECT release FROM c WHERE subject = 'one more'"), "v6.2");
  // A deleted tag takes its commits' rows with it.
  repo.git("tag -d v6.2");
  EXPECT_EQ(run_index(repo.dir()).new_commits, 0u);
  EXPECT_EQ(one(db(), kTagged + "SELECT count(*) FROM c WHERE subject = 'one more' AND tag IS NULL"), "1");
  EXPECT_EQ(one(db(), "SELECT count(*) FROM first_tags"), "4");
  EXPECT_EQ(one(db(), kTagged + "SELECT release FROM c WHERE hex(oid) = upper('" + fix_ + "')"), "v6.1");

  // A rebase: two commits rewritten on top of an older base.
  repo.git("checkout -q -b vendor " + buggy_);
  repo.write("vendor.c", "vendor\n");
  repo.commit("vendor patch");
  EXPECT_EQ(run_index(repo.dir()).new_commits, 1u);
  repo.git("rebase -q main");
  auto rebased = run_index(repo.dir());
  EXPECT_EQ(rebased.new_commits, 1u) << "only the rewritten commit is new";
  EXPECT_EQ(rebased.total_commits, 7u) << "the pre-rebase commit stays in the index";
  // The new commit's patch-id equals the old one's: same change.
  EXPECT_EQ(one(db(), "SELECT count(DISTINCT patch_id) FROM commits WHERE subject = 'vendor patch'"), "1");
  EXPECT_EQ(one(db(), "SELECT count(*) FROM commits WHERE subject = 'vendor patch'"), "2");
}

TEST_F(IndexTest, NewFixesTargetResolvesOnLaterRun) {
  repo.write("a.c", "a\n");
  std::string a = repo.commit("first");
  repo.git("checkout -q -b other");
  repo.write("b.c", "b\n");
  std::string target = repo.commit("the buggy one");
  repo.git("checkout -q main");
  repo.write("a.c", "fixed\n");
  repo.commit("fix\n\nFixes: " + target.substr(0, 12) + " (\"the buggy one\")\n");
  index::UpdateOptions o;
  o.revs = {"main"};
  run_index(repo.dir(), o);
  EXPECT_EQ(one(db(), "SELECT state FROM refs"), "unknown");
  o.revs = {"other"};
  run_index(repo.dir(), o);
  EXPECT_EQ(one(db(), "SELECT state FROM refs"), "resolved");
}

TEST_F(IndexTest, MissingBlobIsRecordedAndIndexingGoesOn) {
  build();
  repo.write("firmware.bin.txt", "big blob that a mirror left out\n");
  std::string victim = repo.commit("add firmware");
  // The same in a commit that adds and deletes files, whose file pairs are
  // asked of git: git may die on the missing blob, and the commits around it
  // still come out.
  repo.write("firmware2.bin.txt", "another blob a mirror left out\n");
  repo.git("rm -q drivers/virt/coco/tdx-guest.c");
  std::string victim2 = repo.commit("add firmware 2, drop the TDX guest driver");
  sh_ok(repo.dir(), "git mv arch/x86/coco/sev/core.c arch/x86/coco/sev/snp.c && echo '/* moved */' >> arch/x86/coco/sev/snp.c");
  std::string by_git_ok = repo.commit("a rename with an edit, all readable");
  repo.write("after.c", "after\n");
  repo.commit("after the missing blob");
  std::string blob = repo.git("rev-parse " + victim + ":firmware.bin.txt").substr(0, 40);
  std::string blob2 = repo.git("rev-parse " + victim2 + ":firmware2.bin.txt").substr(0, 40);
  for (auto& b : {blob, blob2}) sh_ok(repo.dir(), "rm -f .git/objects/" + b.substr(0, 2) + "/" + b.substr(2));
  auto s = run_index(repo.dir());
  EXPECT_EQ(s.total_commits, 8u);
  ASSERT_EQ(s.problems.size(), 2u);
  std::sort(s.problems.begin(), s.problems.end(), [&](auto& a, auto&) { return a.commit == victim; });
  EXPECT_EQ(s.problems[0].commit, victim);
  EXPECT_NE(s.problems[0].what.find(blob), std::string::npos) << s.problems[0].what;
  EXPECT_NE(s.problems[0].what.find("firmware.bin.txt"), std::string::npos) << s.problems[0].what;
  EXPECT_EQ(s.problems[1].commit, victim2);
  EXPECT_NE(s.problems[1].what.find(blob2), std::string::npos) << s.problems[1].what;
  EXPECT_EQ(one(db(), "SELECT count(*) FROM commits WHERE error IS NOT NULL"), "2");
  EXPECT_EQ(one(db(), "SELECT count(*) FROM commits WHERE patch_id IS NOT NULL"), "6");
  // The readable rename is rendered in-process with git's pairs, and has git's patch-id.
  EXPECT_EQ(one(db(), "SELECT by_git FROM commits WHERE hex(oid) = upper('" + by_git_ok + "')"), "0");
  auto ids = test::git_patch_ids(repo.dir(), by_git_ok + "~1.." + by_git_ok);
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(one(db(), "SELECT lower(hex(patch_id)) || ' ' || lower(hex(oid)) FROM commits WHERE hex(oid) = upper('" +
                          by_git_ok + "')"),
            ids[0]);
  EXPECT_EQ(one(db(), "SELECT subject FROM commits WHERE hex(oid) = upper('" + victim + "')"), "add firmware");

  // The binary: exit 0 with a warning, 1 with --strict.
  test::Run plain = sh(repo.dir(), test::beaver_binary() + " index --index " + repo.dir() + "/other.sqlite");
  EXPECT_EQ(plain.code, 0);
  EXPECT_NE(plain.err.find("warning"), std::string::npos) << plain.err;
  EXPECT_NE(plain.err.find(victim), std::string::npos) << plain.err;
  test::Run strict = sh(repo.dir(), test::beaver_binary() + " index --strict --index " + repo.dir() + "/strict.sqlite");
  EXPECT_EQ(strict.code, 1) << strict.err;
}

TEST_F(IndexTest, CorruptIndexIsRefusedAndRebuildRecovers) {
  build();
  run_index(repo.dir());
  {
    std::ofstream f(db(), std::ios::binary | std::ios::trunc);
    f << std::string(4096, 'x');
  }
  sh_ok(repo.dir(), "rm -f .git/beaver/index.sqlite-wal .git/beaver/index.sqlite-shm");
  std::string e = error_of([&] { run_index(repo.dir()); }, "a corrupt index must be refused");
  EXPECT_TRUE(has(e, "index.sqlite")) << e;
  EXPECT_TRUE(has(e, "--rebuild")) << e;
  test::Run r = sh(repo.dir(), test::beaver_binary() + " index");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--rebuild"), std::string::npos) << r.err;
  index::UpdateOptions o;
  o.rebuild = true;
  auto s = run_index(repo.dir(), o);
  EXPECT_EQ(s.total_commits, 4u);
}

// Releases not tagged v*: the pattern given once is the index's, kept by
// every later update (stack's included) and read the same by every command.
TEST_F(IndexTest, ReleasePatternIsStoredAndSuggested) {
  repo.write("xen/common.c", "int a;\n");
  std::string first = repo.commit("common: first");
  repo.git("tag 4.18.0-rc1");
  repo.write("xen/common.c", "int a;\nint b;\n");
  repo.commit("common: second");
  repo.git("tag RELEASE-4.18.0");
  repo.write("xen/common.c", "int a;\nint b;\nint c;\n");
  std::string later = repo.commit("common: third");
  repo.git("tag RELEASE-4.19.0");
  std::vector<std::string> warned;
  set_warning_sink([&](const std::string& w) { warned.push_back(w); });
  // The default pattern matches nothing: said once, with the pattern the tags suggest.
  auto s = run_index(repo.dir());
  EXPECT_EQ(s.release_pattern, "v*");
  EXPECT_EQ(s.release_tags, 0u);
  ASSERT_EQ(warned.size(), 1u);
  EXPECT_TRUE(has(warned[0], "no tag matches the release pattern 'v*'")) << warned[0];
  EXPECT_TRUE(has(warned[0], "--release-pattern 'RELEASE-*'")) << warned[0];
  index::UpdateOptions o;
  o.release_pattern = "RELEASE-*";
  s = run_index(repo.dir(), o);
  EXPECT_EQ(s.release_tags, 2u);
  EXPECT_EQ(one(db(), kTagged + "SELECT release FROM c WHERE hex(oid) = upper('" + first + "')"), "RELEASE-4.18.0");
  // A later update without the option (what stack, fixes and rebase-diff do) keeps it.
  repo.write("xen/other.c", "int d;\n");
  repo.commit("other: new");
  s = run_index(repo.dir());
  EXPECT_FALSE(s.up_to_date);
  EXPECT_EQ(s.release_pattern, "RELEASE-*");
  EXPECT_EQ(one(db(), kTagged + "SELECT release FROM c WHERE hex(oid) = upper('" + later + "')"), "RELEASE-4.19.0");
  EXPECT_EQ(one(db(), "SELECT value FROM meta WHERE key = 'release_pattern'"), "RELEASE-*");
  // stack reads the same first release as log.
  test::Run st = sh(repo.dir(), test::beaver_binary() + " stack -u RELEASE-4.19.0 --base 4.18.0-rc1 --format json RELEASE-4.19.0");
  EXPECT_EQ(st.code, 0) << st.err;
  EXPECT_EQ(one(db(), "SELECT value FROM meta WHERE key = 'release_pattern'"), "RELEASE-*");
  test::Run lg = sh(repo.dir(), test::beaver_binary() + " log --format json -n 1 " + first);
  EXPECT_TRUE(has(lg.out, "\"release\": \"RELEASE-4.18.0\"") || has(lg.out, "\"first_release\": \"RELEASE-4.18.0\"")) << lg.out;
  set_warning_sink(nullptr);
}

// The index says what is wrong with itself, and never advises destroying a
// good one.
TEST_F(IndexTest, DiagnosesItself) {
  build();
  run_index(repo.dir());
  std::string b = test::beaver_binary();
  // A healthy index in a read-only directory is still read (as root, a
  // read-only bind mount is what makes a directory read-only: chattr +i here).
  test::Run ro = sh(repo.dir(), "chmod a-w .git/beaver && chattr +i .git/beaver 2>/dev/null; "
                                "if touch .git/beaver/probe 2>/dev/null; then echo WRITABLE; fi; " + b + " log -n 2; rc=$?; "
                                "chattr -i .git/beaver 2>/dev/null; chmod u+w .git/beaver; rm -f .git/beaver/probe; exit $rc");
  EXPECT_EQ(ro.code, 0) << ro.err;
  if (has(ro.out, "WRITABLE")) std::fprintf(stderr, "note: could not make a read-only directory here (root on a file system without chattr)\n");
  EXPECT_TRUE(has(ro.out, "x86/sev: Fix SNP state report")) << ro.out;
  EXPECT_FALSE(has(ro.err, "--rebuild")) << ro.err;

  // Random bytes in the middle of the file: found where met, named, with the way out.
  {
    std::fstream f(db(), std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(0, std::ios::end);
    auto size = std::size_t(f.tellp());
    ASSERT_GT(size, 3u * 4096);
    f.seekp(std::streamoff(2 * 4096));
    std::string junk(4096, '\0');
    for (std::size_t i = 0; i < junk.size(); ++i) junk[i] = char((i * 131 + 7) & 0xff);
    f.write(junk.data(), std::streamsize(junk.size()));
  }
  test::Run v = sh(repo.dir(), b + " index --verify");
  EXPECT_EQ(v.code, 1) << v.err;
  EXPECT_TRUE(has(v.err, "index.sqlite")) << v.err;
  EXPECT_TRUE(has(v.err, "--rebuild")) << v.err;
  test::Run st = sh(repo.dir(), b + " stack -u v6.1 HEAD");
  EXPECT_EQ(st.code, 2) << st.err;
  EXPECT_TRUE(has(st.err, "index.sqlite")) << st.err;
  EXPECT_TRUE(has(st.err, "--rebuild")) << st.err;
  EXPECT_EQ(sh(repo.dir(), b + " index --rebuild -q").code, 0);
  test::Run good = sh(repo.dir(), b + " index --verify");
  EXPECT_EQ(good.code, 0) << good.err;
  EXPECT_TRUE(has(good.err, "sound (4 commits indexed, 4 reachable")) << good.err;

  // Another repository's index is refused, not overwritten.
  TestRepo other;
  other.write("x.c", "x\n");
  other.commit("other");
  test::Run foreign = sh(other.dir(), b + " index --index " + test::quote(db()));
  EXPECT_EQ(foreign.code, 2);
  EXPECT_TRUE(has(foreign.err, "was made for the repository")) << foreign.err;
  EXPECT_EQ(one(db(), "SELECT value FROM meta WHERE key = 'repository'"), repo.dir() + "/.git/");

  // --strict on an up-to-date index still reports what earlier runs could not read.
  repo.write("blob.txt", "left out by a mirror\n");
  std::string victim = repo.commit("a blob");
  std::string blob = repo.git("rev-parse HEAD:blob.txt").substr(0, 40);
  sh_ok(repo.dir(), "rm -f .git/objects/" + blob.substr(0, 2) + "/" + blob.substr(2));
  // Newer git refuses to build a tree whose index names a missing blob: the
  // next commit deletes the file (git needs no blob for that).
  sh_ok(repo.dir(), "git rm -q --cached blob.txt && rm blob.txt");
  EXPECT_EQ(sh(repo.dir(), b + " index --strict -q").code, 1);
  test::Run again = sh(repo.dir(), b + " index --strict");
  EXPECT_EQ(again.code, 1) << again.err;
  EXPECT_TRUE(has(again.err, "earlier runs")) << again.err;
  EXPECT_TRUE(has(again.err, victim)) << again.err;

  // log of commits the index does not know is an error on every face.
  repo.write("new.c", "new\n");
  std::string fresh = repo.commit("not indexed yet");
  for (const char* format : {"text", "json", "markdown"}) {
    test::Run lg = sh(repo.dir(), b + " log --format " + format + " " + fresh + "~2.." + fresh);
    EXPECT_EQ(lg.code, 2) << format;
    EXPECT_TRUE(has(lg.err, "1 of the 2 commit(s) asked for are not in the index")) << lg.err;
  }

  // A directory as waivers is an input error naming it.
  test::Run w = sh(repo.dir(), b + " fixes -u v6.1 --waivers .git HEAD");
  EXPECT_EQ(w.code, 2);
  EXPECT_TRUE(has(w.err, ".git: is a directory")) << w.err;
}

// CI checkouts are shallow: the boundary commits are roots as git says,
// the history is said to be shallow, and after `git fetch --unshallow` the
// next run gives what a full clone gives.
TEST_F(IndexTest, ShallowClonesAndUnshallow) {
  build();
  repo.git("checkout -q -b stable v6.0");
  repo.write("arch/x86/coco/sev/core.c", "int snp_init(void)\n{\n\treturn 2;\n}\n");
  repo.commit("x86/sev: Fix SNP state report\n\n(cherry picked from commit " + fix_ + ")\n");
  repo.git("checkout -q master 2>/dev/null || git checkout -q main");
  test::TempDir clones;
  std::string url = "file://" + repo.dir();
  std::string shallow = clones.str() + "/shallow", full = clones.str() + "/full", one = clones.str() + "/one";
  sh_ok(clones.str(), "git clone -q --depth 2 --no-single-branch " + url + " shallow && git clone -q --no-single-branch " +
                          url + " full && git clone -q --depth 1 " + url + " one");
  std::vector<std::string> warned;
  set_warning_sink([&](const std::string& w) { warned.push_back(w); });
  for (const std::string& dir : {shallow, one}) {
    warned.clear();
    auto s = run_index(dir);
    EXPECT_TRUE(s.problems.empty()) << dir << ": " << (s.problems.empty() ? "" : s.problems[0].what);
    ASSERT_FALSE(warned.empty()) << dir;
    EXPECT_TRUE(has(warned[0], "this clone is shallow")) << warned[0];
    EXPECT_TRUE(has(warned[0], "git fetch --unshallow")) << warned[0];
    // patch-ids are git's, the boundary commits diffed as roots.
    auto rows = query(dir + "/.git/beaver/index.sqlite",
                      "SELECT lower(hex(patch_id)) || ' ' || lower(hex(oid)) AS l FROM commits WHERE patch_id IS NOT NULL ORDER BY l");
    auto ids = test::git_patch_ids(dir, "--all");
    ASSERT_EQ(rows.size(), ids.size()) << dir;
    for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(rows[i]["l"], ids[i]) << dir;
    test::Run pid = sh(dir, test::beaver_binary() + " patch-id --all | sort");
    EXPECT_EQ(pid.code, 0) << pid.err;
  }
  // Depth 2 does not reach the fork point: said, with the way out.
  test::Run st = sh(shallow, test::beaver_binary() + " stack -u origin/HEAD origin/stable");
  EXPECT_EQ(st.code, 2) << st.err;
  EXPECT_TRUE(has(st.err, "this clone is shallow")) << st.err;
  EXPECT_TRUE(has(st.err, "no common ancestor with the upstream in this shallow clone")) << st.err;
  test::Run based = sh(shallow, test::beaver_binary() + " stack -u origin/HEAD --base origin/stable~1 origin/stable");
  EXPECT_EQ(based.code, 0) << based.err;
  test::Run fx = sh(shallow, test::beaver_binary() + " fixes -u origin/HEAD origin/stable");
  EXPECT_EQ(fx.code, 0) << fx.err;

  // Unshallowed: the same rows as a full clone (ids, parents, patch-ids, releases).
  sh_ok(shallow, "git fetch -q --unshallow && git fetch -q --tags");
  warned.clear();
  run_index(shallow);
  EXPECT_TRUE(warned.empty()) << warned[0];
  run_index(full);
  const std::string rows_sql = kTagged + "SELECT lower(hex(oid)) || ' ' || ifnull(lower(hex(parents)), '-') || ' ' || "
                               "ifnull(lower(hex(patch_id)), '-') || ' ' || ifnull(release, '-') AS r FROM c ORDER BY r";
  auto a = query(shallow + "/.git/beaver/index.sqlite", rows_sql);
  auto b = query(full + "/.git/beaver/index.sqlite", rows_sql);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i]["r"], b[i]["r"]);
  test::Run st2 = sh(shallow, test::beaver_binary() + " stack -u origin/HEAD origin/stable --format json");
  test::Run st3 = sh(full, test::beaver_binary() + " stack -u origin/HEAD origin/stable --format json");
  auto strip = [](std::string j) { return j.substr(0, j.find("\"seconds\"")); };
  EXPECT_EQ(strip(st2.out), strip(st3.out));
  set_warning_sink(nullptr);
}

// User-defined reference conventions (git config beaver.referencePattern)
// are stored in the index: changing them reads every commit's references
// again, even when nothing else changed; a bad expression is an input error
// naming the key.
TEST_F(IndexTest, ReferencePatternsFromGitConfigAreReadAgainWhenChanged) {
  build();
  repo.write("arch/x86/coco/sev/core.c", "int snp_init(void)\n{\n\treturn 3;\n}\n");
  std::string port = repo.commit("x86/sev: Port the state fix\n\nOriginal-Commit-Id: " + fix_ +
                                 "\nSigned-off-by: D <d@example.org>\n");
  auto kinds = [&] {
    return one(db(), "SELECT group_concat(r.kind || ' ' || r.state || ' ' || lower(hex(r.resolved)), ';') FROM refs r "
                     "JOIN commits c ON c.id = r.commit_id WHERE hex(c.oid) = upper('" + port + "')");
  };
  auto s = run_index(repo.dir());
  EXPECT_TRUE(s.reference_patterns.empty());
  EXPECT_EQ(kinds(), "");
  EXPECT_TRUE(run_index(repo.dir()).up_to_date);

  repo.git("config --add beaver.referencePattern 'kind=gerrit:^Original-Commit-Id: ([0-9a-f]{40})$'");
  s = run_index(repo.dir());
  EXPECT_FALSE(s.up_to_date) << "new patterns: the references are read again";
  EXPECT_EQ(s.new_commits, 0u);
  EXPECT_EQ(s.refs_reread, 5u);
  EXPECT_EQ(s.reference_patterns, std::vector<std::string>{"kind=gerrit:^Original-Commit-Id: ([0-9a-f]{40})$"});
  EXPECT_EQ(kinds(), "gerrit resolved " + fix_);
  // The Fixes: references of other commits are read again too, and resolve as before.
  EXPECT_EQ(one(db(), "SELECT count(*) FROM refs WHERE kind = 'fixes'"), "3");
  EXPECT_EQ(one(db(), "SELECT count(*) FROM refs WHERE kind = 'fixes' AND state = 'by-subject'"), "1");
  EXPECT_TRUE(run_index(repo.dir()).up_to_date) << "the same patterns: nothing to do";

  // Removing the pattern forgets what it found.
  repo.git("config --unset-all beaver.referencePattern");
  s = run_index(repo.dir());
  EXPECT_EQ(s.refs_reread, 5u);
  EXPECT_EQ(kinds(), "");

  // Given explicitly (the library's option), the config is not read.
  index::UpdateOptions o;
  o.reference_patterns = std::vector<std::string>{"^Original-Commit-Id: ([0-9a-f]+)"};
  run_index(repo.dir(), o);
  EXPECT_EQ(kinds(), "reference_pattern resolved " + fix_);

  // A bad expression: exit 2, naming the key, before any work.
  repo.git("config --add beaver.referencePattern 'master commit: ([0-9a-f]+'");
  auto r = sh(repo.dir(), test::quote(test::beaver_binary()) + " index");
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_TRUE(has(r.err, "beaver.referencePattern")) << r.err;
  EXPECT_TRUE(has(r.err, "master commit: ([0-9a-f]+")) << r.err;
  repo.git("config --unset-all beaver.referencePattern");
  repo.git("config --add beaver.referencePattern 'no group'");
  r = sh(repo.dir(), test::quote(test::beaver_binary()) + " log -n 1");
  EXPECT_EQ(r.code, 0) << "log only reads the index" << r.err;
  for (const char* cmd : {" stack -u HEAD~1 HEAD", " fixes -u HEAD~1 HEAD"}) {
    r = sh(repo.dir(), test::quote(test::beaver_binary()) + cmd);
    EXPECT_EQ(r.code, 2) << cmd << r.out << r.err;
    EXPECT_TRUE(has(r.err, "beaver.referencePattern")) << cmd << r.err;
  }
}

// An index of schema version 2 read fewer backport conventions: readers ask
// for `beaver index`, which upgrades it in place and reads every reference again.
TEST_F(IndexTest, SchemaVersion2IsUpgradedAndReadsReferencesAgain) {
  build();
  repo.write("arch/x86/coco/sev/core.c", "int snp_init(void)\n{\n\treturn 3;\n}\n");
  std::string backport = repo.commit("x86/sev: Fix SNP state report\n\nSigned-off-by: D <d@example.org>\nmaster commit: " +
                                     fix_ + "\nmaster date: 2024-01-02 10:00:00 +0100\n");
  run_index(repo.dir());
  {
    // What version 2 made of it: no master_commit reference, no reference_rules.
    index::Database old = index::Database::open(db(), false);
    old.exec("DELETE FROM refs WHERE kind = 'master_commit'; DELETE FROM meta WHERE key = 'reference_rules';"
             "PRAGMA user_version = 2;");
  }
  std::string e = error_of([&] { index::open_for_reading(db()); }, "a reader must not use a version 2 index");
  EXPECT_TRUE(has(e, "run `beaver index` to upgrade")) << e;
  auto s = run_index(repo.dir());
  EXPECT_EQ(s.new_commits, 0u);
  EXPECT_EQ(s.refs_reread, 5u);
  EXPECT_EQ(one(db(), "PRAGMA user_version"), std::to_string(index::kSchemaVersion));
  EXPECT_EQ(one(db(), "SELECT r.kind || ' ' || lower(hex(r.resolved)) FROM refs r JOIN commits c ON c.id = r.commit_id "
                      "WHERE hex(c.oid) = upper('" + backport + "')"),
            "master_commit " + fix_);
  EXPECT_NO_THROW(index::open_for_reading(db()));
  EXPECT_TRUE(run_index(repo.dir()).up_to_date);
}

// An index of schema version 1 (first tags in commits) is refused by
// readers with a hint, and upgraded in place by the next `beaver index`.
TEST_F(IndexTest, SchemaVersion1IsUpgradedInPlace) {
  build();
  run_index(repo.dir());
  {
    index::Database old = index::Database::open(db(), false);
    old.exec("ALTER TABLE commits ADD COLUMN first_tag TEXT; ALTER TABLE commits ADD COLUMN first_release TEXT;"
             "UPDATE commits SET first_tag = (SELECT tag FROM first_tags WHERE commit_id = id),"
             " first_release = (SELECT release FROM first_tags WHERE commit_id = id);"
             "DROP TABLE first_tags; CREATE INDEX paths_path ON paths(path); DELETE FROM meta WHERE key = "
             "'reference_rules'; PRAGMA user_version = 1;");
  }
  std::string e = error_of([&] { index::open_for_reading(db()); }, "a reader must not use a version 1 index");
  EXPECT_TRUE(has(e, "run `beaver index` to upgrade")) << e;
  auto s = run_index(repo.dir());
  EXPECT_EQ(s.new_commits, 0u) << "nothing new to index after the upgrade";
  EXPECT_EQ(s.refs_reread, 4u) << "the references are read with this version's conventions";
  EXPECT_TRUE(run_index(repo.dir()).up_to_date);
  EXPECT_EQ(one(db(), "PRAGMA user_version"), std::to_string(index::kSchemaVersion));
  EXPECT_EQ(one(db(), kTagged + "SELECT release FROM c WHERE hex(oid) = upper('" + first_ + "')"), "v6.0");
  EXPECT_EQ(one(db(), kTagged + "SELECT tag FROM c WHERE hex(oid) = upper('" + first_ + "')"), "v6.0-rc1");
  EXPECT_EQ(one(db(), "SELECT count(*) FROM pragma_table_info('commits') WHERE name LIKE 'first_%'"), "0");
  EXPECT_EQ(one(db(), "SELECT count(*) FROM sqlite_master WHERE name = 'paths_path'"), "0");
  EXPECT_NO_THROW(index::open_for_reading(db()));

  // A version this beaver does not know is refused, readers and writers alike.
  {
    index::Database newer = index::Database::open(db(), false);
    newer.exec("PRAGMA user_version = 99");
  }
  for (bool reader : {false, true}) {
    e = error_of([&] { reader ? (void)index::open_for_reading(db()) : (void)run_index(repo.dir()); },
                 "an unknown schema version must be refused");
    EXPECT_TRUE(has(e, "schema version 99")) << e;
    EXPECT_TRUE(has(e, "--rebuild")) << e;
  }
}

TEST_F(IndexTest, ForeignSqliteFileIsRefused) {
  build();
  std::string path = repo.dir() + "/foreign.sqlite";
  {
    index::Database foreign = index::Database::open(path, true);
    foreign.exec("CREATE TABLE important(x); INSERT INTO important VALUES (42);");
  }
  index::UpdateOptions o;
  o.index_path = path;
  std::string e = error_of([&] { run_index(repo.dir(), o); }, "a foreign file must be refused");
  EXPECT_TRUE(has(e, "not a beaver index")) << e;
  EXPECT_EQ(one(path, "SELECT count(*) FROM important"), "1") << "the foreign file is left alone";
}

TEST_F(IndexTest, NonUtf8MessagesAndMalformedTrailers) {
  repo.write("a.c", "a\n");
  // git converts a non-UTF-8 message to UTF-8 unless an encoding is declared.
  sh_ok(repo.dir(), "git add -A && git -c i18n.commitEncoding=ISO-8859-1 commit -q -F -",
        "caf\xe9: r\xe9sum\xe9 in Latin-1\n\nFixes:\nFixes: zzzz (no id here)\nFixes: (\"only a subject\")\n"
        "Signed-off-by: Ren\xe9 <rene@example.org>\n");
  auto s = run_index(repo.dir());
  EXPECT_EQ(s.total_commits, 1u);
  // Declared Latin-1: converted to UTF-8 as git log shows it.
  EXPECT_EQ(one(db(), "SELECT subject FROM commits"), "caf\xc3\xa9: r\xc3\xa9sum\xc3\xa9 in Latin-1");
  auto states = query(db(), "SELECT state FROM refs ORDER BY line");
  ASSERT_EQ(states.size(), 3u);
  EXPECT_EQ(states[0]["state"], "malformed");
  EXPECT_EQ(states[1]["state"], "malformed");
  EXPECT_EQ(states[2]["state"], "unknown") << "a subject without an id is looked up, and found nowhere";
  // Undeclared Latin-1 (old git, other tools) stays as stored; JSON output replaces it and stays valid UTF-8.
  std::string tree = repo.git("rev-parse HEAD^{tree}").substr(0, 40);
  std::string raw = sh_ok(repo.dir(), "git hash-object -t commit -w --stdin",
                          "tree " + tree + "\nauthor A <a@b> 1700000000 +0000\ncommitter A <a@b> 1700000000 +0000\n\n"
                          "na\xefve latin-1\n").substr(0, 40);
  repo.git("update-ref refs/heads/raw " + raw);
  run_index(repo.dir());
  test::Run r = sh(repo.dir(), test::beaver_binary() + " log --format json raw");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("na\xef\xbf\xbdve latin-1"), std::string::npos) << r.out;
  test::Run text = sh(repo.dir(), test::beaver_binary() + " log");
  EXPECT_EQ(text.code, 0);
  EXPECT_NE(text.out.find("malformed"), std::string::npos) << text.out;
}

TEST_F(IndexTest, BadRevisionIsAnInputError) {
  build();
  test::Run r = sh(repo.dir(), test::beaver_binary() + " index no-such-branch");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("no-such-branch"), std::string::npos) << r.err;
  test::Run notrepo = sh("/", test::beaver_binary() + " index --repo /proc");
  EXPECT_EQ(notrepo.code, 2);
  EXPECT_NE(notrepo.err.find("/proc"), std::string::npos) << notrepo.err;
}

// Interrupt `beaver index` with SIGKILL in the middle of a run; the next run
// must resume and end with exactly what a clean run produces.
TEST(IndexRobustness, KillNineThenResume) {
  test::TempDir dir;
  sh_ok(dir.str(), "git init -q -b main .");
  sh_ok(dir.str(), "git fast-import --quiet", test::random_history(7, 6000));
  std::string db = dir.str() + "/.git/beaver/index.sqlite";
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_WRONLY);
    dup2(devnull, 2);
    execl(test::beaver_binary().c_str(), "beaver", "index", "--repo", dir.str().c_str(), "--batch", "100", "-j", "1",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  // Wait until some batches are committed, then kill.
  bool killed_midway = false;
  for (int i = 0; i < 2000; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    int status;
    if (waitpid(pid, &status, WNOHANG) == pid) break;
    std::string n;
    try {
      n = one(db, "SELECT count(*) FROM commits");
    } catch (const std::exception&) {
      continue;
    }
    if (!n.empty() && std::stoi(n) >= 300) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      killed_midway = std::stoi(n) < 6000;
      break;
    }
  }
  EXPECT_TRUE(killed_midway) << "the kill should land in the middle of the run";
  test::Run again = sh(dir.str(), test::beaver_binary() + " index --format json");
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(one(db, "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(one(db, "SELECT count(*) FROM commits"), "6000");
  EXPECT_EQ(one(db, "SELECT count(DISTINCT oid) FROM commits"), "6000");
  // The lookup tables cover every commit, including those of the killed run.
  EXPECT_EQ(one(db, "SELECT count(DISTINCT commit_id) FROM bands"),
            one(db, "SELECT count(*) FROM commits WHERE minhash IS NOT NULL"));
  EXPECT_EQ(one(db, "SELECT count(DISTINCT commit_id) FROM hunks"),
            one(db, "SELECT count(*) FROM commits WHERE hunk_hashes IS NOT NULL"));
  EXPECT_NE(one(db, "SELECT count(*) FROM hunks"), "0");
  // Same answer as git for every commit.
  auto git_ids = test::git_patch_ids(dir.str(), "main");
  auto rows = query(db, "SELECT lower(hex(patch_id)) || ' ' || lower(hex(oid)) AS l FROM commits WHERE patch_id IS NOT NULL ORDER BY l");
  ASSERT_EQ(rows.size(), git_ids.size());
  for (std::size_t i = 0; i < rows.size(); ++i) ASSERT_EQ(rows[i]["l"], git_ids[i]);
  test::Run third = sh(dir.str(), test::beaver_binary() + " index --format json");
  EXPECT_NE(third.out.find("\"up_to_date\": true"), std::string::npos) << third.out;
}

TEST(IndexRobustness, TwoConcurrentRunsTakeTurns) {
  test::TempDir dir;
  sh_ok(dir.str(), "git init -q -b main .");
  sh_ok(dir.str(), "git fast-import --quiet", test::random_history(11, 3000));
  std::string cmd = test::beaver_binary() + " index --repo " + dir.str();
  test::Run both = sh(dir.str(), "(" + cmd + " 2>a.err & p1=$!; " + cmd + " 2>b.err & p2=$!; wait $p1; r1=$?; wait $p2; r2=$?; "
                                 "echo $r1 $r2; cat a.err b.err)");
  EXPECT_EQ(both.code, 0);
  EXPECT_EQ(both.out.substr(0, 4), "0 0\n") << both.out;
  EXPECT_NE(both.out.find("waiting"), std::string::npos) << "the second run says it waits: " << both.out;
  std::string db = dir.str() + "/.git/beaver/index.sqlite";
  EXPECT_EQ(one(db, "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(one(db, "SELECT count(*) FROM commits"), "3000");
}

}  // namespace
}  // namespace beaver
