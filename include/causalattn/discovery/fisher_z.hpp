#pragma once
/// \file
/// Fisher's z test of conditional independence for (approximately) Gaussian data.

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "causalattn/core/errors.hpp"
#include "causalattn/core/fingerprint.hpp"
#include "causalattn/discovery/correlation.hpp"
#include "causalattn/discovery/partial_correlation.hpp"

namespace causalattn {

/// Outcome of one conditional-independence test.
struct CiTestResult {
  double p_value = 1;    ///< large means "independent"; compared with alpha
  double statistic = 0;  ///< the test statistic (|z| sqrt(n - |S| - 3) for Fisher z)
};

/// How a two-sided normal p-value is evaluated.
enum class PValueConvention {
  /// erfc(stat / sqrt 2): accurate down to ~1e-308 (default).
  accurate,
  /// 2 * (1 - Phi(stat)) evaluated in that order, as causal-learn does: p rounds to exactly 0 once
  /// Phi rounds to 1 (stat > ~8.29), and the resulting ties steer its maxP orientations, so this is
  /// needed to reproduce causal-learn's outputs entry for entry.
  causal_learn
};

/// Fisher z test: x _||_ y | S is tested through z = atanh(r(x, y | S)), with statistic
/// sqrt(n - |S| - 3) |z| and two-sided p-value 2 (1 - Phi(stat)) (see `PValueConvention`). |r| >= 1
/// gives p = 0 (dependent). The effective sample size n is the number of data rows, or any n >= 4
/// for a correlation matrix that does not come from data (for attention matrices: the embedding
/// width). A test with n - |S| - 3 <= 0 has no degrees of freedom left and throws `invalid_input`.
/// The object holds the p x p correlation matrix; each test is O(|S|^3).
/// Example:
/// \code
///   causalattn::FisherZTest test(X);            // from data
///   double p = test.test(0, 1, {2}).p_value;    // X1 _||_ X2 | X3 ?
/// \endcode
class FisherZTest {
 public:
  /// From data (n x p, rows = samples): the correlation matrix (on `threads`, 0 = all) and n = rows.
  template <class Derived>
  explicit FisherZTest(const Eigen::MatrixBase<Derived>& data, PValueConvention convention = PValueConvention::accurate,
                       int threads = 0)
      : correlation_(correlation_matrix<double>(data, threads)),
        sample_size_(static_cast<double>(data.rows())),
        convention_(convention) {}

  /// From a correlation matrix and an effective sample size (> 3). The matrix must be symmetric to
  /// 1e-8 (relative to the diagonal); its upper triangle is used and copied into the lower one, so
  /// every test reads the same value whichever order its pair comes in.
  FisherZTest(Matrix<double> correlation, double sample_size, PValueConvention convention = PValueConvention::accurate)
      : correlation_(std::move(correlation)), sample_size_(sample_size), convention_(convention) {
    check_square("correlation", correlation_);
    check_finite("correlation", correlation_);
    for (Index j = 0; j < correlation_.cols(); ++j)
      for (Index i = j + 1; i < correlation_.rows(); ++i) {
        const double scale = std::sqrt(std::abs(correlation_(i, i) * correlation_(j, j)));
        if (std::abs(correlation_(i, j) - correlation_(j, i)) > 1e-8 * scale) {
          throw invalid_input("correlation", "is not symmetric: entry (" + std::to_string(i) + ", " + std::to_string(j) +
                                                 ") = " + detail::to_text(correlation_(i, j)) + " but (" + std::to_string(j) +
                                                 ", " + std::to_string(i) + ") = " + detail::to_text(correlation_(j, i)));
        }
        correlation_(i, j) = correlation_(j, i);
      }
    if (!(sample_size_ > 3)) throw invalid_input("sample_size", "is " + detail::to_text(sample_size_) + ", must exceed 3");
  }

  /// Throws `invalid_input` naming the first pair of variables whose correlation is +-1 to 1e-12
  /// (a duplicated or rescaled column). PC and FCI run on such data (the pseudo-inverse keeps the
  /// tests finite and the copies adjacent), but a tool that must not return a graph the data
  /// cannot support calls this first. O(p^2).
  /// Example: `causalattn::FisherZTest(x).check_no_perfect_correlation();`
  void check_no_perfect_correlation() const {
    for (Index j = 0; j < correlation_.cols(); ++j)
      for (Index i = j + 1; i < correlation_.rows(); ++i)
        if (std::abs(correlation_(i, j)) >= 1 - 1e-12) {
          throw invalid_input("data", "column " + std::to_string(j) + " and column " + std::to_string(i) +
                                          " are perfectly correlated (r = " + detail::to_text(correlation_(i, j)) +
                                          "): a duplicated or rescaled column; drop one");
        }
  }

  /// Number of variables.
  Index variables() const noexcept { return correlation_.rows(); }

  /// A fingerprint of the correlation matrix, the sample size and the p-value convention: equal
  /// for equal tests, so that MPI ranks can check they test the same data (`mpi/discovery.hpp`).
  /// O(p^2). Example: `std::uint64_t f = test.fingerprint();`
  std::uint64_t fingerprint() const noexcept {
    Fingerprint f;
    f.add(std::int64_t(correlation_.rows()));
    f.add(correlation_.data(), std::int64_t(correlation_.size()));
    f.add(sample_size_);
    f.add(std::int64_t(convention_));
    return f.value();
  }
  /// The effective sample size.
  double sample_size() const noexcept { return sample_size_; }
  /// The correlation matrix.
  const Matrix<double>& correlation() const noexcept { return correlation_; }

  /// Tests x _||_ y | s. Indices are trusted (the caller validates). O(|s|^3).
  /// (A template only so that a program that never tests compiles no solver.)
  template <typename = void>
  CiTestResult test(Index x, Index y, const std::vector<Index>& s) const;

  /// The test's outcome from the partial correlation `r` of x and y given `conditioning` variables
  /// at effective sample size `sample_size`: statistic sqrt(n - |S| - 3) |atanh r|, p-value by
  /// `convention`; |r| >= 1 gives p = 0. Throws `invalid_input` when n - |S| - 3 <= 0. O(1).
  /// Example: `auto t = causalattn::FisherZTest::from_partial_correlation(0.1, 500, 2, convention);`
  static CiTestResult from_partial_correlation(double r, double sample_size, std::size_t conditioning,
                                               PValueConvention convention) {
    const double freedom = degrees_of_freedom(sample_size, conditioning);
    CiTestResult result;
    if (std::abs(r) >= 1) {
      result.statistic = std::numeric_limits<double>::infinity();
      result.p_value = 0;
      return result;
    }
    result.statistic = std::sqrt(freedom) * std::abs(0.5 * std::log((1 + r) / (1 - r)));
    result.p_value = two_sided_normal_p_value(result.statistic, convention);
    return result;
  }

  /// n - |S| - 3 for `conditioning` = |S|; throws `invalid_input` naming the sample size when it is
  /// not positive. O(1).
  static double degrees_of_freedom(double sample_size, std::size_t conditioning) {
    const double freedom = sample_size - double(conditioning) - 3;
    if (freedom <= 0) {
      throw invalid_input("sample_size", detail::to_text(sample_size) +
                                             " samples leave no degrees of freedom for a test "
                                             "conditioning on " +
                                             std::to_string(conditioning) + " variables");
    }
    return freedom;
  }

  /// Two-sided p-value of a standard normal statistic under the given convention.
  static double two_sided_normal_p_value(double statistic, PValueConvention convention) {
    if (convention == PValueConvention::accurate) return std::erfc(statistic / std::sqrt(2.0));
    // Phi as scipy's ndtr evaluates it (erf near 0, erfc in the tails), then 2 (1 - Phi).
    const double t = statistic * 0.70710678118654752440;
    const double phi = std::abs(t) < 0.70710678118654752440 ? 0.5 + 0.5 * std::erf(t)
                       : t > 0                                ? 1 - 0.5 * std::erfc(std::abs(t))
                                                              : 0.5 * std::erfc(std::abs(t));
    return 2 * (1 - phi);
  }

 private:
  Matrix<double> correlation_;
  double sample_size_;
  PValueConvention convention_;
};

// Defined outside the class, so not inline: the project's own programs can declare it `extern template`.
template <typename>
CiTestResult FisherZTest::test(Index x, Index y, const std::vector<Index>& s) const {
  degrees_of_freedom(sample_size_, s.size());
  return from_partial_correlation(partial_correlation(correlation_, x, y, s).value, sample_size_, s.size(), convention_);
}

}  // namespace causalattn
