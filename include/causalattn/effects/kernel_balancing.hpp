#pragma once
/// \file
/// Kernel optimal balancing: the weights that minimise the worst-case imbalance over an RKHS ball
/// plus a penalty on their dispersion, solved exactly as an SVM dual by SMO (methods/cina.md section 2).

#include <string>

#include "causalattn/effects/bootstrap.hpp"
#include "causalattn/effects/detail/arm_models.hpp"
#include "causalattn/effects/diagnostics.hpp"
#include "causalattn/effects/effect_options.hpp"
#include "causalattn/effects/gram.hpp"
#include "causalattn/effects/inference.hpp"
#include "causalattn/effects/smo.hpp"

namespace causalattn {

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
  EffectEstimate r = detail::start_estimate("balance", s, options);
  r.weights = Vector<double>::Zero(s.units());
  SmoResult solution;
  if (options.estimand == Estimand::ate) {
    Matrix<double> q = gram_matrix(s.x, options.kernel, options.threads);
    const double lambda = options.lambda > 0 ? options.lambda : 0.1 * q.diagonal().mean();
    const Vector<double> w = 2 * s.t.array() - 1;
    q.array() *= (w * w.transpose()).array();
    const Index n = s.units();
    solution = solve_smo(q, Vector<double>::Constant(n, -lambda), w, Vector<double>::Ones(n), Vector<double>::Zero(n), options.smo);
    for (const auto* arm : {&s.treated, &s.control}) {
      double total = 0;
      for (Index i : *arm) total += solution.alpha(i);
      if (!(total > 0)) throw invalid_input("options.lambda", "leaves no weight on an arm; increase lambda");
      for (Index i : *arm) r.weights(i) = solution.alpha(i) / total;
    }
  } else {
    const Matrix<double> x0 = detail::Sample::take(s.x, s.control), x1 = detail::Sample::take(s.x, s.treated);
    Matrix<double> q = gram_matrix(x0, options.kernel, options.threads);
    const double lambda = options.lambda > 0 ? options.lambda : 0.1 * q.diagonal().mean();
    const Vector<double> p = -gram_matrix(x0, x1, options.kernel, options.threads).rowwise().mean();
    q.diagonal().array() += lambda;
    const Index n0 = x0.rows();
    solution = solve_smo(q, p, Vector<double>::Ones(n0), Vector<double>::Ones(n0), Vector<double>::Constant(n0, 1.0 / double(n0)),
                         options.smo);
    for (Index i : s.treated) r.weights(i) = 1.0 / double(s.treated.size());
    for (std::size_t k = 0; k < s.control.size(); ++k) r.weights(s.control[k]) = solution.alpha(Index(k));
  }
  r.status.converged = solution.converged;
  r.status.iterations = solution.iterations;
  r.status.residual = solution.kkt_gap;
  if (!solution.converged) {
    r.warnings.push_back("SMO stopped at its iteration limit with KKT gap " + detail::rounded(solution.kkt_gap) +
                         " above the tolerance " + detail::rounded(options.smo.tolerance));
  }
  detail::finish_weighting_estimate(r, s, options);
  return r;
}

}  // namespace causalattn
