#pragma once
/// \file
/// Meek's orientation rules R1-R4 (Meek 1995), applied to closure on a partially directed graph.

#include "causalattn/graph/graph.hpp"

namespace causalattn {

namespace detail {

/// True if some node `c` satisfies `pred(c)`, scanning all nodes. O(p * pred).
template <class Pred>
bool exists_node(Index p, Pred pred) {
  for (Index c = 0; c < p; ++c)
    if (pred(c)) return true;
  return false;
}

/// R1: c --> a, a --- b, c and b not adjacent  =>  a --> b.
inline bool meek_rule1(const Graph& g, Index a, Index b) {
  return exists_node(g.size(), [&](Index c) { return c != b && g.is_directed(c, a) && !g.adjacent(c, b); });
}

/// R2: a --> c --> b and a --- b  =>  a --> b.
inline bool meek_rule2(const Graph& g, Index a, Index b) {
  return exists_node(g.size(), [&](Index c) { return g.is_directed(a, c) && g.is_directed(c, b); });
}

/// R3: a --- c --> b, a --- d --> b, c and d not adjacent, a --- b  =>  a --> b.
inline bool meek_rule3(const Graph& g, Index a, Index b) {
  const Index p = g.size();
  for (Index c = 0; c < p; ++c) {
    if (c == b || !g.is_undirected(a, c) || !g.is_directed(c, b)) continue;
    for (Index d = c + 1; d < p; ++d) {
      if (d != b && g.is_undirected(a, d) && g.is_directed(d, b) && !g.adjacent(c, d)) return true;
    }
  }
  return false;
}

/// R4: a --- c --> d --> b, c and b not adjacent, a adjacent to d, a --- b  =>  a --> b.
inline bool meek_rule4(const Graph& g, Index a, Index b) {
  const Index p = g.size();
  for (Index d = 0; d < p; ++d) {
    if (d == a || d == b || !g.adjacent(a, d) || !g.is_directed(d, b)) continue;
    for (Index c = 0; c < p; ++c) {
      if (c != b && c != d && g.is_undirected(a, c) && g.is_directed(c, d) && !g.adjacent(c, b)) return true;
    }
  }
  return false;
}

}  // namespace detail

/// Orients undirected edges of a partially directed graph (tails and arrows only) by Meek's rules
/// R1-R4 until none applies, and returns the number of edges oriented. Starting from the skeleton
/// plus the v-structures of a DAG this yields its CPDAG (R1-R3 suffice there; R4 matters with
/// background knowledge). Circle marks are left untouched. O(passes * p^4) worst case, far less on
/// sparse graphs.
/// Example: `Graph g = pattern; causalattn::apply_meek_rules(g);`
inline Index apply_meek_rules(Graph& g) {
  Index oriented = 0;
  const Index p = g.size();
  for (bool changed = true; changed;) {
    changed = false;
    for (Index a = 0; a < p; ++a) {
      for (Index b = 0; b < p; ++b) {
        if (a == b || !g.is_undirected(a, b)) continue;
        if (detail::meek_rule1(g, a, b) || detail::meek_rule2(g, a, b) || detail::meek_rule3(g, a, b) ||
            detail::meek_rule4(g, a, b)) {
          g.add_directed(a, b);
          ++oriented;
          changed = true;
        }
      }
    }
  }
  return oriented;
}

}  // namespace causalattn
