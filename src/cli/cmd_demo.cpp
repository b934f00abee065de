#include "cli/commands.h"
namespace beaver::cli {
void setup_demo(CLI::App& app, Context&) { app.add_subcommand("demo", "TODO"); }
}
