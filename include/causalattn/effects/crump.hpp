#pragma once
/// \file
/// The trimming rule of Crump, Hotz, Imbens and Mitnik (2009): which propensity range to keep so
/// the effect on the kept units has the smallest asymptotic variance.

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/core/scalar.hpp"

namespace causalattn {

/// The threshold a of Crump et al. (2009)'s rule: keep the units with propensity e in [a, 1 - a].
/// With g = 1 / (e (1 - e)), a = 0 (keep all) when max g <= 2 mean g; else g is cut at gamma =
/// 2 mean{g_i : g_i <= gamma} (taking, of the sample's fixed points, the one that keeps most
/// units) and a = 1/2 - sqrt(1/4 - 1/gamma). A unit with e of exactly 0 or 1 is always dropped.
/// Throws `invalid_input` naming `propensity` for an empty vector or a value outside [0, 1] or
/// not finite (naming the row). O(n log n).
/// Example: `double a = causalattn::crump_threshold(e);  // often about 0.1 when overlap is poor`
template <class Derived>
double crump_threshold(const Eigen::MatrixBase<Derived>& propensity) {
  const Index n = propensity.size();
  if (n == 0) throw invalid_input("propensity", "is empty");
  std::vector<double> g;
  g.reserve(std::size_t(n));
  bool certain = false;  // a unit with e = 0 or 1 must go
  for (Index i = 0; i < n; ++i) {
    const double e = double(propensity(i));
    if (!(e >= 0 && e <= 1))
      throw invalid_input("propensity", "row " + std::to_string(i) + " is " + detail::to_text(e) + ", must lie in [0, 1]");
    if (e == 0 || e == 1) certain = true;
    else g.push_back(1 / (e * (1 - e)));
  }
  if (g.empty()) throw invalid_input("propensity", "every value is 0 or 1: no unit has both arms possible");
  std::sort(g.begin(), g.end());
  double sum = 0;
  for (double v : g) sum += v;
  if (!certain && g.back() <= 2 * sum / double(g.size())) return 0;
  double prefix = 0, gamma = 2 * g.front();
  for (std::size_t k = 0; k < g.size(); ++k) {
    prefix += g[k];
    const double mean = prefix / double(k + 1);
    if (g[k] <= 2 * mean) gamma = 2 * mean;
  }
  return 0.5 - std::sqrt(0.25 - 1 / gamma);
}

}  // namespace causalattn
