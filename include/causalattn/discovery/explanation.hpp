#pragma once
/// \file
/// CLEANN explanations (Rohekar et al., "Causal Interpretation of Self-Attention in Pre-Trained
/// Transformers", NeurIPS 2023): the smallest sets of input tokens that, when masked, change a
/// model's prediction, searched in order of their distance to the target token in a learned causal
/// graph. Whether the prediction changes is the caller's question to the model (a callback).

#include <algorithm>
#include <cstddef>
#include <functional>
#include <queue>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "causalattn/core/errors.hpp"
#include "causalattn/core/scalar.hpp"
#include "causalattn/graph/graph.hpp"

namespace causalattn {

/// Options of `explain`.
struct ExplanationOptions {
  Index max_set_size = 3;  ///< largest explanation size tried, >= 1 (capped at the number of candidates)
  long long max_calls = 1000;  ///< most callback calls (model evaluations), >= 1
  /// Continue past the first size at which an explanation was found and return the minimal sets of
  /// every size up to `max_set_size` (default: stop after that size, so all sets have one size).
  bool all_sizes = false;
  /// Tokens that may be masked (each in range, not the target, no repeats); empty = every node but
  /// the target.
  std::vector<Index> candidates;

  /// Throws `invalid_input` naming the first bad option among those that need no graph
  /// (`max_set_size`, `max_calls`); `explain` checks `candidates` against the graph. O(1).
  /// Example: `causalattn::ExplanationOptions o; o.max_calls = 0; o.validate();  // throws`
  void validate() const {
    if (max_set_size < 1) {
      throw invalid_input("options.max_set_size", "is " + std::to_string(max_set_size) + ", must be >= 1");
    }
    if (max_calls < 1) throw invalid_input("options.max_calls", "is " + std::to_string(max_calls) + ", must be >= 1");
  }
};

/// What `explain` returns.
struct Explanation {
  /// The explanations in the order found: node indices, ascending within a set. Each set changed the
  /// prediction and contains no other set that did; by default all have the smallest size that
  /// changed it. Empty if none did (or the budget ran out first).
  std::vector<std::vector<Index>> minimal_sets;
  long long calls = 0;            ///< callback calls made (at most `options.max_calls`)
  bool budget_exhausted = false;  ///< true if the search stopped at `max_calls` with sets left untested
  /// distance[v]: edges on a shortest path from the target to v, ignoring marks (0 for the target,
  /// -1 if unreachable); one entry per node of the graph.
  std::vector<Index> distance;
};

namespace detail {

/// Breadth-first distances from `source` over adjacencies of any mark (-1 = unreachable). O(p^2).
template <typename = void>
std::vector<Index> adjacency_distances(const Graph& graph, Index source) {
  const Index p = graph.size();
  std::vector<Index> distance(static_cast<std::size_t>(p), -1);
  std::vector<Index> queue{source};
  distance[static_cast<std::size_t>(source)] = 0;
  for (std::size_t head = 0; head < queue.size(); ++head) {
    const Index v = queue[head];
    for (Index w = 0; w < p; ++w) {
      if (w == v || distance[static_cast<std::size_t>(w)] >= 0 || !graph.adjacent(v, w)) continue;
      distance[static_cast<std::size_t>(w)] = distance[static_cast<std::size_t>(v)] + 1;
      queue.push_back(w);
    }
  }
  return distance;
}

/// The k-subsets of positions 0..m-1, produced in increasing order of (sum of `cost[position]`,
/// positions lexicographically), for `cost` non-decreasing in the position. The subsets form a tree
/// rooted at {0, ..., k-1}: the parent of a subset c decrements c[f], f being the first index with
/// c[f] != f, so a subset has at most two children (c[f-1] or c[f] incremented), each costing at
/// least as much and lexicographically later. Best-first search over the tree visits every subset
/// once, in order, and holds at most one more subset than it has produced.
/// O(k log n) per subset, n the number produced so far.
class SubsetsByCost {
 public:
  /// \param cost non-decreasing cost of each position. \param k subset size, 1 <= k <= cost.size().
  SubsetsByCost(const std::vector<long long>& cost, Index k) : cost_(cost) {
    std::vector<Index> first(static_cast<std::size_t>(k));
    for (Index i = 0; i < k; ++i) first[static_cast<std::size_t>(i)] = i;
    push(std::move(first));
  }

  /// Writes the next subset (ascending positions) to `out`; false when all have been produced.
  bool next(std::vector<Index>& out) {
    if (heap_.empty()) return false;
    out = heap_.top().positions;
    heap_.pop();
    const auto k = static_cast<Index>(out.size());
    const auto m = static_cast<Index>(cost_.size());
    auto at = [&](Index i) { return out[static_cast<std::size_t>(i)]; };
    auto bound = [&](Index i) { return i + 1 < k ? at(i + 1) : m; };  // c[i] must stay below this
    Index f = 0;
    while (f < k && at(f) == f) ++f;
    for (Index i : {f - 1, f}) {
      if (i < 0 || i >= k || at(i) + 1 >= bound(i)) continue;
      std::vector<Index> child = out;
      ++child[static_cast<std::size_t>(i)];
      push(std::move(child));
    }
    return true;
  }

 private:
  struct Entry {
    long long cost;
    std::vector<Index> positions;
  };
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const {
      return a.cost != b.cost ? a.cost > b.cost : a.positions > b.positions;
    }
  };
  void push(std::vector<Index> positions) {
    long long total = 0;
    for (Index pos : positions) total += cost_[static_cast<std::size_t>(pos)];
    heap_.push(Entry{total, std::move(positions)});
  }

  const std::vector<long long>& cost_;
  std::priority_queue<Entry, std::vector<Entry>, Later> heap_;
};

/// The candidate tokens of `explain`, checked: `options.candidates`, or every node but the target.
template <typename = void>
std::vector<Index> explanation_candidates(Index p, Index target, const std::vector<Index>& requested) {
  if (requested.empty()) {
    std::vector<Index> all;
    for (Index v = 0; v < p; ++v)
      if (v != target) all.push_back(v);
    return all;
  }
  std::vector<Index> first_entry(static_cast<std::size_t>(p), -1);
  for (std::size_t i = 0; i < requested.size(); ++i) {
    const Index v = requested[i];
    const std::string entry = "entry " + std::to_string(i) + " (node " + std::to_string(v) + ")";
    if (v < 0 || v >= p) {
      throw invalid_input("options.candidates", entry + " is out of range [0, " + std::to_string(p) + ")");
    }
    if (v == target) throw invalid_input("options.candidates", entry + " is the target");
    Index& seen = first_entry[static_cast<std::size_t>(v)];
    if (seen >= 0) throw invalid_input("options.candidates", entry + " repeats entry " + std::to_string(seen));
    seen = static_cast<Index>(i);
  }
  return requested;
}

/// True if `set` (ascending) contains one of `found` (each ascending). O(|found| * |set|).
template <typename = void>
bool contains_any(const std::vector<Index>& set, const std::vector<std::vector<Index>>& found) {
  return std::any_of(found.begin(), found.end(), [&](const std::vector<Index>& f) {
    return std::includes(set.begin(), set.end(), f.begin(), f.end());
  });
}

/// True if `Callback` can be called as `bool(const std::vector<Index>&)`.
template <class Callback>
inline constexpr bool takes_index_vector_v = std::is_invocable_r_v<bool, Callback&, const std::vector<Index>&>;

/// True if `Callback` can be called as `bool(const std::vector<int>&)`.
template <class Callback>
inline constexpr bool takes_int_vector_v = std::is_invocable_r_v<bool, Callback&, const std::vector<int>&>;

/// Calls the callback with `masked`, as `std::vector<Index>` if it takes one, else converted to
/// `std::vector<int>` (graph indices fit: a `Graph` has at most 2^20 nodes).
template <class Callback>
bool call_prediction_callback(Callback& callback, const std::vector<Index>& masked) {
  if constexpr (takes_index_vector_v<Callback>) {
    return static_cast<bool>(std::invoke(callback, masked));
  } else {
    const std::vector<int> as_int(masked.begin(), masked.end());
    return static_cast<bool>(std::invoke(callback, as_int));
  }
}

}  // namespace detail

/// CLEANN's explanation search: the smallest sets of candidate tokens whose masking changes the
/// model's prediction for `target`, tried nearest-first in the causal graph learned over the tokens.
///
/// Candidates are ranked by breadth-first distance from `target` in `graph` over adjacencies of any
/// mark (ties by index; unreachable ones after all reachable ones). Sets are tried by size
/// k = 1, 2, ..., `max_set_size`; within a size by the sum of their members' distances, an
/// unreachable member counting as more than any sum of k reachable distances (so a set with more
/// unreachable members always comes later), then lexicographically by the members' ranks. A set
/// that contains an explanation already found is skipped, so every returned set is minimal. Each
/// set tried is passed to the callback ascending; when the callback returns true, the set is an
/// explanation. The search ends after the first size that gave an explanation (unless
/// `options.all_sizes`), after `max_set_size`, or when `options.max_calls` calls have been made
/// (`budget_exhausted` if a set was then left untested). Exceptions from the callback propagate.
/// \param graph              causal graph over the tokens (e.g. learned by `pc` from attention).
/// \param target             the token whose prediction is explained, in [0, graph.size()).
/// \param prediction_changes `bool(const std::vector<Index>& masked)` or
///                           `bool(const std::vector<int>& masked)`: true if the model's prediction
///                           changes when the tokens `masked` are masked. Called as an lvalue, from
///                           this thread only.
/// \param options            set size limit, call budget, all sizes, candidate tokens.
/// Throws `invalid_input` for an out-of-range target or a bad option.
/// Complexity: O(p^2) for the distances, plus O(k log n + |found| k) per set visited (n sets
/// visited so far, k their size) and the callback's cost; calls are at most `max_calls`.
/// Example:
/// \code
///   causalattn::Graph g(5);  // tokens 0..4, target 0
///   g.add_undirected(0, 1);
///   g.add_undirected(1, 2);
///   auto e = causalattn::explain(g, 0, [&](const std::vector<causalattn::Index>& masked) {
///     return model_prediction(mask(tokens, masked)) != original_prediction;
///   });
///   // e.minimal_sets, e.g. {{1, 2}}; e.calls; e.distance = {0, 1, 2, -1, -1}
/// \endcode
template <class Callback>
Explanation explain(const Graph& graph, Index target, Callback&& prediction_changes,
                    const ExplanationOptions& options = {}) {
  using Fn = std::remove_reference_t<Callback>;
  static_assert(detail::takes_index_vector_v<Fn> || detail::takes_int_vector_v<Fn>,
                "explain: the callback must be callable as bool(const std::vector<Index>&) or "
                "bool(const std::vector<int>&)");
  const Index p = graph.size();
  if (target < 0 || target >= p) {
    throw invalid_input("target", "is " + std::to_string(target) + ", out of range [0, " + std::to_string(p) + ")");
  }
  options.validate();
  std::vector<Index> nodes = detail::explanation_candidates(p, target, options.candidates);

  Explanation result;
  result.distance = detail::adjacency_distances(graph, target);
  const auto m = static_cast<Index>(nodes.size());
  const Index k_max = std::min(options.max_set_size, m);
  Index farthest = 0;
  for (Index d : result.distance) farthest = std::max(farthest, d);
  const long long unreachable = static_cast<long long>(k_max) * farthest + 1;
  auto cost_of = [&](Index v) {
    const Index d = result.distance[static_cast<std::size_t>(v)];
    return d < 0 ? unreachable : static_cast<long long>(d);
  };
  std::sort(nodes.begin(), nodes.end(), [&](Index a, Index b) {
    return cost_of(a) != cost_of(b) ? cost_of(a) < cost_of(b) : a < b;
  });

  std::vector<char> explains_alone(static_cast<std::size_t>(p), 0);
  std::vector<Index> positions, masked;
  for (Index k = 1; k <= k_max; ++k) {
    // A token that alone changes the prediction is in no larger minimal set: dropping it leaves the
    // order of the remaining sets unchanged.
    auto alone = [&](Index v) { return explains_alone[static_cast<std::size_t>(v)] != 0; };
    nodes.erase(std::remove_if(nodes.begin(), nodes.end(), alone), nodes.end());
    if (k > static_cast<Index>(nodes.size())) break;
    std::vector<long long> cost;
    for (Index v : nodes) cost.push_back(cost_of(v));
    detail::SubsetsByCost subsets(cost, k);
    bool found_at_k = false;
    while (subsets.next(positions)) {
      masked.clear();
      for (Index pos : positions) masked.push_back(nodes[static_cast<std::size_t>(pos)]);
      std::sort(masked.begin(), masked.end());
      if (detail::contains_any(masked, result.minimal_sets)) continue;
      if (result.calls >= options.max_calls) {
        result.budget_exhausted = true;
        return result;
      }
      ++result.calls;
      if (detail::call_prediction_callback(prediction_changes, masked)) {
        result.minimal_sets.push_back(masked);
        if (k == 1) explains_alone[static_cast<std::size_t>(masked[0])] = 1;
        found_at_k = true;
      }
    }
    if (found_at_k && !options.all_sizes) break;
  }
  return result;
}

}  // namespace causalattn
