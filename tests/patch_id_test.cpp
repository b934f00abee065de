// Patch-ids must equal `git patch-id --stable` on `git log -p --no-merges`.
// The parser is checked on diff text fed to both, and the whole pipeline
// (libgit2 rendering + git fallback + parser) on real repositories built
// with the git CLI: one per tricky case, and one of a few thousand random
// commits made with git fast-import.
#include "git/diff.h"
#include "git/patch_id.h"
#include "git/repository.h"
#include "git/scan.h"
#include "test_util.h"
#include "util/text.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <map>
#include <random>
#include <sstream>

namespace beaver {
namespace {

using test::sh_ok;
using test::TestRepo;

std::vector<std::string> beaver_ids(const std::string& dir, const std::vector<std::string>& revs,
                                    std::size_t* by_git = nullptr, std::size_t* with_pairs = nullptr) {
  git::Repository repo = git::Repository::open(dir);
  std::vector<std::string> lines;
  git::ScanOptions so;
  so.chunk_size = 500;
  so.on_chunk = [&](std::vector<git::ScanResult>& chunk) {
    for (auto& r : chunk) {
      EXPECT_EQ(r.error, "") << r.commit.hex();
      if (by_git) *by_git += r.by_git;
      if (with_pairs) *with_pairs += r.with_pairs;
      if (!r.merge && !r.fp.patch_id.empty()) lines.push_back(r.fp.patch_id + " " + r.commit.hex());
    }
  };
  git::scan(repo, repo.walk(repo.resolve(revs)), so);
  std::sort(lines.begin(), lines.end());
  return lines;
}

// Every result of a scan, by commit id.
std::map<std::string, git::ScanResult> scan_by_commit(const std::string& dir, const std::vector<git::Oid>& commits,
                                                      unsigned threads = 0) {
  git::Repository repo = git::Repository::open(dir);
  std::map<std::string, git::ScanResult> got;
  git::ScanOptions so;
  so.threads = threads;
  so.on_chunk = [&](std::vector<git::ScanResult>& chunk) {
    for (auto& x : chunk) got[x.commit.hex()] = x;
  };
  git::scan(repo, commits, so);
  return got;
}

std::vector<git::Oid> walk(const std::string& dir, const std::string& rev) {
  git::Repository repo = git::Repository::open(dir);
  return repo.walk(repo.resolve({rev}));
}

// git's own answer for a piece of diff text.
std::string git_id_of_text(const std::string& text) {
  test::TempDir tmp;
  std::string out = sh_ok(tmp.str(), "git patch-id --stable", "commit 1111111111111111111111111111111111111111\n\n" + text);
  return out.substr(0, out.find(' '));
}

TEST(PatchParser, PlainTextMatchesGit) {
  std::string text =
      "diff --git a/f.c b/f.c\nindex 1234567..89abcde 100644\n--- a/f.c\n+++ b/f.c\n"
      "@@ -1,3 +1,3 @@\n int a;\n-int  b;\n+int\tc;\n int d;\n";
  EXPECT_EQ(git::fingerprint_of(text).patch_id, git_id_of_text(text));
}

TEST(PatchParser, FileOrderDoesNotMatter) {
  std::string a = "diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n-x\n+y\n";
  std::string b = "diff --git a/b b/b\n--- a/b\n+++ b/b\n@@ -1 +1 @@\n-p\n+q\n";
  EXPECT_EQ(git::fingerprint_of(a + b).patch_id, git::fingerprint_of(b + a).patch_id);
  EXPECT_EQ(git::fingerprint_of(a + b).patch_id, git_id_of_text(a + b));
}

TEST(PatchParser, ModeOnlyHeaderSharesTheNextFilesHashLikeGit) {
  std::string text =
      "diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\n"
      "diff --git a/z b/z\nindex 1..2 100644\n--- a/z\n+++ b/z\n@@ -1 +1 @@\n-a\n+b\n";
  EXPECT_EQ(git::fingerprint_of(text).patch_id, git_id_of_text(text));
}

TEST(PatchParser, BinaryFileHashesAbbreviatedIdsAndSkipsNextDiffLine) {
  std::string text =
      "diff --git a/logo.bin b/logo.bin\nindex 0123abc..4567def 100644\nBinary files a/logo.bin and b/logo.bin differ\n"
      "diff --git a/z b/z\nindex 1..2 100644\n--- a/z\n+++ b/z\n@@ -1 +1 @@\n-a\n+b\n";
  auto fp = git::fingerprint_of(text);
  EXPECT_EQ(fp.patch_id, git_id_of_text(text));
  ASSERT_EQ(fp.files.size(), 2u);
  EXPECT_TRUE(fp.files[0].binary);
  EXPECT_EQ(fp.files[1].path, "z");
}

// find_nul() cuts every diff line at its first NUL, as git's C strings do:
// every position, in lines of every length, among bytes whose high bit is
// set (where a wrong zero-byte test gives false hits).
TEST(PatchParser, FindNulAtEveryPosition) {
  for (std::size_t len = 0; len <= 40; ++len) {
    for (unsigned char fill : {static_cast<unsigned char>('a'), static_cast<unsigned char>(0x80),
                               static_cast<unsigned char>(0xff), static_cast<unsigned char>(0x01)}) {
      std::string s(len, static_cast<char>(fill));
      EXPECT_EQ(find_nul(s), len) << "no NUL, length " << len;
      for (std::size_t at = 0; at < len; ++at) {
        std::string t = s;
        t[at] = '\0';
        if (at + 1 < len) t[len - 1] = '\0';  // a second NUL later changes nothing
        EXPECT_EQ(find_nul(t), at) << "length " << len << ", NUL at " << at << ", fill " << int(fill);
      }
    }
  }
}

TEST(PatchParser, NoNewlineMarkerIsSkippedAndNulEndsALine) {
  std::string text =
      "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\0ignored\n";
  text += std::string("+c\n", 3);
  text = "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,2 +1,3 @@\n a\n-b\n\\ No newline at end of file\n+b" +
         std::string(1, '\0') + "tail\n+c\n";
  EXPECT_EQ(git::fingerprint_of(text).patch_id, git_id_of_text(text));
}

TEST(PatchParser, EmptyDiffHasNoPatchId) {
  EXPECT_EQ(git::fingerprint_of("").patch_id, "");
  EXPECT_EQ(git::fingerprint_of("just a message\n").patch_id, "");
}

TEST(PatchParser, ContextFreeIdIgnoresContextAndLineNumbers) {
  std::string a = "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -10,3 +10,3 @@\n ctx1\n-old\n+new\n ctx2\n";
  std::string b = "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -99,3 +99,3 @@\n other\n-old\n+new\n lines\n";
  auto fa = git::fingerprint_of(a), fb = git::fingerprint_of(b);
  EXPECT_NE(fa.patch_id, fb.patch_id);
  EXPECT_EQ(fa.cf_id, fb.cf_id);
  EXPECT_EQ(fa.hunks, fb.hunks);
  EXPECT_EQ(git::minhash_similarity(fa.minhash, fb.minhash), 1.0);
  std::string c = "diff --git a/g b/g\n--- a/g\n+++ b/g\n@@ -1 +1 @@\n-old\n+new\n";
  EXPECT_NE(fa.cf_id, git::fingerprint_of(c).cf_id) << "the path is part of the context-free id";
}

TEST(PatchParser, StatsAndQuotedPaths) {
  std::string text =
      "diff --git \"a/caf\\303\\251.c\" \"b/caf\\303\\251.c\"\n--- \"a/caf\\303\\251.c\"\n+++ \"b/caf\\303\\251.c\"\n"
      "@@ -1 +1,2 @@\n-x\n+y\n+z\n"
      "diff --git a/old name b/new name\nsimilarity index 90%\nrename from old name\nrename to new name\n";
  auto fp = git::fingerprint_of(text);
  ASSERT_EQ(fp.files.size(), 2u);
  EXPECT_EQ(fp.files[0].path, "caf\xc3\xa9.c");
  EXPECT_EQ(fp.files[0].added, 2);
  EXPECT_EQ(fp.files[0].deleted, 1);
  EXPECT_EQ(fp.files[1].path, "new name");
  EXPECT_EQ(fp.files[1].old_path, "old name");
}

class PatchIdRepo : public ::testing::Test {
protected:
  TestRepo repo;
  void expect_same_as_git(const std::string& range = "HEAD") {
    auto expected = test::git_patch_ids(repo.dir(), range);
    auto got = beaver_ids(repo.dir(), {range});
    EXPECT_EQ(got, expected);
    EXPECT_FALSE(expected.empty());
  }
};

TEST_F(PatchIdRepo, EveryTrickyCase) {
  std::string big;
  for (int i = 0; i < 300; ++i) big += "line " + std::to_string(i) + "\n";
  repo.write("src/main.c", "int main(void)\n{\n\treturn 0;\n}\n");
  repo.write("big.txt", big);
  repo.write("doc/read me.txt", "spaces in the name\n");
  repo.commit("root commit");

  repo.write("src/main.c", "int main(void)\n{\n\treturn 1;\n}\n");
  repo.commit("modify");
  repo.git("mv big.txt renamed.txt");
  repo.commit("pure rename");
  std::string big2 = big;
  big2.replace(big2.find("line 7\n"), 7, "line seven\n");
  repo.write("renamed.txt", big2);
  sh_ok(repo.dir(), "mkdir -p moved && git mv renamed.txt moved/again.txt");
  repo.commit("rename with a change");
  repo.write("copy.txt", big2);
  repo.commit("copy (git log shows an addition)");
  repo.git("update-index --chmod=+x src/main.c");
  repo.write("src/main.c", "int main(void)\n{\n\treturn 1;\n}\n");
  repo.commit("mode change only");
  repo.git("update-index --chmod=-x src/main.c");
  repo.write("src/main.c", "int main(void)\n{\n\treturn 2;\n}\n");
  repo.commit("mode change and content");
  repo.write("logo.bin", std::string("\x89PNG\0\0\x01", 7) + "data");
  repo.commit("binary added");
  repo.write("logo.bin", std::string("\x89PNG\0\0\x02", 7) + "more data");
  repo.write("src/util.c", "void util(void) {}\n");
  repo.commit("binary modified next to a text file");
  repo.git("rm -q logo.bin");
  repo.commit("binary deleted");
  repo.write("late-nul.txt", std::string(9000, 'a') + "\n" + std::string("nul\0here\n", 9) + "end\n");
  repo.commit("NUL after 8000 bytes: text for git");
  repo.write("late-nul.txt", std::string(9000, 'a') + "\n" + std::string("nul\0there\n", 10) + "end\n");
  repo.commit("change the line with the NUL");
  repo.write("src/main.c", "int main(void)\n{\n    return 2;\n}\n");
  repo.commit("whitespace-only change");
  repo.write("noeol.txt", "no newline");
  repo.commit("file without final newline");
  repo.write("noeol.txt", "no newline, changed");
  repo.commit("still no final newline");
  repo.write("noeol.txt", "now with newline\n");
  repo.commit("newline added");
  repo.write("dos.txt", "one\r\ntwo\r\n");
  repo.commit("CRLF file");
  repo.write("dos.txt", "one\r\ntwo!\r\n");
  repo.commit("CRLF change");
  repo.write("empty", "");
  repo.commit("empty file added");
  repo.git("rm -q empty");
  repo.commit("empty file deleted");
  repo.git("update-index --add --cacheinfo 160000,1234567890123456789012345678901234567890,sub");
  repo.commit_index("submodule added");
  repo.git("update-index --cacheinfo 160000,abcdefabcdefabcdefabcdefabcdefabcdefabcd,sub");
  repo.commit_index("submodule moved");
  repo.git("rm -q --cached sub");
  repo.commit_index("submodule removed");
  repo.write("caf\xe9-latin1.txt", "non-UTF-8 path\n");
  repo.write("\xe2\x98\x83 snow.txt", "UTF-8 path\n");
  repo.write("tab\tname.txt", "tab in name\n");
  repo.write("quote\"name.txt", "quote in name\n");
  repo.commit("odd paths");
  repo.write("caf\xe9-latin1.txt", "non-UTF-8 path, changed\n");
  repo.commit("odd path changed");
  repo.git("rm -q doc/read\\ me.txt");
  repo.commit("delete a file with a space");
  sh_ok(repo.dir(), "ln -s src/main.c link && git add link");
  repo.commit("symlink");
  sh_ok(repo.dir(), "rm link && echo regular > link && git add link");
  repo.commit("type change: symlink to file");
  repo.commit("empty commit");
  repo.git("checkout -q -b side HEAD~3");
  repo.write("side.txt", "side\n");
  repo.commit("on a side branch");
  repo.git("checkout -q main");
  sh_ok(repo.dir(), "GIT_AUTHOR_DATE='1800000000 +0000' GIT_COMMITTER_DATE='1800000000 +0000' git merge -q --no-ff -m merge side");
  repo.write("after-merge.txt", "x\n");
  repo.commit("after the merge");
  std::string indent_a = "if (x) {\n\tfoo();\n}\n\nif (y) {\n\tbar();\n}\n";
  repo.write("indent.c", indent_a);
  repo.commit("indent heuristic base");
  repo.write("indent.c", "if (x) {\n\tfoo();\n}\n\nif (z) {\n\tbaz();\n}\n\nif (y) {\n\tbar();\n}\n");
  repo.commit("indent heuristic: block inserted between blocks");
  expect_same_as_git("HEAD");
}

TEST_F(PatchIdRepo, RangesAndRevisionSyntax) {
  for (int i = 0; i < 6; ++i) {
    repo.write("f" + std::to_string(i), std::to_string(i) + "\n");
    repo.commit("commit " + std::to_string(i));
  }
  repo.git("tag v1 HEAD~3");
  expect_same_as_git("v1..HEAD");
  expect_same_as_git("HEAD~2");
  auto all = test::git_patch_ids(repo.dir(), "--all");
  EXPECT_EQ(beaver_ids(repo.dir(), {"^v1", "HEAD"}), test::git_patch_ids(repo.dir(), "v1..HEAD"));
  EXPECT_EQ(beaver_ids(repo.dir(), {"--all"}), all);
  repo.git("checkout -q -b topic HEAD~4");
  repo.write("topic.txt", "topic\n");
  repo.commit("on topic");
  expect_same_as_git("main...topic");
  // A bare clone answers the same.
  test::TempDir bare;
  sh_ok(bare.str(), "git clone -q --bare " + test::quote(repo.dir()) + " repo.git");
  EXPECT_EQ(beaver_ids(bare.str() + "/repo.git", {"main~3..main"}), test::git_patch_ids(repo.dir(), "main~3..main"));
}

TEST_F(PatchIdRepo, HugeFileAndLongLines) {
  std::string big;
  for (int i = 0; i < 40000; ++i) big += "\tvalue_" + std::to_string(i % 977) + " = " + std::to_string(i) + ";\n";
  repo.write("huge.c", big);
  repo.write("long.txt", std::string(300000, 'x') + "\n");
  repo.commit("huge files");
  std::string changed = big;
  for (int i = 0; i < 200; ++i) changed.insert(changed.size() / 200 * std::size_t(i), "\tinserted();\n");
  repo.write("huge.c", changed);
  repo.write("long.txt", std::string(300000, 'y') + "\n");
  repo.commit("edit them");
  expect_same_as_git("HEAD");
}

TEST(PatchIdRandom, ThreeThousandRandomCommitsMatchGit) {
  test::TempDir dir;
  sh_ok(dir.str(), "git init -q -b main .");
  sh_ok(dir.str(), "git fast-import --quiet", test::random_history(20261122, 3000));
  auto expected = test::git_patch_ids(dir.str(), "main");
  std::size_t by_git = 0, with_pairs = 0;
  auto got = beaver_ids(dir.str(), {"main"}, &by_git, &with_pairs);
  ASSERT_GT(expected.size(), 2500u);
  EXPECT_EQ(got.size(), expected.size());
  std::vector<std::string> missing, extra;
  std::set_difference(expected.begin(), expected.end(), got.begin(), got.end(), std::back_inserter(missing));
  std::set_difference(got.begin(), got.end(), expected.begin(), expected.end(), std::back_inserter(extra));
  EXPECT_TRUE(missing.empty()) << missing.size() << " pairs differ, first: " << (missing.empty() ? "" : missing[0]);
  EXPECT_TRUE(extra.empty());
  // Both paths of the renderer were exercised: alone, and with git's file
  // pairs (renames); the random history has no type changes for git to render.
  EXPECT_GT(with_pairs, 100u);
  EXPECT_LT(with_pairs, expected.size() / 2);
  EXPECT_EQ(by_git, 0u);
}

// Trees are read from their raw bytes: old histories' modes (100664) are
// shown and compared as git canonicalises them, and a damaged tree is an
// error naming it while the other commits go on.
TEST_F(PatchIdRepo, RawTreesOddModesAndDamage) {
  auto blob = [&](const std::string& content) {
    repo.write("blob.tmp", content);
    return repo.git("hash-object -w blob.tmp").substr(0, 40);
  };
  auto raw = [](const std::string& hex) {
    std::string r;
    for (std::size_t i = 0; i < 40; i += 2) r += char(std::stoi(hex.substr(i, 2), nullptr, 16));
    return r;
  };
  auto tree = [&](const std::vector<std::array<std::string, 3>>& entries) {  // mode, name, id
    std::string bytes;
    for (auto& [mode, name, id] : entries) bytes += mode + " " + name + std::string(1, '\0') + raw(id);
    repo.write("tree.tmp", bytes);
    return repo.git("hash-object -t tree --literally -w tree.tmp").substr(0, 40);
  };
  std::string a = blob("one\ntwo\nthree\n"), b = blob("1\n"), b2 = blob("2\n"), c = blob("one\n2\nthree\n");
  std::string sub = tree({{{"100644", "x.c", b}}});
  auto commit = [&](const std::string& t, const std::string& parent, const std::string& msg) {
    return repo.git("commit-tree " + t + (parent.empty() ? "" : " -p " + parent) + " -m '" + msg + "'").substr(0, 40);
  };
  std::string c1 = commit(tree({{{"100664", "f.c", a}}, {{"100644", "g.c", b}}, {{"40000", "sub", sub}}}), "", "root, old mode");
  std::string c2 = commit(tree({{{"100644", "f.c", a}}, {{"100644", "g.c", b2}}, {{"40000", "sub", sub}}}), c1,
                          "100664 to 100644 is no change; g.c changes");
  std::string c3 = commit(tree({{{"100755", "f.c", a}}, {{"100644", "g.c", b2}}, {{"40000", "sub", sub}}}), c2,
                          "f.c becomes executable");
  std::string c4 = commit(tree({{{"100775", "f.c", c}}, {{"100644", "g.c", b2}}, {{"40000", "sub", sub}}}), c3,
                          "an odd executable mode and an edit");
  repo.git("update-ref refs/heads/odd " + c4);
  expect_same_as_git("odd");
  EXPECT_EQ(beaver_ids(repo.dir(), {"odd"}).size(), 4u) << "c2 changes g.c only: it still has a patch-id";

  // Damage: a truncated entry, and a subtree that is not there.
  repo.write("tree.tmp", "100644 f.c");
  std::string truncated = repo.git("hash-object -t tree --literally -w tree.tmp").substr(0, 40);
  std::string bad1 = commit(truncated, c4, "a truncated tree");
  std::string missing_sub = tree({{{"100644", "f.c", c}}, {{"40000", "gone", std::string(40, '7')}}});
  std::string bad2 = commit(missing_sub, c4, "a subtree that is not there");
  std::string good = commit(tree({{{"100644", "f.c", a}}}), c4, "fine again");
  auto got = scan_by_commit(repo.dir(), {*git::Oid::from_hex(bad1), *git::Oid::from_hex(bad2), *git::Oid::from_hex(good)});
  ASSERT_EQ(got.size(), 3u);
  EXPECT_NE(got.at(bad1).error.find("tree (root): malformed tree entry at byte 0"), std::string::npos)
      << got.at(bad1).error;
  EXPECT_NE(got.at(bad2).error.find("tree gone: "), std::string::npos) << got.at(bad2).error;
  EXPECT_NE(got.at(bad2).error.find("7777777"), std::string::npos) << got.at(bad2).error;
  EXPECT_EQ(got.at(good).error, "");
  EXPECT_FALSE(got.at(good).fp.patch_id.empty());
}


// Commits that add and delete files ask git for its file pairs only when
// git's rename detection could pair them; otherwise libgit2's rendering is
// exact. Either way the diff is rendered in-process.
TEST_F(PatchIdRepo, AddAndDeleteWithoutPossibleRenameStaysInProcess) {
  std::string small = "int a;\n";
  std::string large;
  for (int i = 0; i < 100; ++i) large += "int value" + std::to_string(i) + ";\n";
  repo.write("small.c", small);
  repo.write("keep.c", "keep\n");
  repo.commit("base");
  repo.git("rm -q small.c");
  repo.write("large.c", large);
  std::string no_rename = repo.commit("delete a small file, add a large one: sizes rule a rename out");
  repo.git("rm -q large.c");
  repo.write("large2.c", large + "int more;\n");
  std::string rename = repo.commit("a rename with an edit");
  repo.write("same.c", "same\n");
  repo.commit("add same.c");
  repo.git("rm -q same.c");
  repo.write("elsewhere/same.c", "same\n");
  std::string exact = repo.commit("an exact rename");
  auto got = scan_by_commit(repo.dir(), walk(repo.dir(), "HEAD"));
  for (auto& [hex, x] : got) EXPECT_FALSE(x.by_git) << hex;
  EXPECT_FALSE(got.at(no_rename).with_pairs);
  EXPECT_TRUE(got.at(rename).with_pairs);
  EXPECT_TRUE(got.at(exact).with_pairs);
  expect_same_as_git("HEAD");
}


// gitattributes decide binary-ness as in git: `binary` makes a text file
// binary, `diff` makes a file with NUL bytes text.
TEST_F(PatchIdRepo, GitattributesBinaryAndForcedText) {
  repo.write(".gitattributes", "*.dat binary\n*.raw diff\n");
  repo.write("table.dat", "plain text marked binary\n");
  repo.write("dump.raw", std::string("text\0with nul\n", 14));
  repo.commit("attributes and files");
  repo.write("table.dat", "plain text marked binary, changed\n");
  repo.write("dump.raw", std::string("text\0with nul, changed\n", 23));
  repo.commit("change both");
  expect_same_as_git("HEAD");
}


// git's text with the function name after each hunk header removed (beaver
// leaves it out; patch-id does not read it).
std::string without_funcnames(const std::string& text) {
  std::string out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("@@ -", 0) == 0) {
      auto end = line.find(" @@", 3);
      if (end != std::string::npos) line.erase(end + 3);
    }
    out += line + "\n";
  }
  return out;
}

// Beyond the patch-id, the rendered text is git's own, byte for byte, for
// renames (with edits, mode changes, odd paths), binary files (their
// abbreviated ids come from git) and the commits git renders itself.
TEST_F(PatchIdRepo, RenderedTextIsGitsOwn) {
  std::string body;
  for (int i = 0; i < 60; ++i) body += "\tstatement_" + std::to_string(i) + "();\n";
  std::string bin(3000, '\0');
  for (std::size_t i = 0; i < bin.size(); ++i) bin[i] = char((i * 7919) % 251);
  repo.write("drivers/virt/coco/sev-guest.c", body);
  repo.write("firmware/blob.bin", bin);
  repo.write("caf\xe9 old.c", "x\ny\nz\n");
  repo.write("one.txt", "only line\n");
  repo.write("tool.sh", "#!/bin/sh\necho hi\n");
  repo.commit("base");
  std::vector<std::string> commits;
  auto edited = body;
  edited.replace(edited.find("statement_7"), 11, "changed_7");
  repo.git("rm -q drivers/virt/coco/sev-guest.c");
  repo.write("drivers/virt/coco/sev/core.c", edited);
  commits.push_back(repo.commit("rename with an edit"));
  std::string bin2 = bin;
  bin2[100] = 'x';
  repo.git("rm -q firmware/blob.bin");
  repo.write("firmware/amd/blob.bin", bin2);
  commits.push_back(repo.commit("binary renamed and changed"));
  repo.git("mv \"caf\xe9 old.c\" \"tab\tnew.c\"");
  commits.push_back(repo.commit("pure rename of odd paths"));
  repo.git("mv tool.sh bin-tool.sh");
  repo.git("update-index --chmod=+x bin-tool.sh");
  commits.push_back(repo.commit("rename and mode change"));
  repo.write("one.txt", "only line, changed\n");
  repo.write("firmware/amd/blob.bin", "now text\n");
  repo.write("two.txt", "a\n");
  commits.push_back(repo.commit("binary becomes text, one-line hunk, one-line file added"));
  repo.git("rm -q two.txt");
  repo.write("gone.bin", bin);
  commits.push_back(repo.commit("one-line file deleted, binary added"));
  sh_ok(repo.dir(), "ln -s one.txt link && git add link");
  commits.push_back(repo.commit("symlink"));
  sh_ok(repo.dir(), "rm link && echo file > link && git add link");
  commits.push_back(repo.commit("type change, which git renders"));

  git::Repository r = git::Repository::open(repo.dir());
  git::ExactRenderer renderer(r);
  std::size_t by_git = 0;
  for (auto& c : commits) {
    std::string expected = sh_ok(repo.dir(), "git -c core.quotePath=true diff-tree -p -M --root --no-commit-id " + c);
    git::DiffRender got = renderer.render(r.get(), r.resolve_commit(c));
    EXPECT_EQ(got.error, "");
    by_git += got.needs_git;
    EXPECT_EQ(got.needs_git ? got.text : without_funcnames(got.text), without_funcnames(expected)) << c;
  }
  EXPECT_EQ(by_git, 1u);
  expect_same_as_git("HEAD");
}


// When git's rename detection dies on a missing blob, the commit it was on
// and those after it in the request go to `git diff-tree -p`, which names
// the commit that cannot be read; the others keep git's patch-ids.
TEST_F(PatchIdRepo, MissingBlobDuringRenameDetection) {
  repo.write("a.c", "int alpha = 1; /* some text of forty bytes */\n");
  repo.write("keep.c", "keep\n");
  repo.commit("base");
  repo.git("rm -q a.c");
  repo.write("b.c", "int bravo = 2; /* other text, similar size! */\n");
  std::string victim = repo.commit("delete a.c, add b.c: git compares them");
  repo.git("rm -q keep.c");
  repo.write("keep2.c", "keep\nmore\n");
  std::string after = repo.commit("a rename with an edit, readable");
  auto expected = test::git_patch_ids(repo.dir(), victim + ".." + after);
  std::string blob = repo.git("rev-parse " + victim + ":b.c").substr(0, 40);
  sh_ok(repo.dir(), "rm -f .git/objects/" + blob.substr(0, 2) + "/" + blob.substr(2));

  // One thread: both commits in one request to one git.
  auto got = scan_by_commit(repo.dir(), walk(repo.dir(), "HEAD"), 1);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_NE(got.at(victim).error.find(blob.substr(0, 7)), std::string::npos) << got.at(victim).error;
  EXPECT_EQ(got.at(after).error, "");
  // The missing blob is found before git is asked (git would die on it, or
  // in a partial clone try to fetch it): the victim never reaches git.
  EXPECT_FALSE(got.at(victim).with_pairs || got.at(victim).by_git);
  EXPECT_TRUE(got.at(after).with_pairs);
  ASSERT_EQ(expected.size(), 1u);
  EXPECT_EQ(got.at(after).fp.patch_id + " " + after, expected[0]);
}

}  // namespace
}  // namespace beaver
