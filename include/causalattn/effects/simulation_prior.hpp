#pragma once
/// \file
/// The broad prior over data-generating processes for training and testing zero-shot effect models:
/// every data set draws its own `SimulationFamily` (its size, shape, mechanisms, noise, overlap,
/// treated share and effect heterogeneity) and then its data from that family.
///
/// Ranges of `prior_family` (each independent; "log-uniform" means uniform in the logarithm):
/// - n log-uniform in [50, 5000]; p log-uniform in [1, 50], rounded (small p as often as large);
/// - covariate DAG expected degree uniform in [0, 4]; mechanism linear, nonlinear or mixed and noise
///   Gaussian, uniform or Laplace, each with probability 1/3; noise sd log-uniform in [0.25, 2];
///   with probability 1/2 a binary share uniform in [0, 0.5], and independently a skewed share
///   uniform in [0, 0.5] (else 0); with probability 1/2 heteroscedastic outcome noise, h uniform
///   in [0, 0.7] (else 0);
/// - parent probabilities of T and of Y each uniform in [0.1, 0.8] (so some covariates are
///   instruments, some only prognostic, some irrelevant); confounding strength uniform in [0, 3]
///   (3 gives weak overlap); propensity clip log-uniform in [0.005, 0.05];
/// - treated share s uniform in [max(0.05, 5 / n), min(0.95, 1 - 5 / n)], the logit's intercept
///   fixed at log(s / (1 - s)) (the share is exact without confounding and near it with);
/// - constant effect uniform in [-2, 2]; with probability 0.7 heterogeneous, 1 to 3 effect
///   modifiers, heterogeneity uniform in [0, 1.5].

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "causalattn/core/random.hpp"
#include "causalattn/core/threads.hpp"
#include "causalattn/effects/simulate.hpp"

namespace causalattn {

/// Draws one family from the prior (ranges in the file comment) with `rng`: n_min = n_max and
/// p_min = p_max are the drawn sizes. O(1).
/// Example: `causalattn::Rng rng(7); auto family = causalattn::prior_family(rng);`
template <typename Defer = void>
SimulationFamily prior_family(detail::deferred_t<Defer, Rng>& rng) {
  auto log_uniform = [&rng](double lo, double hi) { return std::exp(rng.uniform(std::log(lo), std::log(hi))); };
  SimulationFamily f;
  f.n_min = f.n_max = std::clamp(Index(std::lround(log_uniform(50, 5000))), Index(50), Index(5000));
  f.p_min = f.p_max = std::clamp(Index(std::lround(log_uniform(1, 50))), Index(1), Index(50));
  f.expected_degree = rng.uniform(0, 4);
  f.mechanism = static_cast<Mechanism>(rng.uniform_int(3));
  f.noise = static_cast<Noise>(rng.uniform_int(3));
  f.noise_scale = log_uniform(0.25, 2);
  f.binary_share = rng.bernoulli(0.5) ? rng.uniform(0, 0.5) : 0.0;
  f.skewed_share = rng.bernoulli(0.5) ? rng.uniform(0, 0.5) : 0.0;
  f.heteroscedasticity = rng.bernoulli(0.5) ? rng.uniform(0, 0.7) : 0.0;
  f.treatment_parent_probability = rng.uniform(0.1, 0.8);
  f.outcome_parent_probability = rng.uniform(0.1, 0.8);
  f.confounding_strength = rng.uniform(0, 3);
  f.overlap = log_uniform(0.005, 0.05);
  const double n = double(f.n_min);
  const double share = rng.uniform(std::max(0.05, 5 / n), std::min(0.95, 1 - 5 / n));
  f.intercept_min = f.intercept_max = std::log(share / (1 - share));
  f.heterogeneous = rng.bernoulli(0.7);
  f.effect_modifiers = 1 + Index(rng.uniform_int(3));
  f.heterogeneity = rng.uniform(0, 1.5);
  return f;
}

/// Draws `count` data sets from the prior: data set i takes the stream `Rng(seed).substream(i)`,
/// draws its family with `prior_family`, caps its n at `max_units` (>= 50; training uses smaller
/// sets than the prior's 5000) and then draws its data with `simulate_dataset(family, next value
/// of the stream)`; on up to `threads` threads (0 = all), identical for any thread count.
/// Each data set records its family (`SimulatedDataset::family`). Throws `invalid_input` for a
/// negative `threads` or `max_units` < 50; a `numerical_error` of the lowest failing data set is rethrown.
/// O(count x the cost of one data set); memory O(sum of n p).
/// Example: `auto train = causalattn::simulate_prior_datasets(4096, 20261204);`
template <typename Defer = void>
std::vector<SimulatedDataset> simulate_prior_datasets(std::size_t count, std::uint64_t seed, int threads = 0,
                                                      Index max_units = 5000) {
  resolve_threads(threads);
  if (max_units < 50) throw invalid_input("max_units", "is " + std::to_string(max_units) + ", must be >= 50");
  const Rng root(seed);
  std::vector<detail::deferred_t<Defer, SimulatedDataset>> out(count);
  parallel_for(std::ptrdiff_t(0), std::ptrdiff_t(count), threads, [&](std::ptrdiff_t i) {
    Rng stream = root.substream(std::uint64_t(i));
    SimulationFamily family = prior_family(stream);
    family.n_min = family.n_max = std::min(family.n_max, max_units);
    out[std::size_t(i)] = simulate_dataset(family, stream());
  });
  return out;
}

}  // namespace causalattn
