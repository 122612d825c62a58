#pragma once
/// \file
/// The kernel balancing dual: min 0.5 a'Qa - lambda 1'a s.t. W'a = 0, 0 <= a <= 1, Q = W K W, solved
/// by SMO on a Gram matrix, and the estimate its weights give. The solver behind kernel optimal
/// balancing and CInA's exact (SMO) weights.

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "causalattn/effects/detail/arm_models.hpp"
#include "causalattn/effects/detail/diagnostics.hpp"
#include "causalattn/effects/effect_options.hpp"
#include "causalattn/effects/inference.hpp"
#include "causalattn/effects/solvers/smo.hpp"

namespace causalattn {

namespace detail {

/// The ATE balancing dual (see `kernel_balancing`) on the n x n Gram matrix `gram` of units with
/// treatment `t` (0 / 1): min 0.5 a'Qa - lambda 1'a s.t. W'a = 0, 0 <= a_i <= 1, Q = W k W, W = 2t - 1,
/// lambda = `lambda` if > 0, else 0.1 x the mean diagonal of `gram`. Returns SMO's raw a (not yet
/// normalised per arm). O(n^2) memory plus the SMO iterations.
template <typename Defer = void>
SmoResult solve_ate_balancing_dual(Matrix<detail::deferred_t<Defer, double>> gram,
                                   const Vector<detail::deferred_t<Defer, double>>& t, double lambda, const SmoOptions& smo) {
  using Real = detail::deferred_t<Defer, double>;
  if (!(lambda > 0)) lambda = 0.1 * gram.diagonal().mean();
  const Vector<Real> w = 2 * t.array() - 1;
  gram.array() *= (w * w.transpose()).array();
  const Index n = gram.rows();
  return solve_smo(gram, Vector<Real>::Constant(n, -lambda), w, Vector<Real>::Ones(n), Vector<Real>::Zero(n), smo);
}

/// Kernel mean matching of one arm to a target: min over the simplex of
/// ||sum_arm a_i phi(x_i) - mean_target phi||^2 + lambda ||a||^2 (lambda = `lambda` if > 0, else 0.1
/// x the mean diagonal of the arm's Gram block), solved by SMO. Returns SMO's result, alpha summing to 1.
template <class GramOf>
SmoResult match_kernel_mean(const std::vector<Index>& arm, const std::vector<Index>& target, double lambda, const SmoOptions& smo,
                            GramOf&& gram) {
  using Real = deferred_t<GramOf, double>;
  Matrix<Real> q = gram(arm, arm);
  if (!(lambda > 0)) lambda = 0.1 * q.diagonal().mean();
  const Vector<Real> p = -gram(arm, target).rowwise().mean();
  q.diagonal().array() += lambda;
  const Index n = q.rows();
  return solve_smo(q, p, Vector<Real>::Ones(n), Vector<Real>::Ones(n), Vector<Real>::Constant(n, 1.0 / double(n)), smo);
}

/// Solves the balancing problem on the Gram blocks `gram(rows_a, rows_b)` = K(rows_a, rows_b) and
/// fills the weights, status and the rest of the result (see `kernel_balancing`). The ATE uses
/// `options.kernel_ate_weights`; the ATT matches the controls to the treated.
template <class GramOf>
EffectEstimate balance_on_gram(const Sample& s, const EffectOptions& options, GramOf&& gram) {
  EffectEstimate r = start_estimate("balance", s, options);
  r.weights = Vector<double>::Zero(s.units());
  SmoResult solution;
  std::vector<Index> all(static_cast<std::size_t>(s.units()));
  for (Index i = 0; i < s.units(); ++i) all[std::size_t(i)] = i;
  if (options.estimand == Estimand::ate && options.kernel_ate_weights == KernelAteWeights::svm_dual) {
    solution = solve_ate_balancing_dual(gram(all, all), s.t, options.lambda, options.smo);
    for (const auto* arm : {&s.treated, &s.control}) {
      double total = 0;
      for (Index i : *arm) total += solution.alpha(i);
      if (!(total > 0)) throw invalid_input("options.lambda", "leaves no weight on an arm; increase lambda");
      for (Index i : *arm) r.weights(i) = solution.alpha(i) / total;
    }
  } else if (options.estimand == Estimand::ate) {
    solution.converged = true;
    for (const auto* arm : {&s.treated, &s.control}) {
      const SmoResult part = match_kernel_mean(*arm, all, options.lambda, options.smo, gram);
      for (std::size_t k = 0; k < arm->size(); ++k) r.weights((*arm)[k]) = part.alpha(Index(k));
      solution.converged = solution.converged && part.converged;
      solution.iterations += part.iterations;
      solution.kkt_gap = std::max(solution.kkt_gap, part.kkt_gap);
    }
  } else {
    solution = match_kernel_mean(s.control, s.treated, options.lambda, options.smo, gram);
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

}  // namespace causalattn
