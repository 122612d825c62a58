// Subcommands for time series: lagged.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <sstream>
#include <string>
#include <unistd.h>
#include <utility>
#include <vector>

#include "causalattn/io/csv.hpp"
#include "causalattn/io/dot.hpp"
#include "causalattn/io/json.hpp"
#include "causalattn/nn/mesa_attention.hpp"  // installs the mesa mixer (lagged --mixer mesa, hybrid)
#include "causalattn/timeseries/attribution.hpp"
#include "causalattn/timeseries/ensemble_attribution.hpp"
#include "causalattn/timeseries/granger.hpp"
#include "causalattn/timeseries/in_context_ar.hpp"
#include "causalattn/timeseries/lagged_model_choice.hpp"
#include "causalattn/timeseries/pcmci.hpp"
#include "causalattn/timeseries/segmented_attribution.hpp"
#include "causalattn/timeseries/summary_graph.hpp"
#include "cli.hpp"
#include "commands.hpp"

namespace causalattn_cli {
namespace {

/// `causalattn lagged --data FILE --max-lag L ...`: lagged scores and the binarised summary graph.
int run_lagged(Invocation& call) {
  const ArgumentList args(call.args,
                          {"--data", "--max-lag", "--method", "--top-k", "--threshold", "--epochs", "--seed", "--format",
                           "--layers", "--threads", "--attribution", "--aggregation", "--validation", "--segments",
                           "--time-harmonics", "--models", "--alpha", "--mixer", "--features"},
                          table_switches);
  args.expect_positional(0, 0, "causalattn lagged --data FILE --max-lag L [options] (see causalattn lagged --help)");
  for (const char* required : {"--data", "--max-lag"})
    if (!args.has(required)) throw usage_error(std::string("lagged needs ") + required);
  const OutputFormat format = format_option(args, call.format, true);
  const std::string method = choice_option<std::string>(args, "--method",
                                                        {{"transformer", "transformer"},
                                                         {"auto", "auto"},
                                                         {"in-context", "in-context"},
                                                         {"granger", "granger"},
                                                         {"pcmci", "pcmci"}},
                                                        "transformer");
  const bool learned = method == "auto" || method == "transformer" || method == "in-context";
  const bool uses_transformer = method == "auto" || method == "transformer";
  const bool uses_in_context = method == "auto" || method == "in-context";
  if (int(args.has("--top-k")) + int(args.has("--threshold")) + int(args.has("--alpha")) > 1) {
    throw usage_error("give one of --top-k, --threshold and --alpha");
  }
  if (args.has("--alpha") && learned) throw usage_error("--alpha applies to --method granger and pcmci (they have p-values)");
  // The time embedding needs every position in training; auto compares forecasts of a held-out tail.
  for (const char* key : {"--validation", "--segments", "--models", "--time-harmonics"})
    if (args.has(key) && method != "transformer") throw usage_error(std::string(key) + " applies to --method transformer only");
  if (args.has("--mixer") && !uses_transformer) throw usage_error("--mixer applies to --method auto and transformer only");
  for (const char* key : {"--attribution", "--aggregation"})
    if (args.has(key) && !learned)
      throw usage_error(std::string(key) + " applies to --method auto, transformer and in-context only");
  if (args.has("--features") && !uses_in_context) throw usage_error("--features applies to --method auto and in-context only");
  const causalattn::Attribution attribution = choice_option<causalattn::Attribution>(
      args, "--attribution",
      {{"squared-gradient", causalattn::Attribution::squared_gradient},
       {"abs-gradient", causalattn::Attribution::mean_abs_gradient},
       {"gradient-input", causalattn::Attribution::gradient_times_input},
       {"attention", causalattn::Attribution::raw_attention}},
      "squared-gradient");
  const causalattn::WindowAggregation aggregation = choice_option<causalattn::WindowAggregation>(
      args, "--aggregation",
      {{"rank", causalattn::WindowAggregation::rank},
       {"mean-rank", causalattn::WindowAggregation::mean_rank},
       {"mean", causalattn::WindowAggregation::mean},
       {"share", causalattn::WindowAggregation::share}},
      "rank");
  // (where the held-out windows are, whether any are held out)
  const std::pair<causalattn::ArValidation, bool> validation = choice_option<std::pair<causalattn::ArValidation, bool>>(
      args, "--validation",
      {{"tail", {causalattn::ArValidation::tail, true}},
       {"interleaved", {causalattn::ArValidation::interleaved, true}},
       {"none", {causalattn::ArValidation::tail, false}}},
      "tail");
  const causalattn::ArMixer mixer = choice_option<causalattn::ArMixer>(args, "--mixer",
                                                                       {{"softmax", causalattn::ArMixer::softmax},
                                                                        {"mesa", causalattn::ArMixer::mesa},
                                                                        {"hybrid", causalattn::ArMixer::hybrid}},
                                                                       "softmax");
  const bool raw_attention = attribution == causalattn::Attribution::raw_attention;
  if (raw_attention && integer_option(args, "--layers", 1, 0, 64) != 1) {
    throw usage_error("--attribution attention reads a 1-layer model's attention; --layers must be 1, got " + args.get("--layers"));
  }
  if (raw_attention && uses_in_context) {
    throw usage_error("--attribution attention reads softmax weights; --method " + method +
                      (method == "auto" ? " may choose the in-context model, which has none (use --method transformer)"
                                        : " has none (use a gradient attribution)"));
  }
  if (raw_attention && mixer != causalattn::ArMixer::softmax) {
    throw usage_error("--attribution attention reads softmax weights; use --mixer softmax or a gradient attribution");
  }
  // A hybrid stack is a softmax block followed by mesa blocks: two layers unless told otherwise.
  const int default_layers = mixer == causalattn::ArMixer::hybrid ? 2 : 1;
  const causalattn::Index max_lag = integer_option(args, "--max-lag", 1, 1, 4096);
  const int threads = integer_option(args, "--threads", 0, 0, 4096);
  const causalattn::CsvTable<double> table = read_data_table(args, args.get("--data"));
  const causalattn::Index variables = table.data.cols();
  // The summary graph's rule, checked before any fit (errors name options.x, printed as --x).
  causalattn::SummaryGraphOptions rule_options;
  if (args.has("--threshold")) rule_options.threshold = number_option(args, "--threshold", 0);
  if (args.has("--top-k")) rule_options.top_k = integer_option(args, "--top-k", 2, 0, int(variables));
  rule_options.alpha = number_option(args, "--alpha", 0.05);
  rule_options.validate(variables);
  const int segments = integer_option(args, "--segments", 1, 1, int(std::max<causalattn::Index>(1, table.data.rows())));
  const int models = integer_option(args, "--models", 1, 1, 1000);
  if (segments > 1 && models > 1) throw usage_error("give --segments or --models, not both");
  const auto start = std::chrono::steady_clock::now();
  const bool terminal = &call.err == &std::cerr && ::isatty(2) != 0;
  const auto progress = [&call, terminal](const causalattn::ArTrainingProgress& p) {
    const bool held_out = !std::isnan(p.validation_loss);
    // On a terminal a bar rewritten in place; in a log a line per tenth of the epochs.
    if (!terminal && p.epoch != p.epochs && p.epoch % std::max(1, p.epochs / 10) != 0) return;
    const int filled = 30 * p.epoch / p.epochs;
    call.err << (terminal ? "\r[" : "[") << std::string(std::size_t(filled), '#') << std::string(std::size_t(30 - filled), ' ')
             << "] epoch " << p.epoch << "/" << p.epochs << (held_out ? " validation MSE " : " training MSE ")
             << std::setprecision(4) << (held_out ? p.validation_loss : p.train_loss) << (terminal ? "" : "\n") << std::flush;
  };
  const causalattn::AttributionOptions extraction = causalattn::attribution_options(attribution, aggregation);
  const std::uint64_t seed = std::uint64_t(integer_option(args, "--seed", 1, 0, 2000000000));
  causalattn::LaggedScores scores;
  std::string chosen;                                // --method auto: the model it chose
  std::pair<double, double> held_out_mse;            // --method auto: (transformer, in-context)
  std::vector<causalattn::Matrix<double>> p_values;  // per lag (source, target); Granger's one test covers every lag
  if (method == "granger") {
    const auto result = causalattn::granger(table.data, max_lag, table.names);
    scores = result.scores;
    p_values.assign(std::size_t(max_lag), result.p_value);
  } else if (method == "pcmci") {
    causalattn::PcmciOptions options;
    options.threads = threads;
    const auto result = causalattn::pcmci(table.data, max_lag, options, table.names);
    scores = result.scores;
    p_values = result.p_value;
  } else {
    causalattn::InContextArOptions in_context;
    in_context.max_lag = max_lag;
    in_context.features = integer_option(args, "--features", 0, 0, 4096);
    in_context.epochs = integer_option(args, "--epochs", in_context.epochs, 1, 1000000);
    in_context.seed = seed;
    in_context.progress = progress;
    causalattn::ArTrainingOptions options;
    options.model.max_lag = max_lag;
    options.model.layers = integer_option(args, "--layers", default_layers, 0, 64);
    options.model = causalattn::model_for_attribution(options.model, attribution);
    options.model.mixer = mixer;
    options.model.threads = threads;
    options.model.time_harmonics = integer_option(args, "--time-harmonics", 0, 0, 64);
    options.epochs = integer_option(args, "--epochs", options.epochs, 1, 1000000);
    options.validation = validation.first;
    if (!validation.second) options.validation_fraction = 0;
    options.seed = options.model.seed = seed;
    options.progress = progress;
    if (method == "auto") {
      const auto choice = causalattn::choose_lagged_model<float, double>(table.data, options, in_context);
      chosen = choice.chosen();
      held_out_mse = {choice.transformer_validation_mse, choice.in_context_validation_mse};
      scores = choice.attribution(table.data, extraction, table.names).scores;
    } else if (method == "in-context") {
      scores = causalattn::in_context_attribution(causalattn::fit_in_context_ar<double>(table.data, in_context), extraction,
                                                  table.names)
                   .scores;
    } else if (segments > 1) {
      scores = causalattn::segmented_lagged_attribution<float>(table.data, causalattn::equal_segments(table.data.rows(), segments), options,
                                                                extraction, table.names)
                   .combined.scores;
    } else if (models > 1) {
      scores = causalattn::ensemble_lagged_attribution<float>(table.data, models, options, extraction, table.names).scores;
    } else {
      scores = causalattn::lagged_attribution(causalattn::fit_ar_transformer<float>(table.data, options), extraction, table.names).scores;
    }
    if (terminal) call.err << "\n";
  }
  const causalattn::LaggedSummary collapsed = causalattn::lagged_summary(scores, p_values, rule_options);
  const causalattn::Matrix<double>&summary = collapsed.scores, &graph = collapsed.graph, &lag = collapsed.lag,
        &p_value = collapsed.p_value;
  const std::string& rule = collapsed.rule;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!chosen.empty()) {
    call.err << "lagged: auto chose the " << chosen << " model (held-out MSE: transformer " << std::setprecision(4)
             << held_out_mse.first << ", in-context " << held_out_mse.second << ")\n";
  }
  call.err << "lagged: " << (chosen.empty() ? method : "auto: " + chosen) << ", " << graph.sum() << " links (" << rule << "), "
           << std::setprecision(3) << seconds << " s\n";
  if (format == OutputFormat::json) {
    causalattn::JsonValue v = causalattn::JsonValue::object();
    causalattn::JsonValue nodes = causalattn::JsonValue::array();
    for (const auto& name : table.names) nodes.push_back(name);
    v.set("nodes", std::move(nodes));
    v.set("max_lag", double(max_lag));
    v.set("method", method);
    if (!chosen.empty()) {
      v.set("chosen", chosen);
      causalattn::JsonValue mse = causalattn::JsonValue::object();
      mse.set("transformer", held_out_mse.first);
      mse.set("in-context", held_out_mse.second);
      v.set("held_out_mse", std::move(mse));
    }
    causalattn::JsonValue lagged = causalattn::JsonValue::array();
    for (const auto& m : scores.lagged) lagged.push_back(matrix_json(m));
    v.set("lagged_scores", std::move(lagged));
    v.set("summary_scores", matrix_json(summary));
    v.set("summary_graph", matrix_json(graph));
    v.set("summary_lag", matrix_json(lag));
    if (!p_values.empty()) v.set("summary_p_value", matrix_json(p_value));
    v.set("rule", rule);
    call.out << v.dump() << "\n";
  } else if (format == OutputFormat::dot) {
    call.out << causalattn::adjacency_to_dot(graph, table.names, summary, "lagged");
  } else {
    call.out << "lagged graph by " << (chosen.empty() ? method : "auto: " + chosen) << " (max lag " << max_lag
             << "; links: " << rule << ")\n";
    for (causalattn::Index s = 0; s < variables; ++s)
      for (causalattn::Index t = 0; t < variables; ++t) {
        if (graph(s, t) == 0) continue;
        call.out << "  " << table.names[std::size_t(s)] << " (t-" << lag(s, t) << ") -> " << table.names[std::size_t(t)] << "  score "
                 << std::setprecision(4) << summary(s, t);
        if (!p_values.empty()) call.out << "  p " << std::setprecision(3) << p_value(s, t);
        call.out << "\n";
      }
  }
  return 0;
}

}  // namespace

/// Registers lagged.
void register_timeseries_commands(CommandRegistry& registry) {
  registry.add(
      {"lagged",
       "time-delayed causal graph of a multivariate series: AR transformer attribution, in-context AR, the better forecaster of the two, Granger or PCMCI",
       "causalattn lagged --data FILE --max-lag L [--method transformer|auto|in-context|granger|pcmci] [--features M]\n"
       "                  [--alpha A | --top-k K | --threshold T] [--epochs E] [--seed S] [--layers N] [--threads N]\n"
       "                  [--attribution squared-gradient|abs-gradient|gradient-input|attention]\n"
       "                  [--aggregation rank|mean-rank|mean|share] [--validation tail|interleaved|none] [--segments K]\n"
       "                  [--time-harmonics H] [--models M] [--mixer softmax|mesa|hybrid]\n"
       "                  [--format text|json|dot] [--no-header|--numeric-header]\n"
       "  FILE: CSV with a header row, one column per variable, rows in time order. --method auto trains the\n"
       "  transformer and the in-context model and keeps the one that forecasts the series' last 20% better (held-out\n"
       "  MSE, both on stderr and in JSON; it picks the in-context model on near-linear series, but also on some short\n"
       "  nonlinear ones whose graph the transformer finds: see benchmarks/RESULTS.md); --epochs then sets both\n"
       "  models' epochs (defaults 30 and 100). Scores: squared input\n"
       "  gradients of a trained transformer (normalised per target, except mean-rank scores, which are mean\n"
       "  ranks 0 .. p - 1, also for --threshold; --attribution attention trains a 1-layer model\n"
       "  with one token per value and one readout token per target and reads its attention), combined over\n"
       "  windows by each window's rank of the sources (--aggregation, default rank), the model early-stopped on\n"
       "  the series' tail or on blocks spread over it (--validation interleaved, for regime changes) or trained on every\n"
       "  window for --epochs (--validation none). --segments K fits one model per contiguous segment (K near-equal\n"
       "  segments, for a mechanism that changes over time; best with --aggregation mean-rank --validation none) and\n"
       "  keeps each link's best score over segments (with mean-rank: the best mean rank, 0 .. p - 1, not normalised).\n"
       "  --time-harmonics H gives the model a learned embedding of each window's position in the series (H harmonics;\n"
       "  for regime changes without known boundaries; the regime benchmark uses --time-harmonics 2 --aggregation\n"
       "  mean-rank --validation none --epochs 15; a held-out tail holds positions the model never trained on).\n"
       "  --models M averages the scores of M models seeded seed, seed + 1, ... (steadier than one model; not with\n"
       "  --segments K > 1).\n"
       "  --mixer picks the blocks' token mixer: softmax attention (default), mesa attention (each token's\n"
       "  output is the ridge regression fitted in context to the pairs before it) or hybrid (a softmax block,\n"
       "  then mesa blocks; 2 layers unless --layers says otherwise).\n"
       "  --method in-context reads the whole series into one mesa layer (the ridge regression of each step on its\n"
       "  window, fitted in context; --features M adds M learned tanh features of the window, default 0) and scores\n"
       "  the fitted predictor's input gradients (--attribution, --aggregation as above); for linear systems and\n"
       "  links that act at lags above 1.\n"
       "  Granger |t| per lag, PCMCI's MCI statistic; lags collapse by max (the text shows each link's strongest lag).\n"
       "  Links: Granger and PCMCI keep p < --alpha (default 0.05; Granger's F test of all lags, PCMCI's MCI test\n"
       "  at the strongest lag); the transformer keeps sources at least half as strong as the target's strongest;\n"
       "  --top-k K or --threshold T instead. Timing and progress go to stderr.",
       run_lagged});
}

}  // namespace causalattn_cli
