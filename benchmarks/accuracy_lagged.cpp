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
//   accuracy_lagged [seeds=5] [filter=""] [epochs=30] [width=128 (hidden = 2 width)]
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
#include <string>
#include <vector>

#include "causalattn/metrics/lagged_metrics.hpp"
#include "causalattn/timeseries.hpp"
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
  std::printf("accuracy_lagged: %d seeds (1..%d), max_lag %ld, transformer width %ld, epochs <= %d (early stopping)\n\n", seeds, seeds,
              long(max_lag), long(width), epochs);
  std::printf("| setting | method | AUROC | AUPRC | F1 | seconds |\n|---|---|---|---|---|---|\n");
  try {
    for (const Setting& setting : settings()) {
      if (!filter.empty() && setting.name.find(filter) == std::string::npos) continue;
      const std::string segmented = std::to_string(setting.segments) + " segments";
      const std::string names[9] = {"transformer, rank", "transformer, mean rank", "transformer, mean", "Granger", "PCMCI",
                                    "transformer, time embedding", "transformer, time embedding, 3 models", "transformer, " + segmented,
                                    "PCMCI, " + segmented};
      const ca::WindowAggregation aggregations[3] = {ca::WindowAggregation::rank, ca::WindowAggregation::mean_rank, ca::WindowAggregation::mean};
      const int methods = setting.segments > 1 ? 9 : 5;
      std::vector<double> auroc[9], auprc[9], f1[9], seconds[9];
      for (int seed = 1; seed <= seeds; ++seed) {
        const ca::LaggedSeries series = setting.simulate(std::uint64_t(seed));
        ca::Matrix<double> summary[9];
        ca::ArTransformerFit<float> fit;
        const double training = timed([&] {
          ca::ArTrainingOptions o;
          o.model.max_lag = max_lag;
          o.epochs = epochs;
          o.model.width = width;
          o.model.hidden = 2 * width;
          o.seed = o.model.seed = std::uint64_t(seed);
          fit = ca::fit_ar_transformer<float>(series.x, o);
        });
        // The same model read out by rank (the default), mean rank and the plain mean.
        for (int m = 0; m < 3; ++m) {
          ca::AttributionOptions a;
          a.aggregation = aggregations[m];
          seconds[m].push_back(training + timed([&] { summary[m] = ca::lagged_attribution(fit, series.x, a).scores.summary(); }));
        }
        seconds[3].push_back(timed([&] { summary[3] = ca::granger(series.x, max_lag).scores.summary(); }));
        seconds[4].push_back(timed([&] { summary[4] = ca::pcmci(series.x, max_lag).scores.summary(); }));
        if (methods == 9) {
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
          seconds[5].push_back(timed([&] {
            summary[5] = ca::lagged_attribution(ca::fit_ar_transformer<float>(series.x, with_time), series.x, a).scores.summary();
          }));
          seconds[6].push_back(timed([&] { summary[6] = ca::ensemble_lagged_attribution<float>(series.x, 3, with_time, a).scores.summary(); }));
          const std::vector<ca::Index> starts = ca::equal_segments(series.x.rows(), setting.segments);
          seconds[7].push_back(timed([&] { summary[7] = ca::segmented_lagged_attribution<float>(series.x, starts, o, a).combined.scores.summary(); }));
          seconds[8].push_back(timed([&] {
            for (std::size_t k = 0; k < starts.size(); ++k) {
              const ca::Index rows = ca::segment_end(starts, k, series.x.rows()) - starts[k];
              const ca::Matrix<double> s = ca::pcmci(series.x.middleRows(starts[k], rows), max_lag).scores.summary();
              summary[8] = k == 0 ? s : summary[8].cwiseMax(s);
            }
          }));
        }
        for (int m = 0; m < methods; ++m) {
          const ca::SummaryGraphAccuracy a = ca::summary_graph_accuracy(summary[m], series.truth, false);
          auroc[m].push_back(a.auroc);
          auprc[m].push_back(a.auprc);
          f1[m].push_back(a.f1);
        }
      }
      for (int m = 0; m < methods; ++m) {
        const Summary r = summarize(auroc[m]), p = summarize(auprc[m]), f = summarize(f1[m]), s = summarize(seconds[m]);
        std::printf("| %s | %s | %.3f +- %.3f | %.3f +- %.3f | %.3f +- %.3f | %.3f |\n", m == 0 ? setting.name.c_str() : "", names[m].c_str(), r.mean,
                    r.sd, p.mean, p.sd, f.mean, f.sd, s.mean);
      }
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
