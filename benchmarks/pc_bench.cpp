// PC (Fisher z, alpha 0.01, stable) on random linear-Gaussian DAGs, the anchor settings:
// weights +-U(0.5, 2), N(0, 1) noise, expected degree 2 or 4. Reports the split correlation /
// skeleton / orientation and CI tests per second, for 1 and 2 threads, with pcalg's first-found
// separating sets (pcalg_sepsets:1, the semantics of the pcalg anchor) and causal-learn's union.
// BM_pc_python_data times the Python binding's pc call from C++ on benchmarks/peers/python_pc.py's arrays.
// Run: build/bench/benchmarks/bench_pc --benchmark_min_time=0.01
#include <array>
#include <benchmark/benchmark.h>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "causalattn/discovery/pc.hpp"
#include "causalattn/io/csv.hpp"
#include "linear_gaussian_dag.hpp"

namespace {

namespace ca = causalattn;

void BM_pc(benchmark::State& state) {
  const ca::Index p = state.range(0), n = state.range(1);
  const double degree = double(state.range(2));
  ca::PcOptions options;
  options.alpha = 0.01;
  options.threads = static_cast<int>(state.range(3));
  options.priority = 2;  // the collider rule without max-p searches, as pcalg's default
  options.sepset_mode = state.range(4) ? ca::SepsetMode::first_found : ca::SepsetMode::causal_learn;
  const ca::Matrix<double> data = causalattn_bench::simulate_linear_gaussian_dag(p, n, degree, 20261122);
  double correlation = 0, skeleton = 0, orientation = 0;
  long long tests = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    const ca::FisherZTest test(data, ca::PValueConvention::accurate, options.threads);
    correlation += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto result = ca::pc(test, {}, options);
    skeleton += result.seconds_skeleton;
    orientation += result.seconds_orientation;
    tests = result.tests;
  }
  const double runs = double(state.iterations());
  state.counters["correlation_ms"] = 1e3 * correlation / runs;
  state.counters["skeleton_ms"] = 1e3 * skeleton / runs;
  state.counters["orientation_ms"] = 1e3 * orientation / runs;
  state.counters["tests"] = double(tests);
  state.counters["tests_per_s"] = double(tests) / (skeleton / runs);
}

void pc_grid(benchmark::internal::Benchmark* b) {
  for (long first_found : {1, 0})
    for (const auto& [p, n, degree] : {std::array<long, 3>{100, 5000, 2}, {100, 5000, 4}, {1000, 2000, 2}})
      for (long threads : {1, 2}) b->Args({p, n, degree, threads, first_found});
  b->ArgNames({"p", "n", "degree", "threads", "pcalg_sepsets"})->Unit(benchmark::kMillisecond)->UseRealTime();
}
BENCHMARK(BM_pc)->Apply(pc_grid);

// The Python binding's call, from C++: pc on the CSV files benchmarks/peers/python_pc.py writes (the same
// arrays it times from Python), with the binding's settings (causal-learn's p-value rounding and
// separating sets), alpha 0.01, priority 2, one thread. Skipped when the files are missing.
void BM_pc_python_data(benchmark::State& state, const char* file) {
  const char* dir = std::getenv("CAUSALATTN_PYTHON_BENCH_DATA");
  const std::string path = std::string(dir ? dir : "/tmp") + "/" + file;
  if (!std::filesystem::exists(path)) {
    state.SkipWithError(("run benchmarks/peers/python_pc.py first: " + path + " is missing").c_str());
    return;
  }
  const ca::Matrix<double> data = ca::read_csv<double>(path).data;
  ca::PcOptions options;
  options.alpha = 0.01;
  options.priority = 2;
  options.threads = 1;
  long long tests = 0;
  for (auto _ : state) {
    const ca::FisherZTest test(data, ca::PValueConvention::causal_learn, 1);
    tests = ca::pc(test, {}, options).tests;
  }
  state.counters["tests"] = double(tests);
}
BENCHMARK_CAPTURE(BM_pc_python_data, p100_n5000, "python_pc_p100_n5000.csv")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_pc_python_data, p3_n20, "python_pc_p3_n20.csv")->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
