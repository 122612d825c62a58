#pragma once
/// \file
/// Kernel (Gram) matrices for kernel balancing: RBF, linear and polynomial kernels from one GEMM.

#include <algorithm>
#include <cmath>
#include <string>

#include <Eigen/Core>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/core/scalar.hpp"
#include "causalattn/core/threads.hpp"
#include "causalattn/kernels/serial_gemm.hpp"

namespace causalattn {

/// The kernel function k(x, x') of a Gram matrix.
enum class KernelType {
  rbf,        ///< k = exp(-gamma ||x - x'||^2)
  linear,     ///< k = <x, x'>
  polynomial  ///< k = (gamma <x, x'> + coef0)^degree
};

/// A kernel and its parameters (scikit-learn's names and defaults, gamma = 0 meaning 1/p).
/// Example: `causalattn::KernelSpec spec; spec.type = causalattn::KernelType::polynomial; spec.degree = 2;`
struct KernelSpec {
  KernelType type = KernelType::rbf;  ///< which kernel
  double gamma = 0;                   ///< scale for rbf and polynomial; 0 = 1/p (p = columns of x)
  int degree = 3;                     ///< polynomial degree, >= 1
  double coef0 = 1;                   ///< polynomial offset

  /// Throws `invalid_input` naming "kernel.gamma" (negative or non-finite), "kernel.degree" (< 1) or
  /// "kernel.coef0" (non-finite). O(1).
  void validate() const {
    if (!(gamma >= 0) || !std::isfinite(gamma)) {
      throw invalid_input("kernel.gamma", "is " + detail::to_text(gamma) + ", must be finite and >= 0 (0 = 1/p)");
    }
    if (degree < 1) throw invalid_input("kernel.degree", "is " + std::to_string(degree) + ", must be >= 1");
    if (!std::isfinite(coef0)) throw invalid_input("kernel.coef0", "is " + detail::to_text(coef0) + ", must be finite");
  }
};

namespace detail {

/// Rows and columns per Gram block: one block task is a 128 x 128 GEMM plus its kernel transform.
inline constexpr Index gram_block = 128;

/// Validates `spec` and `x` (non-empty, finite) and returns the gamma in use (0 -> 1/p). O(n p).
template <class Derived>
double checked_gamma(const Eigen::MatrixBase<Derived>& x, const KernelSpec& spec) {
  spec.validate();
  check_not_empty("x", x);
  check_finite("x", x);
  return spec.gamma > 0 ? spec.gamma : 1.0 / double(x.cols());
}

/// out(r0 : r0 + rows, c0 : c0 + cols) = k(x_r, z_c): one serial GEMM x_r z_c^T into the block
/// (so the result does not depend on which thread runs it), then the kernel applied one contiguous
/// column at a time (Eigen's packet exp for rbf). `sq_x` / `sq_z` are squared row norms (rbf only).
template <typename Defer = void>
void gram_block_values(const Matrix<detail::deferred_t<Defer, double>>& x, const Vector<detail::deferred_t<Defer, double>>& sq_x,
                       Index r0, Index rows, const Matrix<detail::deferred_t<Defer, double>>& z,
                       const Vector<detail::deferred_t<Defer, double>>& sq_z, Index c0, Index cols, const KernelSpec& spec,
                       double gamma, Matrix<detail::deferred_t<Defer, double>>& out) {
  out.block(r0, c0, rows, cols).setZero();
  serial_gemm<Eigen::ColMajor, Eigen::RowMajor>(rows, cols, x.cols(), x.data() + r0, x.rows(), z.data() + c0, z.rows(),
                                                &out(r0, c0), out.rows(), 1.0);
  for (Index c = c0; c < c0 + cols; ++c) {
    auto column = out.col(c).segment(r0, rows).array();
    if (spec.type == KernelType::rbf) {
      column = (-gamma * ((sq_x.segment(r0, rows).array() + sq_z(c)) - 2 * column).max(0.0)).exp();
    } else if (spec.type == KernelType::polynomial) {
      column = (gamma * column + spec.coef0).pow(double(spec.degree));
    }
  }
}

/// Squared row norms of `x` when the kernel needs them (rbf), else an empty vector. O(n p).
template <typename Defer = void>
Vector<double> squared_row_norms(const Matrix<detail::deferred_t<Defer, double>>& x, const KernelSpec& spec) {
  using Real = detail::deferred_t<Defer, double>;
  return spec.type == KernelType::rbf ? Vector<Real>(x.rowwise().squaredNorm()) : Vector<Real>();
}

/// Throws `invalid_input` naming `x` if a linear or polynomial kernel value in `k` overflowed (rbf
/// values lie in [0, 1]). O(size of k).
template <typename Defer = void>
void check_kernel_finite(const Matrix<detail::deferred_t<Defer, double>>& k, const KernelSpec& spec) {
  if (spec.type == KernelType::rbf) return;
  for (Index c = 0; c < k.cols(); ++c) {
    for (Index r = 0; r < k.rows(); ++r) {
      if (!std::isfinite(k(r, c))) {
        throw invalid_input("x", "kernel value " + to_text(k(r, c)) + " at row " + std::to_string(r) + ", column " +
                                     std::to_string(c) + " overflows; rescale the data or lower kernel.degree");
      }
    }
  }
}

}  // namespace detail

/// Gram matrix K_ij = k(x_i, x_j) of the rows of `x` (n x p, rows = samples; float or double input,
/// double result). Computed as X X^T by 128 x 128 blocks of its lower triangle, each one serial GEMM
/// spread over `threads` (0 = all; the result does not depend on the thread count), with
/// ||x_i - x_j||^2 = ||x_i||^2 + ||x_j||^2 - 2 <x_i, x_j> (clamped at 0) for rbf and vectorised
/// exponentials. Each block is copied to its mirror block, so K is exactly symmetric; the rbf
/// diagonal is exactly 1. Throws `invalid_input` for an empty or non-finite `x`, an invalid `spec`,
/// or a linear/polynomial value that overflows. O(n^2 p) time, O(n^2) memory.
/// Example: `Matrix<double> K = causalattn::gram_matrix(X);  // rbf, gamma = 1/p`
template <class Derived>
Matrix<double> gram_matrix(const Eigen::MatrixBase<Derived>& x, const KernelSpec& spec = {}, int threads = 0) {
  using Real = detail::deferred_t<Derived, double>;
  const double gamma = detail::checked_gamma(x, spec);
  const Matrix<Real> xd = x.template cast<double>();
  const Vector<Real> sq = detail::squared_row_norms(xd, spec);
  const Index n = xd.rows(), blocks = (n + detail::gram_block - 1) / detail::gram_block;
  Matrix<Real> k(n, n);
  parallel_for(Index(0), blocks * (blocks + 1) / 2, threads, [&](Index task) {
    Index row = 0;  // task -> (row, col) in the lower block triangle, row-major
    while ((row + 1) * (row + 2) / 2 <= task) ++row;
    const Index col = task - row * (row + 1) / 2;
    const Index r0 = row * detail::gram_block, rows = std::min(detail::gram_block, n - r0);
    const Index c0 = col * detail::gram_block, cols = std::min(detail::gram_block, n - c0);
    detail::gram_block_values(xd, sq, r0, rows, xd, sq, c0, cols, spec, gamma, k);
    auto block = k.block(r0, c0, rows, cols);
    if (row == col) {
      block.template triangularView<Eigen::StrictlyUpper>() = block.transpose();
      if (spec.type == KernelType::rbf) block.diagonal().setOnes();
    } else {
      k.block(c0, r0, cols, rows) = block.transpose();  // the mirror block, while it is in cache
    }
  });
  detail::check_kernel_finite(k, spec);
  return k;
}

/// Cross Gram matrix K_ij = k(x_i, z_j) (n x m) between the rows of `x` (n x p) and `z` (m x p),
/// with gamma = 0 meaning 1/p; computed by blocks as `gram_matrix(x)` (same thread-count
/// invariance). Throws `invalid_input` for empty or non-finite inputs, `z` with a different number
/// of columns, an invalid `spec` or an overflowing value. O(n m p) time, O(n m) memory.
/// Example: `Matrix<double> K = causalattn::gram_matrix(X_treated, X_control);`
template <class DerivedX, class DerivedZ>
Matrix<double> gram_matrix(const Eigen::MatrixBase<DerivedX>& x, const Eigen::MatrixBase<DerivedZ>& z,
                           const KernelSpec& spec = {}, int threads = 0) {
  using Real = detail::deferred_t<DerivedX, double>;
  const double gamma = detail::checked_gamma(x, spec);
  check_not_empty("z", z);
  check_shape("z", z, -1, x.cols());
  check_finite("z", z);
  const Matrix<Real> xd = x.template cast<double>(), zd = z.template cast<double>();
  const Vector<Real> sq_x = detail::squared_row_norms(xd, spec), sq_z = detail::squared_row_norms(zd, spec);
  const Index n = xd.rows(), m = zd.rows();
  const Index row_blocks = (n + detail::gram_block - 1) / detail::gram_block;
  const Index col_blocks = (m + detail::gram_block - 1) / detail::gram_block;
  Matrix<Real> k(n, m);
  parallel_for(Index(0), row_blocks * col_blocks, threads, [&](Index task) {
    const Index r0 = (task % row_blocks) * detail::gram_block, c0 = (task / row_blocks) * detail::gram_block;
    detail::gram_block_values(xd, sq_x, r0, std::min(detail::gram_block, n - r0), zd, sq_z, c0,
                              std::min(detail::gram_block, m - c0), spec, gamma, k);
  });
  detail::check_kernel_finite(k, spec);
  return k;
}

}  // namespace causalattn
