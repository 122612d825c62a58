#pragma once
/// \file
/// Entropy balancing (Hainmueller 2012): maximum-entropy weights whose weighted covariate means equal
/// a target exactly, found by Newton's method on the convex dual.

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <Eigen/Cholesky>

#include "causalattn/effects/detail/arm_models.hpp"
#include "causalattn/effects/detail/estimator_opening.hpp"
#include "causalattn/effects/detail/diagnostics.hpp"
#include "causalattn/effects/effect_options.hpp"
#include "causalattn/effects/inference.hpp"
#include "causalattn/effects/solvers/calibration_tilt.hpp"

namespace causalattn {

/// Entropy balancing. ATT: control weights of maximum entropy (uniform base) whose weighted covariate
/// means equal the treated means; treated weights 1 / n_1. ATE: each arm reweighted to the means of
/// all units. The effect is the difference of weighted outcome means; the standard error is
/// sqrt(sum w_i^2 (Y_i - m_(T_i)(x_i))^2) with per-arm OLS / ridge outcome models (conditional on X
/// and T). If the target lies outside the convex hull of an arm, exact balance is impossible: the
/// dual diverges, `status.converged` is false and a warning says so. O(iterations x n p^2).
/// Example: `options.estimand = causalattn::Estimand::att; auto r = causalattn::entropy_balancing(data, options);`
template <class Scalar>
EffectEstimate entropy_balancing(const TreatmentData<Scalar>& data, const EffectOptions& options = {}) {
  using Real = detail::deferred_t<Scalar, double>;
  return detail::run_estimator(
      data, options, [](const auto& d, const auto& o) { return entropy_balancing(d, o); },
      [&](auto s) {
        auto r = detail::start_estimate("ebal", s, options);
        const bool att = options.estimand == Estimand::att;
        const RowVector<Real> target = att ? detail::arm_means(s.x, s.treated, {}) : RowVector<Real>(s.x.colwise().mean());
        detail::tilt_arms_to_means(r, s, target, options, {}, att, "entropy balancing");
        detail::finish_weighting_estimate(r, s, options);
        return r;
      });
}

}  // namespace causalattn
