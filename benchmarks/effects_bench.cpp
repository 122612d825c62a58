// Treatment-effect estimators at n = 1e3, 1e4, 1e5 units and p = 10, 50 covariates on a confounded
// linear design (X ~ N(0, I), T ~ Bernoulli(sigmoid(0.5 x1 - 0.5 x2)), Y = 1 + x1 + 0.5 x2 -
// 0.5 x3 + 2 T + N(0, 1); seed 20261122). Kernel balancing holds an n x n Gram matrix and is
// measured separately by bench_smo. Peak memory per configuration: benchmarks/effects_memory.sh.
#include <benchmark/benchmark.h>

#include <cmath>

#include "causalattn/core/random.hpp"
#include "causalattn/effects/estimate_effect.hpp"

namespace {

namespace ca = causalattn;

struct Simulated {
  ca::Matrix<double> x;
  ca::Vector<double> t, y;
};

Simulated simulate(ca::Index n, ca::Index p) {
  ca::Rng rng(20261122);
  Simulated d{ca::normal_matrix<double>(n, p, rng), ca::Vector<double>(n), ca::Vector<double>(n)};
  for (ca::Index i = 0; i < n; ++i) {
    d.t(i) = rng.bernoulli(1 / (1 + std::exp(-(0.5 * d.x(i, 0) - 0.5 * d.x(i, 1))))) ? 1 : 0;
    d.y(i) = 1 + d.x(i, 0) + 0.5 * d.x(i, 1) - 0.5 * d.x(i, 2) + 2 * d.t(i) + rng.normal();
  }
  return d;
}

void BM_estimator(benchmark::State& state) {
  const auto method = static_cast<ca::EffectMethod>(state.range(0));
  const Simulated d = simulate(state.range(1), state.range(2));
  const ca::TreatmentData<double> data(d.x, d.t, d.y);
  ca::EffectOptions options;
  options.estimand = ca::Estimand::ate;
  double estimate = 0;
  for (auto _ : state) {
    const auto r = ca::estimate_effect(method, data, options);
    estimate = r.estimate;
    benchmark::DoNotOptimize(estimate);
  }
  state.counters["estimate"] = estimate;
}

void grid(benchmark::internal::Benchmark* b) {
  for (long method : {0, 1, 2, 3, 4})
    for (long n : {1000, 10000, 100000})
      for (long p : {10, 50}) b->Args({method, n, p});
  b->ArgNames({"method", "n", "p"})->Unit(benchmark::kMillisecond)->UseRealTime();
}
BENCHMARK(BM_estimator)->Apply(grid);

}  // namespace

BENCHMARK_MAIN();
