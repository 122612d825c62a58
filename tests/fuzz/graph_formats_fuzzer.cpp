// libFuzzer target: DOT, graph JSON and the integer-matrix formats. The first byte picks the format;
// each parser must return a graph or throw invalid_input, and an accepted graph must round-trip
// through its format (the CPDAG amat only holds CPDAG marks, which is all its parser returns).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "causalattn/io/graph_io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  using causalattn::GraphFormat;
  const GraphFormat formats[] = {GraphFormat::dot, GraphFormat::json, GraphFormat::causal_learn, GraphFormat::amat_pag,
                                 GraphFormat::amat_cpdag};
  const GraphFormat format = formats[data[0] % 5];
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  causalattn::Graph g;
  try {
    g = causalattn::parse_graph(text, format);
  } catch (const causalattn::invalid_input&) {
    return 0;
  }
  if (causalattn::parse_graph(causalattn::format_graph(g, format), format) != g) std::abort();
  return 0;
}
