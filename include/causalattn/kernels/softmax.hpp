#pragma once
/// \file
/// Numerically stable row softmax and row log-sum-exp, vectorised through Eigen's packet math.

#include <cmath>
#include <limits>

#include <Eigen/Core>

#include "causalattn/core/scalar.hpp"

namespace causalattn {

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
  const Vector<Scalar> m = x.rowwise().maxCoeff();
  const Vector<Scalar> shift = (m.array() == minus_inf).select(Scalar(0), m);
  out = (x.colwise() - shift).array().exp().rowwise().sum().log().matrix() + shift;
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
  const Vector<Scalar> m = x.rowwise().maxCoeff();
  const Vector<Scalar> shift = (m.array() == minus_inf).select(Scalar(0), m);
  x = (x.colwise() - shift).array().exp().matrix();
  const Vector<Scalar> sum = x.rowwise().sum();
  const Vector<Scalar> inverse = (sum.array() > Scalar(0)).select(sum.array().inverse(), Scalar(0));
  x = inverse.asDiagonal() * x;
}

}  // namespace causalattn
