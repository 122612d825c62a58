#pragma once
// Subcommands for causal discovery: pc.

#include <fstream>
#include <memory>

#include "causalattn/discovery/discrete_tests.hpp"
#include "causalattn/discovery/pc.hpp"
#include "causalattn/io/csv.hpp"
#include "causalattn/io/graph_io.hpp"
#include "cli.hpp"

namespace causalattn_cli {

/// Parses an integer option in [lo, hi]; throws usage_error naming the option otherwise.
inline int integer_option(const ArgumentList& args, const std::string& key, int fallback, int lo, int hi) {
  if (!args.has(key)) return fallback;
  const std::string text = args.get(key);
  int value = 0;
  if (causalattn::detail::parse_number(text, value) != causalattn::detail::NumberStatus::ok || value < lo || value > hi) {
    throw usage_error(key + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got '" + text + "'");
  }
  return value;
}

/// `causalattn pc --data FILE ...`: PC on a CSV / whitespace table with a header row.
inline int run_pc(Invocation& call) {
  const ArgumentList args(call.args,
                          {"--data", "--alpha", "--test", "--uc-rule", "--uc-priority", "--sepset-mode", "--max-depth",
                           "--threads", "--format", "--out"},
                          {"--stable", "--original"});
  args.expect_positional(0, 0, "causalattn pc --data FILE [options] (see causalattn pc --help)");
  if (!args.has("--data")) throw usage_error("pc needs --data FILE");
  if (args.has("--stable") && args.has("--original")) throw usage_error("--stable and --original exclude each other");
  causalattn::PcOptions options;
  if (args.has("--alpha")) {
    double alpha = 0;
    if (causalattn::detail::parse_number(args.get("--alpha"), alpha) != causalattn::detail::NumberStatus::ok) {
      throw usage_error("--alpha must be a number, got '" + args.get("--alpha") + "'");
    }
    options.alpha = alpha;
  }
  options.stable = !args.has("--original");
  options.collider_rule = static_cast<causalattn::ColliderRule>(integer_option(args, "--uc-rule", 0, 0, 2));
  options.priority = integer_option(args, "--uc-priority", -1, -1, 4);
  options.max_depth = integer_option(args, "--max-depth", -1, -1, 1000);
  options.threads = integer_option(args, "--threads", 0, 0, 4096);
  const std::string sepset = args.get("--sepset-mode", "causal-learn");
  if (sepset == "pcalg") options.sepset_mode = causalattn::SepsetMode::first_found;
  else if (sepset != "causal-learn") throw usage_error("--sepset-mode must be pcalg or causal-learn, got '" + sepset + "'");
  const std::string format_name = args.get("--format", "tetrad");
  const std::string format_key = format_name == "pcalg" ? "amat-cpdag" : format_name;
  const auto format = causalattn::graph_format_from_name(format_key);

  const auto table = causalattn::read_csv<double>(args.get("--data"));
  const std::string test_name = args.get("--test", "fisherz");
  causalattn::PcResult result;
  if (test_name == "fisherz") {
    // causal-learn's p-value rounding when its output is to be reproduced.
    const auto convention = options.sepset_mode == causalattn::SepsetMode::causal_learn
                                ? causalattn::PValueConvention::causal_learn
                                : causalattn::PValueConvention::accurate;
    result = causalattn::pc(causalattn::FisherZTest(table.data, convention), table.names, options);
  } else if (test_name == "gsq" || test_name == "chisq") {
    const auto statistic = test_name == "gsq" ? causalattn::DiscreteStatistic::g_square : causalattn::DiscreteStatistic::chi_square;
    result = causalattn::pc(causalattn::DiscreteCiTest(table.data, statistic), table.names, options);
  } else {
    throw usage_error("--test must be fisherz, gsq or chisq, got '" + test_name + "'");
  }
  const std::string text = causalattn::format_graph(result.cpdag, format);
  if (args.has("--out")) {
    causalattn::detail::write_file_bytes(args.get("--out"), text);
  } else {
    call.out << text;
  }
  call.err << "pc: " << result.cpdag.edge_count() << " edges, " << result.tests << " tests, "
           << result.seconds_skeleton + result.seconds_orientation << " s\n";
  return 0;
}

/// Registers pc.
inline void register_discovery_commands(CommandRegistry& registry) {
  registry.add({"pc", "PC causal discovery on a data file (Fisher z, G-square or chi-square tests)",
                "causalattn pc --data FILE [--alpha 0.05] [--test fisherz|gsq|chisq] [--stable|--original]\n"
                "              [--uc-rule 0|1|2] [--uc-priority -1|0|1|2|3|4] [--sepset-mode pcalg|causal-learn]\n"
                "              [--max-depth K] [--threads N] [--format causal-learn|pcalg|tetrad|dot|json] [--out FILE]\n"
                "  --format causal-learn prints causal-learn's endpoint matrix; pcalg its CPDAG amat.\n"
                "  With --sepset-mode causal-learn (default) the output equals causal-learn's pc().",
                run_pc});
}

}  // namespace causalattn_cli
