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

}  // namespace beaver
