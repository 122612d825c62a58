#pragma once
/// \file
/// FCI's orientation rules on a `PagGraph` (Zhang 2008, "On the completeness of orientation rules
/// for causal discovery in the presence of latent confounders and selection bias"): background
/// knowledge, R0 (unshielded colliders), R1-R4 and R8-R10, applied to closure. R5-R7 (selection
/// bias) are not implemented: the output assumes no selection variables. Notation: end(a, b) is the
/// mark at b on a *-* b; rules only ever turn circles into tails or arrowheads.

#include <array>
#include <vector>

#include "causalattn/discovery/background_knowledge.hpp"
#include "causalattn/discovery/detail/pag_graph.hpp"

namespace causalattn::detail {

/// Marks the knowledge decides on the adjacent pairs: a required a -> b gives a tail at a and an
/// arrowhead at b; a forbidden a -> b (a is not an ancestor of b) gives an arrowhead at a.
template <typename = void>
void orient_pag_by_knowledge(PagGraph& g, const BackgroundKnowledge& bk) {
  if (bk.empty()) return;
  for (Index a = 0; a < g.size(); ++a)
    for (Index b : g.adjacents(a)) {
      if (bk.required(a, b)) {
        g.orient_end(b, a, Mark::tail);
        g.orient_end(a, b, Mark::arrow);
      }
      if (bk.forbidden(a, b)) g.orient_end(b, a, Mark::arrow);
    }
}

/// Unshielded triples (x, y, z) of the graph with x < z: x - y - z adjacent, x and z not. O(sum deg^2).
template <typename = void>
std::vector<std::array<Index, 3>> unshielded_triples(const PagGraph& g) {
  std::vector<std::array<Index, 3>> out;
  for (Index y = 0; y < g.size(); ++y) {
    const auto& around = g.adjacents(y);
    for (std::size_t i = 0; i < around.size(); ++i)
      for (std::size_t j = i + 1; j < around.size(); ++j)
        if (!g.adjacent(around[i], around[j])) out.push_back({around[i], y, around[j]});
  }
  return out;
}

/// R0: orients x *-> y <-* z for every unshielded triple with `is_collider(x, y, z)` (x < z).
template <class IsCollider>
void orient_unshielded_colliders(PagGraph& g, IsCollider&& is_collider) {
  for (const auto& [x, y, z] : unshielded_triples(g))
    if (is_collider(x, y, z)) {
      g.orient_end(x, y, Mark::arrow);
      g.orient_end(z, y, Mark::arrow);
    }
}

/// R1: a *-> b o-* c, a and c not adjacent => b -> c.
template <typename = void>
bool fci_rule_1(PagGraph& g) {
  bool changed = false;
  for (Index b = 0; b < g.size(); ++b)
    for (Index a : g.adjacents(b)) {
      if (g.end(a, b) != Mark::arrow) continue;
      for (Index c : g.adjacents(b)) {
        if (c == a || g.end(c, b) != Mark::circle || g.adjacent(a, c)) continue;
        g.orient_end(c, b, Mark::tail);
        g.orient_end(b, c, Mark::arrow);
        changed = true;
      }
    }
  return changed;
}

/// R2: a -> b *-> c or a *-> b -> c, and a *-o c => a *-> c.
template <typename = void>
bool fci_rule_2(PagGraph& g) {
  bool changed = false;
  for (Index a = 0; a < g.size(); ++a)
    for (Index c : g.adjacents(a)) {
      if (g.end(a, c) != Mark::circle) continue;
      for (Index b : g.adjacents(a)) {
        if (b == c || !g.adjacent(b, c)) continue;
        const bool through_directed_ab = g.directed(a, b) && g.end(b, c) == Mark::arrow;
        const bool through_directed_bc = g.end(a, b) == Mark::arrow && g.directed(b, c);
        if (through_directed_ab || through_directed_bc) {
          changed |= g.orient_end(a, c, Mark::arrow);
          break;
        }
      }
    }
  return changed;
}

/// R3: a *-> b <-* c, a *-o t o-* c, a and c not adjacent, t *-o b => t *-> b.
template <typename = void>
bool fci_rule_3(PagGraph& g) {
  bool changed = false;
  for (Index b = 0; b < g.size(); ++b)
    for (Index t : g.adjacents(b)) {
      if (g.end(t, b) != Mark::circle) continue;
      bool fire = false;
      for (Index a : g.adjacents(b)) {
        if (a == t || g.end(a, b) != Mark::arrow || g.end(a, t) != Mark::circle) continue;
        for (Index c : g.adjacents(b)) {
          if (c <= a || c == t || g.end(c, b) != Mark::arrow || g.end(c, t) != Mark::circle || g.adjacent(a, c)) continue;
          fire = true;
          break;
        }
        if (fire) break;
      }
      if (fire) changed |= g.orient_end(t, b, Mark::arrow);
    }
  return changed;
}

/// R4 (discriminating paths): for b o-* c, searches a path <t, ..., a, b, c> on which every node
/// between t and b is a collider and a parent of c, t not adjacent to c (breadth first over
/// the colliders, shortest first). If `non_collider(t, a, b, c)` (b lies in the separating set of t
/// and c) then b -> c, else a <-> b <-> c.
template <class NonCollider>
bool fci_rule_4(PagGraph& g, NonCollider&& non_collider) {
  bool changed = false;
  std::vector<char> visited(std::size_t(g.size()), 0);
  std::vector<Index> queue;
  for (Index b = 0; b < g.size(); ++b)
    for (Index c : g.adjacents(b)) {
      if (g.end(c, b) != Mark::circle) continue;
      for (Index a : g.adjacents(b)) {
        if (a == c || !g.directed(a, c) || g.end(b, a) != Mark::arrow) continue;
        std::fill(visited.begin(), visited.end(), 0);
        visited[std::size_t(b)] = visited[std::size_t(c)] = visited[std::size_t(a)] = 1;
        queue.assign(1, a);
        Index found = -1;
        for (std::size_t head = 0; head < queue.size() && found < 0; ++head) {
          const Index v = queue[head];
          for (Index w : g.adjacents(v)) {
            if (visited[std::size_t(w)] || g.end(w, v) != Mark::arrow) continue;
            if (!g.adjacent(w, c)) {
              found = w;
              break;
            }
            if (g.directed(w, c) && g.end(v, w) == Mark::arrow) {
              visited[std::size_t(w)] = 1;
              queue.push_back(w);
            }
          }
        }
        if (found < 0) continue;
        if (non_collider(found, a, b, c)) {
          g.orient_end(c, b, Mark::tail);
          g.orient_end(b, c, Mark::arrow);
        } else {
          g.orient_end(a, b, Mark::arrow);
          g.orient_end(c, b, Mark::arrow);
          g.orient_end(b, c, Mark::arrow);
        }
        changed = true;
        break;
      }
    }
  return changed;
}

/// R8: a -> b -> c or a -o b -> c, and a o-> c => a -> c.
template <typename = void>
bool fci_rule_8(PagGraph& g) {
  bool changed = false;
  for (Index a = 0; a < g.size(); ++a)
    for (Index c : g.adjacents(a)) {
      if (g.end(c, a) != Mark::circle || g.end(a, c) != Mark::arrow) continue;
      for (Index b : g.adjacents(a)) {
        if (b == c || !g.directed(b, c) || g.end(b, a) != Mark::tail) continue;
        if (g.end(a, b) == Mark::arrow || g.end(a, b) == Mark::circle) {
          changed |= g.orient_end(c, a, Mark::tail);
          break;
        }
      }
    }
  return changed;
}

/// True if an uncovered potentially directed path continues the path ... prev, cur to `target`
/// without revisiting a node marked in `on_path` (depth first over simple paths; exponential in
/// the worst case, fast on the sparse graphs FCI produces).
template <typename = void>
bool uncovered_pd_path(const PagGraph& g, Index prev, Index cur, Index target, std::vector<char>& on_path) {
  for (Index next : g.adjacents(cur)) {
    if (on_path[std::size_t(next)] || g.adjacent(prev, next) || !g.potentially_directed(cur, next)) continue;
    if (next == target) return true;
    on_path[std::size_t(next)] = 1;
    const bool found = uncovered_pd_path(g, cur, next, target, on_path);
    on_path[std::size_t(next)] = 0;
    if (found) return true;
  }
  return false;
}

/// True if an uncovered potentially directed path runs from a through its neighbour `first` to
/// `target` (just the edge when first == target).
template <typename = void>
bool uncovered_pd_path_via(const PagGraph& g, Index a, Index first, Index target, std::vector<char>& on_path) {
  if (!g.potentially_directed(a, first)) return false;
  if (first == target) return true;
  on_path[std::size_t(a)] = on_path[std::size_t(first)] = 1;
  const bool found = uncovered_pd_path(g, a, first, target, on_path);
  on_path[std::size_t(a)] = on_path[std::size_t(first)] = 0;
  return found;
}

/// R9: a o-> c and an uncovered potentially directed path <a, b, t, ..., c> with b and c not
/// adjacent => a -> c.
template <typename = void>
bool fci_rule_9(PagGraph& g) {
  bool changed = false;
  std::vector<char> on_path(std::size_t(g.size()), 0);
  for (Index a = 0; a < g.size(); ++a)
    for (Index c : g.adjacents(a)) {
      if (g.end(c, a) != Mark::circle || g.end(a, c) != Mark::arrow) continue;
      for (Index b : g.adjacents(a)) {
        if (b == c || g.adjacent(b, c) || !uncovered_pd_path_via(g, a, b, c, on_path)) continue;
        changed |= g.orient_end(c, a, Mark::tail);
        break;
      }
    }
  return changed;
}

/// R10: a o-> c, b -> c <- t, uncovered potentially directed paths from a to b and from a to t
/// whose second nodes m and w are distinct and not adjacent => a -> c.
template <typename = void>
bool fci_rule_10(PagGraph& g) {
  bool changed = false;
  std::vector<char> on_path(std::size_t(g.size()), 0);
  for (Index a = 0; a < g.size(); ++a)
    for (Index c : g.adjacents(a)) {
      if (g.end(c, a) != Mark::circle || g.end(a, c) != Mark::arrow) continue;
      std::vector<std::vector<Index>> second_nodes;  // per parent of c: the second nodes of paths from a
      for (Index b : g.adjacents(c)) {
        if (b == a || !g.directed(b, c)) continue;
        std::vector<Index> seconds;
        for (Index m : g.adjacents(a))
          if (uncovered_pd_path_via(g, a, m, b, on_path)) seconds.push_back(m);
        second_nodes.push_back(std::move(seconds));
      }
      bool fire = false;
      for (std::size_t i = 0; i < second_nodes.size() && !fire; ++i)
        for (std::size_t j = i + 1; j < second_nodes.size() && !fire; ++j)
          for (Index m : second_nodes[i])
            for (Index w : second_nodes[j])
              if (m != w && !g.adjacent(m, w)) fire = true;
      if (fire) changed |= g.orient_end(c, a, Mark::tail);
    }
  return changed;
}

/// R1-R4 and R8-R10 in that order, repeated until no rule changes a mark. `non_collider` decides R4.
template <class NonCollider>
void apply_fci_rules(PagGraph& g, NonCollider&& non_collider) {
  for (bool changed = true; changed;) {
    changed = fci_rule_1(g);
    changed |= fci_rule_2(g);
    changed |= fci_rule_3(g);
    changed |= fci_rule_4(g, non_collider);
    changed |= fci_rule_8(g);
    changed |= fci_rule_9(g);
    changed |= fci_rule_10(g);
  }
}

}  // namespace causalattn::detail
