#pragma once
/// \file
/// The properties every Python result that carries a graph shares: .graph (causal-learn's endpoint
/// matrix), .names and .to_dot().

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "arrays.hpp"
#include "causalattn/graph/graph.hpp"
#include "causalattn/io/endpoint_matrix.hpp"
#include "causalattn/io/graph_io.hpp"

namespace causalattn::python {

/// Adds .graph, .names and .to_dot() to `cls`, reading the result's Graph member `graph`.
/// Example: `def_graph_properties(cls, &AttentionGraph::graph);`
template <class Class, class Result>
Class& def_graph_properties(Class& cls, Graph Result::*graph) {
  cls.def_property_readonly(
         "graph", [graph](const Result& r) { return to_numpy(to_causal_learn_matrix(r.*graph)); },
         "causal-learn's endpoint matrix (cg.G.graph): [i, j] is the mark at i of the edge i-j: -1 tail, 1 arrow, 2 circle, 0 none")
      .def_property_readonly(
          "names", [graph](const Result& r) { return (r.*graph).names(); }, "the node names")
      .def(
          "to_dot", [graph](const Result& r) { return format_graph(r.*graph, GraphFormat::dot); }, "the graph in Graphviz DOT");
  return cls;
}

}  // namespace causalattn::python
