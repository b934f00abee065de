// Terminal niceties that must never leak into pipes or files: colour and
// progress only when the stream is a terminal (and NO_COLOR is unset).
#pragma once

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

// -q/--quiet and -v/--verbose: -1 quiet (no progress, summaries or legends;
// warnings and errors stay), 0 normal, 1 verbose (each phase's time, as
// BEAVER_TRACE=1 prints it).
void set_verbosity(int level);
int verbosity();

// Progress on stderr. Auto: a bar on a terminal, and lines elsewhere when
// the CI environment variable is set (CI logs would otherwise show a long
// silence); Lines (--progress): lines wherever stderr goes; Off
// (--no-progress, and -q): nothing.
enum class ProgressMode { Auto, Lines, Off };
void set_progress_mode(ProgressMode mode);

// The rate of recent work: samples of the last `window` seconds, so that a
// slow start (opening packs, the first big commits) does not make the ETA
// of a fast run minutes long, and a fast start does not make it short.
class RateWindow {
public:
  explicit RateWindow(double window = 10.0) : window_(window) {}
  void add(double seconds, std::size_t done);
  double rate() const;  // items per second, 0 until two samples
private:
  double window_;
  std::vector<std::pair<double, std::size_t>> samples_;
};
// "indexing [######....]  41% 40123/98000 1950/s ETA 0:29"; the ETA is
// "-:--" until `elapsed` reaches 3 seconds or when the rate is unknown.
std::string progress_line(std::string_view label, std::size_t done, std::size_t total, double rate, double elapsed,
                          bool bar);

// Progress of one long step: on a terminal one line redrawn at most ten
// times a second, in line mode a line every ~10 s; phase() names the work
// that follows the counted part (so "100% ETA 0:00" never sits silent), and
// the library reports phases through progress_phase() to whichever
// Progress is alive.
class Progress {
public:
  explicit Progress(std::string label);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  void update(std::size_t done, std::size_t total);
  void phase(std::string_view what);
  void finish();

private:
  enum class Style { Off, Bar, Lines };
  std::string label_;
  Style style_;
  bool drawn_ = false, printed_ = false;
  std::size_t last_done_ = 0;
  std::chrono::steady_clock::time_point start_, last_;
  RateWindow rate_;
};
// Tells the live Progress (if any) what the work is now doing.
void progress_phase(std::string_view what);

// A pager for long output on a terminal, as git has: $BEAVER_PAGER, else
// $PAGER, else `less` (with LESS=FRX unless LESS is set: it quits when the
// text fits and keeps colours); "" or "cat" means none. start_pager() starts
// it once, only when standard output is a terminal and the pager is enabled
// (--no-pager disables it); the output goes through it from then on and
// finish_pager() waits for the user to leave it. Colour decisions made for
// standard output keep seeing a terminal.
void set_pager_enabled(bool on);
void start_pager();
void finish_pager();

}  // namespace beaver
