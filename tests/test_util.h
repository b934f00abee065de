// Helpers shared by the tests: temporary directories and real git
// repositories built with the git CLI (never mocks).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace beaver::test {

// A directory under $TMPDIR removed at the end of the test.
class TempDir {
public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

private:
  std::filesystem::path path_;
};

struct Run {
  int code;
  std::string out, err;
};

// Runs a shell command (bash -c) in `cwd` with a neutral git environment:
// no user or system config, fixed identity. Never throws.
Run sh(const std::string& cwd, const std::string& command, const std::string& input = {});
// Like sh() but fails the current test (and throws) when the command fails.
std::string sh_ok(const std::string& cwd, const std::string& command, const std::string& input = {});

// Single-quotes a string for the shell.
std::string quote(const std::string& s);

// A git repository in a fresh temporary directory.
class TestRepo {
public:
  TestRepo();
  std::string dir() const { return tmp_.str(); }
  std::string git(const std::string& args);  // runs `git ARGS`, returns stdout, fails the test on error
  void write(const std::string& path, const std::string& content);
  // Adds everything and commits; returns the new commit id.
  std::string commit(const std::string& message);
  // Commits the index as it is (for gitlinks and other entries with no work-tree file).
  std::string commit_index(const std::string& message);
  std::string head() { return git("rev-parse HEAD").substr(0, 40); }

private:
  TempDir tmp_;
  std::string do_commit(const std::string& message, bool add_all);
  int clock_ = 0;
};

// N lines of C, one function each: "int NAME_K(void) { return K; }", K = 1..N.
// Scenario tests edit them by their unique text (sed 's/return 10; }/.../').
std::string c_functions(const std::string& name, int n);

// `git log -p --no-merges RANGE | git patch-id --stable`, sorted lines.
std::vector<std::string> git_patch_ids(const std::string& repo, const std::string& range);

// A fast-import stream of `commits` random commits on refs/heads/main: random
// edits of files built from a small vocabulary (so lines repeat and the diff
// has to choose, as with real C code), renames, copies, binary files, mode
// changes, symlinks, submodules, CRLF, missing final newlines, odd names.
std::string random_history(unsigned seed, int commits);

// The beaver binary and source tree, from the build.
std::string beaver_binary();
std::string source_dir();

}  // namespace beaver::test
