#pragma once
/// \file
/// Accuracy of a summary score matrix (source, target) against a true lagged graph.

#include <algorithm>
#include <numeric>
#include <vector>

#include "causalattn/core/checks.hpp"
#include "causalattn/graph/lagged_graph.hpp"
#include "causalattn/metrics/score_metrics.hpp"

namespace causalattn {

/// AUROC, AUPRC and F1 of summary scores against the summary of a lagged truth.
struct SummaryGraphAccuracy {
  double auroc = 0;  ///< over the p^2 (or p (p - 1) without self links) ordered pairs
  double auprc = 0;  ///< average precision over the same pairs
  double f1 = 0;     ///< each target keeps its k highest-scoring sources, k its true in-degree
};

/// Scores `summary` (p x p, (source, target), higher = more evidence) against `truth`
/// (source --> target at any lag). With `self_links` false the diagonal is left out (Lorenz-96 and
/// VAR benchmarks usually report cross links only). Ties in the F1 selection go to the lower source
/// index. Throws `invalid_input` for a shape mismatch, non-finite scores, or a truth with no link or
/// no absent pair among the scored ones. O(p^2 log p).
/// Example: `auto a = causalattn::summary_graph_accuracy(scores.summary(), series.truth, false);`
template <typename Defer = void>
SummaryGraphAccuracy summary_graph_accuracy(const Matrix<detail::deferred_t<Defer, double>>& summary, const LaggedGraph& truth,
                                            bool self_links) {
  const Index p = truth.size();
  check_shape("summary", summary, p, p);
  check_finite("summary", summary);
  std::vector<double> scores;
  std::vector<int> labels;
  SummaryGraphAccuracy out;
  long long hits = 0, positives = 0;
  for (Index target = 0; target < p; ++target) {
    std::vector<Index> sources;
    Index degree = 0;
    for (Index source = 0; source < p; ++source) {
      if (!self_links && source == target) continue;
      sources.push_back(source);
      scores.push_back(summary(source, target));
      labels.push_back(truth.any_lag(source, target) ? 1 : 0);
      degree += labels.back();
    }
    std::stable_sort(sources.begin(), sources.end(), [&](Index a, Index b) { return summary(a, target) > summary(b, target); });
    for (Index k = 0; k < degree; ++k) hits += truth.any_lag(sources[std::size_t(k)], target) ? 1 : 0;
    positives += degree;
  }
  out.auroc = auroc(scores, labels);
  out.auprc = auprc(scores, labels);
  // As many links are selected as are true, so precision = recall = F1.
  out.f1 = positives > 0 ? double(hits) / double(positives) : 0;
  return out;
}

}  // namespace causalattn
