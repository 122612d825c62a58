#pragma once
// Every subcommand of the causalattn tool. Each register_*_commands is defined in its
// *_commands.cpp (library causalattn_cli_lib); make_registry in commands.cpp.

#include "cli.hpp"

namespace causalattn_cli {

/// Registers describe and version (data_commands.cpp).
void register_data_commands(CommandRegistry& registry);
/// Registers convert-graph (graph_commands.cpp).
void register_graph_commands(CommandRegistry& registry);
/// Registers pc and fci (discovery_commands.cpp).
void register_discovery_commands(CommandRegistry& registry);
/// Registers attention-graph (attention_commands.cpp).
void register_attention_commands(CommandRegistry& registry);
/// Registers ate (effects_commands.cpp).
void register_effects_commands(CommandRegistry& registry);
/// Registers lagged (timeseries_commands.cpp).
void register_timeseries_commands(CommandRegistry& registry);

/// The registry with all subcommands the tool ships.
CommandRegistry make_registry();

}  // namespace causalattn_cli
