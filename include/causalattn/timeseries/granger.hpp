#pragma once
/// \file
/// Linear Granger causality: every variable regressed on the last L values of all variables (one
/// VAR(L) by least squares), then an F-test per (source, target) on the source's L coefficients.
/// Implemented from Granger (1969) and the standard Wald / F form of the restricted regression.

#include <string>
#include <vector>

#include <Eigen/Cholesky>

#include "causalattn/core/detail/beta.hpp"
#include "causalattn/core/names.hpp"
#include "causalattn/timeseries/lagged_design.hpp"
#include "causalattn/timeseries/lagged_scores.hpp"

namespace causalattn {

/// What `granger` returns.
struct GrangerResult {
  /// |t| of each lag coefficient: lagged[lag - 1](source, target) = |b| / se(b) in the target's
  /// full VAR regression.
  LaggedScores scores;
  Matrix<double> f_statistic;  ///< (source, target): F of "all L lags of source are 0" in target's regression
  Matrix<double> p_value;      ///< (source, target): upper tail of F(L, T - L - p L - 1) at f_statistic
  double numerator_freedom = 0, denominator_freedom = 0;  ///< the F degrees of freedom (L, T - L - p L - 1)
};

/// Granger causality tests on a VAR(L) fitted by least squares with an intercept. The restricted
/// regressions are never refitted: with G = (Z'Z)^-1 of the full design, the F statistic of
/// dropping source i's block S is b_S' (G_SS)^-1 b_S / (L s^2) (the Wald form, identical to the
/// restricted-RSS form for OLS), s^2 the target's residual variance. `x` is T x p (rows in time
/// order), names default to X1..Xp. Throws `invalid_input` (naming "x", "max_lag" or "names") for
/// NaN / infinite values, constant columns, fewer than p L + 2 + L rows (no residual degrees of
/// freedom), mismatched names; `numerical_error` if the design is singular (collinear series).
/// Time O(T (pL)^2 + (pL)^3 + p^2 L^3), memory O((pL)^2 + T p L).
/// Example:
/// \code
///   causalattn::GrangerResult g = causalattn::granger(x, 3);
///   double p = g.p_value(0, 1);  // does X1 Granger-cause X2?
/// \endcode
template <typename Defer = void>
GrangerResult granger(const Matrix<detail::deferred_t<Defer, double>>& x, Index max_lag, std::vector<std::string> names = {}) {
  using Real = detail::deferred_t<Defer, double>;
  if (names.empty()) names = default_variable_names(x.cols());
  if (Index(names.size()) != x.cols()) {
    throw invalid_input("names", "has " + std::to_string(names.size()) + " entries for " + std::to_string(x.cols()) + " columns");
  }
  const Index p = x.cols(), k = p * max_lag;
  check_series(x, max_lag, k + 2);
  const auto d = lagged_design(x, max_lag);
  const Index n = d.present.rows();
  // Centre both sides: the intercept's column is then orthogonal to the rest and drops out.
  const Matrix<Real> z = d.past.rowwise() - d.past.colwise().mean();
  const Matrix<Real> y = d.present.rowwise() - d.present.colwise().mean();
  Matrix<Real> gram = z.transpose() * z;
  const Eigen::LLT<Matrix<Real>> llt(gram);
  if (llt.info() != Eigen::Success || llt.matrixL().toDenseMatrix().diagonal().minCoeff() <= 1e-12 * std::sqrt(gram.diagonal().maxCoeff())) {
    throw numerical_error("granger: the lagged design is singular (collinear series); drop a redundant variable or lower max_lag");
  }
  const Matrix<Real> inverse = llt.solve(Matrix<Real>::Identity(k, k));
  const Matrix<Real> coefficients = llt.solve(z.transpose() * y);  // k x p
  const double freedom = double(n - k - 1);
  const Vector<Real> residual_variance = (y - z * coefficients).colwise().squaredNorm().transpose() / freedom;

  GrangerResult out;
  out.scores.names = names;
  out.scores.method = "granger";
  out.scores.lagged.assign(std::size_t(max_lag), Matrix<Real>(p, p));
  out.f_statistic.resize(p, p);
  out.p_value.resize(p, p);
  out.numerator_freedom = double(max_lag);
  out.denominator_freedom = freedom;
  for (Index source = 0; source < p; ++source) {
    std::vector<Index> block;
    for (Index lag = 1; lag <= max_lag; ++lag) block.push_back(d.column(source, lag));
    Matrix<Real> block_inverse(max_lag, max_lag);
    for (Index a = 0; a < max_lag; ++a)
      for (Index b = 0; b < max_lag; ++b) block_inverse(a, b) = inverse(block[std::size_t(a)], block[std::size_t(b)]);
    const Eigen::LLT<Matrix<Real>> block_llt(block_inverse);
    for (Index target = 0; target < p; ++target) {
      Vector<Real> b(max_lag);
      for (Index a = 0; a < max_lag; ++a) b(a) = coefficients(block[std::size_t(a)], target);
      const double s2 = residual_variance(target);
      const Vector<Real> whitened = block_llt.matrixL().solve(b);  // b' G_SS^-1 b = |L^-1 b|^2
      const double f = whitened.squaredNorm() / (double(max_lag) * s2);
      out.f_statistic(source, target) = f;
      out.p_value(source, target) = detail::f_upper_tail(f, out.numerator_freedom, freedom);
      for (Index lag = 1; lag <= max_lag; ++lag) {
        const Index c = d.column(source, lag);
        out.scores.lagged[std::size_t(lag - 1)](source, target) = std::abs(coefficients(c, target)) / std::sqrt(s2 * inverse(c, c));
      }
    }
  }
  return out;
}

}  // namespace causalattn
