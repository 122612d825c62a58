#pragma once
// A confounded linear design with a known, constant treatment effect, for the effects tests.

#include <cmath>

#include "causalattn/core/random.hpp"
#include "causalattn/core/scalar.hpp"

namespace causalattn::test {

/// X, T, Y of one simulated data set.
struct SimulatedEffects {
  Matrix<double> x;
  Vector<double> t, y;
};

/// X ~ N(0, I_p), T ~ Bernoulli(sigmoid(0.5 x1 - 0.5 x2)), Y = 1 + x1 + 0.5 x2 - 0.5 x3 + tau T + N(0, 1)
/// (p >= 3), so SATE = SATT = tau.
inline SimulatedEffects simulate_effects(Index n, Index p, double tau, Rng& rng) {
  SimulatedEffects d{normal_matrix<double>(n, p, rng), Vector<double>(n), Vector<double>(n)};
  for (Index i = 0; i < n; ++i) {
    const double score = 0.5 * d.x(i, 0) - 0.5 * d.x(i, 1);
    d.t(i) = rng.bernoulli(1 / (1 + std::exp(-score))) ? 1 : 0;
    d.y(i) = 1 + d.x(i, 0) + 0.5 * d.x(i, 1) - 0.5 * d.x(i, 2) + tau * d.t(i) + rng.normal();
  }
  return d;
}

}  // namespace causalattn::test
