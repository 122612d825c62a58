// Subcommands on graph files: convert-graph.

#include "causalattn/io/graph_io.hpp"
#include "cli.hpp"
#include "commands.hpp"

namespace causalattn_cli {
namespace {

/// `causalattn convert-graph IN [--from FORMAT] [--to FORMAT] [--output OUT]`: reads a graph in one format
/// and writes it in another (stdout by default). Formats default from the file extensions.
int run_convert_graph(Invocation& call) {
  const std::string usage =
      "causalattn convert-graph IN [--from FORMAT] [--to FORMAT] [--output OUT]\n"
      "  FORMAT: tetrad, dot, json, causal-learn, amat-pag, amat-cpdag";
  const ArgumentList args(call.args, {"--from", "--to", "--output"});
  args.expect_positional(1, 1, usage);
  const std::string& input = args.positional()[0];
  const std::string output = args.get("--output");
  const auto from = args.has("--from") ? causalattn::graph_format_from_name(args.get("--from"))
                                       : causalattn::graph_format_from_path(input);
  const auto to = args.has("--to")     ? causalattn::graph_format_from_name(args.get("--to"))
                  : !output.empty()      ? causalattn::graph_format_from_path(output)
                  : call.format == OutputFormat::json ? causalattn::GraphFormat::json
                                                      : causalattn::GraphFormat::tetrad;
  const auto graph = causalattn::read_graph(input, from);
  emit_text(call, args, causalattn::format_graph(graph, to));
  return 0;
}

}  // namespace

/// Registers convert-graph.
void register_graph_commands(CommandRegistry& registry) {
  registry.add({"convert-graph", "convert a graph file between Tetrad, DOT, JSON and peer matrix formats",
                "causalattn convert-graph IN [--from FORMAT] [--to FORMAT] [--output OUT]", run_convert_graph});
}

}  // namespace causalattn_cli
