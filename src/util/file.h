// Writing the files a user names (-o FILE, --fragment FILE, ...) without
// destroying what is there: see write_file().
#pragma once

#include <string>
#include <string_view>

namespace beaver {

// Writes `text` to `path`, with one rule for every kind of file:
//  - absent or a regular file: written to a temporary file in the same
//    directory and renamed over it, so a failed run never leaves half a file;
//    an existing file keeps its permission bits (and owner, when allowed), a
//    new one gets 0666 minus the umask, as a plain open() would;
//  - a symbolic link: its final target is written by these rules (the link
//    stays a link);
//  - a character or block device, a FIFO or a socket (/dev/null,
//    /dev/stdout, a named pipe): written straight into, never replaced;
//  - a directory: an error.
// Throws beaver::Error naming `path` and the reason.
void write_file(const std::string& path, std::string_view text);

// The whole of a file; throws beaver::Error naming `path` and the reason.
std::string read_file(const std::string& path);

// A new directory $TMPDIR/PREFIX-XXXXXX (else under /tmp), made by mkdtemp.
// Throws beaver::Error when it cannot be made.
std::string make_temp_dir(const std::string& prefix);

// A make_temp_dir() directory removed with everything in it when the
// object goes (errors ignored: it is scratch).
class ScratchDir {
public:
  explicit ScratchDir(const std::string& prefix) : path_(make_temp_dir(prefix)) {}
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

private:
  std::string path_;
};

}  // namespace beaver
