#include "cli/commands.h"
namespace beaver::cli {
void setup_log(CLI::App& app, Context&) { app.add_subcommand("log", "TODO"); }
}
