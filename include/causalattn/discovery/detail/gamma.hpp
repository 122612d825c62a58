#pragma once
/// \file
/// The regularised incomplete gamma functions P(a, x) and Q(a, x), for chi-square and gamma p-values.

#include <cmath>
#include <limits>

namespace causalattn::detail {

/// P(a, x) and Q(a, x) = 1 - P(a, x) for a > 0, x >= 0, each computed directly where it is small:
/// the series for P when x < a + 1, else the continued fraction for Q (modified Lentz), both to
/// relative accuracy ~1e-15 (Numerical Recipes section 6.2 formulas). Returns Q when `upper`, else P.
template <typename = void>
double regularized_gamma(double a, double x, bool upper) {
  if (!(x > 0)) return upper ? 1.0 : 0.0;
  const double log_prefactor = a * std::log(x) - x - std::lgamma(a);
  const double eps = 1e-16;
  if (x < a + 1) {
    double term = 1 / a, sum = term;
    for (int n = 1; n < 100000; ++n) {
      term *= x / (a + n);
      sum += term;
      if (std::abs(term) < std::abs(sum) * eps) break;
    }
    const double lower = std::min(1.0, sum * std::exp(log_prefactor));
    return upper ? 1 - lower : lower;
  }
  const double tiny = std::numeric_limits<double>::min() / eps;
  double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (int n = 1; n < 100000; ++n) {
    const double an = -n * (n - a);
    b += 2;
    d = an * d + b;
    if (std::abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::abs(c) < tiny) c = tiny;
    d = 1 / d;
    const double delta = d * c;
    h *= delta;
    if (std::abs(delta - 1) < eps) break;
  }
  const double tail = std::min(1.0, std::exp(log_prefactor) * h);
  return upper ? tail : 1 - tail;
}

/// Q(a, x) = Gamma(a, x) / Gamma(a), the regularised upper incomplete gamma function. The chi-square
/// upper tail with k degrees of freedom at s is Q(k/2, s/2). O(iterations), ~1e-15 relative.
template <typename = void>
double regularized_gamma_q(double a, double x) {
  return regularized_gamma(a, x, true);
}

/// P(a, x) = 1 - Q(a, x), the regularised lower incomplete gamma function (the gamma CDF at x with
/// unit scale). O(iterations), ~1e-15 relative.
template <typename = void>
double regularized_gamma_p(double a, double x) {
  return regularized_gamma(a, x, false);
}

}  // namespace causalattn::detail
