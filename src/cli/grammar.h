// The option grammar every command follows (CONTRIBUTING.md, "Options"):
// one spelling and one metavariable for each idea, defaults from git config
// (beaver.*) where a value is retyped on every call, and the exit codes in
// every --help. Commands add their options through these helpers so that
// they cannot drift apart.
#pragma once

#include <CLI/CLI.hpp>

#include "report/common.h"

#include <string>
#include <vector>

namespace beaver::git {
class Repository;
}
namespace beaver::pipeline {
struct Manifest;
}

namespace beaver::cli {

// --repo DIR (default: the current directory).
void add_repo_option(CLI::App* cmd, std::string& repo);
// --index FILE (default: git config beaver.index, else beaver/index.sqlite
// in the common git directory).
void add_index_option(CLI::App* cmd, std::string& index);
// --manifest FILE (default: beaver.toml in --repo or the top of its work tree),
// and the manifest it names read and checked: targets without a `repo` key
// use --repo when it was given, else the manifest's repository.
void add_manifest_option(CLI::App* cmd, std::string& manifest);
pipeline::Manifest manifest_of(const CLI::App* cmd, const std::string& manifest, const std::string& repo);
// -j, --jobs N: workers, 1 to kMaxJobs (more only costs memory and threads;
// nonsense is a usage error, exit 2). Unset: 0, one per core. With
// `threads_alias`, the old spelling --threads N still works, with a
// deprecation note on stderr.
inline constexpr unsigned kMaxJobs = 256;
void add_jobs_option(CLI::App* cmd, unsigned& jobs, const std::string& what, bool threads_alias = false);
// Revisions as git rev-list takes them (REV..., git's own revision options
// included: --all, --branches[=GLOB], --tags, --remotes, --glob=, --exclude=):
// CLI11 leaves what it does not know to the command, and revisions_of() hands
// them to git rev-parse with the rest (anything else there is "not a revision").
void add_revisions_option(CLI::App* cmd, std::vector<std::string>& revs, const std::string& help);
std::vector<std::string> revisions_of(const CLI::App* cmd, const std::vector<std::string>& revs);
// --format FORMAT, one of `allowed` (text first: the default).
void add_format_option(CLI::App* cmd, std::string& format, const std::vector<std::string>& allowed);
// -o, --output FILE: where the report goes ("-": standard output).
void add_output_option(CLI::App* cmd, std::string& output, const std::string& what = "the report");
// -u, --upstream REV; unset, git config beaver.upstream (upstream_of()).
void add_upstream_option(CLI::App* cmd, std::string& upstream, const std::string& help);
// --commit-url URL and, with `mail`, --mail-url URL (git config
// beaver.commitUrl, beaver.mailUrl).
void add_link_options(CLI::App* cmd, report::Links& links, bool mail);
// --mail PATH, repeatable (git config beaver.mail, multi-valued).
void add_mail_option(CLI::App* cmd, std::vector<std::string>& mail);
// The note an old spelling prints when used: "beaver: warning: OLD is
// deprecated; use NOW" (it keeps working: scripts in CI would break silently).
void warn_deprecated(const std::string& old, const std::string& now);
// Appends "Exit status: ..." to the command's footer: 0, then what 1 means
// for this command ("" when it never exits 1), then 2 and 3.
void add_exit_status(CLI::App* cmd, const std::string& one);

// The defaults git config gives (the command line wins): the upstream
// (an error naming both ways when neither is set), link templates and mail
// archives.
std::string upstream_of(const git::Repository& repo, const std::string& upstream, const std::string& command);
void links_from_config(const git::Repository& repo, report::Links& links);
void mail_from_config(const git::Repository& repo, std::vector<std::string>& mail);

// --color WHEN, -q/--quiet, -v/--verbose, --no-pager and --progress on the
// program and on every (sub)command, as git takes them before or after the
// command.
void add_global_options(CLI::App& app);

}  // namespace beaver::cli
