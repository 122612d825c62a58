#pragma once
/// \file
/// Lagged causal scores read from a trained autoregressive model by input attribution
/// (methods/timeseries.md, "Extraction"): for every window, the sensitivity of each predicted
/// X_i(t) to each input X_j(t - lag) (or, for a 1-layer model, the attention target i pays to it),
/// aggregated over windows into a p x p x L score tensor.

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "causalattn/core/names.hpp"
#include "causalattn/timeseries/ar_training.hpp"
#include "causalattn/timeseries/lagged_scores.hpp"

namespace causalattn {

/// What is aggregated per window.
enum class Attribution {
  squared_gradient,      ///< (d mu_i / d x_(j,t-lag))^2: the estimator of H in methods/timeseries.md
  mean_abs_gradient,     ///< |d mu_i / d x_(j,t-lag)|
  gradient_times_input,  ///< |x_(j,t-lag) d mu_i / d x_(j,t-lag)|
  /// The attention of target i's readout token to the token of x_(j,t-lag), averaged over heads.
  /// Needs a 1-layer model with per-observation tokens and the per-target readout (raw attention
  /// is only meaningful for 1 layer: deeper layers mix tokens before they are attended).
  raw_attention,
};

/// How per-window scores are averaged over windows.
enum class WindowAggregation {
  mean,   ///< the plain mean: windows with large attributions (a high-gain regime) weigh most
  share,  ///< each window's scores of a target divided by their sum first, so every window counts the same
  /// each window's sources ranked by their strongest lag (0 weakest .. p - 1 strongest), that
  /// rank spread over the source's lags in proportion to their attribution (`detail::aggregated_rows`);
  /// a source whose strongest lag changes from window to window scores below its mean rank
  rank,
  /// each window's sources ranked as for `rank`; a source's summary score (lags collapsed by max)
  /// is its mean rank over windows exactly, and its lags are weighted by their mean share of its
  /// strongest lag (`detail::rank_weighted_lags`). For series whose links change lag or come and
  /// go over time (regimes; `segmented_lagged_attribution`)
  mean_rank,
};

/// Options of `lagged_attribution`.
struct AttributionOptions {
  Attribution method = Attribution::squared_gradient;  ///< the per-window attribution
  /// How windows are combined. `rank` (the default) lets no few windows with large gradients
  /// dominate; `mean` is the plain estimator of H in methods/timeseries.md.
  WindowAggregation aggregation = WindowAggregation::rank;
  Index batch = 256;           ///< windows per forward pass, >= 1
  Index max_windows = 0;       ///< use at most this many windows, evenly spaced (0 = all), >= 0
  bool normalize = true;       ///< divide each target's scores by their largest (`LaggedScores::normalize_per_target`)
  bool rank_uncertainty = false;  ///< also compute each edge's rank mean and spread over windows (O(windows p^2 L log))

  /// Throws `invalid_input` naming the first bad field.
  void validate() const {
    if (batch < 1) throw invalid_input("options.batch", "is " + std::to_string(batch) + ", must be >= 1");
    if (max_windows < 0) throw invalid_input("options.max_windows", "is " + std::to_string(max_windows) + ", must be >= 0");
  }
};

/// Scores with their per-edge rank statistics.
struct AttributionResult {
  LaggedScores scores;  ///< method "transformer"; lagged[lag - 1](source, target)
  /// With `rank_uncertainty`: per window, the summary edges (source, target; lags collapsed by
  /// max) of each target are ranked by their attribution (rank p - 1 for the strongest, 0 for the
  /// weakest); these are the mean and standard deviation of each edge's rank over windows (true
  /// edges: high mean, low spread). Empty otherwise.
  Matrix<double> rank_mean, rank_sd;
  Index windows = 0;  ///< windows aggregated
};

/// Attribution options for `method` and `aggregation` with the normalisation that suits them: mean
/// ranks are not normalised (they already share one scale, 0 .. p - 1, across targets, segments and
/// ensemble members; dividing by each target's largest would distort it); the other aggregations
/// are normalised per target. The other fields keep their defaults. O(1).
/// Example: `auto a = causalattn::attribution_options(causalattn::Attribution::squared_gradient, causalattn::WindowAggregation::mean_rank);`
template <typename Defer = void>
AttributionOptions attribution_options(Attribution method, WindowAggregation aggregation) {
  AttributionOptions options;
  options.method = method;
  options.aggregation = aggregation;
  options.normalize = aggregation != WindowAggregation::mean_rank;
  return options;
}

/// `model` made fit for attribution by `method`: raw attention reads the attention of per-target
/// readout tokens to one token per observed value, so it sets per-observation tokens and the
/// per-target readout (and needs exactly one layer: deeper layers mix tokens before they are
/// attended; else `invalid_input` naming "model.layers"); the gradient methods take any model,
/// returned unchanged. O(1).
/// Example: `training.model = causalattn::model_for_attribution(training.model, causalattn::Attribution::raw_attention);`
template <typename Defer = void>
ArTransformerOptions model_for_attribution(ArTransformerOptions model, Attribution method) {
  if (method != Attribution::raw_attention) return model;
  if (model.layers != 1) {
    throw invalid_input("model.layers", "is " + std::to_string(model.layers) + "; raw attention is read from a 1-layer model");
  }
  model.tokens = ArTokens::per_observation;
  model.readout = ArReadout::per_target;
  return model;
}

namespace detail {

/// Throws `invalid_input` unless raw attention can be read from a model of these options.
template <typename Defer = void>
void check_raw_attention_model(const ArTransformerOptions& model) {
  if (model.layers != 1 || model.tokens != ArTokens::per_observation || model.readout != ArReadout::per_target) {
    throw invalid_input("options.method", "is raw_attention, which needs a model with layers = 1 (this one has " +
                                              std::to_string(model.layers) +
                                              "), per-observation tokens and the per-target readout");
  }
  if (model.mixer != ArMixer::softmax) {
    throw invalid_input("options.method",
                        "is raw_attention, which reads softmax weights: it needs options.model.mixer = softmax "
                        "(use a gradient method with mesa models)");
  }
}

/// After `model.forward` on `count` windows: per target i, the count x p L matrix whose entry
/// (w, column of x_(j,t-lag)) is the attention of window w's readout token i to that value's
/// token, averaged over heads. O(count heads (p L + p)^2 width / heads).
template <class Scalar>
std::vector<Matrix<double>> readout_attention(const ArTransformer<Scalar>& model, Index count) {
  using Real = detail::deferred_t<Scalar, double>;
  const Index p = model.variables(), heads = model.options().heads, window = model.window_tokens();
  std::vector<Matrix<Real>> out(std::size_t(p), Matrix<Real>::Zero(count, model.window_width()));
  for (Index w = 0; w < count; ++w) {
    for (Index h = 0; h < heads; ++h) {
      const Matrix<Scalar> a = model.attention_matrix(w, h);
      for (Index target = 0; target < p; ++target)
        for (Index k = 0; k < window; ++k)
          out[std::size_t(target)](w, model.column_of_token(k)) += double(a(window + target, k)) / double(heads);
    }
  }
  return out;
}

/// Per row of `scores` (count x p L, non-negative, columns in `LaggedDesign::past` order for
/// `variables` p), each source's largest entry over its lags: count x p. O(count p L).
template <typename Defer = void>
Matrix<double> strongest_lags(const Matrix<detail::deferred_t<Defer, double>>& scores, Index variables) {
  using Real = detail::deferred_t<Defer, double>;
  Matrix<Real> best = Matrix<Real>::Zero(scores.rows(), variables);
  for (Index c = 0; c < scores.cols(); ++c) best.col(c % variables) = best.col(c % variables).cwiseMax(scores.col(c));
  return best;
}

/// Fills `order` (resized to p) with the sources of row `row` of `strength` (count x p) from
/// weakest to strongest, ties in source order: order[k] is the source of rank k. O(p log p).
template <typename Defer = void>
void rank_sources(const Matrix<detail::deferred_t<Defer, double>>& strength, Index row, std::vector<Index>& order) {
  order.resize(static_cast<std::size_t>(strength.cols()));
  std::iota(order.begin(), order.end(), Index(0));
  std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return strength(row, a) < strength(row, b); });
}

/// `scores` (count x p L, non-negative, columns in `LaggedDesign::past` order for `variables` p)
/// with each row replaced as `aggregation` asks: kept (mean); divided by its sum (share; an
/// all-zero row stays zero); or each (source, lag) entry divided by the source's strongest lag in
/// that row (the lag's share of it: 1 at the strongest lag, 0 for a source whose entries are all
/// zero), times the source's rank in the row for rank (`rank_sources`: 0 weakest .. p - 1
/// strongest) and as it is for mean_rank. O(count p L log p).
template <typename Defer = void>
Matrix<double> aggregated_rows(const Matrix<detail::deferred_t<Defer, double>>& scores, Index variables,
                               WindowAggregation aggregation) {
  using Real = detail::deferred_t<Defer, double>;
  Matrix<Real> out = scores;
  if (aggregation == WindowAggregation::share) {
    for (Index r = 0; r < out.rows(); ++r) {
      const double sum = out.row(r).sum();
      if (sum > 0) out.row(r) /= sum;
    }
  } else if (aggregation == WindowAggregation::rank || aggregation == WindowAggregation::mean_rank) {
    const bool ranked = aggregation == WindowAggregation::rank;
    const Matrix<Real> strongest = strongest_lags(scores, variables);
    std::vector<Index> order;
    for (Index r = 0; r < out.rows(); ++r) {
      if (ranked) rank_sources(strongest, r, order);
      for (Index k = 0; k < variables; ++k) {
        const Index source = ranked ? order[std::size_t(k)] : k;
        const double weight = ranked ? double(k) : 1.0;
        for (Index c = source; c < scores.cols(); c += variables)
          out(r, c) = strongest(r, source) > 0 ? weight * scores(r, c) / strongest(r, source) : 0.0;
      }
    }
  }
  return out;
}

/// The mean-rank aggregation's final scores: `lag_shares[lag - 1](source, target)` (the mean share of
/// each lag in the source's strongest lag) rescaled so that each (source, target)'s largest lag
/// equals `mean_rank(source, target)`, its mean rank over windows; pairs whose shares are all 0
/// stay 0. So the summary (lags collapsed by max) is the mean rank exactly. O(p^2 L).
template <typename Defer = void>
void rank_weighted_lags(std::vector<Matrix<detail::deferred_t<Defer, double>>>& lag_shares,
                        const Matrix<detail::deferred_t<Defer, double>>& mean_rank) {
  using Real = detail::deferred_t<Defer, double>;
  Matrix<Real> largest = Matrix<Real>::Zero(mean_rank.rows(), mean_rank.cols());
  for (const auto& m : lag_shares) largest = largest.cwiseMax(m);
  for (auto& m : lag_shares)
    for (Index target = 0; target < m.cols(); ++target)
      for (Index source = 0; source < m.rows(); ++source)
        m(source, target) = largest(source, target) > 0 ? mean_rank(source, target) * (m(source, target) / largest(source, target)) : 0.0;
}

/// Adds one batch's per-window scores of `target` (count x p L, window columns in
/// `LaggedDesign::past` order) to `out`: their sums per (source, lag) after `options.aggregation`
/// and, with mean-rank aggregation or `rank_uncertainty`, the sums of the summary edges' ranks
/// (`rank_sources` of the strongest lags; squares too with `rank_uncertainty`) in `out.rank_mean`
/// and `out.rank_sd`. O(count p L log p).
template <typename Defer = void>
void add_window_scores(detail::deferred_t<Defer, AttributionResult>& out, const detail::deferred_t<Defer, LaggedDesign>& d,
                       Index target, const Matrix<detail::deferred_t<Defer, double>>& raw, const AttributionOptions& options) {
  using Real = detail::deferred_t<Defer, double>;
  const bool plain = options.aggregation == WindowAggregation::mean;
  const Matrix<Real> aggregated = plain ? Matrix<Real>() : aggregated_rows(raw, d.variables, options.aggregation);
  const Matrix<Real>& scores = plain ? raw : aggregated;
  const Index p = d.variables, lags = Index(out.scores.lagged.size());
  for (Index lag = 1; lag <= lags; ++lag)
    for (Index source = 0; source < p; ++source) out.scores.lagged[std::size_t(lag - 1)](source, target) += scores.col(d.column(source, lag)).sum();
  if (out.rank_mean.size() == 0) return;
  const Matrix<Real> best = strongest_lags(raw, p);
  std::vector<Index> order;
  for (Index r = 0; r < raw.rows(); ++r) {
    rank_sources(best, r, order);
    for (Index k = 0; k < p; ++k) {
      out.rank_mean(order[std::size_t(k)], target) += double(k);
      if (options.rank_uncertainty) out.rank_sd(order[std::size_t(k)], target) += double(k) * double(k);
    }
  }
}

/// Per-window scores from the input gradients `g` (count x p L) as `method` asks: g^2, |g|, or
/// |g x| with the windows `windows` (count x p L, any scalar type; read only for
/// gradient_times_input). O(count p L).
template <class Windows>
Matrix<double> gradient_scores(const Matrix<detail::deferred_t<Windows, double>>& g, const Windows& windows, Attribution method) {
  using Real = detail::deferred_t<Windows, double>;
  if (method == Attribution::squared_gradient) return g.cwiseAbs2();
  if (method == Attribution::mean_abs_gradient) return g.cwiseAbs();
  return Matrix<Real>(g.cwiseProduct(windows.template cast<double>()).cwiseAbs());
}

/// An empty attribution result for p variables, L lags and `windows` windows: zero score tensors
/// named `names` (defaults when empty) under `method`, and zero rank sums when `options` asks for
/// them (mean-rank aggregation or `rank_uncertainty`). O(p^2 L).
template <typename Defer = void>
AttributionResult start_attribution(Index variables, Index lags, Index windows, std::vector<std::string> names,
                                    const std::string& method, const AttributionOptions& options) {
  using Real = detail::deferred_t<Defer, double>;
  detail::deferred_t<Defer, AttributionResult> out;
  out.windows = windows;
  out.scores.names = variable_names_or_default(std::move(names), variables);
  out.scores.method = method;
  out.scores.lagged.assign(std::size_t(lags), Matrix<Real>::Zero(variables, variables));
  if (options.rank_uncertainty || options.aggregation == WindowAggregation::mean_rank)
    out.rank_mean = Matrix<Real>::Zero(variables, variables);
  if (options.rank_uncertainty) out.rank_sd = Matrix<Real>::Zero(variables, variables);
  return out;
}

/// Turns the sums of `add_window_scores` into `out`'s final scores: means over the windows, the
/// mean-rank rescaling (`rank_weighted_lags`), the rank spread with `rank_uncertainty` (else the
/// rank means are dropped) and the per-target normalisation with `options.normalize`. O(p^2 L).
template <typename Defer = void>
void finish_attribution(detail::deferred_t<Defer, AttributionResult>& out, const AttributionOptions& options) {
  using Real = detail::deferred_t<Defer, double>;
  const double n = double(std::max<Index>(1, out.windows));
  for (auto& m : out.scores.lagged) m /= n;
  if (out.rank_mean.size() > 0) out.rank_mean /= n;
  if (options.aggregation == WindowAggregation::mean_rank) rank_weighted_lags(out.scores.lagged, out.rank_mean);
  if (options.rank_uncertainty) out.rank_sd = (out.rank_sd / n - out.rank_mean.cwiseAbs2()).cwiseMax(0.0).cwiseSqrt();
  else out.rank_mean = Matrix<Real>();
  if (options.normalize) out.scores.normalize_per_target();
}

}  // namespace detail

/// Attributions of `fit`'s model on the windows of `x` (another series from the same system, z-scored
/// with the fit's scaling; the overload without `x` reads the training series the fit keeps). A
/// model with a time embedding is attributed on its training series only, where each window has its
/// training position (a series of another length is refused). `fit` is not changed: the forward
/// and backward passes run on a copy of its model. For each batch one forward pass and p
/// backward passes (one per output) give d mu_i / d window exactly (the model's own backward, no
/// finite differences); `options.method` turns them into per-window scores, averaged over windows
/// into lagged[lag - 1](source = j, target = i). `Attribution::raw_attention` instead reads each
/// window's attention matrices after the forward pass (no backward). Throws `invalid_input` for
/// bad options, raw attention on a model without one layer, per-observation tokens and the
/// per-target readout, a series whose width differs from the model's or that is too short for
/// one window. Time O(windows p ((p L)^2 width layers)), memory O(batch p L width + parameters).
/// Example:
/// \code
///   auto fit = causalattn::fit_ar_transformer<float>(x, {});
///   causalattn::AttributionResult a = causalattn::lagged_attribution(fit);  // on x, kept by the fit
///   causalattn::Matrix<double> summary = a.scores.summary();
/// \endcode
template <class Scalar>
AttributionResult lagged_attribution(const ArTransformerFit<Scalar>& fit, const Matrix<double>& x, const AttributionOptions& options = {},
                                     std::vector<std::string> names = {}) {
  using Real = detail::deferred_t<Scalar, double>;
  options.validate();
  if (!fit.model) throw invalid_input("fit", "has no model (fit it with fit_ar_transformer first)");
  ArTransformer<Scalar> model = *fit.model;  // forward passes cache activations: work on a copy
  const Index p = model.variables(), lags = model.options().max_lag;
  check_shape("x", x, -1, p);
  if (options.method == Attribution::raw_attention) detail::check_raw_attention_model(model.options());
  if (model.options().time_harmonics > 0 && x.rows() != fit.series.rows())
    throw invalid_input("x", "has " + std::to_string(x.rows()) + " rows, but the model's time embedding places windows on its training series of " +
                                 std::to_string(fit.series.rows()) + " rows: attribute it on that series");
  const auto d = fit.windows(x);
  std::vector<Index> rows(static_cast<std::size_t>(d.past.rows()));
  std::iota(rows.begin(), rows.end(), Index(0));
  if (options.max_windows > 0 && Index(rows.size()) > options.max_windows) {
    std::vector<Index> spaced;
    for (Index k = 0; k < options.max_windows; ++k) spaced.push_back(k * Index(rows.size()) / options.max_windows);
    rows = spaced;
  }
  detail::deferred_t<Scalar, AttributionResult> out = detail::start_attribution<Scalar>(p, lags, Index(rows.size()),
                                                                                        std::move(names), "transformer", options);
  for (std::size_t first = 0; first < rows.size(); first += std::size_t(options.batch)) {
    const Index count = Index(std::min(rows.size() - first, std::size_t(options.batch)));
    Matrix<Scalar> windows(count, d.past.cols());
    for (Index r = 0; r < count; ++r) windows.row(r) = d.past.row(rows[first + std::size_t(r)]).template cast<Scalar>();
    model.forward(windows, fit.window_positions(rows, first, count));
    if (options.method == Attribution::raw_attention) {
      const std::vector<Matrix<Real>> attention = detail::readout_attention(model, count);
      for (Index target = 0; target < p; ++target) detail::add_window_scores(out, d, target, attention[std::size_t(target)], options);
      continue;
    }
    for (Index target = 0; target < p; ++target) {
      Matrix<Scalar> unit = Matrix<Scalar>::Zero(count, p);
      unit.col(target).setOnes();
      const Matrix<Real> g = model.backward(unit).template cast<double>();  // count x p L
      detail::add_window_scores(out, d, target, detail::gradient_scores(g, windows, options.method), options);
    }
  }
  detail::finish_attribution(out, options);
  return out;
}

/// Attributions of `fit`'s model on the training series the fit keeps (`fit.series`); see the
/// overload with `x`. Example: `auto a = causalattn::lagged_attribution(fit, options, names);`
template <class Scalar>
AttributionResult lagged_attribution(const ArTransformerFit<Scalar>& fit, const AttributionOptions& options = {},
                                     std::vector<std::string> names = {}) {
  return lagged_attribution(fit, fit.series, options, std::move(names));
}

}  // namespace causalattn
