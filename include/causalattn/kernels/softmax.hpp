#pragma once
/// \file
/// Numerically stable row softmax and row log-sum-exp, vectorised through Eigen's packet math.

#include <cmath>
#include <limits>

#include <Eigen/Core>

#include "causalattn/core/scalar.hpp"

namespace causalattn {

namespace detail {

/// column = exp(column - shift) with exp(-inf) = 0 exactly, vectorised. Eigen's packet exp clamps
/// its argument (to about -88 for float, -709 for double), so a masked score of -inf would
/// otherwise get a tiny non-zero weight; columns holding -inf are patched from `scratch`, a copy of
/// the input (Eigen 3.4's select is not vectorised, this costs one vectorised copy and min).
template <class Column, class Scalar>
void exp_shifted_column(Column&& column, const Vector<Scalar>& shift, Vector<Scalar>& scratch) {
  scratch = column;
  column.array() = (column - shift).array().exp();
  if (scratch.minCoeff() == -std::numeric_limits<Scalar>::infinity()) {
    for (Index i = 0; i < scratch.size(); ++i)
      if (scratch(i) == -std::numeric_limits<Scalar>::infinity()) column(i) = 0;
  }
}

/// Row maxima of a column-major matrix, one contiguous column at a time (vectorised).
template <class Derived>
Vector<typename Derived::Scalar> row_max_by_columns(const Eigen::MatrixBase<Derived>& x) {
  using Scalar = typename Derived::Scalar;
  Vector<Scalar> m = Vector<Scalar>::Constant(x.rows(), -std::numeric_limits<Scalar>::infinity());
  for (Index c = 0; c < x.cols(); ++c) m = m.cwiseMax(x.col(c));
  return m;
}

/// x(:, c) = exp(x(:, c) - shift) for every column (exp(-inf) = 0), adding each row's sum into
/// `row_sum`. Working a contiguous column at a time keeps Eigen on its packet exp (a broadcast over
/// the whole matrix falls back to scalar expf). `may_hold_minus_inf` false (no mask touched `x`, and
/// every entry is finite) skips the -inf patch, a copy and a minimum per column.
template <class Derived, class Scalar>
void exponentiate_columns(Eigen::MatrixBase<Derived>& x, const Vector<Scalar>& shift, Vector<Scalar>& row_sum,
                          bool may_hold_minus_inf = true) {
  Vector<Scalar> scratch;
  for (Index c = 0; c < x.cols(); ++c) {
    if (may_hold_minus_inf) {
      exp_shifted_column(x.col(c), shift, scratch);
    } else {
      x.col(c).array() = (x.col(c) - shift).array().exp();
    }
    row_sum += x.col(c);
  }
}

/// The shift used to exponentiate a row: its maximum, or 0 where the row is entirely -inf.
template <class Scalar>
Vector<Scalar> safe_shift(const Vector<Scalar>& row_max) {
  const Scalar minus_inf = -std::numeric_limits<Scalar>::infinity();
  return (row_max.array() == minus_inf).select(Scalar(0), row_max);
}

}  // namespace detail

/// Which implementation a kernel runs: Eigen's packet math (SSE/AVX2/AVX-512 as compiled) or plain
/// scalar loops. The scalar path is the reference the vectorised one is tested against.
enum class KernelPath { vectorized, scalar };

/// log sum_j exp(x_ij) for every row i, computed as m_i + log sum_j exp(x_ij - m_i) with
/// m_i = max_j x_ij, so it neither overflows nor underflows. A row of -inf gives -inf; +inf or NaN
/// entries propagate. O(rows * cols).
/// Example: `Vector<double> lse = causalattn::row_log_sum_exp(scores);`
template <class Derived>
Vector<typename Derived::Scalar> row_log_sum_exp(const Eigen::MatrixBase<Derived>& x,
                                                 KernelPath path = KernelPath::vectorized) {
  using Scalar = typename Derived::Scalar;
  const Scalar minus_inf = -std::numeric_limits<Scalar>::infinity();
  Vector<Scalar> out(x.rows());
  if (path == KernelPath::scalar) {
    for (Index i = 0; i < x.rows(); ++i) {
      Scalar m = minus_inf;
      for (Index j = 0; j < x.cols(); ++j) m = std::max(m, x(i, j));
      if (m == minus_inf) {
        out(i) = minus_inf;
        continue;
      }
      Scalar sum = 0;
      for (Index j = 0; j < x.cols(); ++j) sum += std::exp(x(i, j) - m);
      out(i) = m + std::log(sum);
    }
    return out;
  }
  const Vector<Scalar> m = detail::row_max_by_columns(x);
  const Vector<Scalar> shift = detail::safe_shift<Scalar>(m);
  Vector<Scalar> sum = Vector<Scalar>::Zero(x.rows()), column, scratch;
  for (Index c = 0; c < x.cols(); ++c) {
    column = x.col(c);
    detail::exp_shifted_column(column, shift, scratch);
    sum += column;
  }
  for (Index i = 0; i < x.rows(); ++i) out(i) = sum(i) > Scalar(0) ? std::log(sum(i)) + shift(i) : minus_inf;
  return out;
}

/// Replaces every row of `x` by its softmax exp(x_ij - m_i) / sum_j exp(x_ij - m_i), m_i the row
/// maximum (stable for any magnitude). A row that is entirely -inf (fully masked) becomes all
/// zeros rather than NaN. O(rows * cols).
/// Example: `causalattn::row_softmax_inplace(scores);  // rows now sum to 1`
template <class Derived>
void row_softmax_inplace(Eigen::MatrixBase<Derived>& x, KernelPath path = KernelPath::vectorized) {
  using Scalar = typename Derived::Scalar;
  const Scalar minus_inf = -std::numeric_limits<Scalar>::infinity();
  if (path == KernelPath::scalar) {
    for (Index i = 0; i < x.rows(); ++i) {
      Scalar m = minus_inf;
      for (Index j = 0; j < x.cols(); ++j) m = std::max(m, x(i, j));
      if (m == minus_inf) {
        for (Index j = 0; j < x.cols(); ++j) x(i, j) = 0;
        continue;
      }
      Scalar sum = 0;
      for (Index j = 0; j < x.cols(); ++j) sum += (x(i, j) = std::exp(x(i, j) - m));
      for (Index j = 0; j < x.cols(); ++j) x(i, j) /= sum;
    }
    return;
  }
  const Vector<Scalar> shift = detail::safe_shift<Scalar>(detail::row_max_by_columns(x));
  Vector<Scalar> sum = Vector<Scalar>::Zero(x.rows());
  detail::exponentiate_columns(x, shift, sum);
  const Vector<Scalar> inverse = (sum.array() > Scalar(0)).select(sum.array().inverse(), Scalar(0));
  for (Index c = 0; c < x.cols(); ++c) x.col(c).array() *= inverse.array();
}

}  // namespace causalattn
