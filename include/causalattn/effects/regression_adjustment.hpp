#pragma once
/// \file
/// Regression adjustment: outcome models per arm (or one model with a treatment coefficient),
/// averaged over the units of the estimand.

#include "causalattn/effects/detail/arm_models.hpp"
#include "causalattn/effects/detail/estimator_opening.hpp"
#include "causalattn/effects/detail/diagnostics.hpp"
#include "causalattn/effects/effect_options.hpp"
#include "causalattn/effects/inference.hpp"

namespace causalattn {

/// Regression adjustment with OLS (or ridge, `options.ridge`).
/// - Per arm (default): m_1, m_0 fitted on each arm; ATE = mean over all units of m_1(x) - m_0(x),
///   ATT = mean over treated of Y - m_0(x).
/// - Single model (`OutcomeModel::single`): Y ~ 1 + T + X; the effect is the T coefficient (the
///   same for ATE and ATT) with its HC0 sandwich standard error.
/// Per-arm standard errors come from the influence function, including the sampling error of the
/// fitted coefficients (HC0 sandwich of each arm). O(n p^2 + p^3).
/// Example: `options.estimand = causalattn::Estimand::att; auto r = causalattn::regression_adjustment(data, options);`
template <class Scalar>
EffectEstimate regression_adjustment(const TreatmentData<Scalar>& data, const EffectOptions& options = {}) {
  using Real = detail::deferred_t<Scalar, double>;
  return detail::run_estimator(
      data, options, [](const auto& d, const auto& o) { return regression_adjustment(d, o); },
      [&](auto s) {
        auto r = detail::start_estimate("ols", s, options);
        detail::fill_balance(r, s, {});
        const double n = double(s.units()), n1 = double(s.treated.size());
        if (options.outcome_model == OutcomeModel::single) {
          Matrix<Real> design(s.units(), s.x.cols() + 1);
          design.col(0) = s.t;
          design.rightCols(s.x.cols()) = s.x;
          const auto fit = fit_linear(design, s.y, options.ridge);
          if (fit.rank_deficient) r.warnings.push_back("collinear covariates: the minimum-norm least-squares solution was used");
          r.estimate = fit.coefficients(1);
          detail::set_normal_interval(r, std::sqrt(fit.covariance(1, 1)), "HC0 sandwich");
          return r;
        }
        const auto m = detail::fit_arm_models(s, options.ridge, s.treated, s.control);
        detail::warn_rank_deficient(r, m);
        // Influence of the coefficients of arm a on the estimate: zbar' bread_a z_j e_j for its units j.
        Vector<Real> influence(s.units());
        auto add_coefficient_influence = [&](const detail::deferred_t<Scalar, LinearFit>& fit, const std::vector<Index>& rows,
                                             const Vector<Real>& predicted, const RowVector<Real>& mean_x, double sign) {
          Vector<Real> zbar(mean_x.size() + 1);
          zbar(0) = 1;
          zbar.tail(mean_x.size()) = mean_x.transpose();
          const Vector<Real> direction = fit.bread * zbar;
          for (Index j : rows) influence(j) += sign * direction.dot(LinearFit::design_row(s.x.row(j))) * (s.y(j) - predicted(j));
        };
        if (options.estimand == Estimand::ate) {
          const Vector<Real> difference = m.m1 - m.m0;
          r.estimate = difference.mean();
          influence = (difference.array() - r.estimate) / n;
          const RowVector<Real> mean_x = s.x.colwise().mean();
          add_coefficient_influence(m.treated, s.treated, m.m1, mean_x, 1);
          add_coefficient_influence(m.control, s.control, m.m0, mean_x, -1);
        } else {
          influence.setZero();
          double sum = 0;
          for (Index i : s.treated) sum += s.y(i) - m.m0(i);
          r.estimate = sum / n1;
          for (Index i : s.treated) influence(i) = (s.y(i) - m.m0(i) - r.estimate) / n1;
          add_coefficient_influence(m.control, s.control, m.m0, detail::arm_means(s.x, s.treated, {}), -1);
        }
        detail::set_influence_interval(r, influence);
        return r;
      });
}

}  // namespace causalattn
