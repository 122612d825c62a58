// Variants of the transformer's lagged-graph extraction (issue [7/7]), reported beside the main
// table of accuracy_lagged in RESULTS.md. Summary AUROC (lags collapsed by max, self links left
// out) over seeds 1..seeds, one thread per process recommended (OMP_NUM_THREADS=1).
//
//   lagged_variants regime [seeds=5]         4-regime extreme-shift MLP SCM (p 10, T 2000):
//       extractors of the default model, then training without the held-out tail (epochs 15, 30,
//       60 at width 128; widths 32, 64, 256 at 15 epochs), each scored by mean squared gradient
//       and by mean rank over windows; PCMCI and Granger for reference.
//   lagged_variants segments [seeds=5]       the same 4-regime series cut into K = 1, 2, 3, 4, 5, 6, 8
//       contiguous segments, one model per segment trained 15 epochs on every window, read out by
//       mean rank (not normalised), links kept by their best segment (segmented_lagged_attribution); then K = 4 with
//       the default training (held-out tail); PCMCI for reference.
//   lagged_variants time [seeds=5] [first=1] the same 4-regime series (seeds first .. first + seeds - 1),
//       one model with a time embedding of H = 0 (none), 1, 2, 4 harmonics, trained 15 epochs on
//       every window, read out by mean rank (not normalised) and by rank; then the mean of 3 such
//       models at H = 2 (ensemble_lagged_attribution); PCMCI for reference. Nothing about the
//       regimes is given.
//   lagged_variants raw-attention [seeds=5]  Lorenz-96 p 10, F 10, T 1000: a 1-layer model with
//       per-observation tokens and the per-target readout, its raw attention against its own
//       squared gradients and PCMCI, with the seconds of training + raw extraction.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "causalattn/metrics/lagged_metrics.hpp"
#include "causalattn/timeseries.hpp"
#include "regime_series.hpp"

namespace ca = causalattn;

namespace {

/// Summary AUROC of `scores` (source, target) against the series' truth.
double auroc(const ca::Matrix<double>& scores, const ca::LaggedSeries& series) {
  return ca::summary_graph_accuracy(scores, series.truth, false).auroc;
}

/// Training with max_lag 5 and the default shape, seeded by `seed`.
ca::ArTrainingOptions training(int seed) {
  ca::ArTrainingOptions o;
  o.model.max_lag = 5;
  o.seed = o.model.seed = std::uint64_t(seed);
  return o;
}

/// Attribution options with the plain mean over windows, the aggregation these figures were measured with.
ca::AttributionOptions mean_aggregation() {
  ca::AttributionOptions a;
  a.aggregation = ca::WindowAggregation::mean;
  return a;
}

void regime(int seeds) {
  for (int seed = 1; seed <= seeds; ++seed) {
    const ca::LaggedSeries series = causalattn_bench::regime_series(std::uint64_t(seed));
    // The default model (held-out tail, early stopping) under every extractor.
    const auto fit = ca::fit_ar_transformer<float>(series.x, training(seed));
    ca::AttributionOptions a = mean_aggregation();
    a.rank_uncertainty = true;
    const ca::AttributionResult squared = ca::lagged_attribution(fit, series.x, a);
    a.method = ca::Attribution::mean_abs_gradient;
    const double absolute = auroc(ca::lagged_attribution(fit, series.x, a).scores.summary(), series);
    a.method = ca::Attribution::gradient_times_input;
    const double times_input = auroc(ca::lagged_attribution(fit, series.x, a).scores.summary(), series);
    ca::ArTrainingOptions readout = training(seed);
    readout.model.tokens = ca::ArTokens::per_observation;
    readout.model.readout = ca::ArReadout::per_target;
    readout.model.width = 64;
    readout.model.hidden = 128;
    const auto readout_fit = ca::fit_ar_transformer<float>(series.x, readout);
    const double per_target = auroc(ca::lagged_attribution(readout_fit, series.x, mean_aggregation()).scores.summary(), series);
    std::printf("seed %d default model (best epoch %d of %zu): squared %.3f, rank %.3f, lags summed %.3f, |gradient| %.3f, "
                "|gradient x input| %.3f; per-target readout (width 64) %.3f | PCMCI %.3f, Granger %.3f\n",
                seed, fit.best_epoch, fit.train_loss.size(), auroc(squared.scores.summary(), series), auroc(squared.rank_mean, series),
                auroc(squared.scores.summary(ca::LagCollapse::sum), series), absolute, times_input, per_target,
                auroc(ca::pcmci(series.x, 5).scores.summary(), series), auroc(ca::granger(series.x, 5).scores.summary(), series));
    // No held-out tail: every window trains, for a fixed number of epochs.
    const int shapes[6][2] = {{15, 128}, {30, 128}, {60, 128}, {15, 32}, {15, 64}, {15, 256}};
    for (const auto& shape : shapes) {
      ca::ArTrainingOptions t = training(seed);
      t.validation_fraction = 0;
      t.epochs = shape[0];
      t.model.width = shape[1];
      t.model.hidden = 2 * shape[1];
      ca::AttributionOptions ranks = mean_aggregation();
      ranks.rank_uncertainty = true;
      const ca::AttributionResult r = ca::lagged_attribution(ca::fit_ar_transformer<float>(series.x, t), series.x, ranks);
      std::printf("seed %d no tail, %d epochs, width %d: squared %.3f, rank %.3f\n", seed, shape[0], shape[1],
                  auroc(r.scores.summary(), series), auroc(r.rank_mean, series));
    }
    std::fflush(stdout);
  }
}

void segments(int seeds) {
  for (int seed = 1; seed <= seeds; ++seed) {
    const ca::LaggedSeries series = causalattn_bench::regime_series(std::uint64_t(seed));
    // accuracy_lagged's segmented row: 15 epochs on every window of each segment.
    ca::ArTrainingOptions every_window = training(seed);
    every_window.epochs = 15;
    every_window.validation_fraction = 0;
    ca::AttributionOptions a;
    a.aggregation = ca::WindowAggregation::mean_rank;
    a.normalize = false;
    std::printf("seed %d: PCMCI %.3f | segmented transformer, K segments:", seed, auroc(ca::pcmci(series.x, 5).scores.summary(), series));
    for (ca::Index count : {1, 2, 3, 4, 5, 6, 8}) {
      const auto s = ca::segmented_lagged_attribution<float>(series.x, ca::equal_segments(series.x.rows(), count), every_window, a);
      std::printf(" K %ld %.3f (%.1f s)", long(count), auroc(s.combined.scores.summary(), series), s.seconds);
    }
    // The fifth session's configuration: 4 segments, the default training (held-out tail, early stopping).
    const auto held_out = ca::segmented_lagged_attribution<float>(series.x, ca::equal_segments(series.x.rows(), 4), training(seed), a);
    std::printf(" | K 4 with the default held-out tail %.3f\n", auroc(held_out.combined.scores.summary(), series));
    std::fflush(stdout);
  }
}

void time_embedding(int seeds, int first) {
  for (int seed = first; seed < first + seeds; ++seed) {
    const ca::LaggedSeries series = causalattn_bench::regime_series(std::uint64_t(seed));
    std::printf("seed %d: PCMCI %.3f | time harmonics H: mean rank, rank (training seconds):", seed,
                auroc(ca::pcmci(series.x, 5).scores.summary(), series));
    ca::ArTrainingOptions t = training(seed);
    t.epochs = 15;
    t.validation_fraction = 0;  // a held-out tail would hide the last regime's positions
    ca::AttributionOptions mean_rank;
    mean_rank.aggregation = ca::WindowAggregation::mean_rank;
    mean_rank.normalize = false;
    for (ca::Index harmonics : {0, 1, 2, 4}) {
      t.model.time_harmonics = harmonics;
      const auto fit = ca::fit_ar_transformer<float>(series.x, t);
      std::printf(" H %ld %.3f, %.3f (%.1f s)", long(harmonics), auroc(ca::lagged_attribution(fit, series.x, mean_rank).scores.summary(), series),
                  auroc(ca::lagged_attribution(fit, series.x).scores.summary(), series), fit.seconds);
    }
    t.model.time_harmonics = 2;
    std::printf(" | H 2, 3 models, mean rank %.3f\n", auroc(ca::ensemble_lagged_attribution<float>(series.x, 3, t, mean_rank).scores.summary(), series));
    std::fflush(stdout);
  }
}

void raw_attention(int seeds) {
  for (int seed = 1; seed <= seeds; ++seed) {
    ca::Lorenz96Options lo;
    lo.variables = 10;
    lo.forcing = 10;
    lo.length = 1000;
    lo.seed = std::uint64_t(seed);
    const ca::LaggedSeries series = ca::simulate_lorenz96(lo);
    ca::ArTrainingOptions t = training(seed);
    t.model.tokens = ca::ArTokens::per_observation;
    t.model.readout = ca::ArReadout::per_target;
    const auto start = std::chrono::steady_clock::now();
    const auto fit = ca::fit_ar_transformer<float>(series.x, t);
    ca::AttributionOptions raw = mean_aggregation();
    raw.method = ca::Attribution::raw_attention;
    const double attention = auroc(ca::lagged_attribution(fit, series.x, raw).scores.summary(), series);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("seed %d: raw attention %.3f, squared gradient (same model) %.3f, PCMCI %.3f (training + raw extraction %.1f s, best epoch %d)\n",
                seed, attention, auroc(ca::lagged_attribution(fit, series.x, mean_aggregation()).scores.summary(), series),
                auroc(ca::pcmci(series.x, 5).scores.summary(), series), seconds, fit.best_epoch);
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  const int seeds = argc > 2 ? std::atoi(argv[2]) : 5;
  const int first = argc > 3 ? std::atoi(argv[3]) : 1;
  try {
    if (mode == "regime") regime(seeds);
    else if (mode == "segments") segments(seeds);
    else if (mode == "time") time_embedding(seeds, first);
    else if (mode == "raw-attention") raw_attention(seeds);
    else {
      std::fprintf(stderr, "usage: lagged_variants regime|segments|time|raw-attention [seeds=5] [first seed, time mode=1]\n");
      return 2;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
