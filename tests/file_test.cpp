// write_file(): every file a user names is written by one set of rules
// (util/file.h), tried here on real files, links, FIFOs and devices.
#include "util/error.h"
#include "util/file.h"

#include "test_util.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;

namespace beaver {
namespace {

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st.st_mode;
}

std::size_t entries(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

TEST(WriteFile, NewAndRegularFilesKeepTheirMode) {
  test::TempDir tmp;
  fs::path p = tmp.path() / "report.txt";
  mode_t old = ::umask(027);
  write_file(p.string(), "one\n");
  ::umask(old);
  EXPECT_EQ(read_all(p), "one\n");
  EXPECT_EQ(mode_of(p) & 07777, 0640u);  // 0666 minus the umask, like open()

  ::chmod(p.c_str(), 0600);
  write_file(p.string(), "two\n");
  EXPECT_EQ(read_all(p), "two\n");
  EXPECT_TRUE(S_ISREG(mode_of(p)));
  EXPECT_EQ(mode_of(p) & 07777, 0600u);
  EXPECT_EQ(entries(tmp.path()), 1u) << "a temporary file was left behind";
}

TEST(WriteFile, SymlinksAreFollowedNotReplaced) {
  test::TempDir tmp;
  fs::create_directory(tmp.path() / "real");
  fs::path target = tmp.path() / "real" / "out.html";
  std::ofstream(target) << "old";
  ::chmod(target.c_str(), 0604);
  // A chain of two links, the first one relative.
  fs::create_symlink(target, tmp.path() / "abs-link");
  fs::create_symlink("abs-link", tmp.path() / "link");
  write_file((tmp.path() / "link").string(), "new");
  EXPECT_TRUE(fs::is_symlink(tmp.path() / "link"));
  EXPECT_TRUE(fs::is_symlink(tmp.path() / "abs-link"));
  EXPECT_EQ(read_all(target), "new");
  EXPECT_EQ(mode_of(target) & 07777, 0604u);
  // A dangling link: its target is created.
  fs::create_symlink("real/made.txt", tmp.path() / "dangling");
  write_file((tmp.path() / "dangling").string(), "made");
  EXPECT_TRUE(fs::is_symlink(tmp.path() / "dangling"));
  EXPECT_EQ(read_all(tmp.path() / "real" / "made.txt"), "made");
  // A loop is an error, not a hang.
  fs::create_symlink("loop-b", tmp.path() / "loop-a");
  fs::create_symlink("loop-a", tmp.path() / "loop-b");
  EXPECT_THROW(write_file((tmp.path() / "loop-a").string(), "x"), Error);
}

TEST(WriteFile, FifosAndDevicesAreWrittenInto) {
  test::TempDir tmp;
  fs::path fifo = tmp.path() / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string got;
  std::thread reader([&] { got = read_all(fifo); });
  write_file(fifo.string(), "through the pipe\n");
  reader.join();
  EXPECT_EQ(got, "through the pipe\n");
  EXPECT_TRUE(S_ISFIFO(mode_of(fifo)));

  write_file("/dev/null", "nothing");
  EXPECT_TRUE(S_ISCHR(mode_of("/dev/null")));

  // A device node of our own (root only): it must stay a device.
  fs::path dev = tmp.path() / "null";
  if (::mknod(dev.c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0) {
    write_file(dev.string(), "nothing");
    EXPECT_TRUE(S_ISCHR(mode_of(dev)));
  }
}

TEST(WriteFile, ErrorsNameThePathAndLeaveTheFile) {
  test::TempDir tmp;
  try {
    write_file(tmp.str(), "x");
    ADD_FAILURE() << "a directory was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(tmp.str()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("Is a directory"), std::string::npos) << e.what();
  }
  fs::path missing = tmp.path() / "no-such-dir" / "out.txt";
  try {
    write_file(missing.string(), "x");
    ADD_FAILURE() << "a missing directory was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(missing.string()), std::string::npos) << e.what();
  }
  EXPECT_EQ(entries(tmp.path()), 0u);
}

}  // namespace
}  // namespace beaver
