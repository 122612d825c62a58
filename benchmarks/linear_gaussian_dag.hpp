#pragma once
// Random linear-Gaussian DAG data with the PC anchors' generator settings (weights +-U(0.5, 2),
// N(0, 1) noise, variables in topological order 0..p-1), shared by the discovery benchmarks.

#include <cstdint>
#include <utility>
#include <vector>

#include "causalattn/core/random.hpp"

namespace causalattn_bench {

/// n samples of a random linear-Gaussian DAG over p variables with the given expected degree; the
/// true edges (i, j), i < j, are appended to `edges` when it is given.
inline causalattn::Matrix<double> simulate_linear_gaussian_dag(
    causalattn::Index p, causalattn::Index n, double degree, std::uint64_t seed,
    std::vector<std::pair<causalattn::Index, causalattn::Index>>* edges = nullptr) {
  causalattn::Rng rng(seed);
  const double edge_probability = degree / double(p - 1);
  causalattn::Matrix<double> x = causalattn::normal_matrix<double>(n, p, rng);
  for (causalattn::Index j = 0; j < p; ++j) {
    for (causalattn::Index i = 0; i < j; ++i) {
      if (!rng.bernoulli(edge_probability)) continue;
      const double weight = rng.uniform(0.5, 2.0) * (rng.bernoulli(0.5) ? 1 : -1);
      x.col(j) += weight * x.col(i);
      if (edges) edges->emplace_back(i, j);
    }
  }
  return x;
}

}  // namespace causalattn_bench
