// Subcommands for causal discovery: pc, fci and cdnod.

#include <algorithm>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>

#include "causalattn/discovery/bootstrap.hpp"
#include "causalattn/discovery/cdnod.hpp"
#include "causalattn/discovery/discrete_tests.hpp"
#include "causalattn/discovery/fci.hpp"
#include "causalattn/discovery/kci.hpp"
#include "causalattn/discovery/pc.hpp"
#include "causalattn/discovery/random_feature_tests.hpp"
#include "causalattn/io/bootstrap_io.hpp"
#include "causalattn/io/csv.hpp"
#include "causalattn/io/graph_io.hpp"
#include "cli.hpp"
#include "commands.hpp"
#ifdef CAUSALATTN_USE_MPI
#include "causalattn/mpi/discovery.hpp"
#include "causalattn/mpi/fisher_z.hpp"
#endif

namespace causalattn_cli {
namespace {

#ifdef CAUSALATTN_USE_MPI
/// True when mpirun started the tool with more than one rank: pc and fci then share their work over
/// the ranks (the same output as one process). False in test_cli, which never initialises MPI.
bool over_mpi_ranks() {
  int initialized = 0, ranks = 1;
  MPI_Initialized(&initialized);
  if (initialized) MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  return ranks > 1;
}
#endif

/// `read()` (reading the data file, parsing options over its columns); over MPI ranks an error on
/// any rank is thrown on every rank (a usage error as `invalid_input` of the "command line"), so
/// that none waits for the others in the checksum exchange that follows.
template <class Read>
auto on_every_rank(Read&& read) {
#ifdef CAUSALATTN_USE_MPI
  if (over_mpi_ranks()) {
    std::optional<decltype(read())> value;
    causalattn::MpiGroup().run([&] {
      try {
        value.emplace(read());
      } catch (const usage_error& e) {
        throw causalattn::invalid_input("command line", e.what());
      }
    });
    return std::move(*value);
  }
#endif
  return read();
}

/// Over MPI ranks, checks that every rank read the same `data` from `file` (a checksum exchanged
/// before any work); throws `invalid_input` naming the file otherwise. O(n p).
void check_same_data_on_every_rank([[maybe_unused]] const causalattn::Matrix<double>& data,
                                   [[maybe_unused]] const std::string& file) {
#ifdef CAUSALATTN_USE_MPI
  if (!over_mpi_ranks()) return;
  causalattn::Fingerprint f;
  f.add(std::int64_t(data.rows()));
  f.add(data.data(), std::int64_t(data.size()));
  causalattn::MpiGroup().check_same(f.value(), file, "the data read from it");
#endif
}

/// `causalattn::pc`, or `mpi_pc` over MPI ranks.
template <class Test>
causalattn::PcResult pc_search(const Test& test, const std::vector<std::string>& names, const causalattn::PcOptions& options) {
#ifdef CAUSALATTN_USE_MPI
  if (over_mpi_ranks()) return causalattn::mpi_pc(test, names, options);
#endif
  return causalattn::pc(test, names, options);
}

/// `causalattn::fci`, or `mpi_fci` over MPI ranks.
template <class Test>
causalattn::FciResult fci_search(const Test& test, const std::vector<std::string>& names, const causalattn::FciOptions& options) {
#ifdef CAUSALATTN_USE_MPI
  if (over_mpi_ranks()) return causalattn::mpi_fci(test, names, options);
#endif
  return causalattn::fci(test, names, options);
}

/// Index of variable `name` in `names`; throws usage_error naming the option otherwise.
causalattn::Index variable_index(const std::vector<std::string>& names, const std::string& name, const std::string& option) {
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) throw usage_error(option + " names '" + name + "', which is not a column of the data");
  return causalattn::Index(it - names.begin());
}

/// Background knowledge from `--forbid A:B,...`, `--require A:B,...`, `--tiers "A,B;C;D"` (earliest
/// tier first) and `--forbid-within-tiers`, over the data's column names.
causalattn::BackgroundKnowledge knowledge_from_options(const ArgumentList& args, const std::vector<std::string>& names) {
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
causalattn::ColliderRule collider_rule_option(const ArgumentList& args) {
  const std::string rule = args.get("--uc-rule", "0");
  if (rule == "conservative") return causalattn::ColliderRule::conservative;
  if (rule == "majority") return causalattn::ColliderRule::majority;
  return static_cast<causalattn::ColliderRule>(integer_option(args, "--uc-rule", 0, 0, 2));
}

/// The options pc and fci share: --alpha, --stable/--original, --max-depth, --threads,
/// --sepset-mode and the background knowledge over the data's column names.
causalattn::SkeletonOptions skeleton_options_from(const ArgumentList& args, const std::vector<std::string>& names) {
  if (args.has("--stable") && args.has("--original")) throw usage_error("--stable and --original exclude each other");
  causalattn::SkeletonOptions options;
  options.alpha = number_option(args, "--alpha", options.alpha);
  options.stable = !args.has("--original");
  options.max_depth = integer_option(args, "--max-depth", -1, -1, 1000);
  options.threads = integer_option(args, "--threads", 0, 0, 4096);
  options.sepset_mode = choice_option<causalattn::SepsetMode>(
      args, "--sepset-mode", {{"pcalg", causalattn::SepsetMode::first_found}, {"causal-learn", causalattn::SepsetMode::causal_learn}},
      "causal-learn");
  options.knowledge = knowledge_from_options(args, names);
  options.max_seconds = number_option(args, "--max-seconds", 0);
  return options;
}

/// Runs `search(test)` with the test `--test` names on `data` (`top_level`: the run's own search,
/// not a bootstrap resample's): fisherz, gsq, chisq, kci (--kci-width
/// empirical|median), rcit or rcot (--seed). Fisher z and KCI use causal-learn's p-value rounding
/// with causal-learn separating sets, so that its output can be reproduced.
/// A KCI whose kernels outgrew `max_rank` is reported on `err`.
template <class Search>
auto search_with_test(const ArgumentList& args, const causalattn::Matrix<double>& data, causalattn::SepsetMode sepset_mode,
                      std::ostream& err, Search&& search, bool top_level = true) {
  const std::string test_name = choice_option<std::string>(
      args, "--test",
      {{"fisherz", "fisherz"}, {"gsq", "gsq"}, {"chisq", "chisq"}, {"kci", "kci"}, {"rcit", "rcit"}, {"rcot", "rcot"}},
      "fisherz");
  if (data.cols() > causalattn::max_graph_nodes) {  // before the tests' p x p tables
    throw causalattn::invalid_input(args.get("--data"), "has " + std::to_string(data.cols()) + " columns, more than the " +
                                                            std::to_string(causalattn::max_graph_nodes) + " nodes a graph holds");
  }
  const auto convention = sepset_mode == causalattn::SepsetMode::causal_learn ? causalattn::PValueConvention::causal_learn
                                                                              : causalattn::PValueConvention::accurate;
  if (test_name == "fisherz") {
#ifdef CAUSALATTN_USE_MPI
    if (top_level && over_mpi_ranks()) {  // each rank keeps its own rows of the correlation matrix (1/R of it)
      const causalattn::MpiFisherZTest test(data, causalattn::MpiGroup(), convention);
      test.check_no_perfect_correlation();
      return search(test);
    }
#endif
    const auto build = [&] {
      causalattn::FisherZTest test(data, convention);
      test.check_no_perfect_correlation();  // a graph over duplicated columns would be silent nonsense
      return test;
    };
    // The p x p correlation matrix is the largest allocation before the search: over MPI ranks it
    // is built in an agreed step (not inside a bootstrap's resamples, which run on threads).
    return search(top_level ? on_every_rank(build) : build());
  }
  if (test_name == "kci") {
    causalattn::KciOptions options;
    options.convention = convention;
    options.width = choice_option<causalattn::KernelWidth>(args, "--kci-width",
                                                           {{"empirical", causalattn::KernelWidth::empirical},
                                                            {"median", causalattn::KernelWidth::median}},
                                                           "empirical");
    const causalattn::KciTest test(data, options);
    auto result = search(test);
    if (test.approximated_tests() > 0) {
      err << "warning: " << test.approximated_tests() << " KCI kernel factors reached " << options.max_rank
          << " columns before their tolerance (n large, conditioning sets wide): those p-values are approximate\n";
    }
    return result;
  }
  if (test_name == "rcit" || test_name == "rcot") {
    causalattn::RffOptions options;
    options.seed = std::uint64_t(integer_option(args, "--seed", 0, 0, 2147483647));
    if (test_name == "rcit") return search(causalattn::RcitTest(data, options));
    return search(causalattn::RcotTest(data, options));
  }
  const auto statistic = test_name == "gsq" ? causalattn::DiscreteStatistic::g_square : causalattn::DiscreteStatistic::chi_square;
  return search(causalattn::DiscreteCiTest(data, statistic));
}

/// Flags of pc and fci that take a value / that stand alone.
const std::vector<std::string> search_value_flags = {"--data",        "--alpha",   "--test",      "--sepset-mode", "--max-depth",
                                                     "--max-seconds", "--threads", "--format",    "--output",      "--forbid",
                                                     "--require",     "--tiers",   "--kci-width", "--seed"};
const std::vector<std::string> search_switches = {"--stable", "--original", "--forbid-within-tiers", "--no-header", "--numeric-header"};

/// The flags of `--bootstrap`.
const std::vector<std::string> bootstrap_flags = {"--bootstrap", "--bootstrap-seed", "--consensus-frequency"};

/// `pc|fci --bootstrap B`: `search(test, options)` (a `Graph`) rerun with the `--test` test on B
/// resamples of the rows (seeded by --bootstrap-seed, in parallel over --threads, each search on one
/// thread), written as the frequency table (--format json, default) or the consensus graph at
/// --consensus-frequency with the frequencies on its edges (--format dot).
template <class Options, class Search>
int run_bootstrap(Invocation& call, const ArgumentList& args, const causalattn::Matrix<double>& data,
                  const std::vector<std::string>& names, const Options& options, const std::string& what, Search&& search) {
  const std::string format = args.get("--format", "json");
  if (format != "json" && format != "dot") throw usage_error("--bootstrap writes --format json or dot, not " + format);
  causalattn::BootstrapOptions bootstrap;
  bootstrap.seed = std::uint64_t(integer_option(args, "--bootstrap-seed", 20261205, 0, 2147483647));
  bootstrap.consensus_frequency = number_option(args, "--consensus-frequency", 0.5);
  bootstrap.threads = options.threads;
  bootstrap.progress = [report = stage_reporter(call.err), what](long long done, long long total) {
    report(what + " bootstrap", done, total);
  };
  Options inner = options;
  inner.threads = 1;
  inner.search_progress = nullptr;
  std::mutex warnings_mutex;
  std::set<std::string> warnings;  // distinct, printed in order: the same for any thread count
  const auto search_on = [&](const causalattn::Matrix<double>& resample) {
    std::ostringstream err;
    auto graph = search_with_test(
        args, resample, inner.sepset_mode, err, [&](const auto& test) { return search(test, inner); }, false);
    if (!err.str().empty()) {
      const std::lock_guard<std::mutex> lock(warnings_mutex);
      warnings.insert(err.str());
    }
    return graph;
  };
  const int resamples = integer_option(args, "--bootstrap", 100, 1, 1000000);
  const auto result = with_column_names(names, args.get("--data"), [&] {
#ifdef CAUSALATTN_USE_MPI
    if (over_mpi_ranks()) return causalattn::mpi_bootstrap_graphs_with(data, resamples, search_on, bootstrap, names);
#endif
    return causalattn::bootstrap_graphs_with(data, resamples, search_on, bootstrap, names);
  });
  for (const auto& warning : warnings) call.err << warning;
  emit_text(call, args,
            format == "dot" ? causalattn::bootstrap_to_dot(result) : causalattn::bootstrap_to_json(result).dump(2) + "\n");
  call.err << what << " bootstrap: " << result.resamples << " resamples (seed " << result.seed << "), " << result.failed
           << " failed" << (result.failed ? " (" + name_columns(result.first_failure, names) + ")" : std::string()) << ", "
           << result.consensus.edge_count() << " consensus edges at frequency >= " << result.consensus_frequency << ", "
           << result.seconds << " s\n";
  return 0;
}

/// `causalattn pc --data FILE ...`: PC on a CSV / whitespace table with a header row.
int run_pc(Invocation& call) {
  std::vector<std::string> value_flags = search_value_flags;
  value_flags.insert(value_flags.end(), {"--uc-rule", "--uc-priority"});
  value_flags.insert(value_flags.end(), bootstrap_flags.begin(), bootstrap_flags.end());
  const ArgumentList args(call.args, value_flags, search_switches);
  args.expect_positional(0, 0, "causalattn pc --data FILE [options] (see causalattn pc --help)");
  if (!args.has("--data")) throw usage_error("pc needs --data FILE");
  const auto table = on_every_rank([&] { return read_data_table(args, args.get("--data")); });
  causalattn::PcOptions options;
  static_cast<causalattn::SkeletonOptions&>(options) = on_every_rank([&] {
    return with_column_names(table.names, args.get("--data"), [&] { return skeleton_options_from(args, table.names); });
  });
  options.search_progress = search_progress_reporter(call.err, "pc");
  options.collider_rule = collider_rule_option(args);
  options.priority = integer_option(args, "--uc-priority", -1, -1, 4);
  check_same_data_on_every_rank(table.data, args.get("--data"));
  if (args.has("--bootstrap")) {
    return run_bootstrap(call, args, table.data, table.names, options, "pc",
                         [&](const auto& test, const auto& o) { return causalattn::pc(test, table.names, o).cpdag; });
  }
  const auto format = graph_format_option(args, "amat-cpdag", call.format);
  const auto result = with_column_names(table.names, args.get("--data"), [&] {
    return search_with_test(args, table.data, options.sepset_mode, call.err,
                            [&](const auto& test) { return pc_search(test, table.names, options); });
  });
  emit_text(call, args, causalattn::format_graph(result.cpdag, format));
  call.err << "pc: " << result.cpdag.edge_count() << " edges, " << result.ambiguous_triples.size() << " ambiguous triples, "
           << result.tests << " tests, "
           << result.seconds_skeleton + result.seconds_orientation << " s\n";
  return 0;
}

/// `causalattn fci --data FILE ...`: FCI (a PAG) on a CSV / whitespace table with a header row.
int run_fci(Invocation& call) {
  std::vector<std::string> value_flags = search_value_flags;
  value_flags.push_back("--max-path-length");
  value_flags.insert(value_flags.end(), bootstrap_flags.begin(), bootstrap_flags.end());
  std::vector<std::string> switches = search_switches;
  switches.push_back("--no-possible-dsep");
  const ArgumentList args(call.args, value_flags, switches);
  args.expect_positional(0, 0, "causalattn fci --data FILE [options] (see causalattn fci --help)");
  if (!args.has("--data")) throw usage_error("fci needs --data FILE");
  const auto table = on_every_rank([&] { return read_data_table(args, args.get("--data")); });
  causalattn::FciOptions options;
  static_cast<causalattn::SkeletonOptions&>(options) = on_every_rank([&] {
    return with_column_names(table.names, args.get("--data"), [&] { return skeleton_options_from(args, table.names); });
  });
  options.search_progress = search_progress_reporter(call.err, "fci");
  options.possible_dsep = !args.has("--no-possible-dsep");
  options.max_path_length = integer_option(args, "--max-path-length", -1, -1, 1000000);
  check_same_data_on_every_rank(table.data, args.get("--data"));
  if (args.has("--bootstrap")) {
    return run_bootstrap(call, args, table.data, table.names, options, "fci",
                         [&](const auto& test, const auto& o) { return causalattn::fci(test, table.names, o).pag; });
  }
  const auto format = graph_format_option(args, "amat-pag", call.format);
  const auto result = with_column_names(table.names, args.get("--data"), [&] {
    return search_with_test(args, table.data, options.sepset_mode, call.err,
                            [&](const auto& test) { return fci_search(test, table.names, options); });
  });
  emit_text(call, args, causalattn::format_graph(result.pag, format));
  call.err << "fci: " << result.pag.edge_count() << " edges (" << result.removed_possible_dsep
           << " removed by possible-d-sep), " << result.tests << " tests, "
           << result.seconds_skeleton + result.seconds_possible_dsep + result.seconds_orientation << " s\n";
  return 0;
}

/// `causalattn cdnod --data FILE --context COLUMN ...`: CD-NOD, the context column (domain or time
/// index) moved last and oriented into the variables whose mechanisms change.
int run_cdnod(Invocation& call) {
  std::vector<std::string> value_flags = search_value_flags;
  value_flags.insert(value_flags.end(), {"--uc-rule", "--uc-priority", "--context"});
  const ArgumentList args(call.args, value_flags, search_switches);
  args.expect_positional(0, 0, "causalattn cdnod --data FILE --context COLUMN [options] (see causalattn cdnod --help)");
  if (!args.has("--data")) throw usage_error("cdnod needs --data FILE");
  if (!args.has("--context")) throw usage_error("cdnod needs --context COLUMN (the domain or time index column)");
  const auto table = read_data_table(args, args.get("--data"));
  const causalattn::Index c = variable_index(table.names, args.get("--context"), "--context");
  std::vector<causalattn::Index> kept;
  std::vector<std::string> names;
  for (causalattn::Index j = 0; j < table.data.cols(); ++j)
    if (j != c) {
      kept.push_back(j);
      names.push_back(table.names[std::size_t(j)]);
    }
  names.push_back(table.names[std::size_t(c)]);
  const causalattn::Matrix<double> variables = table.data(Eigen::all, kept);
  const causalattn::Matrix<double> context = table.data.col(c);
  const causalattn::Matrix<double> data = with_column_names(names, args.get("--data"), [&] {
    try {
      return causalattn::with_context(variables, context);
    } catch (const causalattn::invalid_input& e) {
      if (e.argument() != "context") throw;
      throw causalattn::invalid_input("--context " + args.get("--context"), e.detail());
    }
  });
  causalattn::PcOptions options;
  static_cast<causalattn::SkeletonOptions&>(options) = with_column_names(names, args.get("--data"),
                                                                         [&] { return skeleton_options_from(args, names); });
  options.search_progress = search_progress_reporter(call.err, "cdnod");
  options.collider_rule = collider_rule_option(args);
  options.priority = integer_option(args, "--uc-priority", -1, -1, 4);
  const auto format = graph_format_option(args, "amat-cpdag", call.format);
  const auto result = with_column_names(names, args.get("--data"), [&] {
    return search_with_test(args, data, options.sepset_mode, call.err, [&](const auto& test) {
      return causalattn::cdnod(test, names, causalattn::Index(names.size()) - 1, options);
    });
  });
  emit_text(call, args, causalattn::format_graph(result.cpdag, format));
  std::string changing;
  for (causalattn::Index v : result.changing) changing += (changing.empty() ? "" : ", ") + names[std::size_t(v)];
  call.err << "cdnod: " << result.cpdag.edge_count() << " edges; mechanisms changing with " << names.back() << ": "
           << (changing.empty() ? "none" : changing) << "; " << result.tests << " tests, "
           << result.seconds_skeleton + result.seconds_orientation << " s\n";
  return 0;
}

}  // namespace

/// Registers pc, fci and cdnod.
void register_discovery_commands(CommandRegistry& registry) {
  registry.add({"pc", "PC causal discovery on a data file (Fisher z, G-square, chi-square, KCI, RCIT or RCoT tests)",
                "causalattn pc --data FILE [--alpha 0.05] [--test fisherz|gsq|chisq|kci|rcit|rcot] [--stable|--original]\n"
                "              [--kci-width empirical|median] [--seed N]\n"
                "              [--uc-rule 0|1|2|conservative|majority] [--uc-priority -1|0|1|2|3|4]\n"
                "              [--sepset-mode pcalg|causal-learn] [--max-depth K] [--max-seconds S] [--threads N]\n"
                "              [--forbid A:B,...] [--require A:B,...] [--tiers \"A,B;C;D\"] [--forbid-within-tiers]\n"
                "              [--format causal-learn|pcalg|tetrad|dot|json] [--output FILE] [--no-header|--numeric-header]\n"
                "  --forbid/--require name directed edges FROM:TO; --tiers lists tiers earliest first.\n"
                "  --format causal-learn prints causal-learn's endpoint matrix; pcalg its CPDAG amat.\n"
                "  With --sepset-mode causal-learn (default) the output equals causal-learn's pc().\n"
                "  kci: kernel test for nonlinear data, O(n r^2) per test (r the kernels' numerical rank);\n"
                "  rcit/rcot: random Fourier features, O(n) per test, seeded by --seed.\n"
                "  --bootstrap B [--bootstrap-seed S] [--consensus-frequency F]: PC on B resamples of the rows; prints each\n"
                "  pair's edge-type frequencies (--format json, default) or the consensus graph at frequency\n"
                "  >= F (default 0.5) with the frequencies as edge labels (--format dot); --max-seconds applies\n"
                "  to each resample.",
                run_pc});
  registry.add({"fci", "FCI causal discovery with latent confounders: a PAG (same tests and flags as pc)",
                "causalattn fci --data FILE [--alpha 0.05] [--test fisherz|gsq|chisq|kci|rcit|rcot] [--stable|--original]\n"
                "              [--kci-width empirical|median] [--seed N]\n"
                "              [--sepset-mode pcalg|causal-learn] [--max-depth K] [--max-seconds S] [--max-path-length L]\n"
                "              [--no-possible-dsep] [--threads N]\n"
                "              [--forbid A:B,...] [--require A:B,...] [--tiers \"A,B;C;D\"] [--forbid-within-tiers]\n"
                "              [--format causal-learn|pcalg|tetrad|dot|json] [--output FILE] [--no-header|--numeric-header]\n"
                "  Rules R0-R4 and R8-R10 (Zhang 2008); --format causal-learn prints the endpoint matrix\n"
                "  (2 = circle), pcalg the PAG amat. A forbidden A:B puts an arrowhead at A.\n"
                "  --bootstrap B [--bootstrap-seed S] [--consensus-frequency F]: as for pc (json or dot).",
                run_fci});
  registry.add({"cdnod", "CD-NOD: causal discovery from heterogeneous or nonstationary data (a domain or time column)",
                "causalattn cdnod --data FILE --context COLUMN [--test fisherz|kci|rcit|rcot|gsq|chisq] [--alpha 0.05]\n"
                "              [--kci-width empirical|median] [--seed N] [--stable|--original]\n"
                "              [--uc-rule 0|1|2|conservative|majority] [--uc-priority -1|0|1|2|3|4]\n"
                "              [--sepset-mode pcalg|causal-learn] [--max-depth K] [--max-seconds S] [--threads N]\n"
                "              [--forbid A:B,...] [--require A:B,...] [--tiers \"A,B;C;D\"] [--forbid-within-tiers]\n"
                "              [--format causal-learn|pcalg|tetrad|dot|json] [--output FILE] [--no-header|--numeric-header]\n"
                "  COLUMN (domain labels or time stamps, at least two values) becomes the last node C; every\n"
                "  edge C - V is oriented C -> V, and the V adjacent to C (mechanisms that change) are listed\n"
                "  on stderr. With the defaults the graph equals causal-learn's cdnod(x, c, alpha, test).",
                run_cdnod});
}

}  // namespace causalattn_cli
