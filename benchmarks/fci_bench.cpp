// FCI on linear-Gaussian data (p = 50 and 100, n = 5000, expected degree 2, every 10th variable
// hidden; the PC anchors' generator) and the attention adapter + FCI on n = 128 and 512 tokens of
// a sparse SCM attention matrix (A = row-normalised (I - G)^-1 of a random DAG with expected
// degree 2 and weights U(0.5, 1.5); Fisher z at the embedding width 768, alpha 0.01). Reports the
// split skeleton / possible-d-sep / orientation, CI tests, and for the adapter the SHD to the
// true PAG; unlimited depth (-1, exponential in the possible-d-sep blocks) and max_depth 3 (pcalg's
// m.max setting for large problems). Seeds 20261122 (data) and 20261123 (attention).
// Run: build/bench/benchmarks/bench_fci --benchmark_min_time=0.01
#include <benchmark/benchmark.h>

#include <vector>

#include "causalattn/discovery/attention.hpp"
#include "causalattn/discovery/dag_to_pag.hpp"
#include "causalattn/discovery/fci.hpp"
#include "causalattn/metrics/graph_metrics.hpp"
#include "linear_gaussian_dag.hpp"

namespace {

namespace ca = causalattn;

void BM_fci_data(benchmark::State& state) {
  const ca::Index p = state.range(0), n = 5000;
  const ca::Matrix<double> full = causalattn_bench::simulate_linear_gaussian_dag(p, n, 2.0, 20261122);
  std::vector<ca::Index> shown;
  for (ca::Index j = 0; j < p; ++j)
    if (j % 10 != 9) shown.push_back(j);
  ca::Matrix<double> data(n, ca::Index(shown.size()));
  for (std::size_t k = 0; k < shown.size(); ++k) data.col(ca::Index(k)) = full.col(shown[k]);
  ca::FciOptions options;
  options.alpha = 0.01;
  options.threads = static_cast<int>(state.range(1));
  options.max_depth = static_cast<int>(state.range(2));
  ca::FciResult result;
  double skeleton = 0, possible_dsep = 0, orientation = 0;
  for (auto _ : state) {
    result = ca::fci(ca::FisherZTest(data, ca::PValueConvention::accurate, options.threads), {}, options);
    skeleton += result.seconds_skeleton;
    possible_dsep += result.seconds_possible_dsep;
    orientation += result.seconds_orientation;
  }
  const double runs = double(state.iterations());
  state.counters["skeleton_ms"] = 1e3 * skeleton / runs;
  state.counters["possible_dsep_ms"] = 1e3 * possible_dsep / runs;
  state.counters["orientation_ms"] = 1e3 * orientation / runs;
  state.counters["tests"] = double(result.tests);
  state.counters["removed_by_pds"] = double(result.removed_possible_dsep);
  state.counters["edges"] = double(result.pag.edge_count());
}
BENCHMARK(BM_fci_data)->ArgsProduct({{50, 100}, {1, 2}, {-1, 3}})->ArgNames({"p", "threads", "max_depth"})->Unit(benchmark::kMillisecond)->UseRealTime();

// A random DAG over n tokens (random order, expected degree 2) and its row-normalised SEM
// attention; weights U(0.5, 1.5) so that (I - G)^-1 is non-negative.
struct ScmAttention {
  ca::Graph dag;
  ca::Matrix<double> attention;
};

ScmAttention scm_attention(ca::Index n, std::uint64_t seed) {
  ca::Rng rng(seed);
  std::vector<ca::Index> order(static_cast<std::size_t>(n));
  for (ca::Index i = 0; i < n; ++i) order[std::size_t(i)] = i;
  rng.shuffle(order.begin(), order.end());
  ScmAttention out{ca::Graph(n), ca::Matrix<double>::Identity(n, n)};
  ca::Matrix<double> g = ca::Matrix<double>::Zero(n, n);  // g(i, j): weight of j -> i
  for (ca::Index a = 0; a < n; ++a)
    for (ca::Index b = a + 1; b < n; ++b)
      if (rng.bernoulli(2.0 / double(n - 1))) {
        const ca::Index from = order[std::size_t(a)], to = order[std::size_t(b)];
        out.dag.add_directed(from, to);
        g(to, from) = rng.uniform(0.5, 1.5);
      }
  // (I - G)^-1 row by row in topological order: row i = e_i + sum over parents j of g(i, j) row j,
  // all terms non-negative.
  for (ca::Index a = 0; a < n; ++a) {
    const ca::Index i = order[std::size_t(a)];
    for (ca::Index j : out.dag.parents(i)) out.attention.row(i) += g(i, j) * out.attention.row(j);
  }
  out.attention = out.attention.array().colwise() / out.attention.rowwise().sum().array();
  return out;
}

void BM_attention_fci(benchmark::State& state) {
  const ca::Index n = state.range(0);
  const ScmAttention scm = scm_attention(n, 20261123);
  ca::AttentionGraphOptions options;
  options.threads = static_cast<int>(state.range(1));
  options.max_depth = static_cast<int>(state.range(2));
  ca::AttentionGraph result;
  for (auto _ : state) result = ca::attention_graph(scm.attention, options);
  ca::Graph truth = ca::dag_to_pag(scm.dag, {});
  ca::Graph estimate = result.graph;
  state.counters["tests"] = double(result.tests);
  state.counters["edges"] = double(estimate.edge_count());
  state.counters["true_edges"] = double(truth.edge_count());
  ca::Graph renamed(truth.names());  // the adapter names tokens T<i>; compare marks by index
  for (const auto& e : estimate.edges()) renamed.set_edge(e.a, e.b, estimate.mark_at(e.a, e.b), estimate.mark_at(e.b, e.a));
  state.counters["shd_to_pag"] = double(ca::structural_hamming_distance(renamed, truth));
}
BENCHMARK(BM_attention_fci)->ArgsProduct({{128, 512}, {1, 2}, {-1, 3}})->ArgNames({"tokens", "threads", "max_depth"})->Unit(benchmark::kMillisecond)->UseRealTime();

// The adapter alone: validating A, C = A A' and the token correlation.
void BM_attention_adapter(benchmark::State& state) {
  const ScmAttention scm = scm_attention(state.range(0), 20261123);
  for (auto _ : state) benchmark::DoNotOptimize(ca::correlation_from_covariance(ca::attention_covariance(scm.attention)));
}
BENCHMARK(BM_attention_adapter)->Arg(128)->Arg(512)->ArgName("tokens")->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
