#pragma once
/// \file
/// The difference in mean outcomes between the arms: unbiased in a randomised experiment.

#include "causalattn/effects/detail/arm_models.hpp"
#include "causalattn/effects/detail/estimator_opening.hpp"
#include "causalattn/effects/detail/diagnostics.hpp"
#include "causalattn/effects/effect_options.hpp"
#include "causalattn/effects/inference.hpp"

namespace causalattn {

/// mean(Y | T = 1) - mean(Y | T = 0), the same number for the ATE and the ATT, with the HC0 standard
/// error sqrt(s_1^2 / n_1 + s_0^2 / n_0) (variances with divisor n_arm: the influence-function
/// form). Weights are 1 / n_arm; the diagnostics show the raw imbalance (smd_before) and warn when
/// it exceeds 0.1. O(n p).
/// Example: `auto r = causalattn::difference_in_means(data);  // r.estimate, r.ci_low, r.ci_high`
template <class Scalar>
EffectEstimate difference_in_means(const TreatmentData<Scalar>& data, const EffectOptions& options = {}) {
  using Real = detail::deferred_t<Scalar, double>;
  return detail::run_estimator(
      data, options, [](const auto& d, const auto& o) { return difference_in_means(d, o); },
      [&](auto s) {
        auto r = detail::start_estimate("naive", s, options);
        r.weights = detail::uniform_arm_weights(s);
        const Vector<Real> signed_weights = (2 * s.t.array() - 1) * r.weights.array();
        r.estimate = signed_weights.dot(s.y);
        const double mean1 = detail::arm_means(s.y, s.treated, {})(0), mean0 = detail::arm_means(s.y, s.control, {})(0);
        const Vector<Real> centred = s.y - (s.t.array() == 1).select(Vector<Real>::Constant(s.units(), mean1), mean0).matrix();
        detail::set_influence_interval(r, signed_weights.cwiseProduct(centred));
        detail::fill_balance(r, s, {});
        detail::fill_weight_summary(r, s, r.weights);
        const double worst = r.diagnostics.smd_before.cwiseAbs().maxCoeff();
        if (worst > 0.1) {
          r.warnings.push_back("the arms differ in a covariate (largest |SMD| " + detail::rounded(worst) +
                               "): the difference in means is confounded unless the treatment was randomised");
        }
        return r;
      });
}

}  // namespace causalattn
