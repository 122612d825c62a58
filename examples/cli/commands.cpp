// The registry of every subcommand the causalattn tool ships.
#include "commands.hpp"

namespace causalattn_cli {

CommandRegistry make_registry() {
  CommandRegistry registry;
  register_data_commands(registry);
  register_graph_commands(registry);
  register_discovery_commands(registry);
  register_attention_commands(registry);
  register_effects_commands(registry);
  register_timeseries_commands(registry);
  return registry;
}

}  // namespace causalattn_cli
