#pragma once
/// \file
/// Ranking metrics of real-valued scores against 0/1 labels: AUROC (Mann-Whitney, ties counting 1/2)
/// and AUPRC as average precision (scikit-learn's `average_precision_score`). Both accept Eigen
/// vectors (any vector expression) or `std::vector`s and run in O(n log n).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/core/scalar.hpp"

namespace causalattn {
namespace detail {

/// The positives and negatives sharing one distinct score.
struct ScoreTieGroup {
  std::int64_t positives = 0;
  std::int64_t negatives = 0;
};

/// Validates scores and labels and returns, for each distinct score in descending order, how many
/// positives and negatives have that score. Throws `invalid_input` for unequal lengths, a
/// non-finite score, a label other than 0/1 (naming the index and value) or empty input. O(n log n).
template <class DerivedS, class DerivedL>
std::vector<ScoreTieGroup> score_tie_groups(const Eigen::DenseBase<DerivedS>& scores,
                                            const Eigen::DenseBase<DerivedL>& labels) {
  static_assert(DerivedS::IsVectorAtCompileTime && DerivedL::IsVectorAtCompileTime,
                "scores and labels must be vectors (e.g. Eigen::VectorXd, m.col(j), a Map)");
  using ScoreScalar = typename DerivedS::Scalar;
  static_assert(std::is_arithmetic_v<ScoreScalar>, "scores must be real numbers");
  if (scores.size() != labels.size()) {
    throw invalid_input("labels", "has " + std::to_string(labels.size()) + " entries but scores has " +
                                      std::to_string(scores.size()) + "; they must match");
  }
  const Index n = scores.size();
  if (n == 0) throw invalid_input("scores", "is empty; scores and labels need at least one entry");
  std::vector<std::pair<ScoreScalar, bool>> items;
  items.reserve(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) {
    const ScoreScalar s = scores(i);
    if (!std::isfinite(s)) {
      throw invalid_input("scores", "non-finite value " + to_text(s) + " at index " + std::to_string(i));
    }
    const auto label = labels(i);
    if (!(label == 0 || label == 1)) {
      throw invalid_input("labels", "value " + to_text(label) + " at index " + std::to_string(i) +
                                        " is not a label; labels must be 0 or 1");
    }
    items.emplace_back(s, label == 1);
  }
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<ScoreTieGroup> groups;
  for (std::size_t k = 0; k < items.size(); ++k) {
    if (k == 0 || items[k].first != items[k - 1].first) groups.emplace_back();
    ++(items[k].second ? groups.back().positives : groups.back().negatives);
  }
  return groups;
}

/// Total positives and negatives over all groups. O(number of groups).
template <typename = void>
ScoreTieGroup class_totals(const std::vector<ScoreTieGroup>& groups) noexcept {
  ScoreTieGroup total;
  for (const auto& g : groups) {
    total.positives += g.positives;
    total.negatives += g.negatives;
  }
  return total;
}

/// Read-only column-vector view of a `std::vector`, for the `std::vector` overloads. O(1).
template <class T>
Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>> vector_view(const std::vector<T>& v) {
  return Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>>(v.data(), static_cast<Index>(v.size()));
}

}  // namespace detail

/// Area under the ROC curve: the probability that a randomly drawn positive scores above a randomly
/// drawn negative, ties counting 1/2 (the Mann-Whitney U statistic with mid-ranks divided by
/// P * N). Equals scikit-learn's `roc_auc_score` for binary labels. Higher scores mean "more likely
/// positive". The count is kept in exact integer arithmetic and divided once at the end.
/// \param scores any real vector expression (VectorXd, VectorXf, m.col(j), Map, ...), all finite
///               (else `invalid_input` naming the index).
/// \param labels vector expression of the same length with entries exactly 0 or 1 (else
///               `invalid_input` naming the index and value); both classes must occur.
/// Complexity O(n log n) time, O(n) memory.
/// Example:
/// \code
///   Eigen::VectorXd s(4); s << 0.1, 0.4, 0.35, 0.8;
///   Eigen::VectorXi y(4); y << 0, 0, 1, 1;
///   double a = causalattn::auroc(s, y);  // 0.75
/// \endcode
template <class DerivedS, class DerivedL>
double auroc(const Eigen::DenseBase<DerivedS>& scores, const Eigen::DenseBase<DerivedL>& labels) {
  const auto groups = detail::score_tie_groups(scores, labels);
  const auto total = detail::class_totals(groups);
  if (total.positives == 0 || total.negatives == 0) {
    throw invalid_input("labels", "all " + std::to_string(scores.size()) + " labels are " +
                                      (total.positives == 0 ? "0" : "1") +
                                      "; auroc needs at least one positive (1) and one negative (0)");
  }
  // Twice the Mann-Whitney count: each (positive, lower-scored negative) pair counts 2, each tie 1.
  std::int64_t twice_wins = 0;
  std::int64_t negatives_below = total.negatives;
  for (const auto& g : groups) {
    negatives_below -= g.negatives;
    twice_wins += g.positives * (2 * negatives_below + g.negatives);
  }
  return static_cast<double>(twice_wins) /
         (2.0 * static_cast<double>(total.positives) * static_cast<double>(total.negatives));
}

/// `auroc` for scores and labels held in `std::vector`s; same definition, checks and complexity.
/// Example: `double a = causalattn::auroc(std::vector<double>{0.1, 0.4, 0.35, 0.8},
/// std::vector<int>{0, 0, 1, 1});  // 0.75`
template <class Scalar>
double auroc(const std::vector<Scalar>& scores, const std::vector<int>& labels) {
  return auroc(detail::vector_view(scores), detail::vector_view(labels));
}

/// Area under the precision-recall curve as average precision, exactly as scikit-learn's
/// `average_precision_score`: AP = sum_k (R_k - R_{k-1}) P_k over the distinct score thresholds in
/// descending order, where P_k and R_k are the precision and recall of predicting "positive" for
/// every score >= the k-th threshold (R_0 = 0). Items with tied scores enter at the same threshold,
/// so the result does not depend on their order. No interpolation. A random ranking scores about
/// the prevalence; a perfect one scores 1.
/// \param scores any real vector expression, all finite (else `invalid_input` naming the index).
/// \param labels vector expression of the same length with entries exactly 0 or 1 (else
///               `invalid_input` naming the index and value); at least one must be 1.
/// Complexity O(n log n) time, O(n) memory.
/// Example:
/// \code
///   Eigen::VectorXd s(4); s << 0.1, 0.4, 0.35, 0.8;
///   Eigen::VectorXi y(4); y << 0, 0, 1, 1;
///   double ap = causalattn::auprc(s, y);  // 0.8333... = 0.5 * 1 + 0.5 * 2/3
/// \endcode
template <class DerivedS, class DerivedL>
double auprc(const Eigen::DenseBase<DerivedS>& scores, const Eigen::DenseBase<DerivedL>& labels) {
  const auto groups = detail::score_tie_groups(scores, labels);
  const auto total = detail::class_totals(groups);
  if (total.positives == 0) {
    throw invalid_input("labels", "none of the " + std::to_string(scores.size()) +
                                      " labels is 1; auprc needs at least one positive");
  }
  double sum = 0.0;
  std::int64_t true_positives = 0;
  std::int64_t predicted = 0;
  for (const auto& g : groups) {
    true_positives += g.positives;
    predicted += g.positives + g.negatives;
    if (g.positives == 0) continue;  // recall unchanged: this threshold adds nothing
    const double precision = static_cast<double>(true_positives) / static_cast<double>(predicted);
    sum += static_cast<double>(g.positives) * precision;  // (R_k - R_{k-1}) * P * positives
  }
  return sum / static_cast<double>(total.positives);
}

/// `auprc` for scores and labels held in `std::vector`s; same definition, checks and complexity.
/// Example: `double ap = causalattn::auprc(std::vector<double>{0.1, 0.4, 0.35, 0.8},
/// std::vector<int>{0, 0, 1, 1});  // 0.8333...`
template <class Scalar>
double auprc(const std::vector<Scalar>& scores, const std::vector<int>& labels) {
  return auprc(detail::vector_view(scores), detail::vector_view(labels));
}

}  // namespace causalattn
