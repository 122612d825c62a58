#pragma once
/// \file
/// Graphs as JSON: {"nodes": [...], "edges": [{"from", "to", "mark_from", "mark_to"}, ...]}.

#include <string>
#include <string_view>
#include <vector>

#include "causalattn/core/errors.hpp"
#include "causalattn/graph/graph.hpp"
#include "causalattn/io/json.hpp"

namespace causalattn {

/// The JSON form of a graph: `{"nodes": ["X1", ...], "edges": [{"from": "X1", "to": "X2",
/// "mark_from": "tail", "mark_to": "arrow"}, ...]}` with marks "tail", "arrow" or "circle". O(p^2).
/// Example: `std::string text = causalattn::graph_to_json(g).dump(2);`
inline JsonValue graph_to_json(const Graph& g) {
  JsonValue nodes = JsonValue::array();
  for (const auto& name : g.names()) nodes.push_back(name);
  JsonValue edges = JsonValue::array();
  for (const Edge& e : g.edges()) {
    JsonValue edge = JsonValue::object();
    edge.set("from", g.name(e.a)).set("to", g.name(e.b));
    edge.set("mark_from", to_string(e.at_a)).set("mark_to", to_string(e.at_b));
    edges.push_back(edge);
  }
  JsonValue out = JsonValue::object();
  out.set("nodes", nodes).set("edges", edges);
  return out;
}

/// Inverse of `graph_to_json`. Throws `invalid_input(source, ...)` naming the edge (by position) for
/// a missing key, an unknown node or mark, a self-loop or a second edge between one pair. O(p^2 + edges).
/// Example: `Graph g = causalattn::graph_from_json(causalattn::JsonValue::parse(text));`
inline Graph graph_from_json(const JsonValue& json, const std::string& source = "graph json") {
  auto wrap = [&](const std::string& where, auto&& body) {
    try {
      return body();
    } catch (const invalid_input& e) {
      throw invalid_input(source, where + ": " + e.what());
    }
  };
  std::vector<std::string> names = wrap("nodes", [&] {
    std::vector<std::string> out;
    for (const auto& node : json.at("nodes").as_array("'nodes'")) out.push_back(node.as_string("a node name"));
    return out;
  });
  Graph g = wrap("nodes", [&] { return Graph(names); });
  const auto& edges = wrap("edges", [&]() -> const JsonValue::Array& { return json.at("edges").as_array("'edges'"); });
  for (std::size_t k = 0; k < edges.size(); ++k) {
    wrap("edge " + std::to_string(k), [&] {
      const auto& e = edges[k];
      const Index a = g.index_of(e.at("from").as_string("'from'"));
      const Index b = g.index_of(e.at("to").as_string("'to'"));
      auto mark = [](const std::string& text) {
        if (text == "tail") return Mark::tail;
        if (text == "arrow") return Mark::arrow;
        if (text == "circle") return Mark::circle;
        throw invalid_input("mark", "'" + text + "' is not one of tail, arrow, circle");
      };
      const Mark at_a = mark(e.at("mark_from").as_string("'mark_from'"));
      const Mark at_b = mark(e.at("mark_to").as_string("'mark_to'"));
      if (g.adjacent(a, b)) throw invalid_input("edge", "second edge between '" + g.name(a) + "' and '" + g.name(b) + "'");
      g.set_edge(a, b, at_a, at_b);
      return 0;
    });
  }
  return g;
}

/// Parses graph JSON text (`JsonValue::parse` then `graph_from_json`). O(bytes + p^2).
inline Graph parse_graph_json(std::string_view text, const std::string& source = "graph json") {
  return graph_from_json(JsonValue::parse(text, source), source);
}

}  // namespace causalattn
