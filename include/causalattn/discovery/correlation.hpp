#pragma once
/// \file
/// Correlation matrices from data (X^T X by blocks, in parallel) or from a covariance matrix.

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/core/scalar.hpp"
#include "causalattn/core/threads.hpp"
#include "causalattn/kernels/serial_gemm.hpp"

namespace causalattn {

/// Pearson correlation matrix of the columns of `data` (n x p, rows = samples, any layout): columns
/// are copied and centred, the covariance X^T X is computed as its lower block triangle (one single-threaded GEMM
/// per 128 x 128 block and, when there are fewer than 8 blocks, per chunk of samples, spread over
/// `threads`, 0 = all; the result does not depend on the thread count), and R = D^-1 C D^-1 with
/// D = sqrt(diag C). The
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
  // Each column is read once into the contiguous copy, then checked and centred there: a strided or
  // row-major input (a NumPy C-order array) is traversed once, and the means are the same
  // (vectorised) sums whatever the input's layout. The lowest bad column is reported, as serially.
  parallel_for(Index(0), p, threads, [&](Index j) {
    centred.col(j) = data.col(j);
    check_finite_column("data", centred, j);
    check_not_constant_column("data", centred, j);
    centred.col(j).array() -= centred.col(j).mean();
  });
  // Tasks are (block of the lower block triangle, chunk of samples). With few blocks (small p) the
  // samples are cut into chunks so that both cores have work; the chunk count depends on n and p
  // only, and the chunks' partial products are added in chunk order, so the result is the same
  // for any thread count.
  const Index n = centred.rows(), pairs = blocks * (blocks + 1) / 2;
  const Index chunks = std::max<Index>(1, std::min<Index>((8 + pairs - 1) / pairs, n / 256));
  const Index chunk_rows = (n + chunks - 1) / chunks;
  Matrix<Scalar> c = Matrix<Scalar>::Zero(p, p);
  std::vector<Matrix<Scalar>> partial(std::size_t(chunks > 1 ? pairs * chunks : 0));
  const auto block_of = [&](Index pair) {  // pair -> (first row, rows, first column, columns), row-major order
    Index row = 0;
    while ((row + 1) * (row + 2) / 2 <= pair) ++row;
    const Index col = pair - row * (row + 1) / 2;
    return std::array<Index, 4>{row * block, std::min(block, p - row * block), col * block, std::min(block, p - col * block)};
  };
  parallel_for(Index(0), pairs * chunks, threads, [&](Index task) {
    const auto [r0, rows, c0, cols] = block_of(task / chunks);
    const Index k0 = (task % chunks) * chunk_rows, k = std::min(chunk_rows, n - k0);
    Scalar* out = &c(r0, c0);
    Index out_stride = p;
    if (chunks > 1) {
      partial[std::size_t(task)] = Matrix<Scalar>::Zero(rows, cols);
      out = partial[std::size_t(task)].data();
      out_stride = rows;
    }
    // One single-threaded GEMM per task (X_r' X_c over the chunk's samples), so `threads` alone
    // sets the parallelism and the summation order does not depend on it.
    serial_gemm<Eigen::RowMajor, Eigen::ColMajor>(rows, cols, k, centred.data() + r0 * n + k0, n,
                                                          centred.data() + c0 * n + k0, n, out, out_stride, Scalar(1));
  });
  if (chunks > 1) {
    parallel_for(Index(0), pairs, threads, [&](Index pair) {
      const auto [r0, rows, c0, cols] = block_of(pair);
      for (Index chunk = 0; chunk < chunks; ++chunk) c.block(r0, c0, rows, cols) += partial[std::size_t(pair * chunks + chunk)];
    });
  }
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
