#pragma once
/// \file
/// One entry point for every graph file format: choose by name or file extension, read, write.

#include <iterator>
#include <string>
#include <string_view>

#include "causalattn/core/errors.hpp"
#include "causalattn/graph/graph.hpp"
#include "causalattn/io/text.hpp"
#include "causalattn/io/dot.hpp"
#include "causalattn/io/endpoint_matrix.hpp"
#include "causalattn/io/graph_json.hpp"
#include "causalattn/io/tetrad.hpp"

namespace causalattn {

/// Graph file formats.
enum class GraphFormat {
  tetrad,        ///< Tetrad text ("Graph Nodes:" / "Graph Edges:"), extension .txt
  dot,           ///< Graphviz DOT, extension .dot / .gv
  json,          ///< causalattn graph JSON, extension .json
  causal_learn,  ///< causal-learn endpoint matrix (integers, mark at row node)
  amat_pag,      ///< pcalg PAG-type amat (integers, mark at column node)
  amat_cpdag     ///< pcalg CPDAG-type amat (0/1)
};

/// The names accepted by `graph_format_from_name`, in `GraphFormat` order.
inline constexpr const char* graph_format_names[] = {"tetrad", "dot", "json", "causal-learn", "amat-pag", "amat-cpdag"};

/// The format called `name` ("tetrad", "dot", "json", "causal-learn", "amat-pag", "amat-cpdag");
/// throws `invalid_input` listing the valid names otherwise. O(1).
inline GraphFormat graph_format_from_name(std::string_view name) {
  for (std::size_t k = 0; k < std::size(graph_format_names); ++k)
    if (name == graph_format_names[k]) return static_cast<GraphFormat>(k);
  throw invalid_input("format", "'" + std::string(name) +
                                    "' is not a graph format (tetrad, dot, json, causal-learn, amat-pag, amat-cpdag)");
}

/// The format a file name suggests: .dot/.gv DOT, .json JSON, anything else Tetrad text. O(1).
inline GraphFormat graph_format_from_path(const std::string& path) {
  auto ends_with = [&](std::string_view suffix) {
    return path.size() >= suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends_with(".dot") || ends_with(".gv")) return GraphFormat::dot;
  if (ends_with(".json")) return GraphFormat::json;
  return GraphFormat::tetrad;
}

/// Writes `g` in `format` (matrix formats: one row per line, entries separated by a space). O(p^2).
/// Example: `std::cout << causalattn::format_graph(g, causalattn::GraphFormat::dot);`
inline std::string format_graph(const Graph& g, GraphFormat format) {
  switch (format) {
    case GraphFormat::tetrad: return to_tetrad_text(g);
    case GraphFormat::dot: return to_dot(g);
    case GraphFormat::json: return graph_to_json(g).dump(2) + "\n";
    case GraphFormat::causal_learn: return format_int_matrix(to_causal_learn_matrix(g));
    case GraphFormat::amat_pag: return format_int_matrix(to_pcalg_amat(g, AmatType::pag));
    case GraphFormat::amat_cpdag: return format_int_matrix(to_pcalg_amat(g, AmatType::cpdag));
  }
  throw invalid_input("format", "unknown graph format");
}

/// Parses `text` in `format`; matrix formats name their nodes X1..Xp. Errors name `source`. O(bytes + p^2).
/// Example: `Graph g = causalattn::parse_graph(text, causalattn::GraphFormat::causal_learn);`
inline Graph parse_graph(std::string_view text, GraphFormat format, const std::string& source = "graph") {
  switch (format) {
    case GraphFormat::tetrad: return parse_tetrad_text(text, source);
    case GraphFormat::dot: return parse_dot(text, source);
    case GraphFormat::json: return parse_graph_json(text, source);
    default: break;
  }
  const IntMatrix m = parse_int_matrix(text, source);
  try {
    if (format == GraphFormat::causal_learn) return from_causal_learn_matrix(m);
    return from_pcalg_amat(m, format == GraphFormat::amat_pag ? AmatType::pag : AmatType::cpdag);
  } catch (const invalid_input& e) {  // name the file, not only the matrix convention
    throw invalid_input(source, e.argument() + ": " + e.detail());
  }
}

/// Reads a graph file in `format`: at most 256 MiB, or 8 MiB of JSON (whose document tree takes
/// about 60 bytes per value, so 8 MiB may need 0.5 GB; a JSON graph of 20,000 nodes and 50,000
/// edges takes about 4 MiB). Example: `auto g = causalattn::read_graph("truth.txt", GraphFormat::tetrad);`
inline Graph read_graph(const std::string& path, GraphFormat format) {
  const std::size_t max_bytes = format == GraphFormat::json ? std::size_t{8} << 20 : std::size_t{256} << 20;
  return parse_graph(io::read_file_bytes(path, io::text_limits(format == GraphFormat::json ? "a JSON graph file" : "a graph file",
                                                               max_bytes)),
                     format, path);
}

/// Writes a graph file in `format`. Example: `causalattn::write_graph("pag.dot", pag, GraphFormat::dot);`
inline void write_graph(const std::string& path, const Graph& g, GraphFormat format) {
  io::write_file_bytes(path, format_graph(g, format));
}

}  // namespace causalattn
