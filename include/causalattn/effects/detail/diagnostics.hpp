#pragma once
/// \file
/// Balance diagnostics (standardised mean differences, effective sample sizes, largest weight),
/// propensity overlap and the warnings a user should see.

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "causalattn/core/checks.hpp"
#include "causalattn/effects/crump.hpp"
#include "causalattn/effects/effect_estimate.hpp"
#include "causalattn/effects/treatment_data.hpp"

namespace causalattn {
namespace detail {

/// A number with 4 significant digits, for messages a person reads.
template <typename = void>
std::string rounded(double v) {
  std::ostringstream out;
  out.precision(4);
  out << v;
  return out.str();
}

/// Weighted column means of the rows `rows` of x (weights w indexed by row of x; uniform if empty).
template <typename Defer = void>
RowVector<double> arm_means(const Matrix<detail::deferred_t<Defer, double>>& x, const std::vector<Index>& rows,
                            const Vector<detail::deferred_t<Defer, double>>& w) {
  using Real = detail::deferred_t<Defer, double>;
  RowVector<Real> sum = RowVector<Real>::Zero(x.cols());
  double total = 0;
  for (Index i : rows) {
    const double weight = w.size() ? w(i) : 1.0;
    sum += weight * x.row(i);
    total += weight;
  }
  return sum / total;
}

/// Fills the effective sample size of each arm and the largest share of its arm's weight one unit
/// carries, from unit weights (any positive scale per arm); warns when an arm's effective sample
/// size is below 10% of its size or one unit carries more than 10% of its arm. O(n).
template <typename Defer = void>
void fill_weight_summary(detail::deferred_t<Defer, EffectEstimate>& result, const detail::deferred_t<Defer, Sample>& s,
                         const Vector<detail::deferred_t<Defer, double>>& weights) {
  auto& d = result.diagnostics;
  double max_share = 0;
  auto ess = [&](const std::vector<Index>& rows) {
    double sum = 0, squares = 0;
    for (Index i : rows) {
      sum += weights(i);
      squares += weights(i) * weights(i);
    }
    for (Index i : rows) max_share = std::max(max_share, weights(i) / sum);
    return squares > 0 ? sum * sum / squares : 0.0;
  };
  d.ess_treated = ess(s.treated);
  d.ess_control = ess(s.control);
  d.max_weight = max_share;
  if (*d.ess_treated < 0.1 * double(s.treated.size()) || *d.ess_control < 0.1 * double(s.control.size())) {
    result.warnings.push_back("effective sample size below 10% of an arm (treated " + rounded(*d.ess_treated) + ", control " +
                              rounded(*d.ess_control) + "): the estimate rests on few units");
  }
  if (max_share > 0.1) result.warnings.push_back("one unit carries " + rounded(100 * max_share) + "% of its arm's weight");
}

/// Weighted column variances of the rows `rows` of x with reliability weights w (indexed by row of
/// x; uniform if empty): sum w (x - m)^2 / (sum w - sum w^2 / sum w), m the weighted mean, which is
/// the usual n - 1 sample variance for uniform weights; 0 when one unit carries all the weight.
/// O(|rows| p).
template <typename Defer = void>
RowVector<double> arm_variances(const Matrix<detail::deferred_t<Defer, double>>& x, const std::vector<Index>& rows,
                                const Vector<detail::deferred_t<Defer, double>>& w) {
  using Real = detail::deferred_t<Defer, double>;
  const RowVector<Real> mean = arm_means(x, rows, w);
  RowVector<Real> squares = RowVector<Real>::Zero(x.cols());
  double total = 0, total_squares = 0;
  for (Index i : rows) {
    const double weight = w.size() ? w(i) : 1.0;
    squares += weight * (x.row(i) - mean).array().square().matrix();
    total += weight;
    total_squares += weight * weight;
  }
  const double effective = total - total_squares / total;  // 0 when one unit carries all the weight
  return effective > 0 ? RowVector<Real>(squares / effective) : RowVector<Real>::Zero(x.cols());
}

/// Fills smd_before, variance_ratio_before and, with weights, smd_after, variance_ratio_after and
/// the weight summary (`fill_weight_summary`); warns when |SMD| > 0.1 after weighting. `weights`
/// may be empty (a method without unit weights: only the "before" columns are filled, without
/// warnings). A covariate constant within both arms has SMD 0 when the means agree and variance
/// ratio 1; constant in the control arm only, its ratio is +infinity.
template <typename Defer = void>
void fill_balance(detail::deferred_t<Defer, EffectEstimate>& result, const detail::deferred_t<Defer, Sample>& s,
                  const Vector<detail::deferred_t<Defer, double>>& weights) {
  using Real = detail::deferred_t<Defer, double>;
  auto& d = result.diagnostics;
  const Vector<Real> none;
  const RowVector<Real> treated_variance = arm_variances(s.x, s.treated, none),
                        control_variance = arm_variances(s.x, s.control, none);
  const RowVector<Real> pooled = ((treated_variance + control_variance) / 2).cwiseSqrt();
  auto standardise = [&](const RowVector<Real>& difference) {
    Vector<Real> out(difference.size());
    for (Index j = 0; j < difference.size(); ++j) out(j) = pooled(j) > 0 ? difference(j) / pooled(j) : 0.0;
    return out;
  };
  auto ratio = [](const RowVector<Real>& treated, const RowVector<Real>& control) {
    Vector<Real> out(treated.size());
    for (Index j = 0; j < treated.size(); ++j) {
      out(j) = control(j) > 0 ? treated(j) / control(j) : treated(j) > 0 ? HUGE_VAL : 1.0;
    }
    return out;
  };
  d.smd_before = standardise(arm_means(s.x, s.treated, none) - arm_means(s.x, s.control, none));
  d.variance_ratio_before = ratio(treated_variance, control_variance);
  if (weights.size() == 0) return;
  d.smd_after = standardise(arm_means(s.x, s.treated, weights) - arm_means(s.x, s.control, weights));
  d.variance_ratio_after = ratio(arm_variances(s.x, s.treated, weights), arm_variances(s.x, s.control, weights));
  const double worst = d.smd_after.cwiseAbs().maxCoeff();
  if (worst > 0.1) {
    result.warnings.push_back("a covariate stays imbalanced after weighting (largest |SMD| " + rounded(worst) + ")");
  }
  fill_weight_summary(result, s, weights);
}

/// Summarises propensities e (indexed by row) over the units of `s`: ranges per arm, extreme
/// values, the share outside [0.05, 0.95] and Crump et al.'s trimming suggestion; warns about
/// extreme values, suggesting the Hajek form too when `horvitz_thompson` weights are in use.
template <typename Defer = void>
void fill_overlap(detail::deferred_t<Defer, EffectEstimate>& result, const detail::deferred_t<Defer, Sample>& s,
                  const Vector<detail::deferred_t<Defer, double>>& e, bool horvitz_thompson) {
  auto& o = result.diagnostics.overlap;
  o.available = true;
  auto range = [&](const std::vector<Index>& rows, double& lo, double& hi) {
    lo = 1;
    hi = 0;
    for (Index i : rows) {
      lo = std::min(lo, e(i));
      hi = std::max(hi, e(i));
    }
  };
  range(s.treated, o.min_treated, o.max_treated);
  range(s.control, o.min_control, o.max_control);
  o.extreme = Index((e.array() < 0.01 || e.array() > 0.99).count());
  o.share_outside = double((e.array() < 0.05 || e.array() > 0.95).count()) / double(e.size());
  o.crump_threshold = crump_threshold(e);
  o.crump_dropped = o.crump_threshold > 0 ? Index((e.array() < o.crump_threshold || e.array() > 1 - o.crump_threshold).count())
                                          : 0;
  if (o.extreme > 0) {
    result.warnings.push_back(std::to_string(o.extreme) + " units have propensity below 0.01 or above 0.99 (control range [" +
                              rounded(o.min_control) + ", " + rounded(o.max_control) + "]): weights are unstable; consider "
                              "clipping, trimming" + (horvitz_thompson ? std::string(" or the Hajek form") : std::string()));
  }
}

}  // namespace detail
}  // namespace causalattn
