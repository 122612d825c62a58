#pragma once
/// \file
/// The regularised upper incomplete gamma function Q(a, x), for chi-square p-values.

#include <cmath>
#include <limits>

namespace causalattn::detail {

/// Q(a, x) = Gamma(a, x) / Gamma(a) for a > 0, x >= 0: the series for P when x < a + 1, else the
/// continued fraction for Q (modified Lentz), both to relative accuracy ~1e-15 (Numerical Recipes
/// section 6.2 formulas). The chi-square upper tail with k degrees of freedom at s is Q(k/2, s/2).
template <typename = void>
double regularized_gamma_q(double a, double x) {
  if (!(x > 0)) return 1.0;
  const double log_prefactor = a * std::log(x) - x - std::lgamma(a);
  const double eps = 1e-16;
  if (x < a + 1) {
    double term = 1 / a, sum = term;
    for (int n = 1; n < 100000; ++n) {
      term *= x / (a + n);
      sum += term;
      if (std::abs(term) < std::abs(sum) * eps) break;
    }
    return std::max(0.0, 1 - sum * std::exp(log_prefactor));
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
  return std::exp(log_prefactor) * h;
}

}  // namespace causalattn::detail
