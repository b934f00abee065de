#include "util/term.h"

#include "util/markup.h"

#include <fmt/format.h>

#include <cstdlib>
#include <mutex>
#include <set>
#include <cerrno>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

namespace beaver {

namespace {
pid_t g_pager_pid = -1;  // start_pager()'s child
}  // namespace

// Standard output piped into beaver's own pager is still the terminal's.
bool is_tty(std::FILE* f) { return isatty(fileno(f)) == 1 || (f == stdout && g_pager_pid > 0); }

namespace {
ColorMode g_color_mode = ColorMode::Auto;
}  // namespace

void set_color_mode(ColorMode mode) { g_color_mode = mode; }

bool use_color(std::FILE* f) {
  if (g_color_mode != ColorMode::Auto) return g_color_mode == ColorMode::Always;
  const char* no = std::getenv("NO_COLOR");
  if (no && *no) return false;
  const char* term = std::getenv("TERM");
  if (term && std::string_view(term) == "dumb") return false;
  return is_tty(f);
}

void print_text(std::FILE* f, std::string_view text) {
  std::string safe = terminal_text(text, true, true);
  std::fwrite(safe.data(), 1, safe.size(), f);
}

namespace {
std::mutex g_warn_mutex;
std::set<std::string> g_warned;
std::function<void(const std::string&)> g_warning_sink;
}  // namespace

void warn_once(const std::string& message) {
  std::lock_guard lock(g_warn_mutex);
  if (!g_warned.insert(message).second) return;
  if (g_warning_sink) g_warning_sink(message);
  else print_text(stderr, fmt::format("{}: {}\n", paint("beaver: warning", "33", use_color(stderr)), message));
}

void set_warning_sink(std::function<void(const std::string&)> sink) {
  std::lock_guard lock(g_warn_mutex);
  g_warning_sink = std::move(sink);
  g_warned.clear();
}

std::string paint(std::string_view text, std::string_view sgr, bool on) {
  if (!on) return std::string(text);
  return fmt::format("\033[{}m{}\033[0m", sgr, text);
}

namespace {
int g_verbosity = 0;
ProgressMode g_progress_mode = ProgressMode::Auto;
std::mutex g_progress_mutex;
Progress* g_live_progress = nullptr;
bool g_pager_enabled = true;
}  // namespace

void set_verbosity(int level) { g_verbosity = level; }
int verbosity() { return g_verbosity; }
void set_progress_mode(ProgressMode mode) { g_progress_mode = mode; }

void RateWindow::add(double seconds, std::size_t done) {
  samples_.emplace_back(seconds, done);
  // Keep one sample older than the window, so the window is always spanned.
  std::size_t drop = 0;
  while (drop + 1 < samples_.size() && samples_[drop + 1].first <= seconds - window_) ++drop;
  samples_.erase(samples_.begin(), samples_.begin() + std::ptrdiff_t(drop));
}

double RateWindow::rate() const {
  if (samples_.size() < 2) return 0;
  double dt = samples_.back().first - samples_.front().first;
  if (dt <= 0 || samples_.back().second < samples_.front().second) return 0;
  return double(samples_.back().second - samples_.front().second) / dt;
}

std::string progress_line(std::string_view label, std::size_t done, std::size_t total, double rate, double elapsed,
                          bool bar) {
  std::string eta = "-:--";
  if (rate > 0 && elapsed >= 3 && total >= done) {
    auto left = static_cast<long>(double(total - done) / rate + 0.5);
    eta = left >= 3600 ? fmt::format("{}:{:02}:{:02}", left / 3600, left / 60 % 60, left % 60)
                       : fmt::format("{}:{:02}", left / 60, left % 60);
  }
  int pct = total ? int(100.0 * double(done) / double(total)) : 100;
  std::string out(label);
  if (bar) {
    constexpr int width = 24;
    int fill = pct * width / 100;
    out += fmt::format(" [{}{}]", std::string(std::size_t(fill), '#'), std::string(std::size_t(width - fill), '.'));
  }
  out += fmt::format(" {:3}% {}/{} {:.0f}/s ETA {}", pct, done, total, rate, eta);
  return out;
}

Progress::Progress(std::string label)
    : label_(std::move(label)), start_(std::chrono::steady_clock::now()), last_(start_) {
  bool tty = is_tty(stderr);
  const char* ci = std::getenv("CI");
  if (g_verbosity < 0 || g_progress_mode == ProgressMode::Off) style_ = Style::Off;
  else if (g_progress_mode == ProgressMode::Lines) style_ = Style::Lines;
  else if (tty) style_ = Style::Bar;
  else if (ci && *ci && std::string_view(ci) != "0" && std::string_view(ci) != "false") style_ = Style::Lines;
  else style_ = Style::Off;
  std::lock_guard lock(g_progress_mutex);
  g_live_progress = this;
}

Progress::~Progress() {
  finish();
  std::lock_guard lock(g_progress_mutex);
  if (g_live_progress == this) g_live_progress = nullptr;
}

void Progress::update(std::size_t done, std::size_t total) {
  if (style_ == Style::Off) return;
  {
    std::lock_guard lock(g_progress_mutex);
    g_live_progress = this;  // the phases that follow are this work's
  }
  auto now = std::chrono::steady_clock::now();
  double secs = std::chrono::duration<double>(now - start_).count();
  rate_.add(secs, done);
  last_done_ = done;
  if (style_ == Style::Lines) {
    // The first line after a second (a short run prints nothing), then one every 10 s and the last.
    if (!printed_ ? secs < 1 || done >= total : now - last_ < std::chrono::seconds(10) && done < total) return;
  } else if (drawn_ && now - last_ < std::chrono::milliseconds(100) && done < total) {
    return;
  }
  last_ = now;
  std::string line = progress_line(label_, done, total, rate_.rate(), secs, style_ == Style::Bar);
  if (style_ == Style::Bar) {
    fmt::print(stderr, "\r\033[K{}", line);
    drawn_ = true;
  } else {
    fmt::print(stderr, "beaver: {}\n", line);
    printed_ = true;
  }
  std::fflush(stderr);
}

void Progress::phase(std::string_view what) {
  if (style_ == Style::Off) return;
  auto now = std::chrono::steady_clock::now();
  if (style_ == Style::Bar) {
    print_text(stderr, fmt::format("\r\033[K{}: {}...", label_, what));
    drawn_ = true;
  } else {
    // Lines: a phase is worth a line once the run is long enough to show any.
    if (!printed_ && now - start_ < std::chrono::seconds(1)) return;
    print_text(stderr, fmt::format("beaver: {}: {}\n", label_, what));
    printed_ = true;
  }
  last_ = now;
  std::fflush(stderr);
}

void Progress::finish() {
  if (style_ == Style::Bar && drawn_) {
    fmt::print(stderr, "\r\033[K");
    std::fflush(stderr);
  } else if (style_ == Style::Lines && printed_) {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    fmt::print(stderr, "beaver: {} done: {} in {:.1f}s\n", label_, last_done_, secs);
    std::fflush(stderr);
  }
  drawn_ = false;
  printed_ = false;
}

void progress_phase(std::string_view what) {
  std::lock_guard lock(g_progress_mutex);
  if (g_live_progress) g_live_progress->phase(what);
}

void set_pager_enabled(bool on) { g_pager_enabled = on; }

void start_pager() {
  static bool tried = false;
  if (tried) return;
  tried = true;
  if (!g_pager_enabled || !is_tty(stdout)) return;
  const char* env = std::getenv("BEAVER_PAGER");
  if (!env) env = std::getenv("PAGER");
  std::string pager = env ? env : "less";
  if (pager.empty() || pager == "cat") return;
  int fds[2];
  if (pipe(fds) != 0) return;
  std::fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return;
  }
  if (pid == 0) {
    dup2(fds[0], 0);
    close(fds[0]);
    close(fds[1]);
    setenv("LESS", "FRX", 0);
    setenv("LV", "-c", 0);
    execl("/bin/sh", "sh", "-c", pager.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  dup2(fds[1], 1);
  close(fds[0]);
  close(fds[1]);
  g_pager_pid = pid;
}

void finish_pager() {
  if (g_pager_pid < 0) return;
  std::fflush(stdout);
  close(1);
  int status = 0;
  while (waitpid(g_pager_pid, &status, 0) < 0 && errno == EINTR) {
  }
  g_pager_pid = -1;
}

}  // namespace beaver
