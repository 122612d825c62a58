#pragma once
/// \file
/// Heterogeneous (conditional average) treatment effects per unit: the result type and the OLS
/// T-learner every CATE method is measured against.

#include <cmath>
#include <string>
#include <vector>

#include "causalattn/core/threads.hpp"
#include "causalattn/effects/detail/arm_models.hpp"
#include "causalattn/effects/effect_options.hpp"
#include "causalattn/effects/treatment_data.hpp"

namespace causalattn {

/// Per-unit effect estimates tau(x_i) = E[Y(1) - Y(0) | x_i] for the units of a data set.
/// Example: `causalattn::CateEstimate c = causalattn::t_learner(data); double first = c.effect(0);`
struct CateEstimate {
  std::string method;                 ///< e.g. "t-learner-ols"
  Vector<double> effect;              ///< tau_hat(x_i), one per unit in data order
  Vector<double> std_error;           ///< its standard error per unit; empty when the method gives none
  double average = 0;                 ///< mean of `effect` over the units (the plug-in ATE)
  std::vector<std::string> warnings;  ///< conditions a user should know about (collinear covariates, ...)
};

/// Root mean squared difference between an estimated and a true per-unit effect (PEHE, "precision
/// in estimation of heterogeneous effects", Hill 2011). Throws `invalid_input` when the sizes differ
/// or either is empty. O(n).
/// Example: `double e = causalattn::pehe(cate.effect, truth_mu1 - truth_mu0);`
template <typename Defer = void>
double pehe(const Vector<detail::deferred_t<Defer, double>>& estimate, const Vector<detail::deferred_t<Defer, double>>& truth) {
  if (estimate.size() == 0 || estimate.size() != truth.size()) {
    throw invalid_input("estimate", "has " + std::to_string(estimate.size()) + " entries and truth " +
                                        std::to_string(truth.size()) + "; both must have the same positive length");
  }
  return std::sqrt((estimate - truth).squaredNorm() / double(estimate.size()));
}

/// The T-learner with OLS (or ridge, `options.ridge`) outcome models: m_1 fitted on the treated,
/// m_0 on the controls, tau_hat(x_i) = m_1(x_i) - m_0(x_i) for every unit. The standard error of
/// unit i is sqrt(z_i' (V_1 + V_0) z_i), z_i = (1, x_i) and V_a arm a's HC0 sandwich covariance
/// (the arms are independent samples); it covers the linear projection of tau, not the error of
/// a misspecified model. Covariates are standardised as `options.standardize` says (the
/// predictions do not depend on it without ridge). `options.estimand`, `bootstrap` and the
/// weighting fields are not used. Throws `invalid_input` as the effect estimators do.
/// O(n p^2 + p^3).
/// Example: `auto cate = causalattn::t_learner(data); double first = cate.effect(0);`
template <class Scalar>
CateEstimate t_learner(const TreatmentData<Scalar>& data, const EffectOptions& options = {}) {
  using Real = detail::deferred_t<Scalar, double>;
  options.validate();
  const ThreadLimit limit(options.threads);
  const detail::deferred_t<Scalar, detail::Sample> s = detail::make_sample(data, options.standardize);
  const detail::deferred_t<Scalar, detail::ArmModels> m = detail::fit_arm_models(s, options.ridge, s.treated, s.control);
  detail::deferred_t<Scalar, CateEstimate> r;
  r.method = "t-learner-ols";
  r.effect = m.m1 - m.m0;
  r.average = r.effect.mean();
  const Matrix<Real> covariance = m.treated.covariance + m.control.covariance;
  r.std_error.resize(s.units());
  for (Index i = 0; i < s.units(); ++i) {
    const Vector<Real> z = LinearFit::design_row(s.x.row(i));
    r.std_error(i) = std::sqrt(std::max(0.0, z.dot(covariance * z)));
  }
  if (m.treated.rank_deficient || m.control.rank_deficient) {
    r.warnings.push_back(std::string("collinear covariates within the ") + (m.treated.rank_deficient ? "treated" : "control") +
                         " arm: its outcome model used the minimum-norm least-squares solution");
  }
  return r;
}

}  // namespace causalattn
