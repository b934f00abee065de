// Output helpers shared by the commands: --format, JSON that survives
// non-UTF-8 input, and escaping for Markdown and HTML.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace beaver::cli {

// --repo DIR and --index PATH, worded the same for every command.
void add_repo_option(CLI::App* cmd, std::string& repo);
void add_index_option(CLI::App* cmd, std::string& index);
void add_format_option(CLI::App* cmd, std::string& format, const std::vector<std::string>& allowed);
// Prints JSON with invalid UTF-8 replaced by U+FFFD (commit messages can hold any bytes).
void print_json(const nlohmann::json& j);
// Text for a terminal: control characters replaced, invalid UTF-8 kept as is.
std::string safe_text(std::string_view s);
std::string markdown_escape(std::string_view s);
std::string html_escape(std::string_view s);

}  // namespace beaver::cli
