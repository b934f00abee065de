// git's settings and environment beaver follows (issue #20): the diff
// settings of git's config (git/config.h), the object directories of a
// hook's environment (libgit2 handles and beaver's pack reader), the common
// directory of a linked worktree. Repositories are built with the git CLI.
#include "git/config.h"
#include "git/pack_backend.h"
#include "git/repository.h"
#include "test_util.h"
#include "util/error.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace beaver::git {
namespace {

using test::TestRepo;

// No user or system config reaches `git config` in these tests.
struct NeutralConfig {
  NeutralConfig() {
    setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
    setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
  }
};

TEST(GitConfig, DefaultsAreNotActive) {
  NeutralConfig neutral;
  TestRepo t;
  t.write("f", "1\n");
  t.commit("one");
  Repository r = Repository::open(t.dir());
  EXPECT_TRUE(read_diff_config(r).active.empty());
  t.git("config diff.context 3");
  t.git("config diff.algorithm myers");
  t.git("config diff.indentHeuristic true");
  t.git("config diff.noprefix false");
  t.git("config diff.interHunkContext 0");
  t.git("config diff.renames true");
  EXPECT_TRUE(read_diff_config(r).active.empty()) << read_diff_config(r).describe();
}

TEST(GitConfig, EachSettingIsActiveWithItsOption) {
  NeutralConfig neutral;
  TestRepo t;
  t.write("f", "1\n");
  t.commit("one");
  Repository r = Repository::open(t.dir());
  struct Case {
    const char* key;
    const char* value;
    std::vector<std::string> options;
  } cases[] = {
      {"diff.algorithm", "Histogram", {"--diff-algorithm=histogram"}},
      {"diff.context", "5", {"-U5"}},
      {"diff.noprefix", "yes", {"--no-prefix"}},
      {"diff.indentHeuristic", "off", {"--no-indent-heuristic"}},
      {"diff.interHunkContext", "2", {"--inter-hunk-context=2"}},
      {"diff.suppressBlankEmpty", "true", {}},  // diff-tree reads it itself
      {"diff.renames", "false", {"--no-renames"}},
      {"diff.renames", "copies", {"-C"}},
  };
  for (auto& c : cases) {
    t.git(std::string("config ") + c.key + " " + c.value);
    DiffConfig dc = read_diff_config(r);
    ASSERT_EQ(dc.active.size(), 1u) << c.key;
    EXPECT_EQ(dc.describe(), std::string(c.key) + "=" + c.value);
    EXPECT_EQ(dc.diff_tree_options(), c.options) << c.key;
    t.git(std::string("config --unset ") + c.key);
  }
  // A bare key is true, as for git; the last value wins.
  t.git("config diff.context 7");
  t.git("config --add diff.context 3");
  EXPECT_TRUE(read_diff_config(r).active.empty());
  test::sh_ok(t.dir(), "printf '[diff]\\n\\tnoprefix\\n' >> .git/config");
  EXPECT_EQ(read_diff_config(r).describe(), "diff.noprefix=true");
}

TEST(GitConfig, EnvironmentObjectDirectories) {
  setenv("GIT_OBJECT_DIRECTORY", "/q/objects/", 1);
  setenv("GIT_ALTERNATE_OBJECT_DIRECTORIES", "/r/objects:\"/s:t/obj\\\"ects\":/q/objects", 1);
  std::vector<std::string> want = {"/q/objects", "/r/objects", "/s:t/obj\"ects"};
  EXPECT_EQ(environment_object_dirs(), want);
  unsetenv("GIT_OBJECT_DIRECTORY");
  unsetenv("GIT_ALTERNATE_OBJECT_DIRECTORIES");
  EXPECT_TRUE(environment_object_dirs().empty());
}

// A hook's quarantine: objects only in GIT_OBJECT_DIRECTORY are read, and
// its packs by beaver's own pack reader.
TEST(GitConfig, QuarantinePacksAreReadByThePackBackend) {
  TestRepo main_repo, other;
  main_repo.write("f", "main\n");
  main_repo.commit("main");
  other.write("g", "other\n");
  std::string theirs = other.commit("other");
  other.git("repack -q -a -d");
  std::string objects = other.dir() + "/.git/objects";
  {
    Repository r = Repository::open(main_repo.dir());
    EXPECT_THROW(r.resolve_commit(theirs), Error);
  }
  setenv("GIT_OBJECT_DIRECTORY", objects.c_str(), 1);
  {
    Repository r = Repository::open(main_repo.dir());
    EXPECT_EQ(r.resolve_commit(theirs).hex(), theirs);
    EXPECT_EQ(pack_backend_stats(r.get()).packs, 1u);  // the quarantine's pack (main_repo has loose objects only)
    EXPECT_EQ(r.commit_info(*Oid::from_hex(theirs)).message, "other\n");
    git_repository* h = r.open_handle();  // a worker's handle reads them too
    git_object* obj = nullptr;
    EXPECT_EQ(git_object_lookup(&obj, h, &Oid::from_hex(theirs)->raw, GIT_OBJECT_COMMIT), 0);
    git_object_free(obj);
    git_repository_free(h);
  }
  unsetenv("GIT_OBJECT_DIRECTORY");
}

TEST(GitConfig, WorktreeCommonDirectory) {
  TestRepo t;
  t.write("f", "1\n");
  t.commit("one");
  test::TempDir wt;
  t.git("worktree add -q " + test::quote(wt.str() + "/two") + " -b two");
  Repository main_r = Repository::open(t.dir());
  Repository two = Repository::open(wt.str() + "/two");
  EXPECT_NE(two.git_dir(), main_r.git_dir());
  EXPECT_EQ(two.common_dir(), main_r.git_dir());
  EXPECT_EQ(main_r.common_dir(), main_r.git_dir());
}

}  // namespace
}  // namespace beaver::git
