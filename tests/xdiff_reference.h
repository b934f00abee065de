// The reference for beaver's xdiff port, shared by tests/xdiff_test.cpp and
// fuzz/xdiff_fuzz.cpp: the same two texts through libgit2's copy of xdiff,
// with `git log -p`'s options, and through the port, printed alike.
#pragma once

#include "git/xdiff.h"

#include <git2.h>

#include <string>
#include <string_view>

namespace beaver::test {

inline std::string hunk_text(long os, long oc, long ns, long nc) {
  return "@@ -" + std::to_string(os) + "," + std::to_string(oc) + " +" + std::to_string(ns) + "," +
         std::to_string(nc) + " @@\n";
}

class TextOut : public git::DiffSink {
public:
  std::string text;
  void hunk(long os, long oc, long ns, long nc) override { text += hunk_text(os, oc, ns, nc); }
  void line(char sign, std::string_view t) override {
    text += sign;
    text += t;
    if (t.empty() || t.back() != '\n') text += "\n\\ No newline at end of file\n";
  }
};

// libgit2's diff of a and b into `out`; false when libgit2 fails.
inline bool libgit2_diff(const std::string& a, const std::string& b, std::string& out) {
  static const int init = git_libgit2_init();
  (void)init;
  git_diff_options opts;
  git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
  opts.flags = GIT_DIFF_INDENT_HEURISTIC | GIT_DIFF_FORCE_TEXT;
  opts.context_lines = 3;
  opts.interhunk_lines = 0;
  auto on_hunk = [](const git_diff_delta*, const git_diff_hunk* h, void* p) {
    *static_cast<std::string*>(p) += hunk_text(h->old_start, h->old_lines, h->new_start, h->new_lines);
    return 0;
  };
  auto on_line = [](const git_diff_delta*, const git_diff_hunk*, const git_diff_line* l, void* p) {
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
  };
  out.clear();
  return git_diff_buffers(a.data(), a.size(), "", b.data(), b.size(), "", &opts, nullptr, nullptr, on_hunk, on_line,
                          &out) == 0;
}

// The port's diff of a and b, printed as libgit2_diff() prints.
inline std::string port_diff(const std::string& a, const std::string& b) {
  static git::LineDiff diff;
  TextOut out;
  diff.diff(a, b, out);
  return out.text;
}

}  // namespace beaver::test
