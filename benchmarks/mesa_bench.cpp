// The mesa layer against softmax attention and the direct per-step solve, in one binary.
// Layer benchmarks (MesaAttention, causal MultiHeadSelfAttention): one sequence of T tokens, width
// 2 d, 2 heads of width d, args {T, d, threads}. Kernel benchmarks (one head, args {T, d}): the
// blocked forward, the Sherman-Morrison recursion, the direct solve (Cholesky per step, O(T d^3))
// and Eigen's square GEMM of side d (the practical peak). Counters: GFLOP/s by the count stated at
// each benchmark. Run (see RESULTS.md):
//   build/ci/benchmarks/bench_mesa --benchmark_min_time=0.05
#include <benchmark/benchmark.h>

#include <Eigen/Core>

#include "causalattn/core/random.hpp"
#include "causalattn/kernels/mesa.hpp"
#include "causalattn/kernels/mesa_reference.hpp"
#include "causalattn/nn/mesa_attention.hpp"
#include "causalattn/nn/multi_head_attention.hpp"

namespace {

namespace ca = causalattn;

void rate(benchmark::State& state, double flops) {
  state.counters["GFLOP/s"] = benchmark::Counter(flops * static_cast<double>(state.iterations()) * 1e-9,
                                                 benchmark::Counter::kIsRate);
}

// Flops of one head's mesa forward by the recursion: per token R k, the rank-1 update, R q and
// S q~ (2 d^2 each) and S += v k' (2 d^2), with d_v = d.
double mesa_flops(double n, double d) { return n * 10.0 * d * d; }
// Flops of one head's causal softmax attention forward: Q K' and P V over the lower triangle.
double softmax_flops(double n, double d) { return 2.0 * n * n * d; }

// The layer under test: mesa or causal softmax attention, width 2 d, 2 heads, `threads` threads.
template <class Scalar, bool Mesa>
auto make_layer(ca::Index d, int threads) {
  ca::Rng rng(20261204);
  if constexpr (Mesa) {
    ca::MesaAttentionOptions options;
    options.heads = 2;
    options.threads = threads;
    return ca::MesaAttention<Scalar>(2 * d, options, rng);
  } else {
    ca::SelfAttentionOptions options;
    options.heads = 2;
    options.causal = true;
    options.threads = threads;
    return ca::MultiHeadSelfAttention<Scalar>(2 * d, options, rng);
  }
}

template <class Scalar, bool Mesa>
void BM_layer_forward(benchmark::State& state) {
  const ca::Index n = state.range(0), d = state.range(1);
  auto layer = make_layer<Scalar, Mesa>(d, static_cast<int>(state.range(2)));
  ca::Rng rng(7);
  const ca::Matrix<Scalar> x = ca::normal_matrix<Scalar>(n, 2 * d, rng);
  const auto layout = ca::SequenceLayout::single(n);
  for (auto _ : state) benchmark::DoNotOptimize(layer.forward(x, layout).data());
  rate(state, 2 * (Mesa ? mesa_flops(double(n), double(d)) : softmax_flops(double(n), double(d))));
}

template <class Scalar, bool Mesa>
void BM_layer_backward(benchmark::State& state) {
  const ca::Index n = state.range(0), d = state.range(1);
  auto layer = make_layer<Scalar, Mesa>(d, static_cast<int>(state.range(2)));
  ca::Rng rng(7);
  const ca::Matrix<Scalar> x = ca::normal_matrix<Scalar>(n, 2 * d, rng), dy = ca::normal_matrix<Scalar>(n, 2 * d, rng);
  const auto layout = ca::SequenceLayout::single(n);
  layer.forward(x, layout);
  for (auto _ : state) benchmark::DoNotOptimize(layer.backward(dy).data());
  rate(state, 4 * (Mesa ? mesa_flops(double(n), double(d)) : softmax_flops(double(n), double(d))));
}

template <class Scalar>
struct HeadInputs {
  ca::Matrix<Scalar> q, k, v;
  HeadInputs(ca::Index n, ca::Index d) {
    ca::Rng rng(20261204);
    q = ca::normal_matrix<Scalar>(n, d, rng);
    k = ca::normal_matrix<Scalar>(n, d, rng);
    v = ca::normal_matrix<Scalar>(n, d, rng);
  }
};

template <class Scalar>
void BM_mesa_kernel_blocked(benchmark::State& state) {
  const HeadInputs<Scalar> in(state.range(0), state.range(1));
  for (auto _ : state) benchmark::DoNotOptimize(ca::mesa_forward<Scalar>(in.q, in.k, in.v, 1.0).output.data());
  rate(state, mesa_flops(double(state.range(0)), double(state.range(1))));
}

template <class Scalar>
void BM_mesa_kernel_recursive(benchmark::State& state) {
  const HeadInputs<Scalar> in(state.range(0), state.range(1));
  for (auto _ : state) benchmark::DoNotOptimize(ca::mesa_recursive<Scalar>(in.q, in.k, in.v, 1.0).output.data());
  rate(state, mesa_flops(double(state.range(0)), double(state.range(1))));
}

template <class Scalar>
void BM_mesa_kernel_direct(benchmark::State& state) {
  const HeadInputs<Scalar> in(state.range(0), state.range(1));
  for (auto _ : state) benchmark::DoNotOptimize(ca::mesa_direct<Scalar>(in.q, in.k, in.v, 1.0).output.data());
  rate(state, mesa_flops(double(state.range(0)), double(state.range(1))));
}

template <class Scalar>
void BM_gemm_peak(benchmark::State& state) {
  const ca::Index n = state.range(1) * 4;  // the GEMM side: 4 d (128 or 256)
  ca::Rng rng(1);
  const ca::Matrix<Scalar> a = ca::normal_matrix<Scalar>(n, n, rng), b = ca::normal_matrix<Scalar>(n, n, rng);
  ca::Matrix<Scalar> c(n, n);
  Eigen::setNbThreads(1);
  for (auto _ : state) {
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
  }
  Eigen::setNbThreads(0);
  rate(state, 2.0 * double(n) * double(n) * double(n));
}

void layer_args(benchmark::internal::Benchmark* b) {
  for (long n : {1024, 4096})
    for (long d : {32, 64})
      for (long threads : {1, 2}) b->Args({n, d, threads});
  b->Unit(benchmark::kMillisecond);
}

void kernel_args(benchmark::internal::Benchmark* b) {
  for (long n : {1024, 4096})
    for (long d : {32, 64}) b->Args({n, d});
  b->Unit(benchmark::kMillisecond);
}

}  // namespace

BENCHMARK_TEMPLATE(BM_layer_forward, float, true)->Name("mesa_layer_forward<float>")->Apply(layer_args);
BENCHMARK_TEMPLATE(BM_layer_forward, double, true)->Name("mesa_layer_forward<double>")->Apply(layer_args);
BENCHMARK_TEMPLATE(BM_layer_forward, float, false)->Name("softmax_layer_forward<float>")->Apply(layer_args);
BENCHMARK_TEMPLATE(BM_layer_forward, double, false)->Name("softmax_layer_forward<double>")->Apply(layer_args);
BENCHMARK_TEMPLATE(BM_layer_backward, float, true)->Name("mesa_layer_backward<float>")->Apply(layer_args);
BENCHMARK_TEMPLATE(BM_layer_backward, double, true)->Name("mesa_layer_backward<double>")->Apply(layer_args);
BENCHMARK_TEMPLATE(BM_layer_backward, float, false)->Name("softmax_layer_backward<float>")->Apply(layer_args);
BENCHMARK_TEMPLATE(BM_layer_backward, double, false)->Name("softmax_layer_backward<double>")->Apply(layer_args);
BENCHMARK_TEMPLATE(BM_mesa_kernel_blocked, float)->Apply(kernel_args);
BENCHMARK_TEMPLATE(BM_mesa_kernel_blocked, double)->Apply(kernel_args);
BENCHMARK_TEMPLATE(BM_mesa_kernel_recursive, float)->Apply(kernel_args);
BENCHMARK_TEMPLATE(BM_mesa_kernel_recursive, double)->Apply(kernel_args);
BENCHMARK_TEMPLATE(BM_mesa_kernel_direct, float)->Apply(kernel_args);
BENCHMARK_TEMPLATE(BM_mesa_kernel_direct, double)->Apply(kernel_args);
BENCHMARK_TEMPLATE(BM_gemm_peak, float)->Apply(kernel_args);
BENCHMARK_TEMPLATE(BM_gemm_peak, double)->Apply(kernel_args);

BENCHMARK_MAIN();
