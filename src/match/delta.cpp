#include "match/delta.h"

#include "util/text.h"
#include "git/repository.h"
#include "util/error.h"

#include <fmt/format.h>

#include <set>

namespace beaver::match {

std::string normalize_patch(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for_each_line(text, [&](std::string_view line) {
    if (line.starts_with("index ")) return;
    if (line.starts_with("@@ ")) {
      // "@@ -12,7 +12,8 @@ int foo(void)" -> "@@ int foo(void)"
      std::size_t end = line.find(" @@", 3);
      out += "@@";
      if (end != std::string_view::npos) out.append(line.substr(end + 3));
    } else {
      out.append(line);
    }
    out += '\n';
  });
  return out;
}

std::string interdiff(std::string_view old_patch, std::string_view new_patch, std::string_view old_label,
                      std::string_view new_label) {
  git::init_library();
  std::string a = normalize_patch(old_patch), b = normalize_patch(new_patch);
  if (a == b) return {};
  git_diff_options opts;
  git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
  opts.context_lines = 3;
  opts.flags |= GIT_DIFF_INDENT_HEURISTIC | GIT_DIFF_FORCE_TEXT;
  std::string old_path(old_label), new_path(new_label);
  git_patch* raw = nullptr;
  if (git_patch_from_buffers(&raw, a.data(), a.size(), old_path.c_str(), b.data(), b.size(), new_path.c_str(), &opts) != 0)
    throw Error("cannot compare the two patches: {}", git::last_error());
  git::PatchPtr patch(raw);
  git_buf buf = GIT_BUF_INIT;
  if (git_patch_to_buf(&buf, patch.get()) != 0) throw Error("cannot print the interdiff: {}", git::last_error());
  std::string out(buf.ptr, buf.size);
  git_buf_dispose(&buf);
  // The header names the labels, not files: drop "diff --git" and "index" lines.
  std::size_t start = out.find("\n--- ");
  return start == std::string::npos ? out : out.substr(start + 1);
}

std::string interdiff_summary(std::string_view text) {
  int plus = 0, minus = 0;
  std::set<std::string> files;
  std::string file;
  bool body = false;
  for_each_line(text, [&](std::string_view line) {
    if (line.starts_with("@@")) body = true;
    if (!body || line.empty()) return;
    // Context lines of the interdiff tell which file of the patch we are in.
    std::string_view inner = line.substr(1);
    if (inner.starts_with("diff --git a/")) {
      auto sp = inner.find(" b/");
      file = std::string(inner.substr(13, sp == std::string_view::npos ? std::string_view::npos : sp - 13));
    }
    if (line[0] == '+' || line[0] == '-') {
      (line[0] == '+' ? plus : minus)++;
      if (!file.empty()) files.insert(file);
    }
  });
  if (plus == 0 && minus == 0) return {};
  std::string where;
  std::size_t shown = 0;
  for (auto& f : files) {
    if (shown++ == 3) {
      where += ", ...";
      break;
    }
    where += (where.empty() ? "" : ", ") + f;
  }
  return fmt::format("+{} -{} lines in the patch{}", plus, minus, where.empty() ? "" : " (" + where + ")");
}

}  // namespace beaver::match
