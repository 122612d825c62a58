#pragma once
/// \file
/// Correlation matrices from data (X^T X by blocks, in parallel) or from a covariance matrix.

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/core/scalar.hpp"
#include "causalattn/core/threads.hpp"
#include "causalattn/kernels/serial_gemm.hpp"

namespace causalattn {

namespace detail {

/// Whether the rows of `data` (with direct access) are its contiguous direction (a NumPy C-order
/// array seen through a strided map), so that a copy reads it row by row. O(1).
template <class Derived>
bool rows_are_contiguous(const Eigen::MatrixBase<Derived>& data) {
  return data.rows() > 1 && data.cols() > 1 ? data.colStride() < data.rowStride() : bool(Derived::IsRowMajor);
}

/// The sum of each column of `x`, added in an order fixed by the row count alone: four running
/// sums over the rows i = 0, 1, 2, 3 (mod 4), each in row order, combined as (s0 + s1) + (s2 + s3).
/// A row-major and a column-major copy of the same data give the same bits. On `threads`.
/// O(rows cols).
template <class Scalar, int Order>
Vector<Scalar> column_sums(const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Order>& x, int threads) {
  const Index n = x.rows(), p = x.cols();
  Vector<Scalar> sums(p);
  if constexpr (Order == Eigen::RowMajor) {  // four row accumulators, vectorised across a strip of columns
    const Index strip = 256;
    parallel_for(Index(0), (p + strip - 1) / strip, threads, [&](Index s) {
      const Index j0 = s * strip, width = std::min(strip, p - j0);
      std::array<Eigen::Array<Scalar, Eigen::Dynamic, 1>, 4> running;
      for (auto& r : running) r.setZero(width);
      for (Index i = 0; i < n; ++i) running[std::size_t(i % 4)] += x.row(i).segment(j0, width).transpose().array();
      sums.segment(j0, width) = ((running[0] + running[1]) + (running[2] + running[3])).matrix();
    });
  } else {  // the same four accumulators down each contiguous column
    parallel_for(Index(0), p, threads, [&](Index j) {
      const Scalar* column = x.col(j).data();
      std::array<Scalar, 4> running{};
      Index i = 0;
      for (; i + 4 <= n; i += 4)
        for (std::size_t m = 0; m < 4; ++m) running[m] += column[i + Index(m)];
      for (; i < n; ++i) running[std::size_t(i % 4)] += column[i];
      sums(j) = (running[0] + running[1]) + (running[2] + running[3]);
    });
  }
  return sums;
}

/// `data` copied as `Scalar` with the storage order `Order` (so that the copy reads it along its
/// contiguous direction), checked and centred: throws `invalid_input` naming the lowest column with
/// a non-finite value (and its row), whose sum overflows, or that is constant. O(rows cols).
template <int Order, class Scalar, class Derived>
Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Order> centred_copy(const Eigen::MatrixBase<Derived>& data, int threads) {
  const Index n = data.rows(), p = data.cols(), strip = 64, strips = (n + strip - 1) / strip;
  const auto strip_rows = [&](auto& m, Index s) { return m.middleRows(s * strip, std::min(strip, n - s * strip)); };
  Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Order> centred(n, p);
  if constexpr (Order == Eigen::RowMajor) {
    parallel_for(Index(0), strips, threads,
                 [&](Index s) { strip_rows(centred, s) = strip_rows(data, s).template cast<Scalar>(); });
  } else {
    parallel_for(Index(0), p, threads, [&](Index j) { centred.col(j) = data.col(j).template cast<Scalar>(); });
  }
  // A sum is finite exactly when its column holds no infinity or NaN and does not overflow, so the
  // element-wise scan runs only on a column that fails.
  const Vector<Scalar> sums = column_sums(centred, threads);
  for (Index j = 0; j < p; ++j) {
    if (!std::isfinite(sums(j))) {
      check_finite_column("data", centred, j);
      throw invalid_input("data",
                          "column " + std::to_string(j) + " sums to " + detail::to_text(sums(j)) + " (overflow); rescale it");
    }
    check_not_constant_column("data", centred, j);
  }
  const Vector<Scalar> means = sums / Scalar(n);
  if constexpr (Order == Eigen::RowMajor) {
    parallel_for(Index(0), strips, threads, [&](Index s) { strip_rows(centred, s).rowwise() -= means.transpose(); });
  } else {
    parallel_for(Index(0), p, threads, [&](Index j) { centred.col(j).array() -= means(j); });
  }
  return centred;
}

/// The sample chunks of `lower_cross_product` for n samples and p variables: with few 128 x 128
/// blocks (small p) the samples are cut into chunks so that both cores have work. Depends on n and
/// p only. Returns {chunks, rows per chunk}. O(1).
inline std::array<Index, 2> cross_product_chunks(Index n, Index p) {
  const Index blocks = (p + 127) / 128, pairs = blocks * (blocks + 1) / 2;
  const Index chunks = std::max<Index>(1, std::min<Index>((8 + pairs - 1) / pairs, n / 256));
  return {chunks, (n + chunks - 1) / chunks};
}

/// out += X_r' X_c over samples [k0, k0 + k) of the centred copy X, where X_r are the `rows`
/// columns from r0 and X_c the `cols` columns from c0; `out` is column-major with leading dimension
/// `out_stride`. One single-threaded GEMM whose summation order depends on the sizes only, so the
/// same call gives the same bits wherever its result is stored. O(rows cols k).
template <class Scalar, int Order>
void cross_product_block(const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Order>& centred, Index r0, Index rows,
                         Index c0, Index cols, Index k0, Index k, Scalar* out, Index out_stride) {
  const Index n = centred.rows(), p = centred.cols();
  // Column-major X: X_r' is row-major (leading dimension n); row-major X: X_r' is column-major and
  // X_c row-major (leading dimension p).
  if constexpr (Order == Eigen::RowMajor) {
    serial_gemm<Eigen::ColMajor, Eigen::RowMajor>(rows, cols, k, centred.data() + k0 * p + r0, p, centred.data() + k0 * p + c0, p,
                                                  out, out_stride, Scalar(1));
  } else {
    serial_gemm<Eigen::RowMajor, Eigen::ColMajor>(rows, cols, k, centred.data() + r0 * n + k0, n, centred.data() + c0 * n + k0, n,
                                                  out, out_stride, Scalar(1));
  }
}

/// Block (row block, column block) number `pair` of the lower block triangle in row-major order:
/// {first row, rows, first column, columns} for p variables in 128 x 128 blocks. O(sqrt(pair)).
inline std::array<Index, 4> lower_block(Index pair, Index p) {
  constexpr Index block = 128;
  Index row = 0;
  while ((row + 1) * (row + 2) / 2 <= pair) ++row;
  const Index col = pair - row * (row + 1) / 2;
  return {row * block, std::min(block, p - row * block), col * block, std::min(block, p - col * block)};
}

/// The lower block triangle of X^T X for the centred copy X (n x p) in 128 x 128 blocks, one
/// single-threaded GEMM per (block, chunk of samples) task on `threads`; the chunk count depends on
/// n and p only and the chunks are added in order, so the result does not depend on the thread
/// count, and a row-major copy gives the same bits as a column-major one (the GEMM packs either
/// layout into the same panels). O(n p^2).
template <class Scalar, int Order>
Matrix<Scalar> lower_cross_product(const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Order>& centred, int threads) {
  const Index n = centred.rows(), p = centred.cols(), blocks = (p + 127) / 128, pairs = blocks * (blocks + 1) / 2;
  const auto chunking = cross_product_chunks(n, p);  // (not a structured binding: the lambdas below capture it)
  const Index chunks = chunking[0], chunk_rows = chunking[1];
  Matrix<Scalar> c = Matrix<Scalar>::Zero(p, p);
  std::vector<Matrix<Scalar>> partial(std::size_t(chunks > 1 ? pairs * chunks : 0));
  parallel_for(Index(0), pairs * chunks, threads, [&](Index task) {
    const auto [r0, rows, c0, cols] = lower_block(task / chunks, p);
    const Index k0 = (task % chunks) * chunk_rows, k = std::min(chunk_rows, n - k0);
    if (chunks == 1) {
      cross_product_block(centred, r0, rows, c0, cols, k0, k, &c(r0, c0), p);
      return;
    }
    auto& out = partial[std::size_t(task)];
    out = Matrix<Scalar>::Zero(rows, cols);
    cross_product_block(centred, r0, rows, c0, cols, k0, k, out.data(), rows);
  });
  if (chunks > 1) {
    parallel_for(Index(0), pairs, threads, [&](Index pair) {
      const auto [r0, rows, c0, cols] = lower_block(pair, p);
      for (Index chunk = 0; chunk < chunks; ++chunk) c.block(r0, c0, rows, cols) += partial[std::size_t(pair * chunks + chunk)];
    });
  }
  return c;
}

/// One block of the lower block triangle of X^T X as `lower_cross_product` computes it (the same
/// GEMM calls, chunks added in the same order, so the same bits), into `out` (rows x cols). O(n 128^2).
template <class Scalar, int Order>
void lower_cross_product_block(const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Order>& centred, Index pair,
                               Matrix<Scalar>& out) {
  const Index n = centred.rows(), p = centred.cols();
  const auto [chunks, chunk_rows] = cross_product_chunks(n, p);
  const auto [r0, rows, c0, cols] = lower_block(pair, p);
  out.setZero(rows, cols);
  if (chunks == 1) {
    cross_product_block(centred, r0, rows, c0, cols, Index(0), n, out.data(), rows);
    return;
  }
  Matrix<Scalar> piece(rows, cols);
  for (Index chunk = 0; chunk < chunks; ++chunk) {
    const Index k0 = chunk * chunk_rows, k = std::min(chunk_rows, n - k0);
    piece.setZero();
    cross_product_block(centred, r0, rows, c0, cols, k0, k, piece.data(), rows);
    out += piece;
  }
}

/// Throws `invalid_input` unless every centred sum of squares is finite and at least the smallest
/// normal number (naming the first column that is not); returns 1 / sqrt of each. O(p).
template <class Scalar>
Vector<Scalar> inverse_standard_deviations(const Vector<Scalar>& sums_of_squares) {
  for (Index j = 0; j < sums_of_squares.size(); ++j) {
    const Scalar v = sums_of_squares(j);
    if (!std::isfinite(v) || !(v >= std::numeric_limits<Scalar>::min())) {
      throw invalid_input("data", "column " + std::to_string(j) + "'s centred sum of squares is " + detail::to_text(v) +
                                      " (overflow or underflow); rescale it");
    }
  }
  return sums_of_squares.cwiseSqrt().cwiseInverse();
}

/// The rows x = rank, rank + ranks, ... of the correlation matrix of the centred copy X, equal bit
/// for bit to those of `correlation_matrix` (the same block products, the same scaling), written
/// row after row (p entries each) to `rows_out`, which holds ceil((p - rank) / ranks) rows. Every
/// block of the lower triangle is computed once, on `threads` (the diagonal ones first, for the
/// scales, and kept), and only this rank's entries are kept: memory O(p^2 / ranks + 128 p +
/// threads 128^2) beside X, time O(n p^2 / 2). Throws as `correlation_matrix` does for a sum of
/// squares that overflows or underflows.
template <class Scalar, int Order>
void correlation_rows(const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Order>& centred, Index rank, Index ranks,
                      int threads, Scalar* rows_out) {
  const Index p = centred.cols(), blocks = (p + 127) / 128, pairs = blocks * (blocks + 1) / 2;
  Vector<Scalar> sums_of_squares(p);
  std::vector<Matrix<Scalar>> diagonal(static_cast<std::size_t>(blocks));
  parallel_for(Index(0), blocks, threads, [&](Index b) {  // the diagonal blocks: pair b (b + 3) / 2
    Matrix<Scalar>& block = diagonal[std::size_t(b)];
    lower_cross_product_block(centred, b * (b + 3) / 2, block);
    sums_of_squares.segment(b * 128, block.rows()) = block.diagonal();
  });
  const Vector<Scalar> inverse_sd = inverse_standard_deviations(sums_of_squares);
  const auto owns = [&](Index v) { return v % ranks == rank; };
  const auto row_of = [&](Index v) { return rows_out + (v / ranks) * p; };
  parallel_for(Index(0), pairs, threads, [&](Index pair) {
    const auto [r0, rows, c0, cols] = lower_block(pair, p);
    Matrix<Scalar> off_diagonal;
    if (r0 != c0) lower_cross_product_block(centred, pair, off_diagonal);
    const Matrix<Scalar>& block = r0 == c0 ? diagonal[std::size_t(r0 / 128)] : off_diagonal;
    for (Index j = 0; j < cols; ++j) {
      const Index b = c0 + j;
      for (Index i = (r0 == c0 ? j + 1 : 0); i < rows; ++i) {  // a > b: the lower triangle
        const Index a = r0 + i;
        if (!owns(a) && !owns(b)) continue;
        const Scalar value = inverse_sd(a) * block(i, j) * inverse_sd(b);
        if (owns(a)) row_of(a)[b] = value;
        if (owns(b)) row_of(b)[a] = value;
      }
      if (r0 == c0 && owns(b)) row_of(b)[b] = Scalar(1);
    }
  });
}

}  // namespace detail

/// Pearson correlation matrix of the columns of `data` (n x p, rows = samples, any layout): the data
/// are copied once along their contiguous direction (by columns, or by rows for a row-major matrix
/// or a NumPy C-order array), checked and centred, the covariance X^T X is computed as its lower
/// block triangle by single-threaded GEMMs spread over `threads` (0 = all), and
/// R = D^-1 C D^-1 with D = sqrt(diag C). The result does not depend on the thread count or on the
/// layout of `data`, and is exactly symmetric with a unit diagonal. Throws `invalid_input` for
/// fewer than 2 rows, an empty matrix, non-finite values, a constant column (its correlation is
/// undefined) or a column whose sum or sum of squares overflows or underflows. The result has `data`'s scalar
/// type, or `Result` when given: `correlation_matrix<double>(x)` widens float data inside its one
/// copy, so a row-major float array is still read by rows. Complexity O(n p^2).
/// Example: `Matrix<double> R = causalattn::correlation_matrix(X);`
template <class Result = void, class Derived>
Matrix<std::conditional_t<std::is_void_v<Result>, typename Derived::Scalar, Result>> correlation_matrix(
    const Eigen::MatrixBase<Derived>& data, int threads = 0) {
  using Scalar = std::conditional_t<std::is_void_v<Result>, typename Derived::Scalar, Result>;
  check_not_empty("data", data);
  if (data.rows() < 2) throw invalid_input("data", "has " + std::to_string(data.rows()) + " row; correlations need >= 2");
  // Only the layouts a type can have at run time are compiled: an expression, or a matrix or map
  // with unit inner stride, has its storage order fixed at compile time; a map with a run-time
  // stride (a NumPy array) instantiates both copies and picks one by its strides.
  constexpr bool direct = bool(Derived::Flags & Eigen::DirectAccessBit);
  constexpr bool fixed_layout = !direct || Derived::InnerStrideAtCompileTime == 1;
  Matrix<Scalar> c;
  if constexpr (fixed_layout) {
    constexpr int order = Derived::IsRowMajor ? Eigen::RowMajor : Eigen::ColMajor;
    c = detail::lower_cross_product(detail::centred_copy<order, Scalar>(data, threads), threads);
  } else if (detail::rows_are_contiguous(data)) {
    c = detail::lower_cross_product(detail::centred_copy<Eigen::RowMajor, Scalar>(data, threads), threads);
  } else {
    c = detail::lower_cross_product(detail::centred_copy<Eigen::ColMajor, Scalar>(data, threads), threads);
  }
  // finite, non-constant values whose squares overflow or underflow are refused here
  const Vector<Scalar> inverse_sd = detail::inverse_standard_deviations<Scalar>(c.diagonal());
  parallel_for(Index(0), c.cols(), threads, [&](Index j) {  // scale the lower triangle, mirror it: exactly symmetric
    c(j, j) = Scalar(1);
    for (Index i = j + 1; i < c.rows(); ++i) c(i, j) = inverse_sd(i) * c(i, j) * inverse_sd(j);
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
