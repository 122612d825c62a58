#pragma once
/// \file
/// Correlation matrices from data (X^T X by blocks, in parallel) or from a covariance matrix.

#include <algorithm>
#include <cmath>
#include <string>

#include <Eigen/Core>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/core/scalar.hpp"
#include "causalattn/core/threads.hpp"
#include "causalattn/kernels/detail/serial_gemm.hpp"

namespace causalattn {

/// Pearson correlation matrix of the columns of `data` (n x p, rows = samples): columns are
/// centred, the covariance X^T X is computed as its lower block triangle (one single-threaded GEMM
/// per 128 x 128 block, blocks spread over `threads`, 0 = all; the result does not depend on the
/// thread count), and R = D^-1 C D^-1 with D = sqrt(diag C). The
/// result is exactly symmetric with a unit diagonal. Throws `invalid_input` for fewer than 2 rows,
/// an empty matrix, non-finite values or a constant column (its correlation is undefined).
/// Complexity O(n p^2).
/// Example: `Matrix<double> R = causalattn::correlation_matrix(X);`
template <class Derived>
Matrix<typename Derived::Scalar> correlation_matrix(const Eigen::MatrixBase<Derived>& data, int threads = 0) {
  using Scalar = typename Derived::Scalar;
  check_not_empty("data", data);
  if (data.rows() < 2) throw invalid_input("data", "has " + std::to_string(data.rows()) + " row; correlations need >= 2");
  const Index p = data.cols(), block = 128, blocks = (p + block - 1) / block;
  Matrix<Scalar> centred(data.rows(), p);
  parallel_for(Index(0), p, threads, [&](Index j) {  // the lowest bad column is reported, as serially
    check_finite_column("data", data, j);
    check_not_constant_column("data", data, j);
    centred.col(j) = data.col(j).array() - data.col(j).mean();
  });
  Matrix<Scalar> c = Matrix<Scalar>::Zero(p, p);
  parallel_for(Index(0), blocks * (blocks + 1) / 2, threads, [&](Index task) {
    Index row = 0;  // task -> (row, col) in the lower block triangle, row-major
    while ((row + 1) * (row + 2) / 2 <= task) ++row;
    const Index col = task - row * (row + 1) / 2;
    const Index r0 = row * block, rows = std::min(block, p - r0), c0 = col * block, cols = std::min(block, p - c0);
    const Index n = centred.rows();
    // One single-threaded GEMM per block (X_r' X_c), so `threads` alone sets the parallelism and the
    // summation order does not depend on it.
    detail::serial_gemm<Eigen::RowMajor, Eigen::ColMajor>(rows, cols, n, centred.data() + r0 * n, n, centred.data() + c0 * n, n,
                                                          &c(r0, c0), p, Scalar(1));
  });
  const Vector<Scalar> inverse_sd = c.diagonal().cwiseSqrt().cwiseInverse();
  parallel_for(Index(0), p, threads, [&](Index j) {  // scale the lower triangle, mirror it: exactly symmetric
    c(j, j) = Scalar(1);
    for (Index i = j + 1; i < p; ++i) c(i, j) = inverse_sd(i) * c(i, j) * inverse_sd(j);
  });
  c.template triangularView<Eigen::StrictlyUpper>() = c.transpose();
  return c;
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
