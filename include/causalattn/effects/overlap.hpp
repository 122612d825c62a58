#pragma once
/// \file
/// Propensity overlap for any estimator: a logistic propensity model of T on X and the summary an
/// analyst checks before trusting a weighting estimate (ranges per arm, extreme values, the share
/// outside [0.05, 0.95], Crump et al.'s trimming suggestion).

#include <string>
#include <vector>

#include "causalattn/effects/detail/propensity.hpp"
#include "causalattn/effects/effect_estimate.hpp"
#include "causalattn/effects/effect_options.hpp"
#include "causalattn/effects/logistic_model.hpp"
#include "causalattn/effects/treatment_data.hpp"

namespace causalattn {

/// What `propensity_overlap` returns.
struct PropensityOverlap {
  Vector<double> propensity;          ///< e(x) per unit, in row order
  OverlapSummary summary;             ///< ranges, extremes, share outside [0.05, 0.95], Crump's suggestion
  SolverStatus status;                ///< how the logistic fit ended
  std::vector<std::string> warnings;  ///< extreme propensities, a fit that did not converge
};

/// Fits the logistic propensity model of T on X (covariates standardised when
/// `options.standardize`, ridge `options.ridge`, `options.max_iterations` Newton steps to
/// `options.tolerance`: the model IPW and AIPW use) and summarises the overlap of the arms.
/// Throws `invalid_input` for bad options. O(iterations x n p^2).
/// Example: `auto o = causalattn::propensity_overlap(data); if (o.summary.crump_threshold > 0) ...`
template <class Scalar>
PropensityOverlap propensity_overlap(const TreatmentData<Scalar>& data, const EffectOptions& options = {}) {
  options.validate();
  const detail::Sample s = detail::make_sample(data, options.standardize);
  const LogisticFit fit = fit_logistic(s.x, s.t, options.ridge, options.max_iterations, options.tolerance);
  EffectEstimate scratch;
  detail::warn_unconverged(fit.status, options, scratch);
  detail::fill_overlap(scratch, s, fit.probabilities, false);
  PropensityOverlap out;
  out.propensity = fit.probabilities;
  out.summary = scratch.diagnostics.overlap;
  out.status = fit.status;
  out.warnings = scratch.warnings;
  return out;
}

}  // namespace causalattn
