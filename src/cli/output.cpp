#include "cli/output.h"

#include "util/term.h"

#include "util/error.h"
#include "util/file.h"
#include "util/markup.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace beaver::cli {

void add_repo_option(CLI::App* cmd, std::string& repo) {
  cmd->add_option("--repo", repo, "Repository (work tree, .git or bare)")->capture_default_str();
}

void add_index_option(CLI::App* cmd, std::string& index) {
  cmd->add_option("--index", index, "Index file (default: beaver/index.sqlite in the common git directory)");
}

void add_jobs_option(CLI::App* cmd, unsigned& jobs, const std::string& name, const std::string& what) {
  cmd->add_option(name, jobs, what + " (default: one per core; at most " + std::to_string(kMaxJobs) + ")")
      ->check(CLI::Range(1u, kMaxJobs));
}

void add_revisions_option(CLI::App* cmd, std::vector<std::string>& revs, const std::string& help) {
  cmd->add_option("revisions", revs, help);
  cmd->allow_extras();
}

std::vector<std::string> revisions_of(const CLI::App* cmd, const std::vector<std::string>& revs) {
  std::vector<std::string> out = cmd->remaining();
  out.insert(out.end(), revs.begin(), revs.end());
  return out;
}

void add_format_option(CLI::App* cmd, std::string& format, const std::vector<std::string>& allowed) {
  std::string list;
  for (auto& a : allowed) list += (list.empty() ? "" : "|") + a;
  cmd->add_option("--format", format, "Output format: " + list)->capture_default_str()->check(CLI::IsMember(allowed));
}

void print_json(const nlohmann::json& j) { fmt::print("{}", json_text(j)); }

std::string json_text(const nlohmann::json& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

void write_output(const std::string& path, std::string_view text) {
  if (path.empty() || path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    if (std::fflush(stdout) != 0) throw Error("standard output: cannot write: {}", std::strerror(errno));
    return;
  }
  write_file(path, text);
}

void write_report(const std::string& format, const std::string& path, const ReportFaces& faces) {
  std::string text;
  if (format == "json") text = json_text(faces.json());
  else if (format == "markdown") text = faces.markdown();
  else if (format == "html") text = faces.html();
  // The text face quotes subjects, paths, versions and package names read
  // from input: every one of them goes through the terminal sanitiser.
  else text = terminal_text(faces.text((path.empty() || path == "-") && use_color(stdout)), true, true);
  write_output(path, text);
}

}  // namespace beaver::cli
