#pragma once
/// \file
/// The duality between optimal covariate balancing and self-attention (CInA; Zhang et al. 2023,
/// "Towards Causal Foundation Model: on Duality between Causal Inference and Attention"), made
/// visible: for keys K (queries = keys), scores S = K K' / sqrt(d) and softmax normalisers
/// h_i = sum_j exp(S_ij), the kernel k_ij = exp(S_ij) / (h_i h_j) turns the balancing dual into an
/// SVM dual whose decision function equals the attention output softmax(S) v with
/// v_j = alpha_j W_j / (lambda h_j). Everything is computed in the log domain (never exp(S)).

#include <cmath>
#include <string>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/core/scalar.hpp"
#include "causalattn/effects/solvers/smo.hpp"
#include "causalattn/kernels/softmax.hpp"

namespace causalattn {

/// The attention kernel of a set of keys, in the log domain.
struct AttentionKernel {
  Matrix<double> softmax;          ///< softmax(S) row by row: exp(S_ij - log h_i)
  Matrix<double> kernel;           ///< k_ij = exp(S_ij - log h_i - log h_j) (symmetric, PSD, entries in [0, 1])
  Vector<double> log_normaliser;   ///< log h_i = log sum_j exp(S_ij), by log-sum-exp
};

/// The softmax and kernel of keys K (n x d): S = K K' / sqrt(d). Every exponent is <= 0 (S_ij <=
/// log h_i, and log h_j >= S_jj >= 0), so nothing overflows for any key norm. Throws `invalid_input`
/// for empty or non-finite keys. O(n^2 d).
/// Example: `auto k = causalattn::attention_kernel(keys);  // k.kernel is the balancing kernel`
template <typename Defer = void>
AttentionKernel attention_kernel(const Matrix<detail::deferred_t<Defer, double>>& keys) {
  using Real = detail::deferred_t<Defer, double>;
  check_not_empty("keys", keys);
  check_finite("keys", keys);
  const Matrix<Real> scores = keys * keys.transpose() / std::sqrt(double(keys.cols()));
  detail::deferred_t<Defer, AttentionKernel> out;
  out.log_normaliser = row_log_sum_exp(scores);
  const Matrix<Real> shifted = scores.colwise() - out.log_normaliser;  // S_ij - log h_i <= 0
  out.softmax = shifted.array().exp().matrix();
  out.kernel = (shifted.rowwise() - out.log_normaliser.transpose()).array().exp().matrix();
  out.kernel.template triangularView<Eigen::StrictlyUpper>() = out.kernel.transpose();  // exactly symmetric
  return out;
}

/// Both sides of the identity for given keys: the exact balancing weights, the values they imply,
/// the attention output and the SVM decision function.
struct AttentionSvmDuality {
  Vector<double> alpha;             ///< exact solution of min a'Qa - 2 lambda 1'a, W'a = 0, 0 <= a <= 1 (Q = W W' o k)
  Vector<double> values;            ///< v_j = alpha_j W_j / (lambda h_j)
  Vector<double> attention_output;  ///< o = softmax(S) v
  Vector<double> decision_values;   ///< <beta*, phi(x_i)> = (1/lambda) sum_j alpha_j W_j k_ij, from the kernel
  double intercept = 0;             ///< the SVM intercept b of the primal, so W_i (o_i + b) = 1 on free units
  double kkt_gap = 0;               ///< the SMO solver's KKT gap at exit
  bool converged = false;           ///< the SMO solver met its tolerance
};

/// Solves the balancing dual on the attention kernel of `keys` exactly (SMO) and returns the
/// attention output and the SVM decision values computed independently, which agree to rounding.
/// \param keys   n x d keys (= queries), finite.
/// \param sign   W_i = +1 (treated) or -1 (control), both present.
/// \param lambda the balance / effective-sample-size trade-off, > 0.
/// \param smo    solver options (default tolerance 1e-10).
/// Throws `invalid_input` naming the argument for bad shapes, signs or lambda. Complexity: O(n^2 d)
/// for the kernel plus the SMO solve (O(n) per iteration, memory O(n^2)).
/// Example:
/// \code
///   auto d = causalattn::attention_svm_duality(keys, w, 0.1);
///   double gap = (d.attention_output - d.decision_values).cwiseAbs().maxCoeff();   // ~1e-15
/// \endcode
template <typename Defer = void>
AttentionSvmDuality attention_svm_duality(
    const Matrix<detail::deferred_t<Defer, double>>& keys, const Vector<detail::deferred_t<Defer, double>>& sign, double lambda,
    SmoOptions smo = [] {
      SmoOptions o;
      o.tolerance = 1e-10;
      return o;
    }()) {
  check_shape("sign", sign, keys.rows(), 1);
  bool treated = false, control = false;
  for (Index i = 0; i < sign.size(); ++i) {
    if (sign(i) != 1.0 && sign(i) != -1.0) {
      throw invalid_input("sign", "is " + detail::to_text(sign(i)) + " at row " + std::to_string(i) + "; must be +1 or -1");
    }
    (sign(i) > 0 ? treated : control) = true;
  }
  if (!treated || !control) throw invalid_input("sign", "has a single arm; both +1 and -1 units are needed");
  if (!(lambda > 0) || !std::isfinite(lambda)) throw invalid_input("lambda", "is " + detail::to_text(lambda) + ", must be > 0");
  using Real = detail::deferred_t<Defer, double>;
  const auto k = attention_kernel<Defer>(keys);
  const Index n = keys.rows();
  const Matrix<Real> q = (sign * sign.transpose()).cwiseProduct(k.kernel);
  const auto solution = solve_smo(q, Vector<Real>::Constant(n, -lambda), sign, Vector<Real>::Ones(n), Vector<Real>::Zero(n), smo);
  detail::deferred_t<Defer, AttentionSvmDuality> out;
  out.alpha = solution.alpha;
  // 1 / h_j as exp(-log h_j): underflows to 0 for huge keys instead of overflowing h_j.
  out.values = (solution.alpha.cwiseProduct(sign).array() * (-k.log_normaliser.array()).exp() / lambda).matrix();
  out.attention_output = k.softmax * out.values;
  out.decision_values = k.kernel * solution.alpha.cwiseProduct(sign) / lambda;
  out.intercept = solution.bias / lambda;
  out.kkt_gap = solution.kkt_gap;
  out.converged = solution.converged;
  return out;
}

}  // namespace causalattn
