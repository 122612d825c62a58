#pragma once
/// \file
/// Lagged attribution averaged over several independently initialised autoregressive models of one
/// series: a model's attributions vary with its random start, and the average varies less.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "causalattn/timeseries/attribution.hpp"

namespace causalattn {

/// Fits `models` autoregressive transformers to `x` (member k with `training.model.seed + k` and
/// `training.seed + k`: its own initialisation and window order), attributes each on `x` with
/// `attribution` and the variable `names` (default x0, x1, ...), and averages them: every lag
/// matrix entry is the members' mean; with `rank_uncertainty`, `rank_mean` is their mean and
/// `rank_sd` the spread of the pooled windows (sqrt of the mean of sd^2 + mean^2, less the pooled
/// mean squared); `windows` is the total. With `attribution.normalize` each member is normalised
/// before the mean. Under `WindowAggregation::mean_rank` the summary (lags collapsed by max) is at
/// most the members' mean rank, no longer equal to it. One model gives exactly
/// `lagged_attribution(fit_ar_transformer(x, training), x, attribution)`. Use it when single models' graphs disagree from seed to seed; the
/// [7/7] regime benchmark averages 3 time-embedding models. Throws `invalid_input` naming `models`
/// unless it is in [1, 1000], naming `names` unless it is empty or has one entry per column, and
/// whatever `fit_ar_transformer` and `lagged_attribution` throw (options are checked before any
/// training).
/// Time: `models` times one fit and one attribution.
/// Example:
/// \code
///   causalattn::ArTrainingOptions t;
///   t.model.time_harmonics = 2;
///   t.validation_fraction = 0;  // train on every position
///   auto a = causalattn::ensemble_lagged_attribution<float>(x, 3, t);
///   causalattn::Matrix<double> summary = a.scores.summary();
/// \endcode
template <class Scalar>
AttributionResult ensemble_lagged_attribution(const Matrix<double>& x, Index models, const ArTrainingOptions& training = {},
                                              const AttributionOptions& attribution = {}, std::vector<std::string> names = {}) {
  using Real = detail::deferred_t<Scalar, double>;
  if (models < 1 || models > 1000) throw invalid_input("models", "is " + std::to_string(models) + ", must be in [1, 1000]");
  names = variable_names_or_default(std::move(names), x.cols());  // checked before any training
  training.validate();
  attribution.validate();
  detail::deferred_t<Scalar, AttributionResult> mean;
  Matrix<Real> second_moment;  // pooled E[rank^2] with rank statistics
  for (Index k = 0; k < models; ++k) {
    ArTrainingOptions member = training;
    member.model.seed = training.model.seed + std::uint64_t(k);
    member.seed = training.seed + std::uint64_t(k);
    const auto a = lagged_attribution(fit_ar_transformer<Scalar>(x, member), attribution, names);
    const Matrix<Real> moment = a.rank_sd.size() > 0 ? Matrix<Real>(a.rank_sd.cwiseAbs2() + a.rank_mean.cwiseAbs2())
                                                     : Matrix<Real>();
    if (k == 0) {
      mean = a;
      second_moment = moment;
      continue;
    }
    for (std::size_t lag = 0; lag < mean.scores.lagged.size(); ++lag) mean.scores.lagged[lag] += a.scores.lagged[lag];
    if (a.rank_mean.size() > 0) mean.rank_mean += a.rank_mean;
    if (moment.size() > 0) second_moment += moment;
    mean.windows += a.windows;
  }
  if (models == 1) return mean;  // exactly the single model's result
  const double m = double(models);
  for (auto& lag : mean.scores.lagged) lag /= m;
  if (mean.rank_mean.size() > 0) mean.rank_mean /= m;
  if (second_moment.size() > 0) mean.rank_sd = (second_moment / m - mean.rank_mean.cwiseAbs2()).cwiseMax(0.0).cwiseSqrt();
  return mean;
}

}  // namespace causalattn
