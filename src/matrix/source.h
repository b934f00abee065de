// A kernel source tree as beaver matrix reads it: a directory on disk, or a
// commit of a git repository read from its objects (nothing checked out).
#pragma once

#include "kconfig/features.h"

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace beaver::matrix {

using kconfig::Marker;

class SourceTree {
public:
  enum class Entry { None, File, Dir };
  virtual ~SourceTree() = default;
  // "DIR" or "REPO@REV (COMMIT)", for messages.
  virtual std::string describe() const = 0;
  virtual Entry stat(const std::string& path) const = 0;
  // The file's bytes; false when it is not a file. Throws beaver::Error when
  // it exists but cannot be read (a missing git object, an I/O error).
  virtual bool read(const std::string& path, std::string& out) const = 0;
  // Every file under `dir` (which ends in '/'), tree-relative, in any order.
  virtual std::vector<std::string> files_under(const std::string& dir) const = 0;
  // Calls `fn` with the path of every Kconfig file (name starting "Kconfig").
  virtual void for_each_kconfig(const std::function<void(const std::string& path)>& fn) const = 0;
};

// A directory. Throws beaver::Error when it is not one.
std::unique_ptr<SourceTree> open_directory(const std::string& dir);
// A commit of the repository at `repo` (any `git rev-parse` revision).
// Throws beaver::Error for an unknown revision or a non-repository.
std::unique_ptr<SourceTree> open_revision(const std::string& repo, const std::string& rev);

// What a tree says about a kernel: KERNELVERSION from its top Makefile ("" if
// none), whether the top Kconfig and Makefile are there.
std::string tree_version(const SourceTree& tree);

// Whether `m` is in `tree`. A file that exists but cannot be read is added to
// `problems` ("PATH: why") and the marker counts as found by its path.
bool has_marker(const SourceTree& tree, const Marker& m, std::vector<std::string>& problems);

// Names defined by `config NAME` / `menuconfig NAME` in any Kconfig file,
// restricted to `wanted` (so that a whole tree is scanned once, cheaply).
std::set<std::string> defined_symbols(const SourceTree& tree, const std::set<std::string>& wanted,
                                      std::vector<std::string>& problems);

}  // namespace beaver::matrix
