#pragma once
/// \file
/// The Kang and Schafer (2007, "Demystifying double robustness", Statistical Science 22(4)) design,
/// read as a treatment-effect problem: the propensity and the outcome are linear in latent
/// Gaussian covariates Z, but the analyst sees only nonlinear transforms X of them, so every
/// model on X is misspecified (the case known to break IPW and AIPW).
///
/// Z ~ N(0, I_4); P(T = 1 | Z) = sigmoid(-Z1 + 0.5 Z2 - 0.25 Z3 - 0.1 Z4);
/// mu0 = 210 + 27.4 Z1 + 13.7 (Z2 + Z3 + Z4), mu1 = mu0 + effect, Y = mu_T + N(0, 1);
/// X = (exp(Z1 / 2), Z2 / (1 + exp(Z1)) + 10, (Z1 Z3 / 25 + 0.6)^3, (Z2 + Z4 + 20)^2).

#include <cmath>
#include <cstdint>
#include <string>

#include "causalattn/core/errors.hpp"
#include "causalattn/core/random.hpp"
#include "causalattn/effects/simulate.hpp"

namespace causalattn {

/// One Kang-Schafer data set of n units (model in the file comment) from `Rng(seed)`, with the
/// truth filled in: mu0, mu1, the true propensity, ate = att = `effect`; all four covariates are
/// confounders (`covariate_dag` has no edges; the latent Z are not returned). The family field is
/// left at its default (this design is not a `SimulationFamily`). If an arm has fewer than 2 units,
/// T is redrawn (at most 100 times, then `numerical_error`). Throws `invalid_input` for n < 10 or a
/// non-finite effect. O(n).
/// Example: `auto d = causalattn::kang_schafer_dataset(1000, 5);  // d.x, d.t, d.y; truth d.ate`
template <typename Defer = void>
SimulatedDataset kang_schafer_dataset(Index n, std::uint64_t seed, double effect = 0) {
  using Real = detail::deferred_t<Defer, double>;
  if (n < 10) throw invalid_input("n", "is " + std::to_string(n) + ", must be >= 10");
  if (!std::isfinite(effect)) throw invalid_input("effect", "is " + detail::to_text(effect) + ", must be finite");
  Rng rng(seed);
  detail::deferred_t<Defer, SimulatedDataset> d;
  d.seed = seed;
  Matrix<Real> z(n, 4);
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < 4; ++j) z(i, j) = rng.normal();
  d.x.resize(n, 4);
  d.propensity.resize(n);
  d.mu0.resize(n);
  for (Index i = 0; i < n; ++i) {
    const double z1 = z(i, 0), z2 = z(i, 1), z3 = z(i, 2), z4 = z(i, 3);
    d.x(i, 0) = std::exp(z1 / 2);
    d.x(i, 1) = z2 / (1 + std::exp(z1)) + 10;
    d.x(i, 2) = std::pow(z1 * z3 / 25 + 0.6, 3);
    d.x(i, 3) = (z2 + z4 + 20) * (z2 + z4 + 20);
    const double logit = -z1 + 0.5 * z2 - 0.25 * z3 - 0.1 * z4;
    d.propensity(i) = logit >= 0 ? 1 / (1 + std::exp(-logit)) : std::exp(logit) / (1 + std::exp(logit));
    d.mu0(i) = 210 + 27.4 * z1 + 13.7 * (z2 + z3 + z4);
  }
  d.mu1 = d.mu0.array() + effect;
  d.t = detail::draw_treatment(d.propensity, rng, "kang_schafer_dataset: seed " + std::to_string(seed), "");
  d.y.resize(n);
  for (Index i = 0; i < n; ++i) d.y(i) = d.mu0(i) + d.t(i) * effect + rng.normal();
  d.ate = d.att = effect;
  d.covariate_dag = Graph(4);
  d.treatment_parents = d.outcome_parents = d.confounders = {0, 1, 2, 3};
  return d;
}

}  // namespace causalattn
