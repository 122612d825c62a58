#pragma once
/// \file
/// The working graph of PC's orientation phase: causal-learn's endpoint matrix (G[i][j] = mark at
/// i: -1 tail, 1 arrow, 0 none) plus its ancestry table, with the exact update rules the
/// reference implementation uses, so that orientation order and cycle guards match it.

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "causalattn/core/scalar.hpp"
#include "causalattn/graph/graph.hpp"

namespace causalattn::detail {

/// Bit matrix with row and column views kept in step: `set(i, j)` marks (i, j), rows and columns
/// can be enumerated in O(p / 64 + hits). Used for the ancestry table of `EndpointGraph`.
class TwoWayBitMatrix {
 public:
  explicit TwoWayBitMatrix(Index p) : words_((p + 63) / 64), rows_(std::size_t(p * words_), 0), cols_(rows_) {}
  bool test(Index i, Index j) const { return (rows_[word(i, j)] >> (j & 63)) & 1u; }
  void set(Index i, Index j) {
    rows_[word(i, j)] |= std::uint64_t(1) << (j & 63);
    cols_[word(j, i)] |= std::uint64_t(1) << (i & 63);
  }
  void clear() {
    std::fill(rows_.begin(), rows_.end(), 0);
    std::fill(cols_.begin(), cols_.end(), 0);
  }
  /// Snapshot of the set positions j of row i (when `by_row`) or i of column j, ascending.
  void positions(Index line, bool by_row, std::vector<Index>& out) const {
    out.clear();
    const auto& bits = by_row ? rows_ : cols_;
    for (Index w = 0; w < words_; ++w)
      for (std::uint64_t v = bits[std::size_t(line * words_ + w)]; v != 0; v &= v - 1)
        out.push_back(w * 64 + __builtin_ctzll(v));
  }

 private:
  std::size_t word(Index i, Index j) const { return std::size_t(i * words_ + (j >> 6)); }
  Index words_;
  std::vector<std::uint64_t> rows_, cols_;
};

/// Mixed graph over p nodes for PC's orientation phase. Adjacency is also kept as sorted lists, so
/// listing pairs and triples costs O(edges) rather than O(p^2), and the ancestry table is a
/// `TwoWayBitMatrix`, so its reconstruction after removing a directed edge costs O(edges x hits).
/// The reconstruction is lazy: the reference rebuilds the table whenever a directed edge is removed
/// (each time a collider re-orients an edge that is already directed), then records the edges
/// oriented since. Here a removal only marks the table stale and the edges oriented afterwards are
/// queued; the first read rebuilds it from the graph without the queued edges and then records
/// them in order, which gives the same table with one rebuild instead of one per removal.
class EndpointGraph {
 public:
  explicit EndpointGraph(Index p)
      : p_(p), g_(std::size_t(p * p), 0), neighbours_(std::size_t(p)), d_(p) {
    for (Index i = 0; i < p; ++i) d_.set(i, i);
  }

  Index size() const { return p_; }
  int mark(Index i, Index j) const { return g_[std::size_t(i * p_ + j)]; }
  bool adjacent(Index i, Index j) const { return mark(i, j) != 0; }
  bool directed(Index i, Index j) const { return mark(i, j) == -1 && mark(j, i) == 1; }
  bool undirected(Index i, Index j) const { return mark(i, j) == -1 && mark(j, i) == -1; }
  /// True if j is recorded as an ancestor of i (orienting i -> j would close a cycle).
  bool recorded_ancestor(Index i, Index j) {
    if (stale_) reconstitute();
    return d_.test(i, j);
  }

  /// Adds i --- j (skeleton construction).
  void add_undirected(Index i, Index j) { set(i, j, -1, -1); }
  /// Removes the edge between i and j.
  void remove(Index i, Index j) {
    const bool was_directed = directed(i, j) || directed(j, i);
    set(i, j, 0, 0);
    if (was_directed) {
      stale_ = true;
      oriented_since_stale_.clear();
    }
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
  const std::vector<Index>& adjacents(Index i) const { return neighbours_[std::size_t(i)]; }
  /// Ordered adjacent pairs (c, r), tails first then arrowheads, each pair exactly once
  /// (r ascending, then c ascending, within each mark).
  std::vector<std::pair<Index, Index>> ordered_pairs() const {
    std::vector<std::pair<Index, Index>> out;
    for (int code : {-1, 1})
      for (Index r = 0; r < p_; ++r)
        for (Index c : adjacents(r))
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
      for (Index j : adjacents(i)) {
        if (j < i) continue;
        auto to_mark = [](int m) { return m == 1 ? Mark::arrow : Mark::tail; };
        out.set_edge(i, j, to_mark(mark(i, j)), to_mark(mark(j, i)));
      }
    return out;
  }

 private:
  void set(Index i, Index j, int at_i, int at_j) {
    const bool was = adjacent(i, j), is = at_i != 0;
    g_[std::size_t(i * p_ + j)] = std::int8_t(at_i);
    g_[std::size_t(j * p_ + i)] = std::int8_t(at_j);
    if (was == is) return;
    for (auto [a, b] : {std::pair<Index, Index>{i, j}, {j, i}}) {
      auto& list = neighbours_[std::size_t(a)];
      const auto at = std::lower_bound(list.begin(), list.end(), b);
      if (is) list.insert(at, b);
      else list.erase(at);
    }
  }
  // Records the new edge i -> j in the ancestry table (not a full transitive closure, by design):
  // d(j, i); d(j, k) for every k with d(i, k); d(k, i) for every k with d(k, j). Queued while the
  // table is stale.
  void adjust(Index i, Index j) {
    if (stale_) {
      oriented_since_stale_.emplace_back(i, j);
      return;
    }
    record(i, j);
  }
  void record(Index i, Index j) {
    d_.set(j, i);
    d_.positions(i, true, scratch_);
    for (Index k : scratch_) d_.set(j, k);
    d_.positions(j, false, scratch_);
    for (Index k : scratch_) d_.set(k, i);
  }
  // The reference's rebuild (directed edges by descending tail-or-head pair) over the graph as it
  // was when the table went stale, i.e. without the queued edges, which are then recorded in order.
  void reconstitute() {
    std::vector<std::pair<Index, Index>> queued = oriented_since_stale_;
    std::sort(queued.begin(), queued.end());
    const auto is_queued = [&](Index a, Index b) { return std::binary_search(queued.begin(), queued.end(), std::pair<Index, Index>{a, b}); };
    d_.clear();
    for (Index i = 0; i < p_; ++i) d_.set(i, i);
    for (Index i = p_ - 1; i >= 0; --i) {
      const auto& list = adjacents(i);
      for (auto it = list.rbegin(); it != list.rend() && *it > i; ++it) {
        const Index j = *it;
        if (directed(i, j) && !is_queued(i, j)) record(i, j);
        else if (directed(j, i) && !is_queued(j, i)) record(j, i);
      }
    }
    for (const auto& [a, b] : oriented_since_stale_) record(a, b);
    oriented_since_stale_.clear();
    stale_ = false;
  }
  // Pairs grouped by their first node (keeping the global order), so that the inner loop of the
  // reference's pair-by-pair scan visits only the pairs that can extend a given one.
  std::vector<std::array<Index, 3>> triples(bool shielded) const {
    const auto pairs = ordered_pairs();
    std::vector<std::vector<std::size_t>> starting_at(static_cast<std::size_t>(p_));
    for (std::size_t b = 0; b < pairs.size(); ++b) starting_at[std::size_t(pairs[b].first)].push_back(b);
    std::vector<std::array<Index, 3>> out;
    for (std::size_t a = 0; a < pairs.size(); ++a) {
      const auto& [a0, a1] = pairs[a];
      for (std::size_t b : starting_at[std::size_t(a1)]) {
        const Index b1 = pairs[b].second;
        if (a == b || a0 == b1) continue;
        if (adjacent(a0, b1) == shielded) out.push_back({a0, a1, b1});
      }
    }
    return out;
  }

  Index p_;
  std::vector<std::int8_t> g_;  // marks -1, 0, 1: one byte per ordered pair
  std::vector<std::vector<Index>> neighbours_;
  TwoWayBitMatrix d_;
  bool stale_ = false;                                        // a directed edge was removed since the last rebuild
  std::vector<std::pair<Index, Index>> oriented_since_stale_;  // edges oriented since, in order
  std::vector<Index> scratch_;
};

}  // namespace causalattn::detail
