// Exact kernel balancing by SMO on a confounded simulation: X ~ N(0, I_10) (columns then
// standardised, population sd), T ~ Bernoulli(sigmoid(0.5 x1 - 0.5 x2 + 0.3 x3)), W = 2T - 1, RBF
// kernel with gamma = 1/p, lambda = 0.1 mean diag K, and the dual
//   min a'Qa - 2 lambda 1'a  s.t.  W'a = 0, 0 <= a <= 1,  Q = (W W') o K,
// solved to libsvm's default tolerance 1e-3 (svc_tol:0), or to 2 lambda 1e-3 (svc_tol:1), the stopping
// rule of SVC(C = 1/lambda, tol = 1e-3) on the same problem: with a = lambda b our gradient is 2 lambda
// times libsvm's. Counters: gram_ms (K on one thread, plus forming 2Q), smo_ms (solve_smo,
// validation included), iterations, kkt_gap, objective.
// Run: build/bench/benchmarks/bench_smo --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// With CAUSALATTN_SMO_DUMP=<dir>, each run also writes <dir>/smo_{x,t}_<n>.npy (X, T) and
// <dir>/smo_{alpha,result}_<n>[_svc_tol].npy (our alpha and [objective, bias, kkt_gap, iterations])
// for benchmarks/peers/smo_sklearn.py.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <string>

#include "causalattn/core/random.hpp"
#include "causalattn/effects/solvers/gram.hpp"
#include "causalattn/effects/solvers/smo.hpp"
#include "causalattn/io/npy.hpp"

namespace {

namespace ca = causalattn;

constexpr std::uint64_t seed = 20261122;

struct Simulation {
  ca::Matrix<double> x;  // n x 10, standardised
  ca::Vector<double> t;  // 0/1 treatment
};

Simulation simulate(ca::Index n) {
  ca::Rng rng(seed);
  Simulation s{ca::normal_matrix(n, 10, rng), ca::Vector<double>(n)};
  for (ca::Index i = 0; i < n; ++i) {
    const double score = 0.5 * s.x(i, 0) - 0.5 * s.x(i, 1) + 0.3 * s.x(i, 2);
    s.t(i) = rng.bernoulli(1 / (1 + std::exp(-score))) ? 1 : 0;
  }
  const ca::RowVector<double> mean = s.x.colwise().mean();
  s.x.rowwise() -= mean;
  const ca::RowVector<double> sd = (s.x.colwise().squaredNorm() / double(n)).cwiseSqrt();
  s.x = s.x.array().rowwise() / sd.array();
  return s;
}

void BM_smo_balancing(benchmark::State& state) {
  const ca::Index n = state.range(0);
  const bool svc_tol = state.range(1) != 0;
  const Simulation data = simulate(n);
  const ca::Vector<double> w = 2 * data.t.array() - 1;
  ca::SmoResult result;
  double gram = 0, smo = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    const ca::Matrix<double> k = ca::gram_matrix(data.x, ca::KernelSpec{}, 1);  // rbf, gamma = 1/p
    const double lambda = 0.1 * k.diagonal().mean();
    const ca::Matrix<double> q = (2 * w).asDiagonal() * k * w.asDiagonal();  // 2 (W W') o K
    const auto formed = std::chrono::steady_clock::now();
    ca::SmoOptions options;
    options.tolerance = svc_tol ? 2 * lambda * 1e-3 : 1e-3;
    result = ca::solve_smo(q, ca::Vector<double>::Constant(n, -2 * lambda), w, ca::Vector<double>::Ones(n),
                           ca::Vector<double>::Zero(n), options);
    const auto solved = std::chrono::steady_clock::now();
    gram += std::chrono::duration<double>(formed - start).count();
    smo += std::chrono::duration<double>(solved - formed).count();
  }
  const double runs = double(state.iterations());
  state.counters["gram_ms"] = 1e3 * gram / runs;
  state.counters["smo_ms"] = 1e3 * smo / runs;
  state.counters["iterations"] = double(result.iterations);
  state.counters["kkt_gap"] = result.kkt_gap;
  state.counters["objective"] = result.objective;
  if (const char* dir = std::getenv("CAUSALATTN_SMO_DUMP")) {
    const std::string stem = std::string(dir) + "/smo_";
    const std::string suffix = "_" + std::to_string(n) + ".npy";
    const std::string run_suffix = "_" + std::to_string(n) + (svc_tol ? "_svc_tol" : "") + ".npy";
    ca::write_npy(stem + "x" + suffix, data.x);
    ca::write_npy(stem + "t" + suffix, data.t);
    ca::write_npy(stem + "alpha" + run_suffix, result.alpha);
    ca::write_npy(stem + "result" + run_suffix, ca::Vector<double>((ca::Vector<double>(4) << result.objective, result.bias,
                                                                result.kkt_gap, double(result.iterations)).finished()));
  }
}
BENCHMARK(BM_smo_balancing)
    ->ArgNames({"n", "svc_tol"})
    ->ArgsProduct({{500, 1000, 2000, 4000}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  std::cout << "bench_smo: simulation seed " << seed << "\n";
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
