// Output helpers shared by the commands: --format, JSON that survives
// non-UTF-8 input, and escaping for Markdown and HTML.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "report/escape.h"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace beaver::cli {

// --repo DIR and --index PATH, worded the same for every command.
void add_repo_option(CLI::App* cmd, std::string& repo);
void add_index_option(CLI::App* cmd, std::string& index);
// -j N: worker threads, 1 to kMaxJobs (more only costs memory and threads;
// nonsense is a usage error, exit 2). Unset: 0, one per core.
inline constexpr unsigned kMaxJobs = 256;
void add_jobs_option(CLI::App* cmd, unsigned& jobs, const std::string& name, const std::string& what);
// Revisions as git rev-list takes them, git's own revision options included
// (--all, --branches[=GLOB], --tags, --remotes, --glob=, --exclude=): CLI11
// leaves what it does not know to the command, and revisions_of() hands them
// to git rev-parse with the rest (anything else there is "not a revision").
void add_revisions_option(CLI::App* cmd, std::vector<std::string>& revs, const std::string& help);
std::vector<std::string> revisions_of(const CLI::App* cmd, const std::vector<std::string>& revs);
void add_format_option(CLI::App* cmd, std::string& format, const std::vector<std::string>& allowed);
// Prints JSON with invalid UTF-8 replaced by U+FFFD (commit messages can hold any bytes).
void print_json(const nlohmann::json& j);
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
};
// Renders the face --format asks for and writes it with write_output; the
// text face gets colour only when it goes to a terminal.
void write_report(const std::string& format, const std::string& path, const ReportFaces& faces);
using report::html_escape;
using report::markdown_escape;
using report::safe_text;

}  // namespace beaver::cli
