#pragma once
/// \file
/// `LaggedScores`: evidence for each time-delayed link source(t - lag) --> target(t), what every
/// lagged method returns; its per-target normalisation, lag collapse and binarisation to a graph.

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "causalattn/core/checks.hpp"
#include "causalattn/graph/lagged_graph.hpp"

namespace causalattn {

/// How `LaggedScores::summary` collapses the lags of a (source, target) pair.
enum class LagCollapse {
  max,  ///< the strongest lag
  sum,  ///< the total over lags
};

/// How `binarize` turns scores into links.
enum class Binarization {
  row_top_k,     ///< the k highest-scoring sources of each target (similar in-degrees)
  global_top_k,  ///< the k highest scores overall (varied in-degrees)
  threshold,     ///< every score >= the threshold
};

/// A p x p x L score tensor: `lagged[lag - 1](source, target)`, higher = more evidence for
/// source(t - lag) --> target(t). Self links (autoregression) are scored like any other.
/// Example:
/// \code
///   causalattn::LaggedScores s = causalattn::granger_scores(x, 3).scores;
///   causalattn::Matrix<double> summary = s.summary();  // (source, target), lags collapsed by max
/// \endcode
struct LaggedScores {
  std::vector<std::string> names;      ///< variable names (p)
  std::vector<Matrix<double>> lagged;  ///< L matrices p x p, indexed (source, target)
  std::string method;                  ///< "granger", "pcmci", "transformer", ...

  /// Number of variables p. O(1).
  Index variables() const noexcept { return Index(names.size()); }
  /// Largest lag L. O(1).
  Index max_lag() const noexcept { return Index(lagged.size()); }

  /// The summary scores (source, target): the lags collapsed by `how`. O(p^2 L).
  Matrix<double> summary(LagCollapse how = LagCollapse::max) const {
    Matrix<double> s = lagged.front();
    for (std::size_t l = 1; l < lagged.size(); ++l) s = how == LagCollapse::max ? s.cwiseMax(lagged[l]) : Matrix<double>(s + lagged[l]);
    return s;
  }

  /// Divides every target's scores (all sources and lags) by their largest, so each target's
  /// strongest link scores 1 (the 1 / sigma_i^2 factor of the gradient estimator cancels;
  /// methods/timeseries.md). Targets whose scores are all 0 are left at 0. O(p^2 L).
  void normalize_per_target() {
    for (Index target = 0; target < variables(); ++target) {
      double largest = 0;
      for (const auto& m : lagged) largest = std::max(largest, m.col(target).maxCoeff());
      if (largest > 0)
        for (auto& m : lagged) m.col(target) /= largest;
    }
  }
};

/// Binarises a (source, target) score matrix: for `row_top_k` the `k` highest-scoring sources of
/// every target, for `global_top_k` the `k` highest entries overall, for `threshold` every entry
/// >= `threshold`. Ties are broken by the lower (source, target) index, so the result is
/// deterministic. Returns a 0 / 1 matrix of the same shape. Throws `invalid_input` for non-finite
/// scores or k < 0. O(p^2 log p).
/// Example: `auto g = causalattn::binarize(s.summary(), causalattn::Binarization::row_top_k, 2);`
template <typename Defer = void>
Matrix<double> binarize(const Matrix<detail::deferred_t<Defer, double>>& scores, Binarization rule, Index k = 1,
                        double threshold = 0) {
  using Real = detail::deferred_t<Defer, double>;
  check_finite("scores", scores);
  if (k < 0) throw invalid_input("k", "is " + std::to_string(k) + ", must be >= 0");
  Matrix<Real> graph = Matrix<Real>::Zero(scores.rows(), scores.cols());
  if (rule == Binarization::threshold) {
    if (std::isnan(threshold)) throw invalid_input("threshold", "is NaN");
    return (scores.array() >= threshold).template cast<double>().matrix();
  }
  auto top = [&](std::vector<Index>& entries, auto score_of, auto set) {
    std::stable_sort(entries.begin(), entries.end(), [&](Index a, Index b) { return score_of(a) > score_of(b); });
    for (std::size_t e = 0; e < std::min(entries.size(), std::size_t(k)); ++e) set(entries[e]);
  };
  if (rule == Binarization::row_top_k) {
    for (Index target = 0; target < scores.cols(); ++target) {
      std::vector<Index> sources(std::size_t(scores.rows()));
      std::iota(sources.begin(), sources.end(), Index(0));
      top(sources, [&](Index s) { return scores(s, target); }, [&](Index s) { graph(s, target) = 1; });
    }
    return graph;
  }
  std::vector<Index> all(std::size_t(scores.size()));
  std::iota(all.begin(), all.end(), Index(0));
  const Index rows = scores.rows();
  top(all, [&](Index e) { return scores(e % rows, e / rows); }, [&](Index e) { graph(e % rows, e / rows) = 1; });
  return graph;
}

/// The lagged graph of `scores` binarised per lag matrix by `threshold` (a link wherever the
/// score is >= threshold). O(p^2 L).
/// Example: `causalattn::LaggedGraph g = causalattn::lagged_graph_at(scores, 0.5);`
template <typename Defer = void>
LaggedGraph lagged_graph_at(const detail::deferred_t<Defer, LaggedScores>& scores, double threshold) {
  LaggedGraph g(scores.names, scores.max_lag());
  for (Index lag = 1; lag <= scores.max_lag(); ++lag)
    for (Index s = 0; s < scores.variables(); ++s)
      for (Index t = 0; t < scores.variables(); ++t)
        if (scores.lagged[std::size_t(lag - 1)](s, t) >= threshold) g.set_link(s, t, lag);
  return g;
}

}  // namespace causalattn
