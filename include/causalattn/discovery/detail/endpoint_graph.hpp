#pragma once
/// \file
/// The working graph of PC's orientation phase: causal-learn's endpoint matrix (G[i][j] = mark at
/// i: -1 tail, 1 arrow, 0 none) plus its ancestry table, with the exact update rules the
/// reference implementation uses, so that orientation order and cycle guards match it.

#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "causalattn/core/scalar.hpp"
#include "causalattn/graph/graph.hpp"

namespace causalattn::detail {

/// Mixed graph over p nodes for PC's orientation phase.
class EndpointGraph {
 public:
  explicit EndpointGraph(Index p)
      : p_(p), g_(std::size_t(p * p), 0), d_(std::size_t(p * p), 0) {
    for (Index i = 0; i < p; ++i) d(i, i) = 1;
  }

  Index size() const { return p_; }
  int mark(Index i, Index j) const { return g_[std::size_t(i * p_ + j)]; }
  bool adjacent(Index i, Index j) const { return mark(i, j) != 0; }
  bool directed(Index i, Index j) const { return mark(i, j) == -1 && mark(j, i) == 1; }
  bool undirected(Index i, Index j) const { return mark(i, j) == -1 && mark(j, i) == -1; }
  /// True if j is recorded as an ancestor of i (orienting i -> j would close a cycle).
  bool recorded_ancestor(Index i, Index j) const { return d_[std::size_t(i * p_ + j)] != 0; }

  /// Adds i --- j (skeleton construction).
  void add_undirected(Index i, Index j) { set(i, j, -1, -1); }
  /// Removes the edge between i and j.
  void remove(Index i, Index j) {
    const bool was_directed = directed(i, j) || directed(j, i);
    set(i, j, 0, 0);
    if (was_directed) reconstitute();
  }
  /// Orients i -> j (replacing any edge).
  void orient(Index i, Index j) {
    if (adjacent(i, j)) remove(i, j);
    set(i, j, -1, 1);
    adjust(i, j);
  }
  /// Makes i <-> j.
  void bidirect(Index i, Index j) {
    if (adjacent(i, j)) remove(i, j);
    set(i, j, 1, 1);
  }
  /// Adjacent nodes of i, ascending.
  std::vector<Index> adjacents(Index i) const {
    std::vector<Index> out;
    for (Index j = 0; j < p_; ++j)
      if (adjacent(i, j)) out.push_back(j);
    return out;
  }
  /// Ordered adjacent pairs (c, r), tails first then arrowheads, each pair exactly once.
  std::vector<std::pair<Index, Index>> ordered_pairs() const {
    std::vector<std::pair<Index, Index>> out;
    for (int code : {-1, 1})
      for (Index r = 0; r < p_; ++r)
        for (Index c = 0; c < p_; ++c)
          if (mark(r, c) == code) out.emplace_back(c, r);
    return out;
  }
  /// Unshielded triples (x, y, z): x - y - z adjacent pairs with x, z not adjacent, in the
  /// reference order (outer loop over ordered pairs, inner loop over ordered pairs).
  std::vector<std::array<Index, 3>> unshielded_triples() const { return triples(false); }
  /// Triangles (x, y, z) with x - y, y - z and x - z all adjacent, in the same order.
  std::vector<std::array<Index, 3>> triangles() const { return triples(true); }
  /// Kites (i, j, k, l): triangles (i, j, l) and (i, k, l) with j < k and j, k not adjacent.
  std::vector<std::array<Index, 4>> kites() const {
    const auto tri = triangles();
    std::vector<std::array<Index, 4>> out;
    for (std::size_t a = 0; a < tri.size(); ++a)
      for (std::size_t b = 0; b < tri.size(); ++b) {
        if (a == b) continue;
        const auto& t = tri[a];
        const auto& u = tri[b];
        if (t[0] == u[0] && t[2] == u[2] && t[1] < u[1] && mark(t[1], u[1]) == 0) out.push_back({t[0], t[1], u[1], t[2]});
      }
    return out;
  }
  /// The graph with causalattn's marks and the given node names.
  Graph to_graph(const std::vector<std::string>& names) const {
    Graph out(names);
    for (Index i = 0; i < p_; ++i)
      for (Index j = i + 1; j < p_; ++j) {
        if (!adjacent(i, j)) continue;
        auto to_mark = [](int m) { return m == 1 ? Mark::arrow : Mark::tail; };
        out.set_edge(i, j, to_mark(mark(i, j)), to_mark(mark(j, i)));
      }
    return out;
  }

 private:
  unsigned char& d(Index i, Index j) { return d_[std::size_t(i * p_ + j)]; }
  void set(Index i, Index j, int at_i, int at_j) {
    g_[std::size_t(i * p_ + j)] = at_i;
    g_[std::size_t(j * p_ + i)] = at_j;
  }
  // Records the new edge i -> j in the ancestry table (not a full transitive closure, by design).
  void adjust(Index i, Index j) {
    d(j, i) = 1;
    for (Index k = 0; k < p_; ++k) {
      if (d(i, k)) d(j, k) = 1;
      if (d(k, j)) d(k, i) = 1;
    }
  }
  void reconstitute() {
    std::fill(d_.begin(), d_.end(), 0);
    for (Index i = 0; i < p_; ++i) d(i, i) = 1;
    for (Index i = p_ - 1; i >= 0; --i)
      for (Index j = p_ - 1; j > i; --j) {
        if (directed(i, j)) adjust(i, j);
        else if (directed(j, i)) adjust(j, i);
      }
  }
  std::vector<std::array<Index, 3>> triples(bool shielded) const {
    const auto pairs = ordered_pairs();
    std::vector<std::array<Index, 3>> out;
    for (std::size_t a = 0; a < pairs.size(); ++a)
      for (std::size_t b = 0; b < pairs.size(); ++b) {
        if (a == b) continue;
        const auto& [a0, a1] = pairs[a];
        const auto& [b0, b1] = pairs[b];
        if (b0 != a1 || a0 == b1) continue;
        if (adjacent(a0, b1) == shielded) out.push_back({a0, a1, b1});
      }
    return out;
  }

  Index p_;
  std::vector<int> g_;
  std::vector<unsigned char> d_;
};

}  // namespace causalattn::detail
