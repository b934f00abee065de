// Terminal niceties that must never leak into pipes or files: colour and
// progress only when the stream is a terminal (and NO_COLOR is unset).
#pragma once

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

namespace beaver {

bool is_tty(std::FILE* f);
bool use_color(std::FILE* f);
// --color=auto|always|never: auto (the default) colours a terminal unless
// NO_COLOR is set or TERM is dumb; always and never decide for every stream.
enum class ColorMode { Auto, Always, Never };
void set_color_mode(ColorMode mode);

// Everything beaver prints as text goes through print_text(): text that came
// from a repository, an archive or a file (subjects, paths, package names,
// versions, error messages quoting input) can hold escape sequences, C1
// controls and bidirectional overrides; terminal_text() (util/markup.h)
// replaces them, keeping newlines, tabs and beaver's own colour sequences.
void print_text(std::FILE* f, std::string_view text);
template <typename... Args>
void tprint(std::FILE* f, fmt::format_string<Args...> format, Args&&... args) {
  print_text(f, fmt::format(format, std::forward<Args>(args)...));
}

// A warning about the whole run (a shallow history, a release pattern that
// matches no tag), printed once per process as "beaver: warning: ..." on
// stderr, however many times the library meets the condition. Tests and
// embedders can take them instead with set_warning_sink (nullptr: stderr).
void warn_once(const std::string& message);
void set_warning_sink(std::function<void(const std::string&)> sink);

// ANSI colour helpers; return the text unchanged when colour is off.
std::string paint(std::string_view text, std::string_view sgr, bool on);

// A one-line progress bar on stderr: "indexing  41% 40123/98000 1950/s ETA 0:29".
// Draws nothing unless stderr is a terminal; redraws at most 10 times a second.
class Progress {
public:
  explicit Progress(std::string label, bool enabled = is_tty(stderr));
  ~Progress();
  void update(std::size_t done, std::size_t total);
  void finish();

private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace beaver
