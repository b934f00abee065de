// Output helpers shared by the commands: --format, JSON that survives
// non-UTF-8 input, and escaping for Markdown and HTML.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/grammar.h"
#include "report/escape.h"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace beaver::cli {

// JSON with invalid UTF-8 replaced by U+FFFD (commit messages can hold any bytes).
std::string json_text(const nlohmann::json& j);
// Writes a report to standard output (`path` empty or "-") or to `path` by
// write_file()'s rules (util/file.h): a regular file is replaced atomically
// keeping its mode, a symlink's target is written, a device or FIFO is
// written into.
void write_output(const std::string& path, std::string_view text);
// The faces of one report, rendered on demand.
struct ReportFaces {
  std::function<nlohmann::json()> json;
  std::function<std::string()> markdown, html;
  std::function<std::string(bool color)> text;
  // What the text face's columns mean: printed under it (dim) unless -q.
  std::function<std::string()> legend = nullptr;
};
// Renders the face --format asks for and writes it with write_output; the
// text face gets colour only when it goes to a terminal.
void write_report(const std::string& format, const std::string& path, const ReportFaces& faces);
using report::html_escape;
using report::markdown_escape;
using report::safe_text;

}  // namespace beaver::cli
