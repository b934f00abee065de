#include "util/term.h"

#include "util/markup.h"

#include <fmt/format.h>

#include <cstdlib>
#include <mutex>
#include <set>
#include <unistd.h>

namespace beaver {

bool is_tty(std::FILE* f) { return isatty(fileno(f)) == 1; }

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

Progress::Progress(std::string label, bool enabled)
    : label_(std::move(label)), enabled_(enabled), start_(std::chrono::steady_clock::now()) {}

Progress::~Progress() { finish(); }

void Progress::update(std::size_t done, std::size_t total) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_ < std::chrono::milliseconds(100) && done < total) return;
  last_ = now;
  double secs = std::chrono::duration<double>(now - start_).count();
  double rate = secs > 0 ? double(done) / secs : 0;
  std::string eta = "-:--";
  if (rate > 0 && total >= done) {
    auto left = static_cast<long>(double(total - done) / rate);
    eta = fmt::format("{}:{:02}", left / 60, left % 60);
  }
  int pct = total ? int(100.0 * double(done) / double(total)) : 100;
  constexpr int width = 24;
  int fill = pct * width / 100;
  fmt::print(stderr, "\r\033[K{} [{}{}] {:3}% {}/{} {:.0f}/s ETA {}", label_, std::string(std::size_t(fill), '#'),
             std::string(std::size_t(width - fill), '.'), pct, done, total, rate, eta);
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::finish() {
  if (enabled_ && drawn_) {
    fmt::print(stderr, "\r\033[K");
    std::fflush(stderr);
  }
  drawn_ = false;
}

}  // namespace beaver
