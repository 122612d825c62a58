// Accuracy and speed of time-delayed causal discovery (issue [7/7]): the autoregressive transformer
// with squared-gradient attribution (one model read out over windows by rank, the default, by mean
// rank and by the plain mean) against Granger F-tests and PCMCI (partial correlation), on VAR,
// Lorenz-96 and a 4-regime nonlinear SCM, each over several seeds. On the regime data also a
// transformer with a time embedding (2 harmonics; 15 epochs on every window; mean rank, not
// normalised), alone and as the mean of 3 (ensemble_lagged_attribution), which are told nothing
// about the regimes, and one transformer per contiguous segment (4 segments, 15 epochs on every window each; mean-rank
// aggregation, not normalised; links kept by their best segment: segmented_lagged_attribution),
// and PCMCI given the same segments (each link's largest MCI statistic over segments).
//
//   accuracy_lagged [seeds=5] [filter=""] [epochs=30] [width=128 (hidden = 2 width)] [mixers=softmax]
//
// mixers: a comma-separated list of softmax, mesa, hybrid (ArMixer); each gives its own transformer
// rows (one layer for softmax and mesa, two for hybrid); "in-context" adds the in-context AR model's
// rows (fit_in_context_ar with its defaults); "auto" the rows of choose_lagged_model (the softmax
// transformer above and the in-context model, the one with the lower held-out MSE; its choice per
// seed on stderr). Two settings have links at delays 2 and 3
// only (min_lag 2); the "lag" column is, over the true cross links, the share whose strongest
// lagged score sits at a lag where the link acts.
//
// Every method sees the same series and max_lag 5 (the transformer its default shape and training); scores are summary scores (lags collapsed by
// max), self links left out. Metrics: AUROC, AUPRC, F1 with each target keeping its true in-degree
// (summary_graph_accuracy). Seconds: training + extraction for the transformer, the whole call for
// the baselines, on the threads OpenMP is given. Prints one markdown table (mean +- sd over seeds).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "causalattn/metrics/lagged_metrics.hpp"
#include "causalattn/nn/mesa_attention.hpp"  // installs the mesa mixer (--mixers mesa, hybrid)
#include "causalattn/timeseries.hpp"
#include "causalattn/timeseries/in_context_ar.hpp"
#include "causalattn/timeseries/lagged_model_choice.hpp"
#include "regime_series.hpp"

namespace ca = causalattn;

namespace {

/// One benchmark setting: a name, how to simulate a series for a seed, and into how many
/// contiguous segments the segmented transformer cuts it (1: a stationary series, no
/// time-embedding or segmented rows).
struct Setting {
  std::string name;
  std::function<ca::LaggedSeries(std::uint64_t)> simulate;
  ca::Index segments = 1;
};

/// Mean and standard deviation of a list.
struct Summary {
  double mean = 0, sd = 0;
};

Summary summarize(const std::vector<double>& v) {
  Summary s;
  for (double x : v) s.mean += x / double(v.size());
  for (double x : v) s.sd += (x - s.mean) * (x - s.mean) / double(std::max<std::size_t>(1, v.size() - 1));
  s.sd = std::sqrt(s.sd);
  return s;
}

std::vector<Setting> settings() {
  std::vector<Setting> out;
  for (ca::Index p : {10, 20}) {
    out.push_back({"VAR(3) p " + std::to_string(p) + " T 1000", [p](std::uint64_t seed) {
                     ca::VarOptions o;
                     o.variables = p;
                     o.max_lag = 3;
                     o.length = 1000;
                     o.seed = seed;
                     return ca::simulate_var(o);
                   }});
  }
  out.push_back({"VAR(3) delays 2-3 p 10 T 1000", [](std::uint64_t seed) {
                   ca::VarOptions o;
                   o.variables = 10;
                   o.max_lag = 3;
                   o.min_lag = 2;
                   o.length = 1000;
                   o.seed = seed;
                   return ca::simulate_var(o);
                 }});
  out.push_back({"lagged SCM delays 2-3 p 10 T 1000, MLP", [](std::uint64_t seed) {
                   ca::LaggedScmOptions o;
                   o.variables = 10;
                   o.max_lag = 3;
                   o.min_lag = 2;
                   o.length = 1000;
                   o.mechanism = ca::LaggedMechanism::mlp_additive;
                   o.seed = seed;
                   return ca::simulate_lagged_scm(o);
                 }});
  for (ca::Index p : {10, 20})
    for (double forcing : {10.0, 40.0})
      for (ca::Index length : {500, 1000, 2000}) {
        out.push_back({"Lorenz-96 p " + std::to_string(p) + " F " + std::to_string(int(forcing)) + " T " + std::to_string(length),
                       [=](std::uint64_t seed) {
                         ca::Lorenz96Options o;
                         o.variables = p;
                         o.forcing = forcing;
                         o.length = length;
                         o.seed = seed;
                         return ca::simulate_lorenz96(o);
                       }});
      }
  out.push_back({"lagged SCM p 10 T 2000, 4 regimes (extreme), MLP", causalattn_bench::regime_series, 4});
  return out;
}

/// Over the true cross links (source, target), the share whose strongest lagged score sits at a
/// lag where the link acts.
double strongest_lag_correct(const ca::LaggedScores& scores, const ca::LaggedGraph& truth) {
  double links = 0, correct = 0;
  for (ca::Index s = 0; s < scores.variables(); ++s)
    for (ca::Index t = 0; t < scores.variables(); ++t) {
      if (s == t || !truth.any_lag(s, t)) continue;
      ca::Index best = 1;
      for (ca::Index l = 2; l <= scores.max_lag(); ++l)
        if (scores.lagged[std::size_t(l - 1)](s, t) > scores.lagged[std::size_t(best - 1)](s, t)) best = l;
      links += 1;
      correct += best <= truth.max_lag() && truth.has_link(s, t, best) ? 1 : 0;
    }
  return links > 0 ? correct / links : 0;
}

/// The models named in a comma-separated list: transformers by mixer, the in-context AR model
/// ("in-context", no mixer) or the choice between a softmax transformer and it ("auto", no mixer).
std::vector<std::pair<std::string, std::optional<ca::ArMixer>>> parse_mixers(const std::string& list) {
  std::vector<std::pair<std::string, std::optional<ca::ArMixer>>> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t end = std::min(list.find(',', start), list.size());
    const std::string name = list.substr(start, end - start);
    if (name == "softmax") out.push_back({name, ca::ArMixer::softmax});
    else if (name == "mesa") out.push_back({name, ca::ArMixer::mesa});
    else if (name == "hybrid") out.push_back({name, ca::ArMixer::hybrid});
    else if (name == "in-context" || name == "auto") out.push_back({name, std::nullopt});
    else throw std::invalid_argument("unknown mixer '" + name + "' (softmax, mesa, hybrid, in-context, auto)");
    start = end + 1;
  }
  return out;
}

template <class F>
double timed(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int seeds = argc > 1 ? std::atoi(argv[1]) : 5;
  const std::string filter = argc > 2 ? argv[2] : "";
  const int epochs = argc > 3 ? std::atoi(argv[3]) : 30;
  const ca::Index width = argc > 4 ? std::atoi(argv[4]) : ca::ArTransformerOptions{}.width;
  const ca::Index max_lag = 5;
  try {
    const auto mixers = parse_mixers(argc > 5 ? argv[5] : "softmax");
    std::printf(
        "accuracy_lagged: %d seeds (1..%d), max_lag %ld, transformer width %ld, epochs <= %d (early stopping), mixers %s\n\n",
        seeds, seeds, long(max_lag), long(width), epochs, argc > 5 ? argv[5] : "softmax");
    std::printf("| setting | method | AUROC | AUPRC | F1 | lag | seconds |\n|---|---|---|---|---|---|---|\n");
    for (const Setting& setting : settings()) {
      if (!filter.empty() && setting.name.find(filter) == std::string::npos) continue;
      const std::string segmented = std::to_string(setting.segments) + " segments";
      const ca::WindowAggregation aggregations[3] = {ca::WindowAggregation::rank, ca::WindowAggregation::mean_rank, ca::WindowAggregation::mean};
      const char* aggregation_names[3] = {"rank", "mean rank", "mean"};
      std::vector<std::string> names;
      for (const auto& [mixer, kind] : mixers)
        for (const char* a : aggregation_names)
          names.push_back(mixer == "softmax"      ? std::string("transformer, ") + a
                          : mixer == "in-context" ? std::string("in-context AR, ") + a
                          : mixer == "auto"       ? std::string("auto (held-out choice), ") + a
                                                  : "transformer (" + mixer + "), " + a);
      const std::size_t baselines = names.size();
      names.insert(names.end(), {"Granger", "PCMCI"});
      if (setting.segments > 1) {
        names.insert(names.end(), {"transformer, time embedding", "transformer, time embedding, 3 models",
                                   "transformer, " + segmented, "PCMCI, " + segmented});
      }
      const std::size_t methods = names.size();
      std::vector<std::vector<double>> auroc(methods), auprc(methods), f1(methods), lag(methods), seconds(methods);
      for (int seed = 1; seed <= seeds; ++seed) {
        const ca::LaggedSeries series = setting.simulate(std::uint64_t(seed));
        std::vector<ca::LaggedScores> scores(methods);
        std::size_t m = 0;
        for (const auto& [mixer, kind] : mixers) {
          if (mixer == "auto") {  // the softmax transformer of the rows above and the in-context model, the better forecaster
            std::optional<ca::LaggedModelChoice<float, double>> choice;
            const double training = timed([&] {
              ca::ArTrainingOptions o;
              o.model.max_lag = max_lag;
              o.epochs = epochs;
              o.model.width = width;
              o.model.hidden = 2 * width;
              o.seed = o.model.seed = std::uint64_t(seed);
              ca::InContextArOptions c;
              c.max_lag = max_lag;
              c.seed = std::uint64_t(seed);
              choice = ca::choose_lagged_model(series.x, o, c);
            });
            std::fprintf(stderr, "auto: %s, seed %d: %s (held-out MSE transformer %.4f, in-context %.4f)\n", setting.name.c_str(),
                         seed, choice->chosen().c_str(), choice->transformer_validation_mse, choice->in_context_validation_mse);
            for (const ca::WindowAggregation aggregation : aggregations) {
              ca::AttributionOptions a;
              a.aggregation = aggregation;
              seconds[m].push_back(training + timed([&] { scores[m] = choice->attribution(series.x, a).scores; }));
              ++m;
            }
            continue;
          }
          if (!kind) {  // the in-context AR model: its defaults, the same window and seed
            ca::InContextArFit<double> in_context;
            const double training = timed([&] {
              ca::InContextArOptions o;
              o.max_lag = max_lag;
              o.seed = std::uint64_t(seed);
              in_context = ca::fit_in_context_ar<double>(series.x, o);
            });
            for (const ca::WindowAggregation aggregation : aggregations) {
              ca::AttributionOptions a;
              a.aggregation = aggregation;
              seconds[m].push_back(training +
                                   timed([&] { scores[m] = ca::in_context_attribution(in_context, series.x, a).scores; }));
              ++m;
            }
            continue;
          }
          ca::ArTransformerFit<float> fit;
          const double training = timed([&, kind = kind] {
            ca::ArTrainingOptions o;
            o.model.max_lag = max_lag;
            o.model.mixer = *kind;
            o.model.layers = *kind == ca::ArMixer::hybrid ? 2 : 1;
            o.epochs = epochs;
            o.model.width = width;
            o.model.hidden = 2 * width;
            o.seed = o.model.seed = std::uint64_t(seed);
            fit = ca::fit_ar_transformer<float>(series.x, o);
          });
          // The same model read out by rank (the default), mean rank and the plain mean.
          for (const ca::WindowAggregation aggregation : aggregations) {
            ca::AttributionOptions a;
            a.aggregation = aggregation;
            seconds[m].push_back(training + timed([&] { scores[m] = ca::lagged_attribution(fit, series.x, a).scores; }));
            ++m;
          }
        }
        seconds[baselines].push_back(timed([&] { scores[baselines] = ca::granger(series.x, max_lag).scores; }));
        seconds[baselines + 1].push_back(timed([&] { scores[baselines + 1] = ca::pcmci(series.x, max_lag).scores; }));
        if (setting.segments > 1) {
          const std::size_t first = baselines + 2;
          // A held-out tail would hide the last regime (time embedding) or be too short for early
          // stopping (segments of a few hundred rows): a fixed 15 epochs on every window.
          ca::ArTrainingOptions o;
          o.model.max_lag = max_lag;
          o.epochs = 15;
          o.validation_fraction = 0;
          o.seed = o.model.seed = std::uint64_t(seed);
          ca::AttributionOptions a;
          a.aggregation = ca::WindowAggregation::mean_rank;
          a.normalize = false;  // mean ranks share one scale across segments; per-segment normalisation would distort it
          ca::ArTrainingOptions with_time = o;
          with_time.model.time_harmonics = 2;
          seconds[first].push_back(timed([&] {
            scores[first] = ca::lagged_attribution(ca::fit_ar_transformer<float>(series.x, with_time), series.x, a).scores;
          }));
          seconds[first + 1].push_back(
              timed([&] { scores[first + 1] = ca::ensemble_lagged_attribution<float>(series.x, 3, with_time, a).scores; }));
          const std::vector<ca::Index> starts = ca::equal_segments(series.x.rows(), setting.segments);
          seconds[first + 2].push_back(timed(
              [&] { scores[first + 2] = ca::segmented_lagged_attribution<float>(series.x, starts, o, a).combined.scores; }));
          seconds[first + 3].push_back(timed([&] {
            for (std::size_t k = 0; k < starts.size(); ++k) {
              const ca::Index rows = ca::segment_end(starts, k, series.x.rows()) - starts[k];
              const ca::LaggedScores s = ca::pcmci(series.x.middleRows(starts[k], rows), max_lag).scores;
              if (k == 0) {
                scores[first + 3] = s;
              } else {
                for (std::size_t l = 0; l < s.lagged.size(); ++l)
                  scores[first + 3].lagged[l] = scores[first + 3].lagged[l].cwiseMax(s.lagged[l]);
              }
            }
          }));
        }
        for (std::size_t k = 0; k < methods; ++k) {
          const ca::SummaryGraphAccuracy a = ca::summary_graph_accuracy(scores[k].summary(), series.truth, false);
          auroc[k].push_back(a.auroc);
          auprc[k].push_back(a.auprc);
          f1[k].push_back(a.f1);
          lag[k].push_back(strongest_lag_correct(scores[k], series.truth));
        }
      }
      for (std::size_t k = 0; k < methods; ++k) {
        const Summary r = summarize(auroc[k]), p = summarize(auprc[k]), f = summarize(f1[k]), g = summarize(lag[k]),
                      s = summarize(seconds[k]);
        std::printf("| %s | %s | %.3f +- %.3f | %.3f +- %.3f | %.3f +- %.3f | %.2f | %.3f |\n",
                    k == 0 ? setting.name.c_str() : "", names[k].c_str(), r.mean, r.sd, p.mean, p.sd, f.mean, f.sd, g.mean,
                    s.mean);
      }
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
