#include "cli/commands.h"

namespace beaver::cli {

std::string default_repo() { return "."; }

}  // namespace beaver::cli
