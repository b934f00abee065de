// Running a helper program (git) with pipes, without a shell.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace beaver {

struct ProcessOptions {
  std::string cwd;                      // empty: inherit
  std::vector<std::string> env;         // extra NAME=VALUE entries
  std::string_view input;               // written to stdin, then stdin is closed
};

struct ProcessResult {
  int exit_code = -1;   // 128+N when killed by signal N
  std::string out;      // stdout (empty when a stdout callback consumed it)
  std::string err;      // stderr
};

// Runs argv[0] (looked up in PATH). on_stdout, when given, receives stdout in
// chunks as it arrives instead of it being collected. Throws beaver::Error
// when the program cannot be started.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {},
                          const std::function<void(std::string_view)>& on_stdout = {});

}  // namespace beaver
