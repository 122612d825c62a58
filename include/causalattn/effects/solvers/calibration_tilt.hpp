#pragma once
/// \file
/// The calibration tilt: maximum-entropy weights whose weighted covariate means equal a target
/// exactly (Newton on the convex dual), per arm. The solver behind entropy balancing and zero-shot
/// CInA's calibration.

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <Eigen/Cholesky>

#include "causalattn/effects/detail/arm_models.hpp"
#include "causalattn/effects/effect_options.hpp"

namespace causalattn {
namespace detail {

/// Weights w_i proportional to b_i exp(lambda' c_i), c_i = x_i - target, over the rows of `x`, with
/// sum w = 1 and sum w_i c_i = 0 (the weights of least KL divergence from the base measure b that
/// balance the means): Newton on the dual log sum b_i exp(lambda' c_i) with backtracking, softmax
/// in log-sum-exp form. `log_base` holds log b_i (empty = uniform b, entropy balancing). Stops when
/// max |sum w_i c_i| < tolerance; updates `status`.
template <typename Defer = void>
Vector<double> entropy_weights(const Matrix<detail::deferred_t<Defer, double>>& x,
                               const RowVector<detail::deferred_t<Defer, double>>& target, const EffectOptions& options,
                               SolverStatus& status, const Vector<detail::deferred_t<Defer, double>>& log_base = {}) {
  using Real = detail::deferred_t<Defer, double>;
  const Matrix<Real> c = x.rowwise() - target;
  const Index k = c.cols();
  Vector<Real> lambda = Vector<Real>::Zero(k);
  auto weights_and_dual = [&](const Vector<Real>& l, Vector<Real>& w) {
    Vector<Real> score = c * l;
    if (log_base.size() != 0) score += log_base;
    const double top = score.maxCoeff();
    w = (score.array() - top).exp();
    const double sum = w.sum();
    w /= sum;
    return top + std::log(sum);  // log sum exp(score)
  };
  Vector<Real> w;
  double dual = weights_and_dual(lambda, w);
  for (int iteration = 0;; ++iteration) {
    const Vector<Real> gradient = c.transpose() * w;
    status.residual = gradient.cwiseAbs().maxCoeff();
    if (status.residual < options.tolerance) break;
    if (iteration >= options.max_iterations) {
      status.converged = false;
      break;
    }
    ++status.iterations;
    const Matrix<Real> centred = c.rowwise() - gradient.transpose();
    Matrix<Real> hessian = Matrix<Real>::Zero(k, k);
    hessian.template selfadjointView<Eigen::Lower>().rankUpdate(
        (centred.array().colwise() * w.array().sqrt()).matrix().transpose());
    hessian = hessian.template selfadjointView<Eigen::Lower>();
    hessian.diagonal().array() += 1e-12 * std::max(1.0, hessian.diagonal().maxCoeff());  // collinear covariates
    const Vector<Real> step = -hessian.ldlt().solve(gradient);
    double length = 1;
    Vector<Real> trial_w;
    bool moved = false;
    for (int halving = 0; halving < 50 && !moved; ++halving, length /= 2) {
      const double trial = weights_and_dual(lambda + length * step, trial_w);
      // Armijo decrease, allowing rounding noise of the log-sum-exp near the optimum.
      if (trial <= dual + 1e-4 * length * gradient.dot(step) + 1e-13 * (1 + std::abs(dual))) {
        lambda += length * step;
        dual = trial;
        w = trial_w;
        moved = true;
      }
    }
    if (!moved) {  // no step decreases the dual in floating point
      status.converged = status.residual < 1e-6;
      break;
    }
  }
  return w;
}

/// Fills `r.weights` (each arm summing to 1) with every arm's `entropy_weights` towards the covariate
/// means `target`, from the base measure exp(log_base) restricted to the arm (empty = uniform);
/// with `treated_fixed` (the ATT) the treated keep 1 / n_1. Updates `r.status`; when an arm cannot
/// be balanced exactly, a warning names `what`. O(iterations x n p^2).
template <typename Defer = void>
void tilt_arms_to_means(detail::deferred_t<Defer, EffectEstimate>& r, const detail::deferred_t<Defer, Sample>& s,
                        const RowVector<detail::deferred_t<Defer, double>>& target, const EffectOptions& options,
                        const Vector<detail::deferred_t<Defer, double>>& log_base, bool treated_fixed, const std::string& what) {
  using Real = detail::deferred_t<Defer, double>;
  r.weights = Vector<Real>::Zero(s.units());
  for (const auto* arm : {&s.treated, &s.control}) {
    SolverStatus arm_status;
    const Vector<Real> w = treated_fixed && arm == &s.treated
                               ? Vector<Real>::Constant(Index(arm->size()), 1.0 / double(arm->size()))
                               : entropy_weights(Sample::take(s.x, *arm), target, options, arm_status,
                                                 log_base.size() == 0 ? Vector<Real>()
                                                                      : Vector<Real>(Sample::take(log_base, *arm)));
    r.status.converged = r.status.converged && arm_status.converged;
    r.status.iterations += arm_status.iterations;
    r.status.residual = std::max(r.status.residual, arm_status.residual);
    for (std::size_t k = 0; k < arm->size(); ++k) r.weights((*arm)[k]) = w(Index(k));
  }
  if (!r.status.converged) {
    r.warnings.push_back(what + " did not reach exact balance (largest mean gap " + rounded(r.status.residual) +
                         " standard deviations): the target means lie outside or on the edge of an arm's convex hull");
  }
}

}  // namespace detail

}  // namespace causalattn
