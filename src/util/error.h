// One error policy for all of beaver (see CONTRIBUTING.md, "Errors"):
//  - A problem with the user's input or environment that stops the command is
//    thrown as beaver::Error and caught once, in main(), which prints it and
//    exits 2. The message names the input (file, revision, line) and says why.
//  - A problem with one item among many (a commit with a missing blob, a Fixes:
//    trailer that resolves to nothing) is not thrown: it is recorded next to the
//    item and reported at the end, so one bad commit never hides the others.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace beaver {

class Error : public std::runtime_error {
public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}

  template <typename... Args>
  explicit Error(fmt::format_string<Args...> format, Args&&... args)
      : std::runtime_error(fmt::format(format, std::forward<Args>(args)...)) {}
};

// Exit codes shared by every command.
enum ExitCode : int {
  kExitOk = 0,       // success, nothing to flag
  kExitFound = 1,    // worked, and found what --check / --strict asked about
  kExitInput = 2,    // usage or input error
};

}  // namespace beaver
