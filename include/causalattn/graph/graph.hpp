#pragma once
/// \file
/// `Graph`: a mixed graph with endpoint marks, representing DAGs, CPDAGs and PAGs alike.

#include <algorithm>
#include <cstddef>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "causalattn/core/errors.hpp"
#include "causalattn/core/names.hpp"
#include "causalattn/core/scalar.hpp"
#include "causalattn/graph/mark.hpp"

namespace causalattn {
namespace detail {

/// Checks node names (non-empty, unique) and returns the name -> index map. O(p).
inline std::unordered_map<std::string, Index> index_node_names(const std::vector<std::string>& names) {
  std::unordered_map<std::string, Index> index;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty()) throw invalid_input("names", "node " + std::to_string(i) + " has an empty name");
    if (!index.emplace(names[i], static_cast<Index>(i)).second) {
      throw invalid_input("names", "node name '" + names[i] + "' appears twice (nodes " +
                                       std::to_string(index.at(names[i])) + " and " + std::to_string(i) + ")");
    }
  }
  return index;
}

}  // namespace detail

/// One edge as listed by `Graph::edges()`: nodes `a < b` and the mark at each end.
struct Edge {
  Index a = 0;            ///< first node (smaller index)
  Index b = 0;            ///< second node
  Mark at_a = Mark::none; ///< mark at node a
  Mark at_b = Mark::none; ///< mark at node b
  /// Same nodes and marks.
  friend bool operator==(const Edge& x, const Edge& y) {
    return x.a == y.a && x.b == y.b && x.at_a == y.at_a && x.at_b == y.at_b;
  }
};

/// The most nodes a `Graph` holds: its endpoint marks are a dense n x n table of bytes, so the
/// limit keeps a graph under 400 MB (a file naming more nodes is refused before that is allocated).
inline constexpr Index max_graph_nodes = 20000;

/// A graph over named nodes whose edges carry a mark at each end (tail, arrow, circle), so one type
/// holds DAGs (a -> b), CPDAGs (also a --- b) and PAGs (also a o-> b, a o-o b, a <-> b). At most one
/// edge per pair, no self-loops. Storage is a dense p x p mark table: O(p^2) memory, O(1) edge access.
/// Marks are read as in causal-learn: `mark_at(i, j)` is the mark at node i on the edge i - j.
/// Example:
/// \code
///   causalattn::Graph g({"smoking", "tar", "cancer"});
///   g.add_directed(0, 1);                       // smoking --> tar
///   g.set_edge(1, 2, Mark::circle, Mark::arrow); // tar o-> cancer
///   bool d = g.is_directed(0, 1);               // true
/// \endcode
class Graph {
 public:
  /// An empty graph with no nodes.
  Graph() = default;

  /// `p` nodes named X1..Xp and no edges. O(p^2).
  explicit Graph(Index p) : Graph(default_variable_names(p)) {}

  /// Nodes with the given names (non-empty, unique, at most `max_graph_nodes`) and no edges. O(p^2).
  explicit Graph(std::vector<std::string> names)
      : names_(std::move(names)), index_(detail::index_node_names(names_)) {
    if (names_.size() > std::size_t(max_graph_nodes)) {
      throw invalid_input("names", std::to_string(names_.size()) + " nodes: more than the " + std::to_string(max_graph_nodes) +
                                       " a graph holds (its endpoint marks are a dense n x n table, " +
                                       std::to_string(max_graph_nodes / 1000 * max_graph_nodes / 1000) + " MB at the limit)");
    }
    marks_.assign(names_.size() * names_.size(), Mark::none);
  }

  /// Number of nodes. O(1).
  Index size() const noexcept { return static_cast<Index>(names_.size()); }
  /// All node names, in index order. O(1).
  const std::vector<std::string>& names() const noexcept { return names_; }
  /// Name of node `i`. O(1).
  const std::string& name(Index i) const { return names_[checked(i, "node")]; }
  /// Index of the node called `name`; throws `invalid_input` if there is none. O(1) average.
  Index index_of(const std::string& node_name) const {
    const auto it = index_.find(node_name);
    if (it == index_.end()) throw invalid_input("node", "no node named '" + node_name + "'");
    return it->second;
  }
  /// True if a node is called `name`. O(1) average.
  bool contains(const std::string& node_name) const { return index_.count(node_name) != 0; }

  /// Mark at node `i` on the edge between `i` and `j` (`Mark::none` if they are not adjacent). O(1).
  Mark mark_at(Index i, Index j) const { return marks_[slot(i, j)]; }

  /// True if `i` and `j` share an edge. O(1).
  bool adjacent(Index i, Index j) const { return mark_at(i, j) != Mark::none; }

  /// True if the edge is `from --> to`. O(1).
  bool is_directed(Index from, Index to) const {
    return mark_at(from, to) == Mark::tail && mark_at(to, from) == Mark::arrow;
  }
  /// True if the edge is `a --- b`. O(1).
  bool is_undirected(Index a, Index b) const {
    return mark_at(a, b) == Mark::tail && mark_at(b, a) == Mark::tail;
  }

  /// Adds or replaces the edge between `a` and `b` with the given end marks (neither may be `none`;
  /// use `remove_edge`). Throws `invalid_input` for a self-loop or an out-of-range node. O(1).
  void set_edge(Index a, Index b, Mark at_a, Mark at_b) {
    if (a == b) throw invalid_input("edge", "self-loop at node " + std::to_string(a) + " is not allowed");
    check_edge_mark(at_a);
    check_edge_mark(at_b);
    marks_[slot(a, b)] = at_a;
    marks_[slot(b, a)] = at_b;
  }
  /// Adds `from --> to`. O(1).
  void add_directed(Index from, Index to) { set_edge(from, to, Mark::tail, Mark::arrow); }
  /// Adds `a --- b`. O(1).
  void add_undirected(Index a, Index b) { set_edge(a, b, Mark::tail, Mark::tail); }
  /// Adds `a <-> b`. O(1).
  void add_bidirected(Index a, Index b) { set_edge(a, b, Mark::arrow, Mark::arrow); }

  /// Changes the mark at node `i` on the existing edge `i - j`. Throws if there is no such edge. O(1).
  void set_mark_at(Index i, Index j, Mark mark) {
    if (!adjacent(i, j)) {
      throw invalid_input("edge", "no edge between " + name(i) + " and " + name(j) + " to set a mark on");
    }
    check_edge_mark(mark);
    marks_[slot(i, j)] = mark;
  }

  /// Removes the edge between `a` and `b` if there is one. O(1).
  void remove_edge(Index a, Index b) {
    marks_[slot(a, b)] = Mark::none;
    marks_[slot(b, a)] = Mark::none;
  }

  /// Nodes adjacent to `i`, ascending. O(p).
  std::vector<Index> adjacents(Index i) const {
    return collect(i, [&](Index j) { return adjacent(i, j); });
  }
  /// Nodes `j` with `j --> i`, ascending. O(p).
  std::vector<Index> parents(Index i) const {
    return collect(i, [&](Index j) { return is_directed(j, i); });
  }
  /// Nodes `j` with `i --> j`, ascending. O(p).
  std::vector<Index> children(Index i) const {
    return collect(i, [&](Index j) { return is_directed(i, j); });
  }

  /// Number of edges. O(p^2).
  Index edge_count() const {
    Index count = 0;
    for (Index a = 0; a < size(); ++a)
      for (Index b = a + 1; b < size(); ++b) count += adjacent(a, b) ? 1 : 0;
    return count;
  }

  /// All edges with `a < b`, ordered by (a, b). O(p^2).
  std::vector<Edge> edges() const {
    std::vector<Edge> out;
    for (Index a = 0; a < size(); ++a)
      for (Index b = a + 1; b < size(); ++b)
        if (adjacent(a, b)) out.push_back(Edge{a, b, mark_at(a, b), mark_at(b, a)});
    return out;
  }

  /// True if the directed edges (the others ignored) form a cycle. Kahn's algorithm, O(p^2).
  bool has_directed_cycle() const {
    const Index p = size();
    std::vector<Index> in_degree(static_cast<std::size_t>(p), 0), ready;
    for (Index a = 0; a < p; ++a)
      for (Index b : children(a)) ++in_degree[static_cast<std::size_t>(b)];
    for (Index v = 0; v < p; ++v)
      if (in_degree[static_cast<std::size_t>(v)] == 0) ready.push_back(v);
    Index removed = 0;
    while (!ready.empty()) {
      const Index v = ready.back();
      ready.pop_back();
      ++removed;
      for (Index c : children(v))
        if (--in_degree[static_cast<std::size_t>(c)] == 0) ready.push_back(c);
    }
    return removed != p;
  }

  /// True if every edge is directed and there is no directed cycle. O(p^2).
  bool is_dag() const { return topological_order().size() == names_.size(); }

  /// A topological order of the directed part (Kahn's algorithm, smallest index first among ready
  /// nodes). Returns fewer than `size()` nodes if there is a cycle or a non-directed edge. O(p^2).
  std::vector<Index> topological_order() const {
    const Index p = size();
    std::vector<Index> in_degree(static_cast<std::size_t>(p), 0);
    for (Index a = 0; a < p; ++a) {
      for (Index b = 0; b < p; ++b) {
        if (!adjacent(a, b)) continue;
        if (!is_directed(a, b) && !is_directed(b, a)) return {};
        if (is_directed(a, b)) ++in_degree[static_cast<std::size_t>(b)];
      }
    }
    std::vector<Index> order;
    std::vector<bool> done(static_cast<std::size_t>(p), false);
    for (bool progress = true; progress;) {
      progress = false;
      for (Index v = 0; v < p; ++v) {
        if (done[static_cast<std::size_t>(v)] || in_degree[static_cast<std::size_t>(v)] != 0) continue;
        done[static_cast<std::size_t>(v)] = true;
        order.push_back(v);
        for (Index c : children(v)) --in_degree[static_cast<std::size_t>(c)];
        progress = true;
        break;
      }
    }
    return order;
  }

  /// Same node names in the same order and the same marks everywhere. O(p^2).
  friend bool operator==(const Graph& x, const Graph& y) { return x.names_ == y.names_ && x.marks_ == y.marks_; }
  /// Negation of ==.
  friend bool operator!=(const Graph& x, const Graph& y) { return !(x == y); }

 private:
  static void check_edge_mark(Mark mark) {
    if (mark == Mark::none) throw invalid_input("mark", "cannot be 'none' on an edge (use remove_edge)");
    if (mark != Mark::tail && mark != Mark::arrow && mark != Mark::circle) {
      throw invalid_input("mark", "value " + std::to_string(static_cast<int>(mark)) + " is not a Mark");
    }
  }
  std::size_t checked(Index i, const char* what) const {
    if (i < 0 || i >= size()) {
      throw invalid_input(what, "index " + std::to_string(i) + " is out of range [0, " + std::to_string(size()) + ")");
    }
    return static_cast<std::size_t>(i);
  }
  std::size_t slot(Index i, Index j) const { return checked(i, "node") * names_.size() + checked(j, "node"); }

  template <class Keep>
  std::vector<Index> collect(Index i, Keep keep) const {
    checked(i, "node");
    std::vector<Index> out;
    for (Index j = 0; j < size(); ++j)
      if (j != i && keep(j)) out.push_back(j);
    return out;
  }

  std::vector<std::string> names_;
  std::unordered_map<std::string, Index> index_;
  std::vector<Mark> marks_;
};

}  // namespace causalattn
