// beaver matrix: which CoCo features each kernel supports. A cell is
//   supported  the code is there (markers in the source, or the config proves
//              it) and, when a config is given, its symbols are on;
//   disabled   the code is there but the config leaves a symbol off (with a
//              source tree, as the Kconfig model finishes the config: a
//              symbol whose dependencies fail is off);
//   absent     the code is not there (missing markers or symbols, a release
//              before the feature and nothing that proves a backport, or
//              another architecture).
#pragma once

#include "kconfig/features.h"
#include "kconfig/kconfig.h"
#include "matrix/kernel.h"

#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace beaver::matrix {

enum class Status { Supported, Disabled, Absent };
const char* status_name(Status s);  // "supported", "disabled", "absent"

struct Cell {
  Status status = Status::Absent;
  std::vector<std::string> missing;  // symbols that are off, or markers/symbols not in the tree
  std::string reason;                // one sentence
  std::string evidence;              // "source", "config", "kconfig", "version", "arch"
};

struct Column {
  std::string name, spec, kind, version, arch, config;
  std::vector<std::string> warnings;
  std::vector<Cell> cells;  // one per feature of the matrix
};

struct Matrix {
  std::vector<const kconfig::Feature*> features;
  std::vector<Column> kernels;
  std::size_t count(Status s) const;
};

// The rows: `ids` (all when empty), then only those of `role` ("guest",
// "host", or "" for both). Throws beaver::Error for an unknown id or role,
// listing the known ones.
std::vector<const kconfig::Feature*> select_features(const std::vector<std::string>& ids, const std::string& role);

// Parsed Kconfig trees shared by the kernels of one matrix: the flavours of
// one tree parse it once. Safe to use from several threads (a second caller
// for the same tree waits for the first).
class KconfigCache {
public:
  std::shared_ptr<const kconfig::Kconfig> get(const std::string& tree, const std::string& arch);

private:
  std::mutex mutex_;
  std::map<std::string, std::shared_future<std::shared_ptr<const kconfig::Kconfig>>> parsed_;
};

// One column (`cache`: where to find or keep the parsed tree; null: parse it).
Column evaluate(const Kernel& kernel, const std::vector<const kconfig::Feature*>& features, KconfigCache* cache = nullptr);

// Every column, kernels evaluated in parallel (at most `jobs` at once; 0: one
// per core). `progress`, when given, is called (from one thread at a time)
// with the number of kernels done.
Matrix build_matrix(const std::vector<Kernel>& kernels, const std::vector<const kconfig::Feature*>& features,
                    unsigned jobs = 0, const std::function<void(std::size_t done, std::size_t total)>& progress = {});

}  // namespace beaver::matrix
