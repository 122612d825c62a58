#pragma once
// Random graphs for tests: DAGs and graphs with all four endpoint marks.

#include "causalattn/core/random.hpp"
#include "causalattn/graph/graph.hpp"

namespace causalattn::test {

/// Random DAG on p nodes: each pair (i < j in a random order) is an edge with probability `density`.
inline Graph random_dag(Index p, double density, Rng& rng) {
  std::vector<Index> order(static_cast<std::size_t>(p));
  for (Index i = 0; i < p; ++i) order[static_cast<std::size_t>(i)] = i;
  rng.shuffle(order.begin(), order.end());
  Graph g(p);
  for (Index i = 0; i < p; ++i)
    for (Index j = i + 1; j < p; ++j)
      if (rng.bernoulli(density)) g.add_directed(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(j)]);
  return g;
}

/// A uniformly drawn edge mark: tail, arrow or circle.
inline Mark random_mark(Rng& rng) {
  const Mark marks[3] = {Mark::tail, Mark::arrow, Mark::circle};
  return marks[rng.uniform_int(3)];
}

/// Random mixed graph whose edges carry random tail/arrow/circle marks (each combination possible).
inline Graph random_marked_graph(Index p, double density, Rng& rng) {
  Graph g(p);
  for (Index i = 0; i < p; ++i)
    for (Index j = i + 1; j < p; ++j)
      if (rng.bernoulli(density)) g.set_edge(i, j, random_mark(rng), random_mark(rng));
  return g;
}

}  // namespace causalattn::test
