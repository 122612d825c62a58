#pragma once
/// \file
/// Inverse probability weighting with a logistic propensity model.

#include <utility>

#include "causalattn/effects/detail/arm_models.hpp"
#include "causalattn/effects/detail/propensity.hpp"
#include "causalattn/effects/detail/estimator_opening.hpp"
#include "causalattn/effects/detail/diagnostics.hpp"
#include "causalattn/effects/effect_options.hpp"
#include "causalattn/effects/inference.hpp"

namespace causalattn {

/// IPW with propensity e(x) from `fit_logistic` (ridge `options.ridge`; optional clipping and
/// trimming). ATE: treated weighted by 1/e, controls by 1/(1-e); ATT: treated uniform, controls by
/// the odds e/(1-e). Hajek (default) normalises the weights within each arm; Horvitz-Thompson
/// divides by n (ATE) or n_1 (ATT). The standard error is the influence function including the
/// estimated propensity model (M-estimation sandwich). Throws `numerical_error` when one unit would
/// carry more than half of its arm's weight (near-separated arms; see `refuse_dominant_weight`).
/// O(iterations x n p^2).
/// Example: `options.estimand = causalattn::Estimand::att; auto r = causalattn::ipw(data, options);`
template <class Scalar>
EffectEstimate ipw(const TreatmentData<Scalar>& data, const EffectOptions& options = {}) {
  using Real = detail::deferred_t<Scalar, double>;
  return detail::run_estimator(
      data, options, [](const auto& d, const auto& o) { return ipw(d, o); },
      [&](auto full) {
        auto r = detail::start_estimate("ipw", full, options);
        const auto s = detail::trim_sample(std::move(full), options, r);
        const auto ps = detail::fit_propensity(s, options, r);
        const Index n = s.units();
        const bool hajek = options.ipw_form == IpwForm::hajek;
        const Vector<Real> t = s.t, c = Vector<Real>::Ones(n) - s.t;
        const Vector<Real> e = ps.e, slope = ps.slope;
        Vector<Real> a1, a1_prime, b1, a0, a0_prime, b0;
        if (options.estimand == Estimand::ate) {
          a1 = t.cwiseQuotient(e);
          a1_prime = -t.cwiseProduct(slope).cwiseQuotient(e.cwiseProduct(e));
          a0 = c.cwiseQuotient(Vector<Real>::Ones(n) - e);
          a0_prime = c.cwiseProduct(slope).array() / (1 - e.array()).square();
          b1 = hajek ? a1 : Vector<Real>::Ones(n);
          b0 = hajek ? a0 : Vector<Real>::Ones(n);
        } else {
          a1 = t;
          a1_prime = Vector<Real>::Zero(n);
          a0 = c.cwiseProduct(e).cwiseQuotient(Vector<Real>::Ones(n) - e);
          a0_prime = c.cwiseProduct(slope).array() / (1 - e.array()).square();
          b1 = t;
          b0 = hajek ? a0 : t;
        }
        const double mu1 = a1.dot(s.y) / b1.sum(), mu0 = a0.dot(s.y) / b0.sum();
        r.estimate = mu1 - mu0;
        const bool normalise_treated = hajek || options.estimand == Estimand::att;
        const Vector<Real> influence = detail::arm_mean_influence(s, ps, a1, a1_prime, b1, normalise_treated, mu1) -
                                       detail::arm_mean_influence(s, ps, a0, a0_prime, b0, hajek, mu0);
        detail::set_influence_interval(r, influence);
        r.weights = a1 / b1.sum() + a0 / b0.sum();
        detail::refuse_dominant_weight(s, r.weights, e, "");
        detail::fill_balance(r, s, r.weights);
        return r;
      });
}

}  // namespace causalattn
