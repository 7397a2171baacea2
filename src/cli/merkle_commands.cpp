#include "cli/cli.hpp"

namespace livechain::cli {
void add_merkle_commands(CLI::App& /*root*/, CliOptions& /*options*/) {}
}  // namespace livechain::cli
