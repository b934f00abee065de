// BEAVER_TRACE=1 (or -v) prints how long each phase of a command took, on
// stderr, for benchmarks and for finding where time goes on a real repository.
#pragma once

#include <chrono>
#include <cstdlib>

#include <fmt/format.h>

#include "util/term.h"

namespace beaver {

inline bool tracing() { return std::getenv("BEAVER_TRACE") != nullptr || verbosity() > 0; }

class PhaseTimer {
public:
  explicit PhaseTimer(const char* what) : what_(what), on_(tracing()), last_(std::chrono::steady_clock::now()) {}
  void phase(const char* name) {
    if (!on_) return;
    auto now = std::chrono::steady_clock::now();
    fmt::print(stderr, "beaver: trace: {} {:<12} {:7.3f}s\n", what_, name, std::chrono::duration<double>(now - last_).count());
    last_ = now;
  }

private:
  const char* what_;
  bool on_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace beaver
