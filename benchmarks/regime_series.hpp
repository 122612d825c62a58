#pragma once
// The non-stationary series of the [7/7] benchmarks: a lagged SCM with p = 10, max lag 3,
// T = 2000 in 4 regimes with extreme shifts (own graph, coefficients and mechanism each), MLP
// mechanism with additive noise. Shared by accuracy_lagged and lagged_variants.

#include <cstdint>

#include "causalattn/timeseries/simulate.hpp"

namespace causalattn_bench {

/// The 4-regime series for `seed`; its truth is the union of the regimes' graphs.
inline causalattn::LaggedSeries regime_series(std::uint64_t seed) {
  causalattn::LaggedScmOptions o;
  o.variables = 10;
  o.max_lag = 3;
  o.length = 2000;
  o.regimes = 4;
  o.shift = causalattn::RegimeShift::extreme;
  o.mechanism = causalattn::LaggedMechanism::mlp_additive;
  o.seed = seed;
  return causalattn::simulate_lagged_scm(o);
}

}  // namespace causalattn_bench
