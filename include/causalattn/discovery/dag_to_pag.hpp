#pragma once
/// \file
/// The maximal ancestral graph (MAG) and the PAG of a DAG's marginal over its observed nodes,
/// built from the DAG itself (latent projection), not from a search: the reference FCI is tested
/// against.

#include <algorithm>
#include <string>
#include <vector>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/discovery/d_separation.hpp"
#include "causalattn/discovery/detail/pag_graph.hpp"
#include "causalattn/discovery/detail/pag_rules.hpp"
#include "causalattn/graph/graph.hpp"

namespace causalattn {

namespace detail {

/// The observed nodes (all but `latent`, ascending), after validating `latent`.
template <typename = void>
std::vector<Index> observed_nodes(const Graph& dag, const std::vector<Index>& latent) {
  check_distinct_indices("latent", latent, dag.size(), "node");
  std::vector<char> hidden(std::size_t(dag.size()), 0);
  for (Index v : latent) hidden[std::size_t(v)] = 1;
  std::vector<Index> observed;
  for (Index v = 0; v < dag.size(); ++v)
    if (!hidden[std::size_t(v)]) observed.push_back(v);
  if (observed.size() < 2) throw invalid_input("latent", "leaves fewer than 2 observed nodes");
  return observed;
}

/// ancestor[a * p + b] != 0 iff a is an ancestor of b (every node is its own ancestor). O(p (p + edges)).
template <typename = void>
std::vector<char> ancestor_table(const DagLists& dag) {
  const auto p = Index(dag.parents.size());
  std::vector<char> ancestor(std::size_t(p * p), 0);
  std::vector<Index> stack;
  for (Index b = 0; b < p; ++b) {
    stack.assign(1, b);
    ancestor[std::size_t(b * p + b)] = 1;
    while (!stack.empty()) {
      const Index v = stack.back();
      stack.pop_back();
      for (Index u : dag.parents[std::size_t(v)])
        if (!ancestor[std::size_t(u * p + b)]) {
          ancestor[std::size_t(u * p + b)] = 1;
          stack.push_back(u);
        }
    }
  }
  return ancestor;
}

}  // namespace detail

/// The MAG of `dag`'s marginal over the nodes not in `latent` (no selection variables; Richardson
/// and Spirtes 2002): x and y are adjacent iff no set of observed nodes d-separates them, which
/// holds iff the observed ancestors of {x, y} other than x and y do not; the edge is x -> y if x
/// is an ancestor of y in the DAG, y -> x if y is an ancestor of x, else x <-> y. Nodes keep
/// their names and relative order.
/// \param dag    a DAG (validated).
/// \param latent indices of the hidden nodes (in range, distinct; at least 2 nodes must remain).
/// Complexity O(p (p + edges) + q^2 (p + edges)) for q observed nodes.
/// Example: `Graph mag = causalattn::dag_to_mag(dag, {0});`
template <typename = void>
Graph dag_to_mag(const Graph& dag, const std::vector<Index>& latent) {
  const detail::DagLists lists(dag);
  const std::vector<Index> observed = detail::observed_nodes(dag, latent);
  const std::vector<char> ancestor = detail::ancestor_table(lists);
  const Index p = dag.size(), q = Index(observed.size());
  const auto is_ancestor = [&](Index a, Index b) { return ancestor[std::size_t(a * p + b)] != 0; };
  std::vector<std::string> names;
  for (Index v : observed) names.push_back(dag.name(v));
  Graph mag(names);
  for (Index i = 0; i < q; ++i)
    for (Index j = i + 1; j < q; ++j) {
      const Index x = observed[std::size_t(i)], y = observed[std::size_t(j)];
      std::vector<Index> ancestors;
      for (Index v : observed)
        if (v != x && v != y && (is_ancestor(v, x) || is_ancestor(v, y))) ancestors.push_back(v);
      if (detail::d_separated(lists, x, y, ancestors)) continue;
      if (is_ancestor(x, y)) mag.add_directed(i, j);
      else if (is_ancestor(y, x)) mag.add_directed(j, i);
      else mag.add_bidirected(i, j);
    }
  return mag;
}

/// The PAG of `dag`'s marginal over the nodes not in `latent`: the MAG's skeleton with circles,
/// its unshielded colliders (R0), then Zhang's rules R1-R4 and R8-R10, where R4 reads from the MAG
/// whether the node on a discriminating path is a collider. This is the PAG FCI must return with
/// a d-separation oracle (Zhang 2008, completeness of the rules). No selection bias.
/// \param dag    a DAG (validated).
/// \param latent indices of the hidden nodes.
/// Complexity: that of `dag_to_mag` plus the rules (polynomial except R9/R10's path searches).
/// Example:
/// \code
///   causalattn::Graph dag(4);          // X1 -> X2 <- X3 -> X4, X3 hidden
///   dag.add_directed(0, 1); dag.add_directed(2, 1); dag.add_directed(2, 3);
///   causalattn::Graph pag = causalattn::dag_to_pag(dag, {2});   // X1 o-> X2 <-o X4
/// \endcode
template <typename = void>
Graph dag_to_pag(const Graph& dag, const std::vector<Index>& latent) {
  const Graph mag = dag_to_mag(dag, latent);
  const Index q = mag.size();
  detail::PagGraph g(q);
  for (Index a = 0; a < q; ++a)
    for (Index b = a + 1; b < q; ++b)
      if (mag.adjacent(a, b)) g.add_circle_edge(a, b);
  const auto mag_collider = [&](Index x, Index y, Index z) {
    return mag.mark_at(y, x) == Mark::arrow && mag.mark_at(y, z) == Mark::arrow;
  };
  detail::orient_unshielded_colliders(g, mag_collider);
  detail::apply_fci_rules(g, [&](Index, Index a, Index b, Index c) { return !mag_collider(a, b, c); });
  return g.to_graph(mag.names());
}

}  // namespace causalattn
