#pragma once
// Subcommands for causal discovery: pc.

#include <algorithm>
#include <fstream>
#include <memory>

#include "causalattn/discovery/discrete_tests.hpp"
#include "causalattn/discovery/pc.hpp"
#include "causalattn/io/csv.hpp"
#include "causalattn/io/graph_io.hpp"
#include "cli.hpp"

namespace causalattn_cli {

/// Index of variable `name` in `names`; throws usage_error naming the option otherwise.
inline causalattn::Index variable_index(const std::vector<std::string>& names, const std::string& name, const std::string& option) {
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) throw usage_error(option + " names '" + name + "', which is not a column of the data");
  return causalattn::Index(it - names.begin());
}

/// Background knowledge from `--forbid A:B,...`, `--require A:B,...`, `--tiers "A,B;C;D"` (earliest
/// tier first) and `--forbid-within-tiers`, over the data's column names.
inline causalattn::BackgroundKnowledge knowledge_from_options(const ArgumentList& args, const std::vector<std::string>& names) {
  causalattn::BackgroundKnowledge knowledge(causalattn::Index(names.size()));
  for (const std::string option : {"--forbid", "--require"}) {
    for (const std::string& rule : split_list(args.get(option))) {
      const auto colon = rule.find(':');
      if (colon == std::string::npos) throw usage_error(option + " takes FROM:TO pairs, got '" + rule + "'");
      const auto from = variable_index(names, rule.substr(0, colon), option);
      const auto to = variable_index(names, rule.substr(colon + 1), option);
      if (option == "--forbid") knowledge.forbid(from, to);
      else knowledge.require(from, to);
    }
  }
  const auto tiers = split_list(args.get("--tiers"), ';');
  for (std::size_t t = 0; t < tiers.size(); ++t)
    for (const std::string& name : split_list(tiers[t])) knowledge.set_tier(variable_index(names, name, "--tiers"), int(t));
  knowledge.forbid_within_tiers(args.has("--forbid-within-tiers"));
  return knowledge;
}

/// The collider rule of `--uc-rule`: 0, 1, 2 (causal-learn's uc_rule), conservative or majority.
inline causalattn::ColliderRule collider_rule_option(const ArgumentList& args) {
  const std::string rule = args.get("--uc-rule", "0");
  if (rule == "conservative") return causalattn::ColliderRule::conservative;
  if (rule == "majority") return causalattn::ColliderRule::majority;
  return static_cast<causalattn::ColliderRule>(integer_option(args, "--uc-rule", 0, 0, 2));
}

/// `causalattn pc --data FILE ...`: PC on a CSV / whitespace table with a header row.
inline int run_pc(Invocation& call) {
  const ArgumentList args(call.args,
                          {"--data", "--alpha", "--test", "--uc-rule", "--uc-priority", "--sepset-mode", "--max-depth",
                           "--threads", "--format", "--out", "--forbid", "--require", "--tiers"},
                          {"--stable", "--original", "--forbid-within-tiers"});
  args.expect_positional(0, 0, "causalattn pc --data FILE [options] (see causalattn pc --help)");
  if (!args.has("--data")) throw usage_error("pc needs --data FILE");
  if (args.has("--stable") && args.has("--original")) throw usage_error("--stable and --original exclude each other");
  causalattn::PcOptions options;
  options.alpha = number_option(args, "--alpha", options.alpha);
  options.stable = !args.has("--original");
  options.collider_rule = collider_rule_option(args);
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
  options.knowledge = knowledge_from_options(args, table.names);
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
  call.err << "pc: " << result.cpdag.edge_count() << " edges, " << result.ambiguous_triples.size() << " ambiguous triples, "
           << result.tests << " tests, "
           << result.seconds_skeleton + result.seconds_orientation << " s\n";
  return 0;
}

/// Registers pc.
inline void register_discovery_commands(CommandRegistry& registry) {
  registry.add({"pc", "PC causal discovery on a data file (Fisher z, G-square or chi-square tests)",
                "causalattn pc --data FILE [--alpha 0.05] [--test fisherz|gsq|chisq] [--stable|--original]\n"
                "              [--uc-rule 0|1|2|conservative|majority] [--uc-priority -1|0|1|2|3|4]\n"
                "              [--sepset-mode pcalg|causal-learn] [--max-depth K] [--threads N]\n"
                "              [--forbid A:B,...] [--require A:B,...] [--tiers \"A,B;C;D\"] [--forbid-within-tiers]\n"
                "              [--format causal-learn|pcalg|tetrad|dot|json] [--out FILE]\n"
                "  --forbid/--require name directed edges FROM:TO; --tiers lists tiers earliest first.\n"
                "  --format causal-learn prints causal-learn's endpoint matrix; pcalg its CPDAG amat.\n"
                "  With --sepset-mode causal-learn (default) the output equals causal-learn's pc().",
                run_pc});
}

}  // namespace causalattn_cli
