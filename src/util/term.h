// Terminal niceties that must never leak into pipes or files: colour and
// progress only when the stream is a terminal (and NO_COLOR is unset).
#pragma once

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

namespace beaver {

bool is_tty(std::FILE* f);
bool use_color(std::FILE* f);

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
