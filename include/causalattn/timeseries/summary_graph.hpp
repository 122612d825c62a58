#pragma once
/// \file
/// `lagged_summary`: lagged scores collapsed to one (source, target) graph, with each pair's
/// strongest lag and its p-value there, by one of the rules analysts use.

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "causalattn/core/checks.hpp"
#include "causalattn/timeseries/lagged_scores.hpp"

namespace causalattn {

/// How `lagged_summary` decides the links. At most one of `threshold` and `top_k` is set; with
/// neither, links are p < `alpha` when there are p-values (a variable's own past included), else a
/// target's sources that score at least half its strongest.
struct SummaryGraphOptions {
  std::optional<double> threshold;  ///< links where the summary score >= threshold (not NaN; +-inf allowed)
  std::optional<Index> top_k;       ///< each target's top_k strongest sources (ties to the lower index)
  double alpha = 0.05;              ///< level of the p-value rule; range (0, 1)

  /// Throws `invalid_input` naming the option for a bad value with `variables` variables. O(1).
  /// Example: `causalattn::SummaryGraphOptions o; o.top_k = 2; o.validate(5);`
  void validate(Index variables) const {
    if (threshold && top_k) throw invalid_input("options.top_k", "is set together with a threshold; give one rule");
    if (threshold && std::isnan(*threshold)) throw invalid_input("options.threshold", "is NaN");
    if (top_k && (*top_k < 0 || *top_k > variables)) {
      throw invalid_input("options.top_k",
                          "is " + std::to_string(*top_k) + ", must lie in [0, " + std::to_string(variables) + "]");
    }
    if (!(alpha > 0 && alpha < 1)) throw invalid_input("options.alpha", "is " + detail::to_text(alpha) + ", must lie in (0, 1)");
  }
};

/// A summary graph: the lags collapsed, every matrix indexed (source, target).
struct LaggedSummary {
  Matrix<double> scores;   ///< the strongest score over the lags
  Matrix<double> lag;      ///< the lag (1-based) where it is reached (the smallest on ties)
  Matrix<double> p_value;  ///< the p-value at that lag; 0 x 0 without p-values
  Matrix<double> graph;    ///< 1 for a link, else 0
  std::string rule;        ///< the rule used, in words ("p < 0.05", ...)
};

/// Collapses `scores` over the lags and binarises the result by `options` (see
/// `SummaryGraphOptions`). `p_values` holds one p x p matrix per lag (as `pcmci` returns; Granger's
/// one test repeated over the lags) or is empty. Throws `invalid_input` naming the option
/// (`SummaryGraphOptions::validate`); `scores` when it has no lag, a lag matrix that is not p x p,
/// or (for the threshold and top-k rules) a non-finite summary score; `p_values` for a shape unlike
/// the scores'. O(p^2 L + p^2 log p).
/// Example:
/// \code
///   auto r = causalattn::pcmci(x, 3);
///   causalattn::LaggedSummary s = causalattn::lagged_summary(r.scores, r.p_value);  // s.graph: p < 0.05
/// \endcode
template <typename Defer = void>
LaggedSummary lagged_summary(const detail::deferred_t<Defer, LaggedScores>& scores,
                             const std::vector<Matrix<double>>& p_values = {}, const SummaryGraphOptions& options = {}) {
  if (scores.lagged.empty()) throw invalid_input("scores", "has no lag");
  const Index p = scores.lagged.front().rows();
  for (const auto& m : scores.lagged)
    if (m.rows() != p || m.cols() != p)
      throw invalid_input("scores", "has a lag matrix that is not " + std::to_string(p) + " x " + std::to_string(p));
  if (!p_values.empty() && p_values.size() != scores.lagged.size()) {
    throw invalid_input("p_values", "has " + std::to_string(p_values.size()) + " lags; the scores have " +
                                        std::to_string(scores.lagged.size()));
  }
  for (const auto& m : p_values)
    if (m.rows() != p || m.cols() != p)
      throw invalid_input("p_values", "has a matrix that is not " + std::to_string(p) + " x " + std::to_string(p));
  options.validate(p);
  LaggedSummary out;
  out.scores = scores.summary();
  out.lag = Matrix<double>::Ones(p, p);
  if (!p_values.empty()) out.p_value.resize(p, p);
  for (Index s = 0; s < p; ++s)
    for (Index t = 0; t < p; ++t) {
      for (std::size_t l = 1; l < scores.lagged.size(); ++l)
        if (scores.lagged[l](s, t) > scores.lagged[std::size_t(out.lag(s, t)) - 1](s, t)) out.lag(s, t) = double(l + 1);
      if (!p_values.empty()) out.p_value(s, t) = p_values[std::size_t(out.lag(s, t)) - 1](s, t);
    }
  if (options.threshold) {
    out.graph = binarize(out.scores, Binarization::threshold, 0, *options.threshold);
    out.rule = "score >= " + detail::to_text(*options.threshold);
  } else if (options.top_k) {
    out.graph = binarize(out.scores, Binarization::row_top_k, *options.top_k);
    out.rule = "each target's " + std::to_string(*options.top_k) + " strongest sources";
  } else if (!p_values.empty()) {
    out.graph = (out.p_value.array() < options.alpha).template cast<double>().matrix();
    out.rule = "p < " + detail::to_text(options.alpha);
  } else {
    out.graph = Matrix<double>::Zero(p, p);
    for (Index t = 0; t < p; ++t) {
      const double strongest = out.scores.col(t).maxCoeff();
      for (Index s = 0; s < p; ++s) out.graph(s, t) = strongest > 0 && out.scores(s, t) >= 0.5 * strongest ? 1 : 0;
    }
    out.rule = "score >= half the target's strongest";
  }
  return out;
}

}  // namespace causalattn
