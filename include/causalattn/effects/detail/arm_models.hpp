#pragma once
/// \file
/// Per-arm outcome models m_1(x), m_0(x) fitted on the rows of each arm, predicted for every unit,
/// and the common start of every estimator's result.

#include <string>
#include <vector>

#include "causalattn/effects/detail/diagnostics.hpp"
#include "causalattn/effects/effect_estimate.hpp"
#include "causalattn/effects/effect_options.hpp"
#include "causalattn/effects/inference.hpp"
#include "causalattn/effects/linear_model.hpp"
#include "causalattn/effects/treatment_data.hpp"

namespace causalattn::detail {

/// OLS / ridge outcome models of the two arms and their predictions for all units.
struct ArmModels {
  LinearFit treated, control;  ///< fitted on the treated / control rows
  Vector<double> m1, m0;       ///< predictions for every unit
  /// m_(T_i)(x_i): each unit's prediction from its own arm's model.
  template <typename Defer = void>
  Vector<double> own_arm(const detail::deferred_t<Defer, Sample>& s) const {
    return (s.t.array() == 1).select(m1.array(), m0.array()).matrix();
  }
};

/// Fits the two arm models on `rows_treated` / `rows_control` of the sample, predicts for all units.
template <typename Defer = void>
ArmModels fit_arm_models(const detail::deferred_t<Defer, Sample>& s, double ridge, const std::vector<Index>& rows_treated,
                         const std::vector<Index>& rows_control) {
  detail::deferred_t<Defer, ArmModels> m;
  m.treated = fit_linear(Sample::take(s.x, rows_treated), Sample::take(s.y, rows_treated), ridge);
  m.control = fit_linear(Sample::take(s.x, rows_control), Sample::take(s.y, rows_control), ridge);
  m.m1 = m.treated.predict(s.x);
  m.m0 = m.control.predict(s.x);
  return m;
}

/// Adds a warning when an arm's outcome model was rank deficient.
template <typename Defer = void>
void warn_rank_deficient(detail::deferred_t<Defer, EffectEstimate>& result, const detail::deferred_t<Defer, ArmModels>& m) {
  if (m.treated.rank_deficient || m.control.rank_deficient) {
    result.warnings.push_back(std::string("collinear covariates within the ") + (m.treated.rank_deficient ? "treated" : "control") +
                              " arm: the outcome model used the minimum-norm least-squares solution");
  }
}

/// Completes a weighting estimator's result from its weights (each arm summing to 1): the estimate
/// sum_T w Y - sum_C w Y, the standard error from per-arm outcome-model residuals, and the balance
/// diagnostics.
template <typename Defer = void>
void finish_weighting_estimate(detail::deferred_t<Defer, EffectEstimate>& r, const detail::deferred_t<Defer, Sample>& s,
                               const EffectOptions& options) {
  r.estimate = ((2 * s.t.array() - 1) * r.weights.array()).matrix().dot(s.y);
  const auto models = fit_arm_models(s, options.ridge, s.treated, s.control);
  warn_rank_deficient(r, models);
  set_weighting_interval(r, r.weights, s.y, models.own_arm(s));
  fill_balance(r, s, r.weights);
}

/// A result with method, estimand, level and arm sizes filled in.
template <typename Defer = void>
EffectEstimate start_estimate(const std::string& method, const detail::deferred_t<Defer, Sample>& s,
                              const EffectOptions& options) {
  detail::deferred_t<Defer, EffectEstimate> r;
  r.method = method;
  r.estimand = options.estimand;
  r.confidence = options.confidence;
  r.n_treated = Index(s.treated.size());
  r.n_control = Index(s.control.size());
  return r;
}

/// Weights 1 / n_arm for every unit of its arm (the difference in means).
template <typename Defer = void>
Vector<double> uniform_arm_weights(const detail::deferred_t<Defer, Sample>& s) {
  using Real = detail::deferred_t<Defer, double>;
  Vector<Real> w(s.units());
  for (Index i : s.treated) w(i) = 1.0 / double(s.treated.size());
  for (Index i : s.control) w(i) = 1.0 / double(s.control.size());
  return w;
}

}  // namespace causalattn::detail
