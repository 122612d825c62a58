#pragma once
/// \file
/// The nonparametric bootstrap of any treatment-effect estimator, seeded and parallel.

#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>
#include <vector>

#include "causalattn/core/budget.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/core/random.hpp"
#include "causalattn/core/threads.hpp"
#include "causalattn/effects/effect_estimate.hpp"
#include "causalattn/effects/effect_options.hpp"
#include "causalattn/effects/treatment_data.hpp"

namespace causalattn::detail {

/// Runs `estimator(data, options)` once for the point estimate and `options.bootstrap` more times on
/// resamples drawn with replacement within each arm (arm sizes kept), then replaces the standard
/// error by the replicates' standard deviation and the interval by their percentile interval.
/// Replicate b draws from Rng(options.seed).substream(b) and replicates run on `options.threads`, so
/// the result is the same for any thread count. A resample the estimator rejects (e.g. a rare
/// binary covariate that comes out constant) is redrawn from the next substream index, at most
/// 10 x B draws in all. Stops with `budget_exceeded` after `options.max_seconds` (0 = no limit).
/// O(B x cost of the estimator).
template <class Scalar, class Estimator>
EffectEstimate bootstrap(const TreatmentData<Scalar>& data, EffectOptions options, Estimator&& estimator) {
  const int replicates = options.bootstrap;
  options.bootstrap = 0;
  EffectEstimate result = estimator(data, options);
  std::vector<Index> treated, control;
  for (Index i = 0; i < data.units(); ++i) (data.t()(i) == Scalar(1) ? treated : control).push_back(i);
  const Rng root(options.seed);
  EffectOptions inner = options;
  inner.threads = 1;
  auto draw = [&](std::uint64_t stream, double& estimate) {
    Rng rng = root.substream(stream);
    const Index n = data.units();
    Matrix<Scalar> x(n, data.covariates());
    Vector<Scalar> t(n), y(n);
    Index row = 0;
    for (const auto* arm : {&treated, &control}) {
      for (std::size_t k = 0; k < arm->size(); ++k, ++row) {
        const Index i = (*arm)[std::size_t(rng.uniform_int(arm->size()))];
        x.row(row) = data.x().row(i);
        t(row) = data.t()(i);
        y(row) = data.y()(i);
      }
    }
    try {
      estimate = estimator(TreatmentData<Scalar>(x, t, y), inner).estimate;
      return true;
    } catch (const invalid_input&) {
      return false;
    }
  };
  // Replicate b tries streams b, b + B, b + 2B, ... until one resample is accepted.
  std::vector<double> estimates(std::size_t(replicates), 0);
  std::vector<char> accepted(std::size_t(replicates), 0);
  const TimeBudget budget(options.max_seconds);
  const ThrottledProgress tick(options.progress ? std::function<void(long long, long long)>([&](long long d, long long t) {
    options.progress("bootstrap", d, t);
  })
                                                : std::function<void(long long, long long)>());
  inner.progress = nullptr;
  std::atomic<int> done{0};
  parallel_for(0, replicates, options.threads, [&](int b) {
    budget.check("the bootstrap", std::to_string(done.load()) + " of " + std::to_string(replicates) + " replicates",
                 "options.max_seconds");
    tick(done++, replicates);
    for (int attempt = 0; attempt < 10 && !accepted[std::size_t(b)]; ++attempt) {
      accepted[std::size_t(b)] = draw(std::uint64_t(b) + std::uint64_t(attempt) * std::uint64_t(replicates), estimates[std::size_t(b)]);
    }
  });
  std::vector<double> kept;
  for (int b = 0; b < replicates; ++b)
    if (accepted[std::size_t(b)]) kept.push_back(estimates[std::size_t(b)]);
  if (kept.size() < 2) throw invalid_input("options.bootstrap", "no resample could be estimated; the data are too small to bootstrap");
  if (kept.size() < std::size_t(replicates)) {
    result.warnings.push_back(std::to_string(replicates - int(kept.size())) + " bootstrap replicates failed after 10 redraws");
  }
  double mean = 0;
  for (double v : kept) mean += v / double(kept.size());
  double variance = 0;
  for (double v : kept) variance += (v - mean) * (v - mean) / double(kept.size() - 1);
  std::sort(kept.begin(), kept.end());
  auto quantile = [&](double q) {  // linear interpolation between order statistics
    const double position = q * double(kept.size() - 1);
    const auto lo = std::size_t(std::floor(position));
    const auto hi = std::min(lo + 1, kept.size() - 1);
    return kept[lo] + (position - double(lo)) * (kept[hi] - kept[lo]);
  };
  result.std_error = std::sqrt(variance);
  result.ci_low = quantile((1 - options.confidence) / 2);
  result.ci_high = quantile((1 + options.confidence) / 2);
  result.std_error_method = "bootstrap (" + std::to_string(kept.size()) + " replicates, seed " + std::to_string(options.seed) + ")";
  return result;
}

}  // namespace causalattn::detail
