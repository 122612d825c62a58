#pragma once
/// \file
/// FCI's possible-d-sep stage (Spirtes, Glymour, Scheines 2000, section 6.7): after the skeleton
/// and R0, an edge x - y is removed when some subset of Possible-D-Sep(x) or Possible-D-Sep(y)
/// separates x and y.

#include <algorithm>
#include <utility>
#include <vector>

#include "causalattn/core/threads.hpp"
#include "causalattn/discovery/detail/pag_graph.hpp"
#include "causalattn/discovery/detail/pc_skeleton.hpp"
#include "causalattn/discovery/fci_options.hpp"

namespace causalattn::detail {

/// Possible-D-Sep(x): the nodes v != x reached from x along a walk on which every inner node b of a
/// consecutive triple (a, b, c) is a collider a *-> b <-* c or a, c are adjacent. Breadth first over
/// directed edge states (a, b), so each edge is crossed at most once per direction. A walk may
/// repeat a node, so the set can exceed the path-based definition (as pcalg's search does); that
/// only adds tests, and every separating set found is genuine. Walks longer than
/// `max_path_length` edges are not followed (-1 = no limit; 0 or 1 = the neighbours only).
/// Ascending. O(sum deg^2).
template <typename = void>
std::vector<Index> possible_d_sep(const PagGraph& g, Index x, int max_path_length) {
  const Index p = g.size();
  std::vector<std::size_t> first_slot(std::size_t(p) + 1, 0);  // state (a, b) -> slot of a in b's list
  for (Index v = 0; v < p; ++v) first_slot[std::size_t(v) + 1] = first_slot[std::size_t(v)] + g.adjacents(v).size();
  const auto slot = [&](Index a, Index b) {
    const auto& list = g.adjacents(b);
    return first_slot[std::size_t(b)] + std::size_t(std::lower_bound(list.begin(), list.end(), a) - list.begin());
  };
  std::vector<char> seen(first_slot.back(), 0), reached(std::size_t(p), 0);
  struct State {
    Index from, at;
    int length;
  };
  std::vector<State> queue;
  for (Index v : g.adjacents(x)) {
    seen[slot(x, v)] = 1;
    reached[std::size_t(v)] = 1;
    queue.push_back({x, v, 1});
  }
  for (std::size_t head = 0; head < queue.size(); ++head) {
    const auto [a, b, length] = queue[head];
    if (max_path_length >= 0 && length >= max_path_length) continue;
    for (Index c : g.adjacents(b)) {
      if (c == a || c == x) continue;
      const bool collider = g.end(a, b) == Mark::arrow && g.end(c, b) == Mark::arrow;
      if (!collider && !g.adjacent(a, c)) continue;
      if (seen[slot(b, c)]) continue;
      seen[slot(b, c)] = 1;
      reached[std::size_t(c)] = 1;
      queue.push_back({b, c, length + 1});
    }
  }
  std::vector<Index> out;
  for (Index v = 0; v < p; ++v)
    if (reached[std::size_t(v)]) out.push_back(v);
  return out;
}

/// Biconnected components of a graph's skeleton (Hopcroft and Tarjan 1973), iteratively: every
/// edge belongs to exactly one block, and every simple path between the ends of an edge stays
/// inside that edge's block.
class EdgeBlocks {
 public:
  explicit EdgeBlocks(const PagGraph& g) : g_(g), block_at_(std::size_t(g.size())) {
    const Index p = g.size();
    for (Index v = 0; v < p; ++v) block_at_[std::size_t(v)].assign(g.adjacents(v).size(), -1);
    std::vector<Index> discovered(std::size_t(p), -1), low(std::size_t(p), 0);
    struct Frame {
      Index node, parent;
      std::size_t next;
    };
    std::vector<Frame> frames;
    std::vector<std::pair<Index, Index>> edges;
    Index clock = 0;
    for (Index root = 0; root < p; ++root) {
      if (discovered[std::size_t(root)] >= 0) continue;
      discovered[std::size_t(root)] = low[std::size_t(root)] = clock++;
      frames.push_back({root, -1, 0});
      while (!frames.empty()) {
        Frame& top = frames.back();
        const Index v = top.node;
        if (top.next < g.adjacents(v).size()) {
          const Index w = g.adjacents(v)[top.next++];
          if (w == top.parent) continue;
          if (discovered[std::size_t(w)] < 0) {
            edges.emplace_back(v, w);
            discovered[std::size_t(w)] = low[std::size_t(w)] = clock++;
            frames.push_back({w, v, 0});
          } else if (discovered[std::size_t(w)] < discovered[std::size_t(v)]) {
            edges.emplace_back(v, w);
            low[std::size_t(v)] = std::min(low[std::size_t(v)], discovered[std::size_t(w)]);
          }
          continue;
        }
        const Index parent = top.parent;
        frames.pop_back();
        if (parent < 0) continue;
        low[std::size_t(parent)] = std::min(low[std::size_t(parent)], low[std::size_t(v)]);
        if (low[std::size_t(v)] < discovered[std::size_t(parent)]) continue;
        std::vector<Index> nodes;  // parent is an articulation point (or the root): close the block
        const auto block = Index(nodes_.size());
        for (bool done = false; !done;) {
          const auto [a, b] = edges.back();
          edges.pop_back();
          done = a == parent && b == v;
          set_block(a, b, block);
          nodes.push_back(a);
          nodes.push_back(b);
        }
        std::sort(nodes.begin(), nodes.end());
        nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
        nodes_.push_back(std::move(nodes));
      }
    }
  }
  /// The nodes of the block holding the edge a - b, ascending.
  const std::vector<Index>& nodes_with(Index a, Index b) const { return nodes_[std::size_t(block_at_[std::size_t(a)][slot(a, b)])]; }

 private:
  std::size_t slot(Index a, Index b) const {
    const auto& list = g_.adjacents(a);
    return std::size_t(std::lower_bound(list.begin(), list.end(), b) - list.begin());
  }
  void set_block(Index a, Index b, Index block) {
    block_at_[std::size_t(a)][slot(a, b)] = block;
    block_at_[std::size_t(b)][slot(b, a)] = block;
  }
  const PagGraph& g_;
  std::vector<std::vector<Index>> block_at_;  // block of the edge to the k-th neighbour
  std::vector<std::vector<Index>> nodes_;     // nodes of each block
};

/// One edge's outcome in the possible-d-sep stage.
struct PossibleDsepOutcome {
  Index y = 0;
  double max_p = 0;
  bool removed = false;
  std::vector<Index> separating;
};

/// Runs the possible-d-sep stage on `g` (the skeleton after R0), frozen: Possible-D-Sep sets are
/// computed once from `g` and removals are applied after every edge was tested, so the result
/// does not depend on the thread count. For x - y, subsets of Possible-D-Sep(x) \ {x, y} then of
/// Possible-D-Sep(y) \ {x, y} are tested by increasing size (at most `max_depth`), skipping those
/// inside the node's adjacency (the skeleton tested them); the first separating set removes the
/// edge. The sets are cut to the biconnected component of the edge x - y (pcalg's biCC option,
/// Colombo et al. 2012): a node off every x - y path is never needed to separate them, and the
/// cut turns the stage from exponential in |Possible-D-Sep| into exponential in the block size.
/// Updates `sk` (adjacency, separating sets, largest p-values). Returns the tests run.
template <class Test>
long long possible_dsep_stage(const Test& test, const PagGraph& g, Skeleton& sk, const FciOptions& options,
                              long long& removed) {
  const Index p = g.size();
  std::vector<std::vector<Index>> pds(static_cast<std::size_t>(p));
  parallel_for(Index(0), p, options.threads, [&](Index x) { pds[std::size_t(x)] = possible_d_sep(g, x, options.max_path_length); });
  const EdgeBlocks blocks(g);
  std::vector<std::vector<PossibleDsepOutcome>> outcomes(static_cast<std::size_t>(p));
  std::vector<long long> tests_by_row(static_cast<std::size_t>(p), 0);
  parallel_for(Index(0), p, options.threads, [&](Index x) {
    for (Index y : g.adjacents(x)) {
      if (y < x || options.knowledge.required(x, y) || options.knowledge.required(y, x)) continue;
      PossibleDsepOutcome outcome;
      outcome.y = y;
      outcome.max_p = sk.max_p(x, y);
      for (const auto& [a, b] : {std::pair<Index, Index>{x, y}, {y, x}}) {
        std::vector<Index> pool;
        const auto& block = blocks.nodes_with(x, y);
        for (Index v : pds[std::size_t(a)])
          if (v != b && std::binary_search(block.begin(), block.end(), v)) pool.push_back(v);
        const auto& around = g.adjacents(a);
        const auto limit = options.max_depth < 0 ? Index(pool.size()) : std::min<Index>(Index(pool.size()), options.max_depth);
        for (Index size = 1; size <= limit && !outcome.removed; ++size) {
          for_each_subset(pool, size, [&](const std::vector<Index>& subset) {
            const bool tested_in_skeleton = std::all_of(subset.begin(), subset.end(), [&](Index v) {
              return std::binary_search(around.begin(), around.end(), v);
            });
            if (tested_in_skeleton) return true;
            const double pv = test.test(x, y, subset).p_value;
            ++tests_by_row[std::size_t(x)];
            outcome.max_p = std::max(outcome.max_p, pv);
            if (!(pv > options.alpha)) return true;
            outcome.removed = true;
            outcome.separating = subset;
            return false;
          });
        }
        if (outcome.removed) break;
      }
      outcomes[std::size_t(x)].push_back(std::move(outcome));
    }
  });
  long long tests = 0;
  for (Index x = 0; x < p; ++x) {
    tests += tests_by_row[std::size_t(x)];
    for (auto& o : outcomes[std::size_t(x)]) {
      sk.max_p(x, o.y) = sk.max_p(o.y, x) = o.max_p;
      if (!o.removed) continue;
      ++removed;
      std::sort(o.separating.begin(), o.separating.end());
      sk.adjacent[std::size_t(x * p + o.y)] = sk.adjacent[std::size_t(o.y * p + x)] = 0;
      sk.sepset.set(o.y, x, o.separating);
      sk.sepset.set(x, o.y, std::move(o.separating));
    }
  }
  return tests;
}

}  // namespace causalattn::detail
