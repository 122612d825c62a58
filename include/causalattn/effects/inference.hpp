#pragma once
/// \file
/// Standard errors and intervals: normal quantiles, influence-function variances and the variance
/// of a weighting estimator from outcome-model residuals.

#include <cmath>
#include <limits>

#include "causalattn/core/errors.hpp"
#include "causalattn/core/checks.hpp"
#include "causalattn/core/scalar.hpp"
#include "causalattn/effects/effect_estimate.hpp"

namespace causalattn {

/// The q-quantile of the standard normal distribution, q in (0, 1): Acklam's rational approximation
/// refined by two Newton steps on erfc, accurate to ~1e-15. Throws `invalid_input` outside (0, 1). O(1).
/// Example: `double z = causalattn::normal_quantile(0.975);  // 1.959963984540054`
template <typename Defer = void>
double normal_quantile(double q) {
  if (!(q > 0 && q < 1)) throw invalid_input("q", "is " + detail::to_text(q) + ", must lie in (0, 1)");
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
  const double low = 0.02425;
  double x;
  if (q < low || q > 1 - low) {
    const double r = std::sqrt(-2 * std::log(q < low ? q : 1 - q));
    x = (((((c[0] * r + c[1]) * r + c[2]) * r + c[3]) * r + c[4]) * r + c[5]) / ((((d[0] * r + d[1]) * r + d[2]) * r + d[3]) * r + 1);
    if (q > 1 - low) x = -x;
  } else {
    const double u = q - 0.5, r = u * u;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * u /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  for (int step = 0; step < 2; ++step) {  // Newton on Phi(x) - q, Phi from erfc (accurate in both tails)
    const double phi = 0.5 * std::erfc(-x / std::sqrt(2.0));
    const double density = std::exp(-0.5 * x * x) / 2.5066282746310002;
    if (density > 0) x -= (phi - q) / density;
  }
  return x;
}

namespace detail {

/// Sets std_error = sqrt(sum influence^2) (the influence values already carry their 1/n) and the
/// normal interval at `result.confidence`.
template <typename Defer = void>
void set_normal_interval(detail::deferred_t<Defer, EffectEstimate>& result, double std_error, const std::string& method) {
  result.std_error = std_error;
  const double z = normal_quantile(0.5 + result.confidence / 2);
  result.ci_low = result.estimate - z * std_error;
  result.ci_high = result.estimate + z * std_error;
  result.std_error_method = method;
}

/// Standard error from per-unit influence values phi_i (already divided by n): sqrt(sum phi_i^2).
template <typename Defer = void>
void set_influence_interval(detail::deferred_t<Defer, EffectEstimate>& result,
                            const Vector<detail::deferred_t<Defer, double>>& influence) {
  set_normal_interval(result, std::sqrt(influence.squaredNorm()), "influence function");
}

/// Standard error of a weighting estimator sum_T w_i Y_i - sum_C w_i Y_i, conditional on X and T:
/// sqrt(sum_i w_i^2 (Y_i - m_(T_i)(X_i))^2) with m the outcome model's predictions.
template <typename Defer = void>
void set_weighting_interval(detail::deferred_t<Defer, EffectEstimate>& result,
                            const Vector<detail::deferred_t<Defer, double>>& weights,
                            const Vector<detail::deferred_t<Defer, double>>& y,
                            const Vector<detail::deferred_t<Defer, double>>& predicted) {
  set_normal_interval(result, std::sqrt((weights.array() * (y - predicted).array()).square().sum()),
                      "weights and outcome-model residuals");
}

}  // namespace detail
}  // namespace causalattn
