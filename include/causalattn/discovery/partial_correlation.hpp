#pragma once
/// \file
/// Partial correlations r(x, y | S) from a correlation matrix.

#include <cmath>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include "causalattn/core/scalar.hpp"

namespace causalattn {

/// A partial correlation and how it was obtained.
struct PartialCorrelation {
  double value = 0;                 ///< r(x, y | S), in [-1, 1]
  bool used_pseudo_inverse = false; ///< the (|S| + 2) submatrix was singular; a pseudo-inverse was used
};

namespace detail {

/// The least variance a variable may keep after regression on the others before a conditioning set
/// counts as collinear (the scale of the pseudo-inverse's cutoff, 1e-12 of the largest eigenvalue).
inline constexpr double collinear_variance = 1e-12;

/// r(x, y | S) from the (|S| + 2) submatrix M of `r` over (x, y, S), held in a `Square` matrix type:
/// solve M [p_x p_y] = [e_x e_y] by Cholesky (only P_xx, P_yy, P_xy are needed), or use an
/// eigen-decomposition pseudo-inverse (flagged) when M is singular: when a squared Cholesky pivot
/// (the variance a variable keeps after regression on those before it) is below
/// `collinear_variance`. The pivot itself would sit near 1e-8 for an exactly collinear set, above or
/// below 0 by rounding, so it cannot be the test.
template <class Square, class Derived>
PartialCorrelation partial_correlation_of_submatrix(const Eigen::MatrixBase<Derived>& r, Index x, Index y,
                                                    const std::vector<Index>& s) {
  using Tall = Eigen::Matrix<double, Eigen::Dynamic, 2, 0, Square::MaxRowsAtCompileTime, 2>;
  using Solver = Eigen::SelfAdjointEigenSolver<Square>;
  PartialCorrelation out;
  const Index k = static_cast<Index>(s.size()) + 2;
  Square m(k, k);
  auto index = [&](Index a) { return a == 0 ? x : a == 1 ? y : s[static_cast<std::size_t>(a - 2)]; };
  for (Index a = 0; a < k; ++a)
    for (Index b = 0; b < k; ++b) m(a, b) = double(r(index(a), index(b)));
  Tall unit = Tall::Zero(k, 2);
  unit(0, 0) = unit(1, 1) = 1;
  Eigen::LLT<Square> llt(m);
  Eigen::Matrix2d p;
  const double least_pivot = llt.matrixLLT().diagonal().minCoeff();
  if (llt.info() == Eigen::Success && least_pivot * least_pivot > collinear_variance) {
    p = llt.solve(unit).topRows(2);
  } else {
    Solver eigen(m);
    const auto& values = eigen.eigenvalues();
    const double cutoff = 1e-12 * std::max(1.0, values.cwiseAbs().maxCoeff());
    const typename Solver::RealVectorType inverse = (values.array().abs() > cutoff).select(values.cwiseInverse(), 0.0);
    p = (eigen.eigenvectors().topRows(2) * inverse.asDiagonal() * eigen.eigenvectors().topRows(2).transpose());
    out.used_pseudo_inverse = true;
  }
  const double scale = std::sqrt(std::abs(p(0, 0) * p(1, 1)));
  out.value = scale > 0 ? std::max(-1.0, std::min(1.0, -p(0, 1) / scale)) : 0.0;
  return out;
}

}  // namespace detail

/// r(x, y | S) from the correlation matrix `r` (symmetric; read down columns x and y): the plain correlation for |S| = 0, the closed form
/// (r_xy - r_xz r_yz) / sqrt((1 - r_xz^2)(1 - r_yz^2)) for |S| = 1, and for |S| >= 2 the
/// precision-matrix form -P_xy / sqrt(P_xx P_yy) with P the inverse of the (|S| + 2) submatrix,
/// through a Cholesky factorisation, falling back to an eigen-decomposition pseudo-inverse (flagged)
/// when the submatrix is singular. The result is clamped to [-1, 1]. Indices are not checked (hot
/// path); callers validate them. O(|S|^3).
/// Example: `auto pc = causalattn::partial_correlation(R, 0, 1, {2, 3});`
template <class Derived>
PartialCorrelation partial_correlation(const Eigen::MatrixBase<Derived>& r, Index x, Index y, const std::vector<Index>& s) {
  PartialCorrelation out;
  const auto clamp = [](double v) { return std::max(-1.0, std::min(1.0, v)); };
  if (s.empty()) {  // r(y, x): for a fixed x and increasing y (PC's depth 0) a contiguous read
    out.value = clamp(double(r(y, x)));
    return out;
  }
  if (s.size() == 1) {
    const double rxy = double(r(y, x)), rxz = double(r(s[0], x)), ryz = double(r(s[0], y));  // columns x and y
    // The variances left after regression on z; a collinear pair takes the pseudo-inverse below.
    const double left_x = 1 - rxz * rxz, left_y = 1 - ryz * ryz;
    if (left_x > detail::collinear_variance && left_y > detail::collinear_variance) {
      out.value = clamp((rxy - rxz * ryz) / std::sqrt(left_x * left_y));
      return out;
    }
  }
  // Small conditioning sets live on the stack (no allocation in the hot loop of PC).
  if (s.size() + 2 <= 16) return detail::partial_correlation_of_submatrix<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, 0, 16, 16>>(r, x, y, s);
  return detail::partial_correlation_of_submatrix<Eigen::MatrixXd>(r, x, y, s);
}

}  // namespace causalattn
