#pragma once
/// \file
/// Kernel optimal balancing: the weights that minimise the worst-case imbalance over an RKHS ball
/// plus a penalty on their dispersion, solved exactly as an SVM dual by SMO (methods/cina.md section 2).

#include <cmath>
#include <string>
#include <vector>

#include "causalattn/effects/bootstrap.hpp"
#include "causalattn/effects/detail/arm_models.hpp"
#include "causalattn/effects/diagnostics.hpp"
#include "causalattn/effects/effect_options.hpp"
#include "causalattn/effects/gram.hpp"
#include "causalattn/effects/inference.hpp"
#include "causalattn/effects/smo.hpp"

namespace causalattn {

namespace detail {

/// The ATE balancing dual (see `kernel_balancing`) on the n x n Gram matrix `gram` of units with
/// treatment `t` (0 / 1): min 0.5 a'Qa - lambda 1'a s.t. W'a = 0, 0 <= a_i <= 1, Q = W k W, W = 2t - 1,
/// lambda = `lambda` if > 0, else 0.1 x the mean diagonal of `gram`. Returns SMO's raw a (not yet
/// normalised per arm). O(n^2) memory plus the SMO iterations.
template <typename = void>
SmoResult solve_ate_balancing_dual(Matrix<double> gram, const Vector<double>& t, double lambda, const SmoOptions& smo) {
  if (!(lambda > 0)) lambda = 0.1 * gram.diagonal().mean();
  const Vector<double> w = 2 * t.array() - 1;
  gram.array() *= (w * w.transpose()).array();
  const Index n = gram.rows();
  return solve_smo(gram, Vector<double>::Constant(n, -lambda), w, Vector<double>::Ones(n), Vector<double>::Zero(n), smo);
}

/// Solves the balancing dual on the Gram blocks `gram(rows_a, rows_b)` = K(rows_a, rows_b) and
/// fills the weights, status and the rest of the result (see `kernel_balancing`).
template <class GramOf>
EffectEstimate balance_on_gram(const Sample& s, const EffectOptions& options, GramOf&& gram) {
  EffectEstimate r = start_estimate("balance", s, options);
  r.weights = Vector<double>::Zero(s.units());
  SmoResult solution;
  if (options.estimand == Estimand::ate) {
    std::vector<Index> all(static_cast<std::size_t>(s.units()));
    for (Index i = 0; i < s.units(); ++i) all[std::size_t(i)] = i;
    solution = solve_ate_balancing_dual(gram(all, all), s.t, options.lambda, options.smo);
    for (const auto* arm : {&s.treated, &s.control}) {
      double total = 0;
      for (Index i : *arm) total += solution.alpha(i);
      if (!(total > 0)) throw invalid_input("options.lambda", "leaves no weight on an arm; increase lambda");
      for (Index i : *arm) r.weights(i) = solution.alpha(i) / total;
    }
  } else {
    Matrix<double> q = gram(s.control, s.control);
    const double lambda = options.lambda > 0 ? options.lambda : 0.1 * q.diagonal().mean();
    const Vector<double> p = -gram(s.control, s.treated).rowwise().mean();
    q.diagonal().array() += lambda;
    const Index n0 = q.rows();
    solution = solve_smo(q, p, Vector<double>::Ones(n0), Vector<double>::Ones(n0), Vector<double>::Constant(n0, 1.0 / double(n0)),
                         options.smo);
    for (Index i : s.treated) r.weights(i) = 1.0 / double(s.treated.size());
    for (std::size_t k = 0; k < s.control.size(); ++k) r.weights(s.control[k]) = solution.alpha(Index(k));
  }
  r.status.converged = solution.converged;
  r.status.iterations = solution.iterations;
  r.status.residual = solution.kkt_gap;
  if (!solution.converged) {
    r.warnings.push_back("SMO stopped at its iteration limit with KKT gap " + rounded(solution.kkt_gap) + " above the tolerance " +
                         rounded(options.smo.tolerance));
  }
  finish_weighting_estimate(r, s, options);
  return r;
}

}  // namespace detail

/// Kernel optimal balancing with kernel k (`options.kernel`, on standardised covariates by default).
/// - ATE: the SVM dual  min_a a'Q a - 2 lambda 1'a  s.t. W'a = 0, 0 <= a_i <= 1, Q_ij = W_i W_j k(x_i, x_j),
///   W = 2T - 1 (Tarr and Imai 2021; Kallus 2020); the weights are a normalised within each arm.
/// - ATT: treated weights 1 / n_1; control weights minimise ||mean_T phi - sum_C a_i phi(x_i)||^2 +
///   lambda ||a||^2 over the simplex (kernel mean matching with a ridge on the weights).
/// Both are solved exactly by `solve_smo` (KKT gap `options.smo.tolerance`, reported in
/// status.residual). lambda = `options.lambda`, or 0.1 x the mean diagonal of the Gram matrix. The
/// standard error is sqrt(sum w_i^2 (Y_i - m_(T_i)(x_i))^2) with per-arm OLS / ridge outcome models.
/// Memory O(n^2) (the Gram matrix); time O(n^2 p) for the Gram matrix plus the SMO iterations.
/// Example: `options.kernel.type = causalattn::KernelType::linear; auto r = causalattn::kernel_balancing(data, options);`
template <class Scalar>
EffectEstimate kernel_balancing(const TreatmentData<Scalar>& data, const EffectOptions& options = {}) {
  options.validate();
  if (options.bootstrap > 0) {
    return detail::bootstrap(data, options, [](const TreatmentData<Scalar>& d, const EffectOptions& o) { return kernel_balancing(d, o); });
  }
  const detail::Sample s = detail::make_sample(data, options.standardize);
  return detail::balance_on_gram(s, options, [&](const std::vector<Index>& a, const std::vector<Index>& b) {
    if (&a == &b) return gram_matrix(detail::Sample::take(s.x, a), options.kernel, options.threads);
    return gram_matrix(detail::Sample::take(s.x, a), detail::Sample::take(s.x, b), options.kernel, options.threads);
  });
}

/// Kernel balancing on a Gram matrix you supply (n x n over the units of `data`, symmetric positive
/// semi-definite, e.g. a learned or domain kernel); `options.kernel` is ignored. Throws
/// `invalid_input` for a wrong shape, a non-finite or non-symmetric matrix, or a bootstrap request
/// (resampling a user kernel is not defined here). Same complexity as `kernel_balancing`.
/// Example: `auto r = causalattn::kernel_balancing(data, my_gram, options);`
template <class Scalar>
EffectEstimate kernel_balancing(const TreatmentData<Scalar>& data, const Eigen::Ref<const Matrix<double>>& gram,
                                const EffectOptions& options = {}) {
  options.validate();
  if (options.bootstrap > 0) throw invalid_input("options.bootstrap", "is not available with a user Gram matrix");
  check_shape("gram", gram, data.units(), data.units());
  check_finite("gram", gram);
  for (Index j = 0; j < gram.cols(); ++j)
    for (Index i = j + 1; i < gram.rows(); ++i)
      if (std::abs(gram(i, j) - gram(j, i)) > 1e-10 * (1 + std::abs(gram(i, j)))) {
        throw invalid_input("gram", "is not symmetric: (" + std::to_string(i) + ", " + std::to_string(j) + ") = " +
                                        detail::to_text(gram(i, j)) + " but (" + std::to_string(j) + ", " + std::to_string(i) +
                                        ") = " + detail::to_text(gram(j, i)));
      }
  const detail::Sample s = detail::make_sample(data, options.standardize);
  return detail::balance_on_gram(s, options, [&](const std::vector<Index>& a, const std::vector<Index>& b) {
    Matrix<double> block(Index(a.size()), Index(b.size()));
    for (std::size_t c = 0; c < b.size(); ++c)
      for (std::size_t r = 0; r < a.size(); ++r) block(Index(r), Index(c)) = gram(a[r], b[c]);
    return block;
  });
}

}  // namespace causalattn
