#pragma once
// Every subcommand of the causalattn tool, registered in one place.

#include "attention_commands.hpp"
#include "cli.hpp"
#include "data_commands.hpp"
#include "discovery_commands.hpp"
#include "effects_commands.hpp"
#include "graph_commands.hpp"
#include "timeseries_commands.hpp"

namespace causalattn_cli {

/// The registry with all subcommands the tool ships.
inline CommandRegistry make_registry() {
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
