#include "test_util.h"

#include "util/process.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
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

// A repository of random commits written with git fast-import: random edits
// of files built from a small vocabulary (so lines repeat and the diff has to
// choose, as with real C code), renames, copies, binary files, mode changes,
// symlinks, submodules, CRLF, missing final newlines and odd names.
std::string random_history(unsigned seed, int commits) {
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return int(rng() % unsigned(n)); };
  const std::vector<std::string> vocab = {"{", "}", "", "\treturn 0;", "\treturn ret;", "\tif (ret)", "\t\tgoto out;",
                                          "int ret;", "out:", "\tkfree(p);", "/* comment */", "#include <linux/io.h>",
                                          "static int foo(void)", "\tret = bar();", "  indented with spaces",
                                          "\t\tbreak;", "\tdefault:", "trailing space ", "\tx = y;\r"};
  std::map<std::string, std::vector<std::string>> files;
  std::map<std::string, std::string> special;  // path -> fast-import mode + dataref line for non-text files
  std::ostringstream out;
  auto data = [&](const std::string& s) { out << "data " << s.size() << "\n" << s << "\n"; };
  auto content = [&](const std::vector<std::string>& lines, bool eol) {
    std::string s;
    for (std::size_t i = 0; i < lines.size(); ++i) s += lines[i] + (i + 1 < lines.size() || eol ? "\n" : "");
    return s;
  };
  const std::vector<std::string> names = {"drivers/virt/coco/sev-guest.c", "arch/x86/coco/tdx/tdx.c", "Makefile",
                                          "Documentation/x86/tdx.rst", "a b.txt", "caf\xe9.c", "dir/sub/deep.h",
                                          "arch/x86/kernel/sev.c", "include/linux/cc_platform.h", "README"};
  for (int c = 0; c < commits; ++c) {
    out << "commit refs/heads/main\nmark :" << (c + 1) << "\n";
    out << "author Dev <dev@example.org> " << (1600000000 + c * 97) << " +0000\n";
    out << "committer Dev <dev@example.org> " << (1600000000 + c * 97) << " +0000\n";
    data("commit " + std::to_string(c) + "\n\nSigned-off-by: Dev <dev@example.org>\n");
    if (c > 0) out << "from :" << c << "\n";
    int ops = 1 + pick(3);
    for (int op = 0; op < ops; ++op) {
      int kind = pick(100);
      std::string name = names[std::size_t(pick(int(names.size())))];
      if (pick(4) == 0) name = "gen/file" + std::to_string(pick(40)) + ".c";
      if (kind < 55 || files.empty()) {  // edit or create a text file
        auto& lines = files[name];
        special.erase(name);
        int edits = 1 + pick(6);
        for (int e = 0; e < edits; ++e) {
          int at = lines.empty() ? 0 : pick(int(lines.size()) + 1);
          int what = pick(3);
          if (what == 0 || lines.empty()) lines.insert(lines.begin() + at, vocab[std::size_t(pick(int(vocab.size())))]);
          else if (what == 1 && at < int(lines.size())) lines.erase(lines.begin() + at);
          else if (at < int(lines.size())) lines[std::size_t(at)] = vocab[std::size_t(pick(int(vocab.size())))];
        }
        out << "M " << (pick(15) == 0 ? "100755" : "100644") << " inline " << name << "\n";
        data(content(lines, pick(10) != 0));
      } else if (kind < 65) {  // delete
        auto it = files.begin();
        std::advance(it, pick(int(files.size())));
        out << "D " << it->first << "\n";
        files.erase(it);
      } else if (kind < 75) {  // rename, sometimes with an edit
        auto it = files.begin();
        std::advance(it, pick(int(files.size())));
        std::string to = "moved/" + std::to_string(pick(1000)) + ".c";
        if (files.count(to)) continue;
        auto lines = it->second;
        out << "D " << it->first << "\n";
        files.erase(it);
        if (pick(2) && !lines.empty()) lines[std::size_t(pick(int(lines.size())))] = "/* renamed */";
        files[to] = lines;
        out << "M 100644 inline " << to << "\n";
        data(content(lines, true));
      } else if (kind < 80) {  // copy
        auto it = files.begin();
        std::advance(it, pick(int(files.size())));
        std::string to = "copies/" + std::to_string(pick(1000)) + ".c";
        files[to] = it->second;
        out << "M 100644 inline " << to << "\n";
        data(content(it->second, true));
      } else if (kind < 87) {  // binary
        std::string bin = "firmware/blob" + std::to_string(pick(4)) + ".bin";
        std::string b(std::size_t(16 + pick(64)), '\0');
        for (auto& ch : b) ch = char(pick(256));
        b[3] = '\0';
        out << "M 100644 inline " << bin << "\n";
        data(b);
      } else if (kind < 92) {  // symlink
        std::string link = "links/l" + std::to_string(pick(3));
        out << "M 120000 inline " << link << "\n";
        data("../target" + std::to_string(pick(5)));
      } else if (kind < 95) {  // submodule
        std::string id;
        for (int i = 0; i < 40; ++i) id += "0123456789abcdef"[pick(16)];
        out << "M 160000 " << id << " modules/sub" << pick(2) << "\n";
      } else {  // whitespace-only edit
        auto it = files.begin();
        std::advance(it, pick(int(files.size())));
        for (auto& l : it->second)
          if (!l.empty() && pick(3) == 0) l = " " + l + "  ";
        out << "M 100644 inline " << it->first << "\n";
        data(content(it->second, true));
      }
    }
    out << "\n";
  }
  return out.str();
}

std::string beaver_binary() { return BEAVER_BINARY; }
std::string source_dir() { return BEAVER_SOURCE_DIR; }

std::string c_functions(const std::string& name, int n) {
  std::string s;
  for (int k = 1; k <= n; ++k) s += fmt::format("int {}_{}(void) {{ return {}; }}\n", name, k, k);
  return s;
}

}  // namespace beaver::test
