#pragma once
/// \file
/// Correlation matrices from data (one GEMM) or from a covariance matrix.

#include <cmath>
#include <string>

#include <Eigen/Core>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/core/scalar.hpp"

namespace causalattn {

/// Pearson correlation matrix of the columns of `data` (n x p, rows = samples): columns are
/// centred, the covariance is one GEMM (X^T X), and R = D^-1 C D^-1 with D = sqrt(diag C). The
/// result is exactly symmetric with a unit diagonal. Throws `invalid_input` for fewer than 2 rows,
/// an empty matrix, non-finite values or a constant column (its correlation is undefined).
/// Complexity O(n p^2).
/// Example: `Matrix<double> R = causalattn::correlation_matrix(X);`
template <class Derived>
Matrix<typename Derived::Scalar> correlation_matrix(const Eigen::MatrixBase<Derived>& data) {
  using Scalar = typename Derived::Scalar;
  check_not_empty("data", data);
  if (data.rows() < 2) throw invalid_input("data", "has " + std::to_string(data.rows()) + " row; correlations need >= 2");
  check_finite("data", data);
  check_no_constant_columns("data", data);
  const Matrix<Scalar> centred = data.rowwise() - data.colwise().mean();
  Matrix<Scalar> c = Matrix<Scalar>::Zero(data.cols(), data.cols());
  c.template selfadjointView<Eigen::Lower>().rankUpdate(centred.transpose());
  const Vector<Scalar> inverse_sd = c.diagonal().cwiseSqrt().cwiseInverse();
  c.template triangularView<Eigen::StrictlyUpper>() = c.transpose();
  Matrix<Scalar> r = inverse_sd.asDiagonal() * c * inverse_sd.asDiagonal();
  r.template triangularView<Eigen::StrictlyUpper>() = r.transpose();  // exactly symmetric
  r.diagonal().setOnes();
  return r;
}

/// Correlation matrix of a covariance matrix `c` (e.g. A A^T of an attention matrix):
/// R = D^-1 C D^-1. Throws `invalid_input` if `c` is not square, not symmetric (relative tolerance
/// 1e-8), has a non-finite entry or a diagonal entry below `min_variance` (default 1e-8), naming
/// the entry. O(p^2).
/// Example: `auto R = causalattn::correlation_from_covariance(A * A.transpose());`
template <class Derived>
Matrix<typename Derived::Scalar> correlation_from_covariance(const Eigen::MatrixBase<Derived>& c,
                                                             double min_variance = 1e-8) {
  using Scalar = typename Derived::Scalar;
  check_not_empty("covariance", c);
  check_square("covariance", c);
  check_finite("covariance", c);
  const Index p = c.rows();
  for (Index i = 0; i < p; ++i) {
    if (!(c(i, i) >= min_variance)) {
      throw invalid_input("covariance", "diagonal entry (" + std::to_string(i) + ", " + std::to_string(i) + ") is " +
                                            detail::to_text(c(i, i)) + ", below the minimum variance " +
                                            detail::to_text(min_variance));
    }
  }
  for (Index j = 0; j < p; ++j) {
    for (Index i = j + 1; i < p; ++i) {
      const Scalar scale = std::sqrt(c(i, i) * c(j, j));
      if (std::abs(c(i, j) - c(j, i)) > Scalar(1e-8) * scale) {
        throw invalid_input("covariance", "is not symmetric: entry (" + std::to_string(i) + ", " + std::to_string(j) +
                                              ") = " + detail::to_text(c(i, j)) + " but (" + std::to_string(j) + ", " +
                                              std::to_string(i) + ") = " + detail::to_text(c(j, i)));
      }
    }
  }
  const Vector<Scalar> inverse_sd = c.diagonal().cwiseSqrt().cwiseInverse();
  Matrix<Scalar> r = inverse_sd.asDiagonal() * c * inverse_sd.asDiagonal();
  r.template triangularView<Eigen::StrictlyUpper>() = r.transpose();  // exactly symmetric
  r.diagonal().setOnes();
  return r;
}

}  // namespace causalattn
