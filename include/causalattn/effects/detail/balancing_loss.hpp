#pragma once
/// \file
/// CInA's training objective on one data set, the soft-margin hinge primal of the balancing dual on
/// the attention kernel of the keys (methods/cina.md sections 3-4), with its exact gradient with
/// respect to the keys, the signed dual coefficients and the intercept. Log domain throughout.

#include <cmath>

#include "causalattn/effects/solvers/cina_duality.hpp"

namespace causalattn::detail {

/// The objective and its gradient.
///
/// Parametrisation: signed coefficients c_i = W_i alpha_i (so alpha = W . c, the balancing weights
/// before projection). With the kernel k_ij = exp(S_ij - log h_i - log h_j) the SVM decision values
/// are o = k c / lambda, the attention output softmax(S) V for V_j = c_j / (lambda h_j), and
///   L = c' k c / (2 lambda) + sum_i [1 - W_i (o_i + b)]_+ ,
/// which is (lambda/2) ||beta||^2 + hinge with beta = sum_j (c_j / lambda) phi(x_j).
struct BalancingLoss {
  double value = 0;            ///< L
  double penalty = 0;          ///< c' k c / (2 lambda)
  double hinge = 0;            ///< sum of hinge terms
  Vector<double> decision;     ///< o = k c / lambda
  Matrix<double> d_keys;       ///< dL / dkeys (n x d)
  Vector<double> d_coef;       ///< dL / dc
  /// The gradient in the kernel's metric, c + g = (k / lambda)^-1 dL/dc: the RKHS gradient of the
  /// primal in beta written in coefficients. Well conditioned whatever the kernel's spectrum.
  Vector<double> natural_d_coef;
  double d_intercept = 0;      ///< dL / db
};

/// The attention factors of keys K: P = softmax(S) row by row and e = exp(-log h), so the kernel is
/// k = P diag(e) (k_ij = exp(S_ij - log h_i - log h_j)) and k v = P (e . v) needs no n x n kernel.
struct SoftmaxFactors {
  Matrix<double> softmax;       ///< P, n x n, entries exp(S_ij - log h_i) in [0, 1]
  Vector<double> inverse_normaliser;  ///< e_i = 1 / h_i = exp(-log h_i) (underflows to 0, never overflows)
  /// k v.
  template <typename Defer = void>
  Vector<double> kernel_times(const Vector<detail::deferred_t<Defer, double>>& v) const {
    const Matrix<detail::deferred_t<Defer, double>>& p = softmax;
    return p * inverse_normaliser.cwiseProduct(v);
  }
};

/// P and e of `keys` (S = K K' / sqrt(d)), in the log domain. O(n^2 d).
template <typename Defer = void>
SoftmaxFactors softmax_factors(const Matrix<detail::deferred_t<Defer, double>>& keys) {
  using Real = detail::deferred_t<Defer, double>;
  detail::deferred_t<Defer, SoftmaxFactors> f;
  f.softmax.resize(keys.rows(), keys.rows());
  f.softmax.noalias() = keys * keys.transpose() / std::sqrt(double(keys.cols()));
  const Vector<Real> log_normaliser = row_log_sum_exp(f.softmax);
  for (Index j = 0; j < f.softmax.cols(); ++j) f.softmax.col(j) = (f.softmax.col(j) - log_normaliser).array().exp().matrix();
  f.inverse_normaliser = (-log_normaliser.array()).exp().matrix();
  return f;
}

/// Evaluates L at (coef, intercept) on the kernel of `factors` (computed from `keys`) and its
/// gradient in c and b; with `key_gradient` also dL/dkeys. The hinge's subgradient is 0 at the kink.
/// Inputs are checked by the callers. O(n^2) without, O(n^2 d) with the key gradient.
///
/// Key gradient: with g_i = -W_i [margin_i < 1], a = (c/2 + g) . (k c) / lambda + c . (k (c/2 + g)) / lambda,
///   sqrt(d) dL/dK = [diag(c + g) k (c . K) + diag(c) k (g . K)] / lambda - diag(a) P K - P' (a . K),
/// the chain rule through k_ij = exp(S_ij - log h_i - log h_j) and S = K K' / sqrt(d), with every
/// k product taken as P diag(e) (three GEMMs, no elementwise n x n pass).
template <typename Defer = void>
BalancingLoss balancing_loss(const detail::deferred_t<Defer, SoftmaxFactors>& factors,
                             const Matrix<detail::deferred_t<Defer, double>>& keys,
                             const Vector<detail::deferred_t<Defer, double>>& coef, double intercept,
                             const Vector<detail::deferred_t<Defer, double>>& sign, double lambda, bool key_gradient) {
  using Real = detail::deferred_t<Defer, double>;
  detail::deferred_t<Defer, BalancingLoss> out;
  const Vector<Real> kernel_coef = factors.kernel_times(coef);
  out.decision = kernel_coef / lambda;
  out.penalty = coef.dot(out.decision) / 2;
  Vector<Real> g = Vector<Real>::Zero(coef.size());
  for (Index i = 0; i < coef.size(); ++i) {
    const double slack = 1 - sign(i) * (out.decision(i) + intercept);
    if (slack > 0) {
      out.hinge += slack;
      g(i) = -sign(i);
    }
  }
  out.value = out.penalty + out.hinge;
  out.natural_d_coef = coef + g;
  out.d_coef = factors.kernel_times(out.natural_d_coef) / lambda;
  out.d_intercept = g.sum();
  if (!key_gradient) return out;
  const Index n = keys.rows(), d = keys.cols();
  const Vector<Real> half_plus_g = 0.5 * coef + g;
  const Vector<Real> a = (half_plus_g.cwiseProduct(kernel_coef) + coef.cwiseProduct(factors.kernel_times(half_plus_g))) / lambda;
  const Vector<Real>& e = factors.inverse_normaliser;
  Matrix<Real> right(n, 3 * d);
  right.leftCols(d) = (e.cwiseProduct(coef) / lambda).asDiagonal() * keys;
  right.middleCols(d, d) = (e.cwiseProduct(g) / lambda).asDiagonal() * keys;
  right.rightCols(d) = keys;
  const Matrix<Real> product = factors.softmax * right;
  out.d_keys = out.natural_d_coef.asDiagonal() * product.leftCols(d) + coef.asDiagonal() * product.middleCols(d, d) -
               a.asDiagonal() * product.rightCols(d);
  out.d_keys.noalias() -= factors.softmax.transpose() * (a.asDiagonal() * keys);
  out.d_keys /= std::sqrt(double(d));
  return out;
}

/// `balancing_loss` on the attention kernel of `keys`.
template <typename Defer = void>
BalancingLoss balancing_loss(const Matrix<detail::deferred_t<Defer, double>>& keys,
                             const Vector<detail::deferred_t<Defer, double>>& coef, double intercept,
                             const Vector<detail::deferred_t<Defer, double>>& sign, double lambda, bool key_gradient) {
  return balancing_loss(softmax_factors(keys), keys, coef, intercept, sign, lambda, key_gradient);
}

}  // namespace causalattn::detail
