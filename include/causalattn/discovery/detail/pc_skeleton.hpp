#pragma once
/// \file
/// PC's skeleton phase: from the complete graph, remove x - y when some conditioning set drawn from
/// the neighbours makes them independent; stable (Colombo and Maathuis 2014) and original variants.

#include <algorithm>
#include <utility>
#include <vector>

#include "causalattn/core/scalar.hpp"
#include "causalattn/core/threads.hpp"
#include "causalattn/discovery/pc_options.hpp"

namespace causalattn::detail {

/// Calls f(subset) for every subset of `pool` of size k, in lexicographic order of positions.
template <class F>
void for_each_subset(const std::vector<Index>& pool, Index k, F&& f) {
  const auto n = static_cast<Index>(pool.size());
  if (k > n) return;
  std::vector<Index> position(static_cast<std::size_t>(k));
  for (Index i = 0; i < k; ++i) position[std::size_t(i)] = i;
  std::vector<Index> subset(static_cast<std::size_t>(k));
  for (;;) {
    for (Index i = 0; i < k; ++i) subset[std::size_t(i)] = pool[std::size_t(position[std::size_t(i)])];
    if (!f(subset)) return;
    Index i = k - 1;
    while (i >= 0 && position[std::size_t(i)] == n - k + i) --i;
    if (i < 0) return;
    ++position[std::size_t(i)];
    for (Index j = i + 1; j < k; ++j) position[std::size_t(j)] = position[std::size_t(j - 1)] + 1;
  }
}

/// Result of the skeleton phase.
struct Skeleton {
  std::vector<char> adjacent;  // p x p
  std::vector<std::vector<std::vector<Index>>> sepset;
  Matrix<double> max_p;
  std::vector<long long> tests_per_depth;

  /// PC's starting point: the complete undirected graph over p nodes, less the pairs the knowledge
  /// bans (forbidden both ways; removed without a test, empty separating set).
  static Skeleton complete(Index p, const BackgroundKnowledge& knowledge) {
    Skeleton sk;
    sk.adjacent.assign(std::size_t(p * p), 1);
    for (Index i = 0; i < p; ++i)
      for (Index j = 0; j < p; ++j)
        if (i == j || knowledge.banned(i, j)) sk.adjacent[std::size_t(i * p + j)] = 0;
    sk.sepset.assign(std::size_t(p), std::vector<std::vector<Index>>(std::size_t(p)));
    sk.max_p = Matrix<double>::Zero(p, p);
    return sk;
  }
};

/// Skeleton, stable variant: adjacency frozen per depth, every unordered pair handled by one task
/// (both sides' conditioning sets, each distinct set tested once), removals applied after the depth.
template <class Test>
Skeleton stable_skeleton(const Test& test, Index p, const PcOptions& options) {
  Skeleton sk = Skeleton::complete(p, options.knowledge);
  const bool first_found = options.sepset_mode == SepsetMode::first_found;
  for (Index depth = 0;; ++depth) {
    std::vector<std::vector<Index>> neighbours(static_cast<std::size_t>(p));
    Index max_degree = 0;
    for (Index i = 0; i < p; ++i) {
      for (Index j = 0; j < p; ++j)
        if (sk.adjacent[std::size_t(i * p + j)]) neighbours[std::size_t(i)].push_back(j);
      max_degree = std::max<Index>(max_degree, Index(neighbours[std::size_t(i)].size()));
    }
    if (max_degree - 1 < depth || (options.max_depth >= 0 && depth > options.max_depth)) break;
    std::vector<std::pair<Index, Index>> edges;
    for (Index x = 0; x < p; ++x)
      for (Index y : neighbours[std::size_t(x)])
        if (x < y) edges.emplace_back(x, y);
    struct Outcome {
      bool removed = false;
      std::vector<Index> separating;  // sorted and deduplicated after the task
      double max_p = 0;
      long long tests = 0;
    };
    std::vector<Outcome> outcomes(edges.size());
    // One task per pair; a set from y's side that lies inside adj(x) was already tested from x's
    // side. Pairs are handed out in blocks so that the ~p^2/2 cheap depth-0 tasks stay cheap.
    const auto frozen = [&](Index a, Index b) { return sk.adjacent[std::size_t(a * p + b)] != 0; };
    auto handle_pair = [&](std::size_t e) {
      const auto [x, y] = edges[e];
      if (options.knowledge.required(x, y) || options.knowledge.required(y, x)) return;  // never tested
      Outcome& out = outcomes[e];
      auto run = [&](const std::vector<Index>& subset) {
        const double pv = test.test(x, y, subset).p_value;
        ++out.tests;
        out.max_p = std::max(out.max_p, pv);
        if (!(pv > options.alpha)) return true;
        out.separating.insert(out.separating.end(), subset.begin(), subset.end());
        out.removed = true;
        return !first_found;  // pcalg keeps the first separating set
      };
      if (depth == 0) {
        run({});
        return;
      }
      std::vector<Index> pool;
      for (const auto& [a, b] : {std::pair<Index, Index>{x, y}, {y, x}}) {
        pool.clear();
        for (Index v : neighbours[std::size_t(a)])
          if (v != b) pool.push_back(v);
        bool go_on = true;
        for_each_subset(pool, depth, [&](const std::vector<Index>& subset) {
          if (a == y && std::all_of(subset.begin(), subset.end(), [&](Index v) { return frozen(x, v); })) return true;
          go_on = run(subset);
          return go_on;
        });
        if (!go_on) break;
      }
      std::sort(out.separating.begin(), out.separating.end());
      out.separating.erase(std::unique(out.separating.begin(), out.separating.end()), out.separating.end());
    };
    const auto pairs = Index(edges.size());
    const Index block = std::max<Index>(1, pairs / 1024);
    parallel_for(Index(0), (pairs + block - 1) / block, options.threads, [&](Index b) {
      for (Index e = b * block; e < std::min(pairs, (b + 1) * block); ++e) handle_pair(std::size_t(e));
    });
    long long tests = 0;
    for (std::size_t e = 0; e < edges.size(); ++e) {
      const auto [x, y] = edges[e];
      const Outcome& out = outcomes[e];
      tests += out.tests;
      sk.max_p(x, y) = sk.max_p(y, x) = std::max(sk.max_p(x, y), out.max_p);
      if (!out.removed) continue;
      sk.adjacent[std::size_t(x * p + y)] = sk.adjacent[std::size_t(y * p + x)] = 0;
      sk.sepset[std::size_t(x)][std::size_t(y)] = out.separating;
      sk.sepset[std::size_t(y)][std::size_t(x)] = sk.sepset[std::size_t(x)][std::size_t(y)];
    }
    sk.tests_per_depth.push_back(tests);
  }
  return sk;
}

/// Skeleton, original (order-dependent) variant: removals take effect at once, first set found.
template <class Test>
Skeleton original_skeleton(const Test& test, Index p, const PcOptions& options) {
  Skeleton sk = Skeleton::complete(p, options.knowledge);
  for (Index depth = 0;; ++depth) {
    Index max_degree = 0;
    for (Index i = 0; i < p; ++i) {
      Index degree = 0;
      for (Index j = 0; j < p; ++j) degree += sk.adjacent[std::size_t(i * p + j)];
      max_degree = std::max(max_degree, degree);
    }
    if (max_degree - 1 < depth || (options.max_depth >= 0 && depth > options.max_depth)) break;
    long long tests = 0;
    for (Index x = 0; x < p; ++x) {
      std::vector<Index> neighbours;
      for (Index j = 0; j < p; ++j)
        if (sk.adjacent[std::size_t(x * p + j)]) neighbours.push_back(j);
      for (Index y : neighbours) {
        if (options.knowledge.required(x, y) || options.knowledge.required(y, x)) continue;  // never tested
        std::vector<Index> pool;
        for (Index v : neighbours)
          if (v != y) pool.push_back(v);
        for_each_subset(pool, depth, [&](const std::vector<Index>& subset) {
          const double pv = test.test(x, y, subset).p_value;
          ++tests;
          sk.max_p(x, y) = sk.max_p(y, x) = std::max(sk.max_p(x, y), pv);
          if (pv <= options.alpha) return true;
          sk.adjacent[std::size_t(x * p + y)] = sk.adjacent[std::size_t(y * p + x)] = 0;
          std::vector<Index> sorted = subset;
          std::sort(sorted.begin(), sorted.end());
          sk.sepset[std::size_t(x)][std::size_t(y)] = sk.sepset[std::size_t(y)][std::size_t(x)] = sorted;
          return false;
        });
      }
    }
    sk.tests_per_depth.push_back(tests);
  }
  return sk;
}

}  // namespace causalattn::detail
