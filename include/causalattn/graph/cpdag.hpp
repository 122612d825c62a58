#pragma once
/// \file
/// DAG -> CPDAG: the graph that represents a DAG's Markov equivalence class.

#include "causalattn/core/errors.hpp"
#include "causalattn/graph/graph.hpp"
#include "causalattn/graph/meek_rules.hpp"

namespace causalattn {

/// True if `a --> c <-- b` with `a` and `b` not adjacent (an unshielded collider). O(1).
/// Example: `bool v = causalattn::is_v_structure(g, 0, 2, 1);`
inline bool is_v_structure(const Graph& g, Index a, Index c, Index b) {
  return a != b && g.is_directed(a, c) && g.is_directed(b, c) && !g.adjacent(a, b);
}

/// The CPDAG (completed partially directed acyclic graph, "essential graph") of `dag`: same skeleton;
/// an edge stays directed iff every DAG Markov equivalent to `dag` orients it the same way, i.e. it
/// is in a v-structure or compelled by Meek's rules; every other edge becomes undirected.
/// Throws `invalid_input` if `dag` is not a DAG. O(p^3) for the v-structures plus the Meek closure.
/// Example:
/// \code
///   causalattn::Graph dag(3);
///   dag.add_directed(0, 2); dag.add_directed(1, 2);   // X1 --> X3 <-- X2: a v-structure
///   auto cpdag = causalattn::dag_to_cpdag(dag);       // unchanged: both edges are compelled
/// \endcode
inline Graph dag_to_cpdag(const Graph& dag) {
  if (!dag.is_dag()) {
    throw invalid_input("dag", "is not a DAG (it has a non-directed edge or a directed cycle)");
  }
  const Index p = dag.size();
  Graph cpdag(dag.names());
  for (const Edge& e : dag.edges()) cpdag.add_undirected(e.a, e.b);
  for (Index c = 0; c < p; ++c) {
    const auto parents = dag.parents(c);
    for (std::size_t i = 0; i < parents.size(); ++i) {
      for (std::size_t j = i + 1; j < parents.size(); ++j) {
        if (!dag.adjacent(parents[i], parents[j])) {
          cpdag.add_directed(parents[i], c);
          cpdag.add_directed(parents[j], c);
        }
      }
    }
  }
  apply_meek_rules(cpdag);
  return cpdag;
}

}  // namespace causalattn
