// Untrusted text never drives the terminal: subjects, paths, versions and
// package names with escape sequences, C1 controls and bidirectional
// overrides, printed by every text face of every command.
#include "report/escape.h"
#include "test_util.h"
#include "util/markup.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace beaver {
namespace {

namespace fs = std::filesystem;
using test::sh;
using test::sh_ok;

// ESC ] (set the window title), a CSI as the C1 byte U+009B, a right-to-left
// override and an isolate: each would change what the terminal shows.
const std::string kEvil = "\x1b]0;owned\x07 \xc2\x9b" "2J \xe2\x80\xae" "cod.exe \xe2\x81\xa6x";

// What must never reach a terminal from input. Colour is off in these runs
// (NO_COLOR), so no ESC at all may appear.
::testing::AssertionResult clean(const std::string& what, const std::string& out) {
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto c = static_cast<unsigned char>(out[i]);
    auto n = i + 1 < out.size() ? static_cast<unsigned char>(out[i + 1]) : 0;
    auto n2 = i + 2 < out.size() ? static_cast<unsigned char>(out[i + 2]) : 0;
    bool bad = (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f || (c == 0xc2 && n >= 0x80 && n <= 0x9f) ||
               (c == 0xe2 && n == 0x80 && n2 >= 0xaa && n2 <= 0xae) || (c == 0xe2 && n == 0x81 && n2 >= 0xa6 && n2 <= 0xa9);
    if (bad)
      return ::testing::AssertionFailure() << what << ": byte " << i << " (0x" << std::hex << int(c) << ") reaches the terminal in:\n"
                                           << out.substr(i > 80 ? i - 80 : 0, 160);
  }
  return ::testing::AssertionSuccess();
}

TEST(Sanitize, TerminalText) {
  std::string t = terminal_text(kEvil);
  EXPECT_TRUE(clean("terminal_text", t));
  EXPECT_NE(t.find("owned"), std::string::npos);  // replaced, not dropped: the reader sees something is there
  EXPECT_EQ(terminal_text("caf\xc3\xa9 \xe2\x80\x94 ok\tx"), "caf\xc3\xa9 \xe2\x80\x94 ok\tx");  // ordinary UTF-8 and tabs kept
  EXPECT_EQ(terminal_text("a\nb"), "a?b");
  EXPECT_EQ(terminal_text("a\nb", true), "a\nb");
  EXPECT_EQ(terminal_text("\x1b[31mred\x1b[0m", true, true), "\x1b[31mred\x1b[0m");  // beaver's own colours
  EXPECT_EQ(terminal_text("\x1b[2J\x1b]0;t\x07", true, true), "?[2J?]0;t?");
  EXPECT_EQ(terminal_text("\xff\xfe"), "\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(report::safe_text(kEvil), terminal_text(kEvil));
}

// One repository with a hostile subject and path on each side of every command.
TEST(Sanitize, EveryTextFace) {
  test::TestRepo r;
  std::string path = "drivers/ev" + kEvil.substr(kEvil.find("\xe2\x80\xae")) + ".c";
  std::string lines;
  for (int k = 1; k <= 30; ++k) lines += "int f" + std::to_string(k) + "(void) { return " + std::to_string(k) + "; }\n";
  r.write(path, lines);
  r.write("a.c", lines);
  r.commit("init");
  r.git("tag v1.0");
  auto edit = [&](const std::string& file, const std::string& from, const std::string& to) {
    sh_ok(r.dir(), "sed -i 's/" + from + "/" + to + "/' " + test::quote(file));
  };
  edit(path, "return 5; }", "return 5 + bug(); }");
  std::string bug = r.commit("evil: add " + kEvil + "\n");
  edit(path, "return 6; }", "return 6 + fix(); }");
  r.commit("evil: fix " + kEvil + "\n\nFixes: " + bug.substr(0, 12) + " (\"evil: add " + kEvil + "\")\n");
  r.git("tag v1.1");
  r.git("checkout -q -b vendor v1.0");
  r.git("cherry-pick -x " + bug);
  edit(path, "return 6; }", "return 6 + vendor(); }");  // the upstream fix conflicts here
  r.commit("vendor: own change " + kEvil + "\n");
  edit("a.c", "return 9; }", "return 9 + v(); }");
  r.commit("vendor: unposted " + kEvil + "\n");
  r.git("branch vendor-old HEAD~1");
  std::string b = test::quote(test::beaver_binary());
  auto run = [&](const std::string& args) {
    test::Run x = sh(r.dir(), "NO_COLOR=1 " + b + " " + args);
    EXPECT_TRUE(clean(args + " (stdout)", x.out));
    EXPECT_TRUE(clean(args + " (stderr)", x.err));
    return x;
  };
  EXPECT_EQ(run("index").code, 0);
  EXPECT_NE(run("log -n 10").out.find("owned"), std::string::npos);
  EXPECT_EQ(run("stack -u v1.1 vendor").code, 0);
  EXPECT_EQ(run("rebase-diff -u v1.1 vendor-old vendor").code, 0);
  test::Run fixes = run("fixes -u v1.1 vendor --apply-check");
  EXPECT_NE(fixes.out.find("cod.exe"), std::string::npos) << fixes.out;  // the conflicting path is named
  run("delta " + bug + " vendor~2");
  run("patch-id v1.0..vendor");
  run("log --format markdown -n 3");
  // A missing blob at the hostile path (public mirrors omit blobs): the
  // index warning and the log error line name it safely.
  r.git("checkout -q -b lost vendor");
  r.write(path, lines + "int lost(void) { return 0; }\n");
  r.commit("lost blob");
  std::string blob = r.git("rev-parse HEAD:" + test::quote(path)).substr(0, 40);
  fs::remove(fs::path(r.dir()) / ".git/objects" / blob.substr(0, 2) / blob.substr(2));
  test::Run idx = run("index");
  EXPECT_NE(idx.err.find("cod.exe"), std::string::npos) << idx.err;
  run("log -n 1 lost");

  // matrix: a version and an architecture from a config header, a package name from a .deb.
  test::TempDir tmp;
  std::ofstream(tmp.path() / "evil.config") << "#\n# Linux/x86 6.12" << kEvil << " Kernel Configuration\n#\nCONFIG_X86_64=y\n";
  test::Run m = run("matrix " + test::quote((tmp.path() / "evil.config").string()));
  EXPECT_NE(m.out.find("owned"), std::string::npos) << m.out;
  if (sh("/", "command -v dpkg-deb").code == 0) {
    fs::path root = tmp.path() / "pkg";
    fs::create_directories(root / "DEBIAN");
    fs::create_directories(root / "boot");
    std::ofstream(root / "DEBIAN/control") << "Package: linux-image-evil\nVersion: 1" << kEvil.substr(0, 4)
                                           << "\nArchitecture: amd64\nMaintainer: T <t@e.org>\nDescription: x\n";
    std::ofstream(root / "boot/config-6.12-evil") << "# Linux/x86 6.12" << kEvil << " Kernel Configuration\nCONFIG_X86_64=y\n";
    test::Run deb = sh(tmp.str(), "dpkg-deb --root-owner-group --build pkg evil.deb");
    if (deb.code == 0) run("matrix " + test::quote((tmp.path() / "evil.deb").string()));
  }
  run("matrix --list-features");
}

}  // namespace
}  // namespace beaver
