// CInA speed (issues [6/7], [5/8]): CInA-ZS inference (the default: the shipped model's outcome head;
// `weighting`: one forward pass of the network, weights,
// estimate and SE) against exact kernel balancing by SMO (`kernel_balancing`, RBF, the library's
// default tolerance) and single-dataset CInA training (`cina`, default 400 + 400 epochs), all on the
// same in-family simulated data set (simulate_dataset with n fixed, seed 20261123) and one thread.
// Run: OMP_NUM_THREADS=1 build/bench/benchmarks/bench_cina --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include "causalattn/effects/cina.hpp"
#include "causalattn/effects/cina_zs.hpp"
#include "causalattn/effects/kernel_balancing.hpp"
#include "causalattn/effects/simulate.hpp"

namespace {

namespace ca = causalattn;

ca::SimulatedDataset dataset(ca::Index n) {
  ca::SimulationFamily family = ca::in_family();
  family.n_min = family.n_max = n;
  return ca::simulate_dataset(family, 20261123);
}

ca::EffectOptions one_thread() {
  ca::EffectOptions o;
  o.threads = 1;
  return o;
}

// Times `cina_zs` with `options` on the data set of state.range(0) units.
void time_cina_zs(benchmark::State& state, const ca::EffectOptions& options) {
  const auto ds = dataset(state.range(0));
  const ca::TreatmentData<double> data(ds.x, ds.t, ds.y);
  const auto model = ca::CinaZsModel<float>::load_default();
  for (auto _ : state) benchmark::DoNotOptimize(ca::cina_zs(model, data, options).estimate);
}

// The default: the shipped model's outcome head.
void BM_cina_zs_inference(benchmark::State& state) { time_cina_zs(state, one_thread()); }

// The network's calibrated weights (the estimate of a model without an outcome head).
void BM_cina_zs_weighting(benchmark::State& state) {
  ca::EffectOptions options = one_thread();
  options.cina_zs_estimate = ca::CinaZsEstimate::weighting;
  time_cina_zs(state, options);
}

// The weights with the calibration balancing the means only (the default also balances second moments).
void BM_cina_zs_means_calibration(benchmark::State& state) {
  ca::EffectOptions options = one_thread();
  options.cina_zs_estimate = ca::CinaZsEstimate::weighting;
  options.cina_zs_calibration = ca::CinaZsCalibration::means;
  time_cina_zs(state, options);
}

void BM_kernel_balancing_smo(benchmark::State& state) {
  const auto ds = dataset(state.range(0));
  const ca::TreatmentData<double> data(ds.x, ds.t, ds.y);
  ca::EffectOptions dual = one_thread();
  dual.kernel_ate_weights = ca::KernelAteWeights::svm_dual;  // the dual CInA-ZS amortises (RESULTS.md's figures)
  for (auto _ : state) benchmark::DoNotOptimize(ca::kernel_balancing(data, dual).estimate);
}

void BM_cina_training(benchmark::State& state) {
  const auto ds = dataset(state.range(0));
  const ca::TreatmentData<double> data(ds.x, ds.t, ds.y);
  for (auto _ : state) benchmark::DoNotOptimize(ca::cina(data, one_thread()).estimate);
}

}  // namespace

BENCHMARK(BM_cina_zs_inference)->Arg(1000)->Arg(2000)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_cina_zs_weighting)->Arg(1000)->Arg(2000)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_cina_zs_means_calibration)->Arg(1000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_kernel_balancing_smo)->Arg(1000)->Arg(2000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_cina_training)->Arg(2000)->Unit(benchmark::kMillisecond)->Iterations(1);

BENCHMARK_MAIN();
