// The nonparametric CI tests and CD-NOD: one KCI test (|Z| = 2) at n = 400 and 1000 on the rows
// causal-learn's peer script timed, on a fresh test object and as one of many on one object
// (benchmarks/peers/kci_causal_learn.py writes them to
// $CAUSALATTN_KCI_PEER_DATA, default /tmp), one RCoT test at n = 100,000 with |Z| = 5, PC with RCoT
// on p = 20, n = 5000 nonlinear data, PC with KCI on the bundled kci_n900 data, and CD-NOD with KCI
// on the bundled k4 reference data.

#include <benchmark/benchmark.h>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "causalattn/core/random.hpp"
#include "causalattn/core/threads.hpp"
#include "causalattn/discovery/cdnod.hpp"
#include "causalattn/discovery/kci.hpp"
#include "causalattn/discovery/pc.hpp"
#include "causalattn/discovery/random_feature_tests.hpp"
#include "causalattn/io/csv.hpp"

namespace ca = causalattn;
using ca::Index;

namespace {

std::string peer_file(Index n) {
  const char* dir = std::getenv("CAUSALATTN_KCI_PEER_DATA");
  return std::string(dir ? dir : "/tmp") + "/kci_peer_n" + std::to_string(n) + ".csv";
}

// One conditional test x _||_ y | z1, z2 on a fresh test object (no cache), one thread.
void BM_kci_conditional(benchmark::State& state) {
  const Index n = state.range(0);
  if (!std::filesystem::exists(peer_file(n))) {
    state.SkipWithError(("run benchmarks/peers/kci_causal_learn.py first: " + peer_file(n) + " is missing").c_str());
    return;
  }
  const auto data = ca::read_csv<double>(peer_file(n)).data;
  const ca::ThreadLimit one(1);
  double p = 0;
  for (auto _ : state) {
    const ca::KciTest test(data);
    p = test.test(0, 1, {2, 3}).p_value;
    benchmark::DoNotOptimize(p);
  }
  state.counters["p_value"] = p;
}
BENCHMARK(BM_kci_conditional)->Arg(400)->Arg(1000)->Unit(benchmark::kMillisecond);

// The same test as one of many on one test object, as inside PC (the object's buffers reused):
// the columns are x, y, then `copies` copies of z1 and of z2, and iteration i tests
// x _||_ y | (z1 copy i mod copies, z2 copy 1 + i / copies) after an untimed test on copies 0 and 0,
// so no result comes from the cache (copies (copies - 1) distinct tests) and
// every test computes on the same values as BM_kci_conditional.
void BM_kci_conditional_in_search(benchmark::State& state) {
  const Index n = state.range(0), copies = 64;
  if (!std::filesystem::exists(peer_file(n))) {
    state.SkipWithError(("run benchmarks/peers/kci_causal_learn.py first: " + peer_file(n) + " is missing").c_str());
    return;
  }
  const auto rows = ca::read_csv<double>(peer_file(n)).data;
  ca::Matrix<double> data(n, 2 + 2 * copies);
  data.leftCols(2) = rows.leftCols(2);
  data.middleCols(2, copies) = rows.col(2).replicate(1, copies);
  data.rightCols(copies) = rows.col(3).replicate(1, copies);
  const ca::ThreadLimit one(1);
  const ca::KciTest test(data);
  test.test(0, 1, {2, 2 + copies});  // untimed: the buffers exist before the loop, as in a search
  Index i = 0;
  double p = 0;
  for (auto _ : state) {
    if (i == copies * (copies - 1)) {
      state.SkipWithError("more iterations than distinct tests; lower --benchmark_min_time");
      break;
    }
    p = test.test(0, 1, {2 + i % copies, 2 + copies + 1 + i / copies}).p_value;
    benchmark::DoNotOptimize(p);
    ++i;
  }
  state.counters["p_value"] = p;
}
BENCHMARK(BM_kci_conditional_in_search)->Arg(400)->Arg(1000)->Unit(benchmark::kMillisecond);

// z1..z5 ~ N(0, 1); x = sin(z1) + z2 z3 + e, y = cos(z4) + z5 + e: x _||_ y | z.
void BM_rcot_large(benchmark::State& state) {
  const Index n = state.range(0);
  ca::Rng rng(7);
  ca::Matrix<double> d(n, 7);
  for (Index i = 0; i < n; ++i) {
    for (Index k = 2; k < 7; ++k) d(i, k) = rng.normal();
    d(i, 0) = std::sin(d(i, 2)) + d(i, 3) * d(i, 4) + 0.5 * rng.normal();
    d(i, 1) = std::cos(d(i, 5)) + d(i, 6) + 0.5 * rng.normal();
  }
  const ca::ThreadLimit one(1);
  double p = 0;
  for (auto _ : state) {
    const ca::RcotTest test(d);
    p = test.test(0, 1, {2, 3, 4, 5, 6}).p_value;
    benchmark::DoNotOptimize(p);
  }
  state.counters["p_value"] = p;
}
BENCHMARK(BM_rcot_large)->Arg(100000)->Unit(benchmark::kMillisecond);

// A random DAG over p variables (expected degree 2, seed 11) with nonlinear mechanisms: each
// parent enters through tanh, sin or a square, weights +-U(0.5, 1.5), N(0, 0.5^2) noise.
ca::Matrix<double> nonlinear_dag(Index p, Index n, std::uint64_t seed) {
  ca::Rng rng(seed);
  ca::Matrix<double> x = 0.5 * ca::normal_matrix<double>(n, p, rng);
  for (Index j = 0; j < p; ++j)
    for (Index i = 0; i < j; ++i) {
      if (!rng.bernoulli(2.0 / double(p - 1))) continue;
      const double w = rng.uniform(0.5, 1.5) * (rng.bernoulli(0.5) ? 1 : -1);
      const auto kind = rng.uniform_int(3);
      const ca::Vector<double> parent = (x.col(i).array() - x.col(i).mean()) / std::sqrt(x.col(i).squaredNorm() / double(n));
      if (kind == 0) x.col(j).array() += w * parent.array().tanh();
      else if (kind == 1) x.col(j).array() += w * parent.array().sin();
      else x.col(j).array() += w * 0.5 * (parent.array().square() - 1);
    }
  return x;
}

void BM_pc_rcot(benchmark::State& state) {
  const ca::Matrix<double> data = nonlinear_dag(20, 5000, 11);
  ca::PcOptions options;
  options.threads = int(state.range(0));
  ca::PcResult result;
  for (auto _ : state) {
    const ca::RcotTest test(data);
    result = ca::pc(test, {}, options);
  }
  state.counters["tests"] = double(result.tests);
  state.counters["edges"] = double(result.cpdag.edge_count());
}
BENCHMARK(BM_pc_rcot)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// A search with KCI (causal-learn's conventions) over a bundled data file: `run(test, table, options)`
// with `threads` from the benchmark's argument, timed with the test's construction.
template <class Result, class Run>
void kci_search(benchmark::State& state, const std::string& file, ca::PcOptions options, Run&& run) {
  const auto table = ca::read_csv<double>(std::string(CAUSALATTN_DATA_DIR) + "/causal-learn/kci/" + file);
  options.threads = int(state.range(0));
  ca::KciOptions kci;
  kci.convention = ca::PValueConvention::causal_learn;
  Result result;
  for (auto _ : state) result = run(ca::KciTest(table.data, kci), table, options);
  state.counters["tests"] = double(result.tests);
}

// PC with KCI (causal-learn's pc defaults: priority 2) on kci_n900, as the peer times it.
void BM_pc_kci_n900(benchmark::State& state) {
  ca::PcOptions options;
  options.priority = 2;
  kci_search<ca::PcResult>(state, "kci_n900.csv", options,
                           [](const ca::KciTest& test, const auto& table, const ca::PcOptions& o) {
                             return ca::pc(test, table.names, o);
                           });
}
BENCHMARK(BM_pc_kci_n900)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_cdnod_kci_k4(benchmark::State& state) {
  kci_search<ca::CdnodResult>(state, "cdnod_k4.csv", {}, [](const ca::KciTest& test, const auto& table, const ca::PcOptions& o) {
    return ca::cdnod(test, table.names, 5, o);
  });
}
BENCHMARK(BM_cdnod_kci_k4)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
