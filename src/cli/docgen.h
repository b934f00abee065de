// Man pages and shell completion, generated from the CLI definitions
// themselves (the CLI11 app every command registers into), so that they
// cannot drift from what the binary accepts. The build runs
// `beaver --generate-man DIR` and `beaver --generate-completion SHELL`.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace beaver::cli {

// Writes DIR/beaver.1 and DIR/beaver-<command>.1 (beaver-config-explain.1 for
// nested commands), and DIR/beaver-probe.1 from the text of `beaver-probe
// --help` saved in PROBE_HELP when given. Throws beaver::Error when DIR
// cannot be written.
void generate_man(CLI::App& app, const std::string& dir, const std::string& probe_help = "");
// A man page from a --help text of the usual shape (the probe's own parser).
std::string man_from_help(std::string_view name, std::string_view help);
// The completion script for bash, zsh or fish: commands, options, and their
// values (revisions from git, directories, files, profile names, feature ids).
std::string generate_completion(CLI::App& app, const std::string& shell);

}  // namespace beaver::cli
