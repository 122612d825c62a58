#pragma once
/// \file
/// RCIT and RCoT (Strobl, Zhang, Visweswaran 2019): kernel CI tests on random Fourier features, in
/// O(n m^2) per test, usable at sample sizes where KCI's O(n^3) is not.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/core/random.hpp"
#include "causalattn/discovery/detail/ci_test_cache.hpp"
#include "causalattn/discovery/detail/gaussian_kernel.hpp"
#include "causalattn/discovery/detail/weighted_chi_square.hpp"
#include "causalattn/discovery/fisher_z.hpp"

namespace causalattn {

/// How RCIT and RCoT turn their statistic into a p-value (the null is a weighted sum of chi2_1).
enum class RffNull {
  lindsay_pilla_basak,    ///< a 4-component gamma mixture matching 8 moments (default)
  hall_buckley_eagleson,  ///< a shifted, scaled chi-square matching 3 cumulants
  satterthwaite_welch,    ///< a gamma matching mean and variance
  permutation             ///< `permutations` seeded permutations of y's residual features
};

/// Options of `RcitTest` and `RcotTest`. The feature counts are Strobl et al.'s defaults.
/// Example: `causalattn::RffOptions o; o.z_features = 200; o.seed = 7;`
struct RffOptions {
  int x_features = 5;    ///< random Fourier features of x (of [x, Z] for RCIT)
  int y_features = 5;    ///< features of y
  int z_features = 100;  ///< features of Z
  /// Rows (evenly spaced) over which each feature map's width, the median distance, is measured.
  int median_rows = 500;
  RffNull null = RffNull::lindsay_pilla_basak;  ///< p-value approximation
  int permutations = 1000;                      ///< draws of the permutation null
  std::uint64_t seed = 0;                       ///< features (and permutations) come from this seed and (x, y, S) only
  double ridge = 1e-10;                         ///< ridge of the regression of the features on the Z features (>= 1e-14)
  /// Scale the null's weights for the regression on Z (see `RandomFeatureCiTest`); false gives
  /// Strobl et al.'s RCIT / RCoT as published.
  bool regression_correction = true;

  /// Throws `invalid_input` naming the first bad option.
  void validate() const {
    for (auto [name, value] : {std::pair<const char*, int>{"options.x_features", x_features},
                               {"options.y_features", y_features},
                               {"options.z_features", z_features},
                               {"options.median_rows", median_rows},
                               {"options.permutations", permutations}}) {
      if (value < 1) throw invalid_input(name, "is " + std::to_string(value) + ", must be >= 1");
    }
    // Memory: the products are n x (x_features y_features), the Z covariance z_features^2, the
    // widths median_rows^2 / 2 distances.
    if (std::int64_t(x_features) * y_features > 10000) {
      throw invalid_input("options.x_features", "times options.y_features is " +
                                                    std::to_string(std::int64_t(x_features) * y_features) +
                                                    "; at most 10000 products are allowed");
    }
    if (z_features > 10000) throw invalid_input("options.z_features", "is " + std::to_string(z_features) + ", at most 10000");
    if (median_rows > 10000) throw invalid_input("options.median_rows", "is " + std::to_string(median_rows) + ", at most 10000");
    if (!(ridge >= 1e-14) || !std::isfinite(ridge)) {  // the Z features' covariance is often singular
      throw invalid_input("options.ridge", "is " + detail::to_text(ridge) + ", must be finite and >= 1e-14");
    }
  }
};

namespace detail {

/// Traces of K, K^2, K^3 and K^4 for K = (Fz'Fz / n + ridge I)^-1 Fz'Fz / n = I - ridge C^-1, which
/// has the nonzero spectrum of the ridge regression's hat matrix H = Fz C^-1 Fz' / n; `factor` is
/// the LDLT of C = Fz'Fz / n + ridge I and n the rows. Throws `invalid_input` naming options.ridge
/// when C is not positive definite, and options.z_features when the regression leaves less than
/// one residual degree of freedom (tr((J - H)^2) < 1, J the centring matrix: as many useful Z
/// features as rows), where every residual would be ~0 and any p-value meaningless. O(m^3) for m
/// Z features.
template <typename = void>
std::array<double, 4> regression_traces(const Eigen::LDLT<Matrix<double>>& factor, double ridge, Index n) {
  const Index m = factor.rows();
  if (!(factor.vectorD().minCoeff() > 0)) {
    throw invalid_input("options.ridge",
                        "is " + to_text(ridge) + ": the Z features' covariance plus it is not positive definite");
  }
  Matrix<double> k = -ridge * factor.solve(Matrix<double>::Identity(m, m));
  k.diagonal().array() += 1;
  const Matrix<double> k2 = k * k;
  const auto trace_of_product = [](const Matrix<double>& a, const Matrix<double>& b) {
    return (a.array() * b.transpose().array()).sum();
  };
  const std::array<double, 4> traces{k.trace(), k2.trace(), trace_of_product(k2, k), trace_of_product(k2, k2)};
  if (!(double(n) - 1 - 2 * traces[0] + traces[1] >= 1)) {  // tr((J - H)^2)
    throw invalid_input("options.z_features", "is " + std::to_string(m) + ": with n = " + std::to_string(n) +
                                                  " rows the regression on Z leaves no residual degrees of freedom; use "
                                                  "fewer Z features, more rows or another test");
  }
  return traces;
}

/// The factor by which the null's weights of a random-feature test grow for its regression on Z.
/// With centred features the residuals are M u, M = J - H (J the centring matrix, H = Fz (Fz'Fz / n
/// + ridge I)^-1 Fz' / n, which J leaves unchanged). For homoscedastic u the statistic's null mean is
/// tr(M^4) / n (times the features' variances) and the null's, from the centred products, is
/// (sum_i ((M^2)_ii)^2 - tr(M^4) / n) / n; the factor is their ratio (n / (n - k - 2) for a rank-k
/// projection with equal leverages). tr(M^4) comes from `regression_traces` (whose refusals apply),
/// (M^2)_ii = 1 - 1/n - h_ii - ridge |g_i|^2 / n with g_i = (Fz'Fz / n + ridge I)^-1 f_i and
/// h_ii = f_i' g_i / n. `factor` is the LDLT of Fz'Fz / n + ridge I. Rows are taken in blocks of
/// 4096: O(n m^2 + m^3) time, O(m (m + 4096)) memory for m Z features.
template <typename = void>
double regression_null_scale(const Matrix<double>& fz, const Eigen::LDLT<Matrix<double>>& factor, double ridge) {
  const Index n = fz.rows(), m = fz.cols(), block = 4096;
  const auto [t1, t2, t3, t4] = regression_traces(factor, ridge, n);
  const double size = double(n);
  const double fourth = size - 1 - 4 * t1 + 6 * t2 - 4 * t3 + t4;  // tr(M^4)
  double squared_diagonal = 0;                                     // sum_i ((M^2)_ii)^2
  for (Index start = 0; start < n; start += block) {
    const Index rows = std::min(block, n - start);
    const Matrix<double> f = fz.middleRows(start, rows).transpose();
    const Matrix<double> g = factor.solve(f);
    const Vector<double> leverage = (f.array() * g.array()).colwise().sum().transpose() / size;
    const Vector<double> diagonal = (1 - 1 / size) - leverage.array() -
                                    ridge * g.colwise().squaredNorm().transpose().array() / size;
    squared_diagonal += diagonal.squaredNorm();
  }
  const double null_mean = squared_diagonal - fourth / size;
  if (!(null_mean > 0) || !(fourth > 0)) {
    throw invalid_input("options.z_features", "is " + std::to_string(m) + ": with n = " + std::to_string(n) +
                                                  " rows the regression on Z leaves too little residual variation");
  }
  return fourth / null_mean;
}

}  // namespace detail

/// Which random-feature test `RandomFeatureCiTest` is.
enum class RffVariant {
  rcot,  ///< features of x alone (Randomized conditional Correlation Test)
  rcit   ///< features of [x, Z] for x (Randomized Conditional Independence Test)
};

/// The random-feature CI tests. Every column is standardised (ddof 1). A feature map of variables A
/// (n x d) is f(A) = sqrt(2 / m) cos(A W + b), W ~ N(0, 1 / sigma^2) (d x m), b ~ U(0, 2 pi),
/// sigma the median positive distance between rows of A over `median_rows` evenly spaced rows.
/// The x and y features are centred and, when S is not empty, replaced by their residuals of a ridge
/// regression on the centred Z features; the statistic is n ||C||_F^2 with C the cross-covariance
/// of the two residual sets; the null is sum_k lambda_k chi2_1, lambda the eigenvalues of the
/// covariance of the products res_x,i res_y,j, with the approximation `options.null`. The regression
/// on Z shrinks that covariance more than the statistic (the products' variances carry each row's
/// residual variance squared), so with
/// `options.regression_correction` (default) the weights are scaled so that the null's mean is
/// the statistic's under homoscedastic residuals (n / (n - k - 2) for a rank-k projection with equal
/// leverages, smaller otherwise; see `detail::regression_null_scale`; the permutation null and
/// unconditional tests are unchanged). A regression that leaves no residual degree of freedom
/// (`detail::regression_traces`) is refused with or without the correction, under every null;
/// without the correction the published tests are liberal at small n (6.7% and 5.8% rejections at 0.05 with
/// n = 200 and a nonlinear Z). Features and
/// permutations come from `options.seed` and (min(x, y), max(x, y), S) alone, so a test gives the
/// same p-value in any order and on any number of threads. Tested as (min, max), cached like KCI.
/// Cost per test O(n (d m + m_z^2 + m_x^2 m_y^2)).
/// Example:
/// \code
///   causalattn::RcotTest test(data);                        // n x p
///   double p = test.test(0, 1, {2, 3}).p_value;
///   auto graph = causalattn::pc(test, names).cpdag;
/// \endcode
template <RffVariant Variant>
class RandomFeatureCiTest {
 public:
  /// \param data    n x p samples (n >= 5, finite, no constant column), copied as double.
  /// \param options feature counts, null approximation, seed.
  template <class Derived>
  explicit RandomFeatureCiTest(const Eigen::MatrixBase<Derived>& data, RffOptions options = {})
      : options_((options.validate(), options)), standardized_(detail::standardized_test_data(data.template cast<double>())) {}

  /// Number of variables.
  Index variables() const noexcept { return standardized_.cols(); }
  /// The options in use.
  const RffOptions& options() const noexcept { return options_; }

  /// Tests x _||_ y | s (indices checked; throws `invalid_input` naming x, y or s). Cached.
  CiTestResult test(Index x, Index y, std::vector<Index> s) const {
    detail::check_test_indices(variables(), x, y, s);
    return detail::cached_test(cache_, x, y, std::move(s),
                               [&](Index a, Index b, const std::vector<Index>& z) { return run(a, b, z); });
  }

 private:
  Matrix<double> columns(const std::vector<Index>& which) const {
    Matrix<double> a(standardized_.rows(), Index(which.size()));
    for (std::size_t k = 0; k < which.size(); ++k) a.col(Index(k)) = standardized_.col(which[k]);
    return a;
  }

  // Centred random Fourier features of `a` (m of them), drawn from `rng`.
  Matrix<double> features(const Matrix<double>& a, int m, Rng& rng) const {
    const double sigma = detail::median_positive_distance(a, detail::median_rows(a.rows(), options_.median_rows));
    if (!(sigma > 0)) throw invalid_input("data", "the rows used for a feature width coincide; the median distance is 0");
    Matrix<double> w(a.cols(), m);
    for (Index j = 0; j < m; ++j)
      for (Index i = 0; i < a.cols(); ++i) w(i, j) = rng.normal() / sigma;
    Vector<double> b(m);
    for (Index j = 0; j < m; ++j) b(j) = rng.uniform(0.0, 2 * 3.14159265358979323846);
    Matrix<double> f = a * w;
    f.rowwise() += b.transpose();
    f = (std::sqrt(2.0 / m) * f.array().cos()).matrix();
    f.rowwise() -= f.colwise().mean();
    return f;
  }

  // The test itself (defined after the class, so that the project's programs can declare it
  // `extern template`).
  CiTestResult run(Index x, Index y, const std::vector<Index>& s) const;

  RffOptions options_;
  Matrix<double> standardized_;
  mutable detail::CiResultCache cache_;
};

template <RffVariant Variant>
CiTestResult RandomFeatureCiTest<Variant>::run(Index x, Index y, const std::vector<Index>& s) const {
  const Index n = standardized_.rows();
  Rng rng = detail::test_stream(options_.seed, x, y, s);
  std::vector<Index> x_side{x};
  if (Variant == RffVariant::rcit) x_side.insert(x_side.end(), s.begin(), s.end());
  Matrix<double> fx = features(columns(x_side), options_.x_features, rng);
  Matrix<double> fy = features(columns({y}), options_.y_features, rng);
  double null_scale = 1;
  if (!s.empty()) {
    const Matrix<double> fz = features(columns(s), options_.z_features, rng);
    Matrix<double> czz = fz.transpose() * fz / double(n);
    czz.diagonal().array() += options_.ridge;
    const Eigen::LDLT<Matrix<double>> factor(czz);
    fx -= fz * factor.solve(fz.transpose() * fx / double(n));
    fy -= fz * factor.solve(fz.transpose() * fy / double(n));
    if (options_.regression_correction && options_.null != RffNull::permutation) {
      null_scale = detail::regression_null_scale(fz, factor, options_.ridge);
    } else {
      detail::regression_traces(factor, options_.ridge, n);  // its refusals apply to every test
    }
  }
  CiTestResult result;
  result.statistic = double(n) * (fx.transpose() * fy / double(n)).squaredNorm();
  if (options_.null == RffNull::permutation) {
    long long above = 0;
    std::vector<Index> order(static_cast<std::size_t>(n));
    for (Index i = 0; i < n; ++i) order[std::size_t(i)] = i;
    Matrix<double> shuffled(n, fy.cols());
    for (int b = 0; b < options_.permutations; ++b) {
      rng.shuffle(order.begin(), order.end());
      for (Index i = 0; i < n; ++i) shuffled.row(i) = fy.row(order[std::size_t(i)]);
      above += double(n) * (fx.transpose() * shuffled / double(n)).squaredNorm() >= result.statistic ? 1 : 0;
    }
    result.p_value = double(1 + above) / double(1 + options_.permutations);  // never exactly 0
    return result;
  }
  Matrix<double> products(n, fx.cols() * fy.cols());
  for (Index i = 0; i < fx.cols(); ++i)
    for (Index j = 0; j < fy.cols(); ++j) products.col(i * fy.cols() + j) = fx.col(i).cwiseProduct(fy.col(j));
  products.rowwise() -= products.colwise().mean();
  const Matrix<double> covariance = products.transpose() * products / double(n);
  const Eigen::SelfAdjointEigenSolver<Matrix<double>> solver(covariance, Eigen::EigenvaluesOnly);
  std::vector<double> lambda(solver.eigenvalues().data(), solver.eigenvalues().data() + solver.eigenvalues().size());
  for (double& l : lambda) l *= null_scale;
  switch (options_.null) {
    case RffNull::hall_buckley_eagleson: result.p_value = detail::hall_buckley_eagleson_tail(lambda, result.statistic); break;
    case RffNull::satterthwaite_welch: result.p_value = detail::satterthwaite_welch_tail(lambda, result.statistic); break;
    default: result.p_value = detail::lindsay_pilla_basak_tail(lambda, result.statistic);
  }
  return result;
}

/// RCoT: x _||_ y | S on random Fourier features of x, y and Z (see `RandomFeatureCiTest`).
/// Example: `causalattn::RcotTest test(data); auto r = causalattn::pc(test, names);`
using RcotTest = RandomFeatureCiTest<RffVariant::rcot>;

/// RCIT: as RCoT with the features of [x, Z] standing for x (see `RandomFeatureCiTest`).
/// Example: `causalattn::RcitTest test(data); double p = test.test(0, 1, {2}).p_value;`
using RcitTest = RandomFeatureCiTest<RffVariant::rcit>;

}  // namespace causalattn
