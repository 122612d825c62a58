#pragma once
/// \file
/// `LaggedGraph`: a time-delayed causal graph, source at t - lag --> target at t, lags 1..L.

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "causalattn/core/errors.hpp"
#include "causalattn/graph/graph.hpp"

namespace causalattn {

/// A p x p x L set of lagged links `source(t - lag) --> target(t)` for lag = 1..max_lag: the output
/// of time-delayed discovery (no instantaneous effects; self-links, i.e. autoregression, allowed).
/// Memory O(p^2 L); every query O(1).
/// Example:
/// \code
///   causalattn::LaggedGraph g(3, 2);   // X1..X3, lags 1..2
///   g.set_link(0, 1, 2);               // X1(t-2) --> X2(t)
///   auto summary = g.summary();        // X1 --> X2
/// \endcode
class LaggedGraph {
 public:
  /// `p` nodes named X1..Xp, lags 1..`max_lag`, no links. Throws if p < 0 or max_lag < 1.
  LaggedGraph(Index p, Index max_lag) : LaggedGraph(default_variable_names(p), max_lag) {}

  /// Named nodes (non-empty, unique), lags 1..`max_lag`, no links.
  LaggedGraph(std::vector<std::string> names, Index max_lag) : names_(std::move(names)), max_lag_(max_lag) {
    detail::index_node_names(names_);
    if (max_lag < 1) throw invalid_input("max_lag", "is " + std::to_string(max_lag) + ", must be >= 1");
    const auto p = static_cast<std::uint64_t>(names_.size());
    if (p > (1U << 20) || static_cast<std::uint64_t>(max_lag) > (std::uint64_t{1} << 40) / std::max<std::uint64_t>(1, p * p)) {
      throw invalid_input("max_lag", std::to_string(p) + " nodes x " + std::to_string(p) + " x " + std::to_string(max_lag) +
                                         " lags exceed the limit of 2^40 links");
    }
    links_.assign(static_cast<std::size_t>(size() * size() * max_lag), false);
  }

  /// Number of variables. O(1).
  Index size() const noexcept { return static_cast<Index>(names_.size()); }
  /// Largest lag L. O(1).
  Index max_lag() const noexcept { return max_lag_; }
  /// Variable names. O(1).
  const std::vector<std::string>& names() const noexcept { return names_; }

  /// True if `source(t - lag) --> target(t)`. O(1).
  bool has_link(Index source, Index target, Index lag) const { return links_[slot(source, target, lag)]; }

  /// Adds (or, with `present = false`, removes) the link `source(t - lag) --> target(t)`. O(1).
  void set_link(Index source, Index target, Index lag, bool present = true) {
    links_[slot(source, target, lag)] = present;
  }

  /// Number of links over all lags. O(p^2 L).
  Index link_count() const {
    Index count = 0;
    for (bool b : links_) count += b ? 1 : 0;
    return count;
  }

  /// The summary graph: `source --> target` if a link exists at any lag; self-links are dropped
  /// (Graph has no self-loops) and a pair linked both ways becomes `<->`. O(p^2 L).
  Graph summary() const {
    Graph g(names());
    for (Index s = 0; s < size(); ++s) {
      for (Index t = 0; t < size(); ++t) {
        if (s == t || !any_lag(s, t)) continue;
        if (g.is_directed(t, s)) {
          g.add_bidirected(s, t);
        } else {
          g.add_directed(s, t);
        }
      }
    }
    return g;
  }

  /// True if `source --> target` at some lag. O(L).
  bool any_lag(Index source, Index target) const {
    for (Index lag = 1; lag <= max_lag_; ++lag)
      if (has_link(source, target, lag)) return true;
    return false;
  }

  /// Same names, maximum lag and links.
  friend bool operator==(const LaggedGraph& x, const LaggedGraph& y) {
    return x.names_ == y.names_ && x.max_lag_ == y.max_lag_ && x.links_ == y.links_;
  }
  /// Negation of ==.
  friend bool operator!=(const LaggedGraph& x, const LaggedGraph& y) { return !(x == y); }

 private:
  std::size_t slot(Index source, Index target, Index lag) const {
    const Index p = size();
    if (source < 0 || source >= p || target < 0 || target >= p) {
      throw invalid_input("node", "index " + std::to_string(source < 0 || source >= p ? source : target) +
                                      " is out of range [0, " + std::to_string(p) + ")");
    }
    if (lag < 1 || lag > max_lag_) {
      throw invalid_input("lag", "is " + std::to_string(lag) + ", must lie in [1, " + std::to_string(max_lag_) + "]");
    }
    return static_cast<std::size_t>(((lag - 1) * p + target) * p + source);
  }

  std::vector<std::string> names_;
  Index max_lag_;
  std::vector<bool> links_;
};

}  // namespace causalattn
