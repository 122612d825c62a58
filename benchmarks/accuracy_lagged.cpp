// Accuracy and speed of time-delayed causal discovery (issue [7/7]): the autoregressive transformer
// with squared-gradient attribution (aggregated over windows by rank, the default, and by the plain
// mean) against Granger F-tests and PCMCI (partial correlation), on
// VAR, Lorenz-96 and a 4-regime nonlinear SCM, each over several seeds.
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

/// One benchmark setting: a name and how to simulate a series for a seed.
struct Setting {
  std::string name;
  std::function<ca::LaggedSeries(std::uint64_t)> simulate;
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
  out.push_back({"lagged SCM p 10 T 2000, 4 regimes (extreme), MLP", causalattn_bench::regime_series});
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
      const char* names[4] = {"transformer, rank", "transformer, mean", "Granger", "PCMCI"};
      std::vector<double> auroc[4], auprc[4], f1[4], seconds[4];
      for (int seed = 1; seed <= seeds; ++seed) {
        const ca::LaggedSeries series = setting.simulate(std::uint64_t(seed));
        ca::Matrix<double> summary[4];
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
        // The same model read out with rank aggregation (the default) and the plain mean.
        for (int m = 0; m < 2; ++m) {
          ca::AttributionOptions a;
          a.aggregation = m == 0 ? ca::WindowAggregation::rank : ca::WindowAggregation::mean;
          seconds[m].push_back(training + timed([&] { summary[m] = ca::lagged_attribution(fit, series.x, a).scores.summary(); }));
        }
        seconds[2].push_back(timed([&] { summary[2] = ca::granger(series.x, max_lag).scores.summary(); }));
        seconds[3].push_back(timed([&] { summary[3] = ca::pcmci(series.x, max_lag).scores.summary(); }));
        for (int m = 0; m < 4; ++m) {
          const ca::SummaryGraphAccuracy a = ca::summary_graph_accuracy(summary[m], series.truth, false);
          auroc[m].push_back(a.auroc);
          auprc[m].push_back(a.auprc);
          f1[m].push_back(a.f1);
        }
      }
      for (int m = 0; m < 4; ++m) {
        const Summary r = summarize(auroc[m]), p = summarize(auprc[m]), f = summarize(f1[m]), s = summarize(seconds[m]);
        std::printf("| %s | %s | %.3f +- %.3f | %.3f +- %.3f | %.3f +- %.3f | %.3f |\n", m == 0 ? setting.name.c_str() : "", names[m], r.mean,
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
