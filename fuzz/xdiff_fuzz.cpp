// Differential libFuzzer target for beaver's port of xdiff: on any two
// texts it must print exactly what libgit2's copy of xdiff prints (the
// configuration of `git log -p`), and never crash.
//
// The input is split at its first NUL byte into the old and the new text.
// Vertical tabs and form feeds become spaces: the C library's isspace(),
// which libgit2's xdiff uses for the indent heuristic, counts them as
// whitespace, git's own isspace() (the reference, and the port's) does not.
#include "git/xdiff.h"

#include <git2.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

class TextOut : public beaver::git::DiffSink {
public:
  std::string text;
  void hunk(long os, long oc, long ns, long nc) override {
    text += "@@ -" + std::to_string(os) + "," + std::to_string(oc) + " +" + std::to_string(ns) + "," +
            std::to_string(nc) + " @@\n";
  }
  void line(char sign, std::string_view t) override {
    text += sign;
    text += t;
    if (t.empty() || t.back() != '\n') text += "\n\\ No newline at end of file\n";
  }
};

int on_hunk(const git_diff_delta*, const git_diff_hunk* h, void* p) {
  *static_cast<std::string*>(p) += "@@ -" + std::to_string(h->old_start) + "," + std::to_string(h->old_lines) +
                                   " +" + std::to_string(h->new_start) + "," + std::to_string(h->new_lines) +
                                   " @@\n";
  return 0;
}

int on_line(const git_diff_delta*, const git_diff_hunk*, const git_diff_line* l, void* p) {
  auto& s = *static_cast<std::string*>(p);
  switch (l->origin) {
    case GIT_DIFF_LINE_CONTEXT:
    case GIT_DIFF_LINE_ADDITION:
    case GIT_DIFF_LINE_DELETION:
      s += char(l->origin);
      s.append(l->content, l->content_len);
      if (l->content_len == 0 || l->content[l->content_len - 1] != '\n') s += '\n';
      break;
    case GIT_DIFF_LINE_CONTEXT_EOFNL:
    case GIT_DIFF_LINE_ADD_EOFNL:
    case GIT_DIFF_LINE_DEL_EOFNL:
      s += "\\ No newline at end of file\n";
      break;
    default:
      break;
  }
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const int init = git_libgit2_init();
  (void)init;
  std::string in(reinterpret_cast<const char*>(data), size);
  for (char& c : in)
    if (c == '\v' || c == '\f') c = ' ';
  std::size_t cut = in.find('\0');
  std::string a = in.substr(0, cut);
  std::string b = cut == std::string::npos ? std::string() : in.substr(cut + 1);

  git_diff_options opts = GIT_DIFF_OPTIONS_INIT;
  opts.flags = GIT_DIFF_INDENT_HEURISTIC | GIT_DIFF_FORCE_TEXT;
  opts.context_lines = 3;
  opts.interhunk_lines = 0;
  std::string expected;
  if (git_diff_buffers(a.data(), a.size(), "", b.data(), b.size(), "", &opts, nullptr, nullptr, on_hunk, on_line,
                       &expected) != 0)
    return 0;
  static beaver::git::LineDiff diff;
  TextOut got;
  diff.diff(a, b, got);
  if (got.text != expected) std::abort();
  return 0;
}
