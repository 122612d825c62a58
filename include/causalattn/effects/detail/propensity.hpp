#pragma once
/// \file
/// The propensity step shared by IPW and AIPW: logistic fit, optional trimming (refit on the units
/// kept) and clipping, overlap diagnostics, and the influence of an inverse-probability-weighted
/// arm mean including the sampling error of the propensity model.

#include <algorithm>
#include <string>
#include <vector>

#include "causalattn/effects/detail/diagnostics.hpp"
#include "causalattn/effects/effect_options.hpp"
#include "causalattn/effects/linear_model.hpp"
#include "causalattn/effects/logistic_model.hpp"
#include "causalattn/effects/treatment_data.hpp"

namespace causalattn::detail {

/// Fitted propensities of the units of a sample.
struct Propensity {
  LogisticFit fit;
  Vector<double> e;      ///< propensities used (after clipping)
  Vector<double> slope;  ///< de/d(linear predictor): e (1 - e), 0 where clipped
};

/// Clips propensities into [clip, 1 - clip] (when options.clip > 0), zeroing their slope; counts and
/// warns about the clipped units.
template <typename Defer = void>
void clip_propensities(Vector<detail::deferred_t<Defer, double>>& e, Vector<detail::deferred_t<Defer, double>>& slope,
                       const EffectOptions& options, detail::deferred_t<Defer, EffectEstimate>& result) {
  if (options.clip <= 0) return;
  Index clipped = 0;
  for (Index i = 0; i < e.size(); ++i) {
    if (e(i) >= options.clip && e(i) <= 1 - options.clip) continue;
    e(i) = std::min(std::max(e(i), options.clip), 1 - options.clip);
    slope(i) = 0;
    ++clipped;
  }
  result.diagnostics.overlap.clipped = clipped;
  if (clipped > 0) {
    result.warnings.push_back("clipping moved " + std::to_string(clipped) + " propensities into [" + rounded(options.clip) + ", " +
                              rounded(1 - options.clip) + "]: the estimate is biased towards the clipped units' arms");
  }
}

/// Warns when a propensity fit stopped before converging.
template <typename Defer = void>
void warn_unconverged(const SolverStatus& status, const EffectOptions& options,
                      detail::deferred_t<Defer, EffectEstimate>& result) {
  if (status.converged) return;
  result.warnings.push_back("the propensity model did not converge in " + std::to_string(options.max_iterations) +
                            " Newton steps (gradient " + rounded(status.residual) +
                            "): the arms may be (quasi-)separated; a ridge penalty helps");
}

/// Fits the propensity model on the whole sample and clips it; records overlap and solver status.
/// Throws `numerical_error` naming the first unit whose propensity is 0 or 1 to double precision
/// after clipping (a separated logistic fit), whose inverse weight would be infinite.
template <typename Defer = void>
Propensity fit_propensity(const detail::deferred_t<Defer, Sample>& s, const EffectOptions& options,
                          detail::deferred_t<Defer, EffectEstimate>& result) {
  detail::deferred_t<Defer, Propensity> ps;
  ps.fit = fit_logistic(s.x, s.t, options.ridge, options.max_iterations, options.tolerance);
  result.status = ps.fit.status;
  warn_unconverged(ps.fit.status, options, result);
  ps.e = ps.fit.probabilities;
  ps.slope = ps.e.array() * (1 - ps.e.array());
  fill_overlap(result, s, ps.e, options.ipw_form == IpwForm::horvitz_thompson);
  clip_propensities(ps.e, ps.slope, options, result);
  for (Index i = 0; i < ps.e.size(); ++i) {
    if (!(ps.e(i) > 0 && ps.e(i) < 1)) {
      throw numerical_error("the propensity of unit " + std::to_string(i) + " is " + rounded(ps.e(i)) +
                            " to double precision (the logistic fit separates the arms), so its inverse weight is infinite; "
                            "set options.clip (e.g. 0.01), options.trim or options.ridge");
    }
  }
  return ps;
}

/// Throws `numerical_error` when one unit carries more than half of its arm's weight in `weights`
/// (inverse-propensity weights, any scale per arm): its propensity is so close to 0 or 1 that the
/// arm's weighted mean would be that unit's value whatever the others are, and the interval would
/// be meaningless. Names the unit, its propensity `e` and `where` the propensity was estimated. O(n).
template <typename Defer = void>
void refuse_dominant_weight(const detail::deferred_t<Defer, Sample>& s, const Vector<detail::deferred_t<Defer, double>>& weights,
                            const Vector<detail::deferred_t<Defer, double>>& e, const std::string& where) {
  for (const auto* arm : {&s.treated, &s.control}) {
    double sum = 0;
    Index heaviest = arm->front();
    for (Index i : *arm) {
      sum += weights(i);
      if (weights(i) > weights(heaviest)) heaviest = i;
    }
    const double share = weights(heaviest) / sum;
    if (share > 0.5) {
      throw numerical_error("unit " + std::to_string(heaviest) + " (propensity " + rounded(e(heaviest)) + where + ") carries " +
                            rounded(100 * share) + "% of the " + (arm == &s.treated ? "treated" : "control") +
                            " arm's inverse-propensity weight, so the estimate would rest on it alone: the propensity model "
                            "(nearly) separates the arms; set options.clip (e.g. 0.01), options.trim or options.ridge");
    }
  }
}

/// The sample restricted to the units whose propensity lies in [trim, 1 - trim] (all units when
/// trim = 0). Warns about the change of estimand; throws `invalid_input` if an arm is left with
/// fewer than 2 units.
template <typename Defer = void>
Sample trim_sample(detail::deferred_t<Defer, Sample> s, const EffectOptions& options,
                   detail::deferred_t<Defer, EffectEstimate>& result) {
  using Real = detail::deferred_t<Defer, double>;
  if (options.trim <= 0) return s;  // moved out: no copy
  const Vector<Real> e = fit_logistic(s.x, s.t, options.ridge, options.max_iterations, options.tolerance).probabilities;
  std::vector<Index> kept;
  for (Index i = 0; i < s.units(); ++i)
    if (e(i) >= options.trim && e(i) <= 1 - options.trim) kept.push_back(i);
  detail::deferred_t<Defer, Sample> out;
  out.x = Sample::take(s.x, kept);
  out.y = Sample::take(s.y, kept);
  out.t = Sample::take(s.t, kept);
  for (Index i = 0; i < out.units(); ++i) (out.t(i) == 1 ? out.treated : out.control).push_back(i);
  if (out.treated.size() < 2 || out.control.size() < 2) {
    throw invalid_input("options.trim", "leaves " + std::to_string(out.treated.size()) + " treated and " +
                                            std::to_string(out.control.size()) + " control units; each arm needs at least 2");
  }
  result.diagnostics.overlap.trimmed = s.units() - out.units();
  result.n_treated = Index(out.treated.size());
  result.n_control = Index(out.control.size());
  if (out.units() < s.units()) {
    result.warnings.push_back("trimming dropped " + std::to_string(s.units() - out.units()) +
                              " units: the estimate concerns the units with propensity in [" + rounded(options.trim) + ", " +
                              rounded(1 - options.trim) + "]");
  }
  return out;
}

/// Influence values (scaled by 1 / sum b) of the arm mean mu = sum_i a_i Y_i / sum_i b_i, where the
/// weights a_i (derivative a'_i with respect to the unit's linear predictor) depend on the propensity
/// model and b is either a itself (`normalised`, Hajek) or fixed (Horvitz-Thompson). The propensity
/// term G' H^-1 z_j (t_j - e_j), G = sum_i (a'_i Y_i - mu b'_i) z_i, accounts for the estimated model.
template <typename Defer = void>
Vector<double> arm_mean_influence(const detail::deferred_t<Defer, Sample>& s, const detail::deferred_t<Defer, Propensity>& ps,
                                  const Vector<detail::deferred_t<Defer, double>>& a,
                                  const Vector<detail::deferred_t<Defer, double>>& a_prime,
                                  const Vector<detail::deferred_t<Defer, double>>& b, bool normalised, double mu) {
  using Real = detail::deferred_t<Defer, double>;
  const Index n = s.units(), k = s.x.cols() + 1;
  Vector<Real> g = Vector<Real>::Zero(k);
  for (Index i = 0; i < n; ++i) {
    const double factor = a_prime(i) * (normalised ? s.y(i) - mu : s.y(i));
    if (factor != 0) g += factor * LinearFit::design_row(s.x.row(i));
  }
  const Vector<Real> direction = ps.fit.inverse_information * g / double(n);
  const double total = b.sum();
  Vector<Real> influence(n);
  for (Index j = 0; j < n; ++j) {
    const double score = direction.dot(LinearFit::design_row(s.x.row(j))) * (s.t(j) - ps.fit.probabilities(j));
    influence(j) = (a(j) * s.y(j) - mu * b(j) + score) / total;
  }
  return influence;
}

}  // namespace causalattn::detail
