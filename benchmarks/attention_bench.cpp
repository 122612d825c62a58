// Attention kernels: tiled forward and backward against the naive Eigen version (scores
// materialised) in the same binary, and Eigen's square GEMM as the practical peak.
// Counters: GFLOP/s (attention counts 4 n^2 d flops forward, 8 n^2 d backward, i.e. the minimal
// GEMM work, whatever the implementation recomputes) and working memory in MiB (score tiles or the
// full score matrix, plus outputs). Run (see RESULTS.md):
//   build/bench/benchmarks/bench_attention --benchmark_min_time=0.01
#include <benchmark/benchmark.h>

#include <Eigen/Core>

#include "causalattn/core/random.hpp"
#include "causalattn/kernels/attention_backward.hpp"
#include "causalattn/kernels/attention_forward.hpp"
#include "causalattn/kernels/attention_naive.hpp"

namespace {

namespace ca = causalattn;

template <class Scalar>
struct Inputs {
  ca::Matrix<Scalar> q, k, v, dout;
  explicit Inputs(ca::Index n, ca::Index d) {
    ca::Rng rng(20261122);
    q = ca::normal_matrix<Scalar>(n, d, rng);
    k = ca::normal_matrix<Scalar>(n, d, rng);
    v = ca::normal_matrix<Scalar>(n, d, rng);
    dout = ca::normal_matrix<Scalar>(n, d, rng);
  }
};

double mib(double bytes) { return bytes / (1024.0 * 1024.0); }

template <class Scalar>
void report(benchmark::State& state, double flops, double bytes) {
  state.counters["GFLOP/s"] = benchmark::Counter(flops * static_cast<double>(state.iterations()) * 1e-9,
                                                 benchmark::Counter::kIsRate);
  state.counters["MiB"] = mib(bytes);
}

template <class Scalar>
void BM_attention_forward(benchmark::State& state) {
  const ca::Index n = state.range(0), d = state.range(1);
  const int threads = static_cast<int>(state.range(2));
  const Inputs<Scalar> in(n, d);
  ca::AttentionOptions options;
  options.threads = threads;
  for (auto _ : state) {
    auto r = ca::attention_forward<Scalar>(in.q, in.k, in.v, options);
    benchmark::DoNotOptimize(r.output.data());
  }
  const double tiles = threads * (options.query_tile * options.key_tile + options.query_tile * d);
  report<Scalar>(state, 4.0 * n * n * d, sizeof(Scalar) * (tiles + n * d + n));
}

template <class Scalar>
void BM_attention_naive(benchmark::State& state) {
  const ca::Index n = state.range(0), d = state.range(1);
  Eigen::setNbThreads(static_cast<int>(state.range(2)));
  const Inputs<Scalar> in(n, d);
  for (auto _ : state) {
    auto r = ca::attention_naive<Scalar>(in.q, in.k, in.v);
    benchmark::DoNotOptimize(r.output.data());
  }
  Eigen::setNbThreads(0);
  report<Scalar>(state, 4.0 * n * n * d, sizeof(Scalar) * (double(n) * n + n * d + n));
}

template <class Scalar>
void BM_attention_backward(benchmark::State& state) {
  const ca::Index n = state.range(0), d = state.range(1);
  const int threads = static_cast<int>(state.range(2));
  const Inputs<Scalar> in(n, d);
  ca::AttentionOptions options;
  options.threads = threads;
  const auto fwd = ca::attention_forward<Scalar>(in.q, in.k, in.v, options);
  for (auto _ : state) {
    auto g = ca::attention_backward<Scalar>(in.q, in.k, in.v, fwd.output, fwd.log_normalizer, in.dout, options);
    benchmark::DoNotOptimize(g.dq.data());
  }
  const double tiles = threads * 2.0 * options.query_tile * options.key_tile;
  const double transposes_and_dq_groups = (2.0 + ca::detail::backward_key_groups) * n * d;
  report<Scalar>(state, 8.0 * n * n * d, sizeof(Scalar) * (tiles + transposes_and_dq_groups + 3.0 * n * d + n));
}

template <class Scalar>
void BM_gemm_peak(benchmark::State& state) {
  const ca::Index n = state.range(0);
  Eigen::setNbThreads(static_cast<int>(state.range(1)));
  ca::Rng rng(1);
  const auto a = ca::normal_matrix<Scalar>(n, n, rng), b = ca::normal_matrix<Scalar>(n, n, rng);
  ca::Matrix<Scalar> c(n, n);
  for (auto _ : state) {
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
  }
  Eigen::setNbThreads(0);
  report<Scalar>(state, 2.0 * n * n * n, sizeof(Scalar) * 3.0 * n * n);
}

void attention_grid(benchmark::internal::Benchmark* b) {
  for (long n : {256, 1024, 4096, 16384})
    for (long d : {32, 64, 128})
      for (long threads : {1, 2}) b->Args({n, d, threads});
  b->ArgNames({"n", "d", "threads"})->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK_TEMPLATE(BM_attention_forward, float)->Apply(attention_grid);
BENCHMARK_TEMPLATE(BM_attention_forward, double)->Apply(attention_grid);
BENCHMARK_TEMPLATE(BM_attention_naive, float)->Apply(attention_grid);
BENCHMARK_TEMPLATE(BM_attention_naive, double)->Apply(attention_grid);
BENCHMARK_TEMPLATE(BM_attention_backward, float)->Apply(attention_grid);
BENCHMARK_TEMPLATE(BM_attention_backward, double)->Apply(attention_grid);
BENCHMARK_TEMPLATE(BM_gemm_peak, float)->Args({2048, 1})->Args({2048, 2})->ArgNames({"n", "threads"})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_TEMPLATE(BM_gemm_peak, double)->Args({2048, 1})->Args({2048, 2})->ArgNames({"n", "threads"})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
