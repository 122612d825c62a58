#pragma once
// Random graphs for tests: DAGs and graphs with all four endpoint marks.

#include <algorithm>
#include <cstdint>

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

/// Random sparse DAG whose size is drawn from [min_p, min_p + span) and whose expected degree is
/// 1, 2 or 3 (edge probability capped at 0.9), as the PC oracle tests use.
inline Graph random_sparse_dag(Index min_p, Index span, Rng& rng) {
  const Index p = min_p + Index(rng.uniform_int(std::uint64_t(span)));
  const double density = std::min(0.9, (1.0 + double(rng.uniform_int(3))) / double(p - 1));
  return random_dag(p, density, rng);
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
