// The command table: every `beaver` subcommand, registered from one list.
// Each command lives in its own cmd_<name>.cpp and only wires options to the
// library; the work itself is in libbeaver.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace beaver::cli {

// Shared by all commands: the exit code a command's callback wants.
struct Context {
  int exit_code = 0;
};

struct Command {
  const char* name;
  void (*setup)(CLI::App& app, Context& ctx);
};

void setup_patch_id(CLI::App& app, Context& ctx);
void setup_index(CLI::App& app, Context& ctx);
void setup_log(CLI::App& app, Context& ctx);
void setup_demo(CLI::App& app, Context& ctx);
void setup_stack(CLI::App& app, Context& ctx);
void setup_rebase_diff(CLI::App& app, Context& ctx);
void setup_delta(CLI::App& app, Context& ctx);
void setup_fixes(CLI::App& app, Context& ctx);
void setup_backport(CLI::App& app, Context& ctx);
void setup_assemble(CLI::App& app, Context& ctx);
void setup_combine(CLI::App& app, Context& ctx);
void setup_build(CLI::App& app, Context& ctx);
void setup_config(CLI::App& app, Context& ctx);
void setup_matrix(CLI::App& app, Context& ctx);
void setup_ci(CLI::App& app, Context& ctx);

inline constexpr Command kCommands[] = {
    {"index", setup_index},
    {"patch-id", setup_patch_id},
    {"log", setup_log},
    {"stack", setup_stack},
    {"rebase-diff", setup_rebase_diff},
    {"delta", setup_delta},
    {"fixes", setup_fixes},
    {"backport", setup_backport},
    {"assemble", setup_assemble},
    {"combine", setup_combine},
    {"build", setup_build},
    {"config", setup_config},
    {"matrix", setup_matrix},
    {"ci", setup_ci},
    {"demo", setup_demo},
};

// The repository option every command takes: --repo DIR (default: the current directory).
std::string default_repo();

}  // namespace beaver::cli
