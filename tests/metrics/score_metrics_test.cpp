#include <catch2/catch.hpp>

#include "invalid_input_message.hpp"

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "causalattn/core/random.hpp"
#include "causalattn/metrics/ate_error.hpp"
#include "causalattn/metrics/score_metrics.hpp"

namespace ca = causalattn;
using Catch::Matchers::Contains;

namespace {

// O(n^2) AUROC: the fraction of (positive, negative) pairs ordered correctly, ties counting 1/2.
template <class Scalar>
double brute_force_auroc(const std::vector<Scalar>& s, const std::vector<int>& y) {
  double wins = 0.0, pairs = 0.0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    for (std::size_t j = 0; j < s.size(); ++j) {
      if (y[i] != 1 || y[j] != 0) continue;
      pairs += 1.0;
      wins += s[i] > s[j] ? 1.0 : s[i] == s[j] ? 0.5 : 0.0;
    }
  }
  return wins / pairs;
}

// O(n^2) average precision straight from the definition: for each distinct threshold t, high to
// low, predict "positive" for every score >= t, and add (recall gain) * precision.
template <class Scalar>
double brute_force_auprc(const std::vector<Scalar>& s, const std::vector<int>& y) {
  const std::set<Scalar, std::greater<Scalar>> thresholds(s.begin(), s.end());
  double positives = 0.0;
  for (int label : y) positives += label;
  double sum = 0.0, previous_recall = 0.0;
  for (const Scalar t : thresholds) {
    double tp = 0.0, predicted = 0.0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] >= t) {
        predicted += 1.0;
        tp += y[i];
      }
    }
    const double recall = tp / positives;
    sum += (recall - previous_recall) * (tp / predicted);
    previous_recall = recall;
  }
  return sum;
}

template <class Scalar>
Eigen::Matrix<Scalar, Eigen::Dynamic, 1> to_eigen(const std::vector<Scalar>& v) {
  return Eigen::Map<const Eigen::Matrix<Scalar, Eigen::Dynamic, 1>>(v.data(), static_cast<Eigen::Index>(v.size()));
}

}  // namespace

TEST_CASE("auroc and auprc on scikit-learn's documented example", "[metrics][auroc][auprc]") {
  // roc_auc_score and average_precision_score docs: y = [0, 0, 1, 1], scores = [0.1, 0.4, 0.35, 0.8].
  const std::vector<double> s{0.1, 0.4, 0.35, 0.8};
  const std::vector<int> y{0, 0, 1, 1};
  REQUIRE(ca::auroc(s, y) == Approx(0.75).margin(1e-15));
  REQUIRE(ca::auprc(s, y) == Approx(5.0 / 6.0).margin(1e-15));  // 0.5 * 1 + 0.5 * 2/3
  const std::vector<float> sf{0.1f, 0.4f, 0.35f, 0.8f};
  REQUIRE(ca::auroc(sf, y) == Approx(0.75).margin(1e-15));
  REQUIRE(ca::auprc(sf, y) == Approx(5.0 / 6.0).margin(1e-15));
  // Eigen vectors, a row vector, a column block and double-valued labels give the same answers.
  Eigen::VectorXd es(4);
  es << 0.1, 0.4, 0.35, 0.8;
  Eigen::VectorXi ey(4);
  ey << 0, 0, 1, 1;
  REQUIRE(ca::auroc(es, ey) == Approx(0.75).margin(1e-15));
  REQUIRE(ca::auprc(es, ey) == Approx(5.0 / 6.0).margin(1e-15));
  const Eigen::RowVectorXf row = es.transpose().cast<float>();
  REQUIRE(ca::auroc(row, ey) == Approx(0.75).margin(1e-15));
  Eigen::MatrixXd m(4, 2);
  m.col(0) = ey.cast<double>();
  m.col(1) = es;
  REQUIRE(ca::auroc(m.col(1), m.col(0)) == Approx(0.75).margin(1e-15));
  REQUIRE(ca::auprc(m.col(1), m.col(0)) == Approx(5.0 / 6.0).margin(1e-15));
}

TEST_CASE("auroc and auprc at the extremes", "[metrics][auroc][auprc]") {
  const std::vector<int> y{0, 1, 0, 1, 1, 0, 0};
  SECTION("perfect ranking") {
    const std::vector<double> s{0.1, 0.9, 0.2, 0.8, 0.7, 0.3, 0.05};
    REQUIRE(ca::auroc(s, y) == 1.0);
    REQUIRE(ca::auprc(s, y) == 1.0);
  }
  SECTION("reversed ranking") {
    const std::vector<double> s{0.9, 0.1, 0.8, 0.2, 0.3, 0.7, 0.95};
    REQUIRE(ca::auroc(s, y) == 0.0);
    // Positives at ranks 5, 6, 7: (1/3)(1/5 + 2/6 + 3/7).
    REQUIRE(ca::auprc(s, y) == Approx((1.0 / 5 + 2.0 / 6 + 3.0 / 7) / 3).margin(1e-15));
  }
  SECTION("all scores tied: auroc 1/2, auprc the prevalence") {
    const std::vector<double> s(y.size(), 0.25);
    REQUIRE(ca::auroc(s, y) == 0.5);
    REQUIRE(ca::auprc(s, y) == Approx(3.0 / 7.0).margin(1e-15));
  }
  SECTION("auprc with every label positive is 1; auroc needs a negative") {
    const std::vector<double> s{0.3, 0.1, 0.2};
    REQUIRE(ca::auprc(s, std::vector<int>{1, 1, 1}) == 1.0);
    REQUIRE_THAT(ca::test::invalid_input_message([&] { ca::auroc(s, std::vector<int>{1, 1, 1}); }),
                 Contains("labels") && Contains("all 3 labels are 1"));
  }
}

TEST_CASE("auroc and auprc treat tied scores as one threshold", "[metrics][auroc][auprc]") {
  // Positive 0.4 ties negative 0.4: pairs (0.4 vs 0.1) 1, (0.4 vs 0.4) 1/2, (0.8 vs both) 2 -> 3.5 / 4.
  REQUIRE(ca::auroc(std::vector<double>{0.1, 0.4, 0.4, 0.8}, std::vector<int>{0, 1, 0, 1}) == 0.875);
  // A tie group {1, 1, 0} below a negative and above a positive. Grouped AP:
  // 0.9: tp 0 / 1; 0.5: tp 2 / 4, recall +2/3; 0.1: tp 3 / 5, recall +1/3 -> 1/3 + 1/5 = 8/15.
  // (Breaking the tie pessimistically would give 0.478, optimistically 0.589.)
  const std::vector<double> s{0.9, 0.5, 0.5, 0.5, 0.1};
  const std::vector<int> y{0, 1, 1, 0, 1};
  REQUIRE(ca::auprc(s, y) == Approx(8.0 / 15.0).margin(1e-15));
  // Positives 0.5, 0.5, 0.1 against negatives 0.9, 0.5: only the two ties count, 1/2 each -> 1/6.
  REQUIRE(ca::auroc(s, y) == Approx(1.0 / 6.0).margin(1e-15));
  // The result does not depend on the order of tied items.
  REQUIRE(ca::auprc(std::vector<double>{0.5, 0.1, 0.5, 0.9, 0.5}, std::vector<int>{0, 1, 1, 0, 1}) ==
          Approx(8.0 / 15.0).margin(1e-15));
}

TEMPLATE_TEST_CASE("auroc and auprc equal brute-force definitions on random tied data", "[metrics][auroc][auprc]",
                   float, double) {
  const std::uint64_t seed = 9177;
  INFO("seed " << seed);
  ca::Rng rng(seed);
  int checked = 0;
  for (int trial = 0; trial < 400; ++trial) {
    INFO("trial " << trial);
    const std::size_t n = 1 + rng.uniform_int(60);
    const double prevalence = rng.uniform(0.05, 0.95);
    std::vector<TestType> s(n);
    std::vector<int> y(n);
    for (std::size_t i = 0; i < n; ++i) {
      y[i] = rng.bernoulli(prevalence) ? 1 : 0;
      // Scores rounded to one decimal, shifted up for positives so the ranking is informative: many ties.
      s[i] = static_cast<TestType>(std::round((rng.uniform() + 0.3 * y[i]) * 10.0) / 10.0);
    }
    int positives = 0;
    for (int label : y) positives += label;
    if (positives == 0) {
      REQUIRE_THROWS_AS(ca::auprc(s, y), ca::invalid_input);
      continue;
    }
    REQUIRE(ca::auprc(s, y) == Approx(brute_force_auprc(s, y)).margin(1e-12));
    REQUIRE(ca::auprc(to_eigen(s), to_eigen(y)) == ca::auprc(s, y));
    if (positives == static_cast<int>(n)) {
      REQUIRE_THROWS_AS(ca::auroc(s, y), ca::invalid_input);
      continue;
    }
    const double a = ca::auroc(s, y);
    REQUIRE(a == Approx(brute_force_auroc(s, y)).margin(1e-12));
    REQUIRE(ca::auroc(to_eigen(s), to_eigen(y)) == a);
    // Negating the scores swaps the roles of the classes.
    std::vector<TestType> negated(n);
    for (std::size_t i = 0; i < n; ++i) negated[i] = -s[i];
    REQUIRE(ca::auroc(negated, y) == Approx(1.0 - a).margin(1e-12));
    ++checked;
  }
  REQUIRE(checked > 300);
}

TEST_CASE("auroc and auprc reject bad input, naming the position", "[metrics][auroc][auprc][errors]") {
  const std::vector<double> s{0.1, 0.2, 0.3, 0.4};
  for (const auto& message : {ca::test::invalid_input_message([&] { ca::auroc(s, std::vector<int>{0, 1, 1, 2}); }),
                              ca::test::invalid_input_message([&] { ca::auprc(s, std::vector<int>{0, 1, 1, 2}); })}) {
    REQUIRE_THAT(message, Contains("labels") && Contains("value 2 at index 3") && Contains("0 or 1"));
  }
  REQUIRE_THAT(ca::test::invalid_input_message([&] { ca::auroc(s, std::vector<int>{-1, 1, 0, 1}); }),
               Contains("value -1 at index 0"));
  Eigen::VectorXd fractional_labels(4);
  fractional_labels << 0.0, 1.0, 0.5, 1.0;
  REQUIRE_THAT(ca::test::invalid_input_message([&] { ca::auroc(Eigen::VectorXd::LinSpaced(4, 0.0, 1.0), fractional_labels); }),
               Contains("value 0.5 at index 2"));

  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<int> y{0, 1, 0, 1};
  for (const auto& message : {ca::test::invalid_input_message([&] { ca::auroc(std::vector<double>{0.1, nan, 0.3, 0.4}, y); }),
                              ca::test::invalid_input_message([&] { ca::auprc(std::vector<double>{0.1, nan, 0.3, 0.4}, y); })}) {
    REQUIRE_THAT(message, Contains("scores") && Contains("nan") && Contains("index 1"));
  }
  REQUIRE_THAT(ca::test::invalid_input_message([&] { ca::auroc(std::vector<float>{0.1f, 0.2f, 0.3f, -std::numeric_limits<float>::infinity()}, y); }),
               Contains("-inf") && Contains("index 3"));
  REQUIRE_THAT(ca::test::invalid_input_message([&] { ca::auprc(std::vector<double>{inf, 0.2, 0.3, 0.4}, y); }),
               Contains("inf") && Contains("index 0"));

  REQUIRE_THAT(ca::test::invalid_input_message([&] { ca::auroc(s, std::vector<int>{0, 0, 0, 0}); }),
               Contains("labels") && Contains("all 4 labels are 0"));
  REQUIRE_THAT(ca::test::invalid_input_message([&] { ca::auprc(s, std::vector<int>{0, 0, 0, 0}); }),
               Contains("labels") && Contains("none of the 4 labels is 1"));

  for (const auto& message : {ca::test::invalid_input_message([&] { ca::auroc(s, std::vector<int>{0, 1, 1}); }),
                              ca::test::invalid_input_message([&] { ca::auprc(s, std::vector<int>{0, 1, 1}); })}) {
    REQUIRE_THAT(message, Contains("labels") && Contains("3 entries") && Contains("scores has 4"));
  }
  REQUIRE_THAT(ca::test::invalid_input_message([&] { ca::auroc(std::vector<double>{}, std::vector<int>{}); }),
               Contains("scores") && Contains("empty"));
}

TEST_CASE("ate_absolute_error and mean_absolute_ate_error", "[metrics][ate]") {
  REQUIRE(ca::ate_absolute_error(1.25, 1.0) == 0.25);
  REQUIRE(ca::ate_absolute_error(-1.0, 2.0) == 3.0);
  REQUIRE(ca::ate_absolute_error(2.0, 2.0) == 0.0);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  REQUIRE_THAT(ca::test::invalid_input_message([&] { ca::ate_absolute_error(nan, 1.0); }),
               Contains("estimate") && Contains("nan"));
  REQUIRE_THAT(ca::test::invalid_input_message([&] { ca::ate_absolute_error(1.0, -inf); }),
               Contains("truth") && Contains("-inf"));

  REQUIRE(ca::mean_absolute_ate_error({1.0, 2.5}, {1.5, 2.0}) == 0.5);
  REQUIRE(ca::mean_absolute_ate_error({1.0, -2.0, 0.0}, {1.0, 1.0, 0.75}) == Approx(3.75 / 3.0));
  REQUIRE_THAT(ca::test::invalid_input_message([&] { ca::mean_absolute_ate_error({1.0, 2.0, 3.0}, {1.0, 2.0}); }),
               Contains("truths") && Contains("2 entries") && Contains("estimates has 3"));
  REQUIRE_THAT(ca::test::invalid_input_message([&] { ca::mean_absolute_ate_error({}, {}); }),
               Contains("estimates") && Contains("empty"));
  REQUIRE_THAT(ca::test::invalid_input_message([&] { ca::mean_absolute_ate_error({1.0, nan}, {1.0, 2.0}); }),
               Contains("estimates") && Contains("nan") && Contains("index 1"));
  REQUIRE_THAT(ca::test::invalid_input_message([&] { ca::mean_absolute_ate_error({1.0, 2.0}, {inf, 2.0}); }),
               Contains("truths") && Contains("inf") && Contains("index 0"));
}

TEST_CASE("pehe is the root mean squared ITE error", "[metrics][ate][pehe]") {
  Eigen::VectorXd estimate(2), truth(2);
  estimate << 1.0, 3.0;
  truth << 2.0, 2.0;
  REQUIRE(ca::pehe(estimate, truth) == 1.0);
  REQUIRE(ca::pehe(truth, truth) == 0.0);
  Eigen::VectorXd zeros = Eigen::VectorXd::Zero(4), spread(4);
  spread << 1.0, -1.0, 3.0, -3.0;
  REQUIRE(ca::pehe(zeros, spread) == Approx(std::sqrt(5.0)));
  // Mixed scalar types and expressions are accepted; the error is computed in double.
  REQUIRE(ca::pehe(spread.cast<float>(), zeros) == Approx(std::sqrt(5.0)));
  REQUIRE(ca::pehe(spread.head(2), zeros.head(2)) == 1.0);
  // A matrix is averaged over all entries.
  Eigen::MatrixXd a(2, 2), b = Eigen::MatrixXd::Zero(2, 2);
  a << 1.0, -1.0, 3.0, -3.0;
  REQUIRE(ca::pehe(a, b) == Approx(std::sqrt(5.0)));

  REQUIRE_THAT(ca::test::invalid_input_message([&] { ca::pehe(Eigen::VectorXd::Zero(3), truth); }),
               Contains("ite_truth") && Contains("2 rows") && Contains("3"));
  REQUIRE_THAT(ca::test::invalid_input_message([&] { ca::pehe(a, Eigen::MatrixXd::Zero(2, 3)); }),
               Contains("ite_truth") && Contains("2 x 3"));
  REQUIRE_THAT(ca::test::invalid_input_message([&] { ca::pehe(Eigen::VectorXd(0), Eigen::VectorXd(0)); }),
               Contains("ite_estimate") && Contains("empty"));
  truth(1) = std::numeric_limits<double>::quiet_NaN();
  REQUIRE_THAT(ca::test::invalid_input_message([&] { ca::pehe(estimate, truth); }),
               Contains("ite_truth") && Contains("nan") && Contains("row 1"));
  REQUIRE_THAT(ca::test::invalid_input_message([&] { ca::pehe(truth, estimate); }),
               Contains("ite_estimate") && Contains("row 1"));
}

TEST_CASE("ATE helpers: huge finite inputs are computed without overflow or reported", "[metrics][ate]") {
  Eigen::VectorXd a(2), b(2);
  a << 1e200, 3e200;
  b << -1e200, 3e200;
  REQUIRE(ca::pehe(a, b) == Approx(std::sqrt(2.0) * 1e200).epsilon(1e-12));  // differences (2e200, 0)
  REQUIRE_THROWS_AS(ca::ate_absolute_error(1.7e308, -1.7e308), ca::numerical_error);
  REQUIRE(ca::mean_absolute_ate_error({1.7e308, 0.0}, {-1.0e308, 0.0}) == Approx(1.35e308));
}
