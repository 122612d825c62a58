#pragma once
/// \file
/// Structural accuracy of an estimated graph against the true one: structural Hamming distance and
/// confusion counts (with precision, recall, F1) for adjacencies, arrowheads and lagged links.

#include <cstddef>
#include <string>
#include <vector>

#include "causalattn/core/errors.hpp"
#include "causalattn/core/scalar.hpp"
#include "causalattn/graph/graph.hpp"
#include "causalattn/graph/lagged_graph.hpp"
#include "causalattn/graph/mark.hpp"

namespace causalattn {

/// True-positive, false-positive and false-negative counts of a binary comparison (estimate against
/// truth), with the derived precision, recall and F1.
///
/// Conventions for empty denominators, chosen so that "nothing to find and nothing claimed" is a
/// perfect score and never a NaN:
/// - `precision()` = tp / (tp + fp), and 1 when tp + fp == 0 (no predicted positives, so no false
///   claims);
/// - `recall()` = tp / (tp + fn), and 1 when tp + fn == 0 (nothing to find);
/// - `f1()` = 2 P R / (P + R), and 0 when P + R == 0.
///
/// So an empty estimate of a non-empty truth has precision 1, recall 0, F1 0, and an empty estimate
/// of an empty truth has precision = recall = F1 = 1. All members O(1).
/// Example:
/// \code
///   causalattn::ConfusionCounts c{3, 1, 2};  // tp, fp, fn
///   double p = c.precision();               // 0.75
///   double r = c.recall();                  // 0.6
///   double f = c.f1();                      // 2/3
/// \endcode
struct ConfusionCounts {
  Index true_positives = 0;   ///< present in both the estimate and the truth
  Index false_positives = 0;  ///< present in the estimate only
  Index false_negatives = 0;  ///< present in the truth only

  /// tp / (tp + fp); 1 when the estimate has no positives. O(1).
  double precision() const noexcept {
    const Index predicted = true_positives + false_positives;
    return predicted == 0 ? 1.0 : static_cast<double>(true_positives) / static_cast<double>(predicted);
  }

  /// tp / (tp + fn); 1 when the truth has no positives. O(1).
  double recall() const noexcept {
    const Index actual = true_positives + false_negatives;
    return actual == 0 ? 1.0 : static_cast<double>(true_positives) / static_cast<double>(actual);
  }

  /// Harmonic mean of precision and recall; 0 when both are 0. O(1).
  double f1() const noexcept {
    const double p = precision();
    const double r = recall();
    return p + r == 0.0 ? 0.0 : 2.0 * p * r / (p + r);
  }

  /// Same three counts.
  friend bool operator==(const ConfusionCounts& x, const ConfusionCounts& y) noexcept {
    return x.true_positives == y.true_positives && x.false_positives == y.false_positives &&
           x.false_negatives == y.false_negatives;
  }
  /// Negation of ==.
  friend bool operator!=(const ConfusionCounts& x, const ConfusionCounts& y) noexcept { return !(x == y); }
};

namespace detail {

/// Throws `invalid_input("estimate", ...)` unless both graphs have the same node names in the same
/// order, naming the size mismatch or the first differing position and both names there. O(p).
template <typename = void>
void check_same_node_names(const std::vector<std::string>& estimate, const std::vector<std::string>& truth) {
  if (estimate.size() != truth.size()) {
    throw invalid_input("estimate", "has " + std::to_string(estimate.size()) + " nodes but truth has " +
                                        std::to_string(truth.size()) +
                                        "; both graphs need the same node names in the same order");
  }
  for (std::size_t i = 0; i < estimate.size(); ++i) {
    if (estimate[i] != truth[i]) {
      throw invalid_input("estimate", "node " + std::to_string(i) + " is named '" + estimate[i] +
                                          "' but truth's node " + std::to_string(i) + " is named '" + truth[i] +
                                          "'; both graphs need the same node names in the same order");
    }
  }
}

/// Adds one compared item to `counts`: a TP if in both, FP if in the estimate only, FN if in the
/// truth only, nothing if in neither. O(1).
template <typename = void>
void tally(ConfusionCounts& counts, bool in_estimate, bool in_truth) noexcept {
  if (in_estimate && in_truth) {
    ++counts.true_positives;
  } else if (in_estimate) {
    ++counts.false_positives;
  } else if (in_truth) {
    ++counts.false_negatives;
  }
}

}  // namespace detail

/// Structural Hamming distance: the number of unordered node pairs {i, j} whose edge differs between
/// the two graphs, in adjacency or in either endpoint mark. A missing edge, an extra edge, a reversed
/// edge (a --> b against a <-- b) and a differently marked edge (a o-> b against a --> b) each count
/// 1, as does a pair differing at both ends. Valid for DAGs, CPDAGs and PAGs alike; symmetric in its
/// arguments.
/// \param estimate the learned graph.
/// \param truth    the reference graph, with the same node names in the same order (else
///                 `invalid_input` naming both names at the first differing position, or the sizes).
/// Complexity O(p^2).
/// Example:
/// \code
///   causalattn::Graph truth(3), estimate(3);
///   truth.add_directed(0, 1);      truth.add_directed(1, 2);
///   estimate.add_directed(1, 0);   // reversed: 1; the missing 1 --> 2: 1
///   auto shd = causalattn::structural_hamming_distance(estimate, truth);  // 2
/// \endcode
template <typename = void>
Index structural_hamming_distance(const Graph& estimate, const Graph& truth) {
  detail::check_same_node_names(estimate.names(), truth.names());
  const Index p = truth.size();
  Index distance = 0;
  for (Index i = 0; i < p; ++i) {
    for (Index j = i + 1; j < p; ++j) {
      const bool same = estimate.mark_at(i, j) == truth.mark_at(i, j) && estimate.mark_at(j, i) == truth.mark_at(j, i);
      distance += same ? 0 : 1;
    }
  }
  return distance;
}

/// Adjacency confusion over unordered node pairs, ignoring marks: a pair adjacent in both graphs is
/// a true positive, adjacent in the estimate only a false positive, in the truth only a false
/// negative. See `ConfusionCounts` for the 0/0 conventions of precision and recall.
/// \param estimate the learned graph.
/// \param truth    the reference graph, with the same node names in the same order (else
///                 `invalid_input`).
/// Complexity O(p^2).
/// Example:
/// \code
///   causalattn::Graph truth(3), estimate(3);
///   truth.add_directed(0, 1);     truth.add_directed(1, 2);
///   estimate.add_directed(1, 0);  estimate.add_undirected(0, 2);
///   auto c = causalattn::adjacency_confusion(estimate, truth);  // tp 1 (0-1), fp 1 (0-2), fn 1 (1-2)
/// \endcode
template <typename = void>
ConfusionCounts adjacency_confusion(const Graph& estimate, const Graph& truth) {
  detail::check_same_node_names(estimate.names(), truth.names());
  const Index p = truth.size();
  ConfusionCounts counts;
  for (Index i = 0; i < p; ++i) {
    for (Index j = i + 1; j < p; ++j) {
      const bool in_estimate = estimate.adjacent(i, j);
      const bool in_truth = truth.adjacent(i, j);
      detail::tally(counts, in_estimate, in_truth);
    }
  }
  return counts;
}

/// Arrowhead confusion. An arrowhead is an ordered pair (i, j) with `mark_at(j, i) == Mark::arrow`:
/// an arrow at j on the edge i - j (so a <-> b holds two arrowheads, a o-> b one, a --- b none).
/// TP = arrowheads in both graphs, FP = in the estimate only, FN = in the truth only. Arrowheads are
/// counted over all edges, wherever they occur, as Tetrad's arrowhead precision/recall (AHP/AHR)
/// do: an estimated arrowhead on a pair the truth does not even have adjacent is a false positive,
/// and a true arrowhead on a pair the estimate misses is a false negative.
/// \param estimate the learned graph.
/// \param truth    the reference graph, with the same node names in the same order (else
///                 `invalid_input`).
/// Complexity O(p^2).
/// Example:
/// \code
///   causalattn::Graph truth(3), estimate(3);
///   truth.add_directed(0, 1);                                    // arrowhead at 1
///   estimate.set_edge(0, 1, causalattn::Mark::arrow, causalattn::Mark::arrow);  // at 0 and at 1
///   auto c = causalattn::arrowhead_confusion(estimate, truth);  // tp 1, fp 1, fn 0
/// \endcode
template <typename = void>
ConfusionCounts arrowhead_confusion(const Graph& estimate, const Graph& truth) {
  detail::check_same_node_names(estimate.names(), truth.names());
  const Index p = truth.size();
  ConfusionCounts counts;
  for (Index i = 0; i < p; ++i) {
    for (Index j = 0; j < p; ++j) {
      if (i == j) continue;
      const bool in_estimate = estimate.mark_at(j, i) == Mark::arrow;
      const bool in_truth = truth.mark_at(j, i) == Mark::arrow;
      detail::tally(counts, in_estimate, in_truth);
    }
  }
  return counts;
}

/// Lagged-link confusion over (source, target, lag) triples, lag = 1..max_lag, self-links included:
/// a link in both graphs is a true positive, in the estimate only a false positive, in the truth
/// only a false negative.
/// \param estimate the learned lagged graph.
/// \param truth    the reference lagged graph, with the same node names in the same order and the
///                 same `max_lag` (else `invalid_input`).
/// Complexity O(p^2 L).
/// Example:
/// \code
///   causalattn::LaggedGraph truth(2, 2), estimate(2, 2);
///   truth.set_link(0, 1, 1);     truth.set_link(1, 1, 2);
///   estimate.set_link(0, 1, 2);  estimate.set_link(1, 1, 2);
///   auto c = causalattn::lagged_link_confusion(estimate, truth);  // tp 1, fp 1, fn 1
/// \endcode
template <typename = void>
ConfusionCounts lagged_link_confusion(const LaggedGraph& estimate, const LaggedGraph& truth) {
  detail::check_same_node_names(estimate.names(), truth.names());
  if (estimate.max_lag() != truth.max_lag()) {
    throw invalid_input("estimate", "has max_lag " + std::to_string(estimate.max_lag()) + " but truth has max_lag " +
                                        std::to_string(truth.max_lag()) + "; they must match");
  }
  const Index p = truth.size();
  ConfusionCounts counts;
  for (Index lag = 1; lag <= truth.max_lag(); ++lag) {
    for (Index source = 0; source < p; ++source) {
      for (Index target = 0; target < p; ++target) {
        const bool in_estimate = estimate.has_link(source, target, lag);
        const bool in_truth = truth.has_link(source, target, lag);
        detail::tally(counts, in_estimate, in_truth);
      }
    }
  }
  return counts;
}

}  // namespace causalattn
