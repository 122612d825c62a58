#pragma once
/// \file
/// The working graph of FCI's orientation phase: edge marks in a p x p table plus sorted adjacency
/// lists, so that rules enumerate neighbours in O(degree) and read marks in O(1).

#include <algorithm>
#include <string>
#include <vector>

#include "causalattn/core/scalar.hpp"
#include "causalattn/graph/graph.hpp"

namespace causalattn::detail {

/// Partial ancestral graph under construction. `end(a, b)` is the mark at b on the edge a *-* b,
/// so `end(a, b) == Mark::arrow` reads "a *-> b".
class PagGraph {
 public:
  explicit PagGraph(Index p) : p_(p), end_(std::size_t(p * p), Mark::none), adjacent_(std::size_t(p)) {}

  Index size() const { return p_; }
  /// Mark at b on the edge between a and b (`Mark::none` if not adjacent).
  Mark end(Index a, Index b) const { return end_[std::size_t(a * p_ + b)]; }
  bool adjacent(Index a, Index b) const { return end(a, b) != Mark::none; }
  /// a -> b.
  bool directed(Index a, Index b) const { return end(b, a) == Mark::tail && end(a, b) == Mark::arrow; }
  /// The edge a *-* b is potentially directed from a to b: no arrowhead at a, no tail at b.
  bool potentially_directed(Index a, Index b) const {
    return adjacent(a, b) && end(b, a) != Mark::arrow && end(a, b) != Mark::tail;
  }
  /// Neighbours of a, ascending.
  const std::vector<Index>& adjacents(Index a) const { return adjacent_[std::size_t(a)]; }

  /// Adds a o-o b.
  void add_circle_edge(Index a, Index b) {
    if (adjacent(a, b)) return;
    set_marks(a, b, Mark::circle, Mark::circle);
    for (auto [u, v] : {std::pair<Index, Index>{a, b}, {b, a}}) {
      auto& list = adjacent_[std::size_t(u)];
      list.insert(std::lower_bound(list.begin(), list.end(), v), v);
    }
  }
  /// Sets the mark at b on a *-* b to `mark` if it is a circle; true if it changed. Rules never
  /// overwrite a tail or an arrowhead, so marks from background knowledge stay.
  bool orient_end(Index a, Index b, Mark mark) {
    auto& slot = end_[std::size_t(a * p_ + b)];
    if (slot != Mark::circle || mark == Mark::circle) return false;
    slot = mark;
    return true;
  }
  /// The PAG with the given node names.
  Graph to_graph(const std::vector<std::string>& names) const {
    Graph out(names);
    for (Index a = 0; a < p_; ++a)
      for (Index b : adjacents(a))
        if (a < b) out.set_edge(a, b, end(b, a), end(a, b));
    return out;
  }

 private:
  void set_marks(Index a, Index b, Mark at_a, Mark at_b) {
    end_[std::size_t(b * p_ + a)] = at_a;
    end_[std::size_t(a * p_ + b)] = at_b;
  }
  Index p_;
  std::vector<Mark> end_;
  std::vector<std::vector<Index>> adjacent_;
};

}  // namespace causalattn::detail
