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

namespace beaver {

// Cuts a stream into lines (each with its '\n'), whatever the chunk sizes.
class LineSplitter {
public:
  void feed(std::string_view chunk, const std::function<void(std::string_view line)>& on_line);
  void flush(const std::function<void(std::string_view line)>& on_line);  // a last line without '\n'

private:
  std::string pending_;
};

// A long-lived helper program spoken to in turns: write a request, read its
// answer up to a marker. Used to keep one `git diff-tree --stdin` per core
// alive for a whole scan instead of starting one per batch.
class Child {
public:
  Child() = default;
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // Starts argv; throws beaver::Error when it cannot.
  void start(const std::vector<std::string>& argv, const ProcessOptions& options = {});
  bool running() const { return pid_ > 0; }
  // Resident memory of the running program in bytes (0 when unknown).
  std::size_t resident_bytes() const;

  // Writes `input` while reading stdout; each complete line goes to on_line
  // until a line equal to `until` (which is not passed on). Returns false
  // when the program ended first (its stderr is then in error()).
  bool exchange(std::string_view input, std::string_view until,
                const std::function<void(std::string_view line)>& on_line);

  // Closes stdin and waits; returns the exit code.
  int finish();
  const std::string& error() const { return err_; }

private:
  int pid_ = -1;
  int in_ = -1, out_ = -1, errfd_ = -1;
  LineSplitter lines_;
  std::string err_;
};

}  // namespace beaver
