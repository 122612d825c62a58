#pragma once
/// \file
/// The regularised incomplete beta function, for F and Student t p-values and quantiles.

#include <cmath>
#include <limits>

namespace causalattn::detail {

/// Continued fraction of I_x(a, b) (the even/odd terms d_2m, d_2m+1 of its standard expansion),
/// evaluated by the modified Lentz method to relative accuracy ~1e-15. Converges fast for
/// x < (a + 1) / (a + b + 2).
template <typename = void>
double beta_continued_fraction(double a, double b, double x) {
  const double eps = 1e-16, tiny = std::numeric_limits<double>::min() / eps;
  auto guard = [&](double v) { return std::abs(v) < tiny ? tiny : v; };
  double c = 1, d = 1 / guard(1 - (a + b) * x / (a + 1)), h = d;
  for (int m = 1; m < 100000; ++m) {
    const double even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
    d = 1 / guard(1 + even * d);
    c = guard(1 + even / c);
    h *= d * c;
    const double odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 / guard(1 + odd * d);
    c = guard(1 + odd / c);
    const double step = d * c;
    h *= step;
    if (std::abs(step - 1) < eps) break;
  }
  return h;
}

/// I_x(a, b), a, b > 0, x in [0, 1]: the continued fraction on whichever of x and 1 - x converges
/// (I_x(a, b) = 1 - I_(1-x)(b, a)). O(sqrt(max(a, b))) terms.
template <typename = void>
double regularized_beta(double a, double b, double x) {
  if (!(x > 0)) return 0;
  if (!(x < 1)) return 1;
  const double log_front = std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return std::exp(log_front) * beta_continued_fraction(a, b, x) / a;
  return 1 - std::exp(log_front) * beta_continued_fraction(b, a, 1 - x) / b;
}

/// Upper tail P(F > f) of the F distribution with (d1, d2) degrees of freedom: I_(d2/(d2 + d1 f))(d2/2, d1/2).
template <typename = void>
double f_upper_tail(double f, double d1, double d2) {
  if (!(f > 0)) return 1;
  if (std::isinf(f)) return 0;
  return regularized_beta(d2 / 2, d1 / 2, d2 / (d2 + d1 * f));
}

/// Two-sided Student t p-value P(|T| > |t|) with `freedom` degrees of freedom: I_(v/(v + t^2))(v/2, 1/2).
template <typename = void>
double student_two_sided(double t, double freedom) {
  if (std::isinf(t)) return 0;
  return regularized_beta(freedom / 2, 0.5, freedom / (freedom + t * t));
}

/// The two-sided critical value of Student's t: the t > 0 with P(|T| > t) = alpha for `freedom`
/// degrees of freedom, alpha in (0, 1), freedom > 0. Bisection on the monotone tail after doubling
/// an upper bracket; about 1e-15 relative accuracy. O(log) tail evaluations.
template <typename = void>
double student_quantile_two_sided(double alpha, double freedom) {
  double low = 0, high = 1;
  while (student_two_sided(high, freedom) > alpha && high < 1e300) high *= 2;
  for (int step = 0; step < 200 && high - low > 1e-15 * high; ++step) {
    const double middle = 0.5 * (low + high);
    if (student_two_sided(middle, freedom) > alpha) low = middle;
    else high = middle;
  }
  return 0.5 * (low + high);
}

}  // namespace causalattn::detail
