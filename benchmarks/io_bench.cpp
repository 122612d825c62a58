// Speed of the readers on the bundled data: CSV parsing (10000 x 20 causal-learn sample) and Tetrad
// text parsing. Run: build/bench/benchmarks/bench_io --benchmark_min_time=0.01
#include <benchmark/benchmark.h>

#include <string>

#include "causalattn/io/csv.hpp"
#include "causalattn/io/tetrad.hpp"

namespace {

const std::string data_dir = CAUSALATTN_DATA_DIR;

void BM_parse_csv_linear_10(benchmark::State& state) {
  const std::string text = causalattn::io::read_file_bytes(data_dir + "/causal-learn/data_linear_10.txt");
  for (auto _ : state) {
    auto table = causalattn::parse_csv<double>(text);
    benchmark::DoNotOptimize(table.data.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_parse_csv_linear_10)->Unit(benchmark::kMillisecond);

void BM_parse_tetrad_graph_10(benchmark::State& state) {
  const std::string text = causalattn::io::read_file_bytes(data_dir + "/causal-learn/graph.10.txt");
  for (auto _ : state) {
    auto g = causalattn::parse_tetrad_text(text);
    benchmark::DoNotOptimize(&g);
  }
}
BENCHMARK(BM_parse_tetrad_graph_10)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
