#pragma once
/// \file
/// Bootstrap stability tables as JSON and as Graphviz DOT with the frequencies on the edges.

#include <cstdint>
#include <sstream>
#include <string>

#include "causalattn/discovery/bootstrap_result.hpp"
#include "causalattn/io/dot.hpp"
#include "causalattn/io/graph_json.hpp"
#include "causalattn/io/json.hpp"

namespace causalattn {

/// The JSON form of a bootstrap result: `{"resamples", "failed", "seed", "consensus_frequency",
/// "nodes", "pairs": [{"a", "b", "edge_frequency", "types": [{"edge": "-->", "frequency"}, ...]}],
/// "consensus": <graph JSON>}`, with "no edge" written as the edge "" and a seed above 2^53 as a
/// string. O(pairs + p^2).
/// Example: `std::string text = causalattn::bootstrap_to_json(result).dump(2);`
inline JsonValue bootstrap_to_json(const BootstrapResult& result) {
  JsonValue nodes = JsonValue::array();
  for (const auto& name : result.names) nodes.push_back(name);
  JsonValue pairs = JsonValue::array();
  for (const auto& pair : result.pairs) {
    JsonValue types = JsonValue::array();
    for (const auto& t : pair.types) {
      JsonValue type = JsonValue::object();
      type.set("edge", edge_type_text(t.at_a, t.at_b)).set("frequency", t.frequency);
      types.push_back(type);
    }
    JsonValue entry = JsonValue::object();
    entry.set("a", result.names[std::size_t(pair.a)]).set("b", result.names[std::size_t(pair.b)]);
    entry.set("edge_frequency", pair.edge_frequency).set("types", types);
    pairs.push_back(entry);
  }
  JsonValue out = JsonValue::object();
  const bool exact = result.seed <= (std::uint64_t(1) << 53);  // a JSON number holds it exactly
  out.set("resamples", result.resamples).set("failed", result.failed);
  out.set("seed", exact ? JsonValue(double(result.seed)) : JsonValue(std::to_string(result.seed)));
  out.set("consensus_frequency", result.consensus_frequency).set("nodes", nodes).set("pairs", pairs);
  out.set("consensus", graph_to_json(result.consensus));
  return out;
}

/// The consensus graph as Graphviz DOT, each edge drawn with its marks and labelled with the
/// frequency of its type and, when other types were seen, the pair's edge frequency
/// ("0.82 (any 0.97)"); a tooltip lists every type seen. O(pairs + p).
/// Example: `std::string dot = causalattn::bootstrap_to_dot(result);`
inline std::string bootstrap_to_dot(const BootstrapResult& result) {
  std::ostringstream out;
  out.precision(3);
  out << "digraph causalattn_bootstrap {\n";
  for (const auto& name : result.names) out << "  " << detail::dot_quote(name) << ";\n";
  for (const auto& pair : result.pairs) {
    const auto& top = pair.types.front();
    if (!result.consensus.adjacent(pair.a, pair.b)) continue;
    std::ostringstream tooltip;
    tooltip.precision(3);
    for (std::size_t k = 0; k < pair.types.size(); ++k) {
      const auto& t = pair.types[k];
      tooltip << (k ? ", " : "") << (t.at_a == Mark::none ? std::string("none") : edge_type_text(t.at_a, t.at_b)) << " "
              << t.frequency;
    }
    std::ostringstream label;
    label.precision(3);
    label << top.frequency;
    if (pair.types.size() > 1) label << " (any " << pair.edge_frequency << ")";
    out << "  " << detail::dot_quote(result.names[std::size_t(pair.a)]) << " -> "
        << detail::dot_quote(result.names[std::size_t(pair.b)]) << " [dir=both, arrowtail=" << detail::dot_arrow_shape(top.at_a)
        << ", arrowhead=" << detail::dot_arrow_shape(top.at_b) << ", label=" << detail::dot_quote(label.str())
        << ", tooltip=" << detail::dot_quote(tooltip.str()) << "];\n";
  }
  out << "}\n";
  return out.str();
}

}  // namespace causalattn
