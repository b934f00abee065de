#include "test_util.h"

#include "util/process.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <unistd.h>

namespace beaver::test {

namespace fs = std::filesystem;

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/beaver-test-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
  path_ = buf.data();
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!std::getenv("BEAVER_KEEP_TEST_DIRS")) fs::remove_all(path_, ec);
}

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

Run sh(const std::string& cwd, const std::string& command, const std::string& input) {
  ProcessOptions po;
  po.cwd = cwd;
  po.input = input;
  po.env = {"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_AUTHOR_NAME=Ada Lovelace",
            "GIT_AUTHOR_EMAIL=ada@example.org", "GIT_COMMITTER_NAME=Ada Lovelace",
            "GIT_COMMITTER_EMAIL=ada@example.org", "LC_ALL=C", "NO_COLOR=1"};
  ProcessResult r = run_process({"bash", "-c", command}, po);
  return {r.exit_code, r.out, r.err};
}

std::string sh_ok(const std::string& cwd, const std::string& command, const std::string& input) {
  Run r = sh(cwd, command, input);
  if (r.code != 0) {
    ADD_FAILURE() << "command failed (" << r.code << "): " << command << "\n" << r.err;
    throw std::runtime_error("command failed: " + command);
  }
  return r.out;
}

TestRepo::TestRepo() {
  sh_ok(dir(), "git init -q -b main . && git config core.autocrlf false");
}

std::string TestRepo::git(const std::string& args) { return sh_ok(dir(), "git " + args); }

void TestRepo::write(const std::string& path, const std::string& content) {
  fs::path p = tmp_.path() / path;
  fs::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary);
  f << content;
}

std::string TestRepo::commit(const std::string& message) { return do_commit(message, true); }
std::string TestRepo::commit_index(const std::string& message) { return do_commit(message, false); }

std::string TestRepo::do_commit(const std::string& message, bool add_all) {
  ++clock_;
  std::string date = std::to_string(1700000000 + clock_ * 60) + " +0000";
  sh_ok(dir(), std::string(add_all ? "git add -A && " : "") + "GIT_AUTHOR_DATE='" + date + "' GIT_COMMITTER_DATE='" + date +
                   "' git commit -q --allow-empty -F -",
        message);
  return head();
}

std::vector<std::string> git_patch_ids(const std::string& repo, const std::string& range) {
  std::string out = sh_ok(repo, "git log -p --no-merges " + range + " | git patch-id --stable");
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) lines.push_back(l);
  std::sort(lines.begin(), lines.end());
  return lines;
}

std::string beaver_binary() { return BEAVER_BINARY; }
std::string source_dir() { return BEAVER_SOURCE_DIR; }

}  // namespace beaver::test
