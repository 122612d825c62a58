#pragma once
/// \file
/// PC's skeleton phase: from the complete graph, remove x - y when some conditioning set drawn from
/// the neighbours makes them independent; stable (Colombo and Maathuis 2014) and original variants.

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include "causalattn/core/scalar.hpp"
#include "causalattn/core/threads.hpp"
#include "causalattn/discovery/detail/prepare_test.hpp"
#include "causalattn/discovery/pc_options.hpp"
#include "causalattn/discovery/sepset_table.hpp"

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

/// C(n, k) saturated at 2^62 (a bound for a progress report). O(k).
inline long long saturated_binomial(Index n, Index k) {
  if (k < 0 || k > n) return 0;
  long double value = 1;
  for (Index i = 1; i <= k; ++i) value = value * (long double)(n - k + i) / (long double)(i);
  return value > 4.6e18L ? (1LL << 62) : (long long)(value + 0.5L);
}

/// Result of the skeleton phase.
struct Skeleton {
  std::vector<char> adjacent;  // p x p
  SepsetTable sepset;
  Matrix<double> max_p;
  std::vector<long long> tests_per_depth;
  std::vector<double> seconds_per_depth;

  /// PC's starting point: the complete undirected graph over p nodes, less the pairs the knowledge
  /// bans (forbidden both ways; removed without a test, empty separating set).
  static Skeleton complete(Index p, const BackgroundKnowledge& knowledge, int threads) {
    Skeleton sk;
    sk.adjacent.assign(std::size_t(p * p), 1);
    sk.sepset = SepsetTable(p);
    parallel_for(Index(0), p, threads, [&](Index i) {
      sk.adjacent[std::size_t(i * p + i)] = 0;
      if (knowledge.empty()) return;  // (p^2 queries otherwise: 1.9 s at p = 10,000 on one thread)
      for (Index j = 0; j < p; ++j)
        if (knowledge.banned(i, j)) sk.adjacent[std::size_t(i * p + j)] = 0;
    });
    sk.max_p = Matrix<double>::Zero(p, p);
    return sk;
  }
};

/// Copies the strict lower triangle of a square matrix into its upper one, in 64 x 64 tiles
/// handed to threads by tile column, so that no two threads write to the same cache line and the
/// strided side of the transposition stays inside one tile. O(p^2).
template <typename Defer = void>
void mirror_lower_to_upper(Matrix<detail::deferred_t<Defer, double>>& table, int threads) {
  constexpr Index tile = 64;
  const Index p = table.rows();
  parallel_for(Index(0), (p + tile - 1) / tile, threads, [&](Index column_tile) {
    const Index y_end = std::min(p, (column_tile + 1) * tile);
    for (Index x_begin = 0; x_begin < y_end; x_begin += tile)
      for (Index y = column_tile * tile; y < y_end; ++y)
        for (Index x = x_begin; x < std::min(y, x_begin + tile); ++x) table(x, y) = table(y, x);
  });
}

/// The removals of depth 0, marked `removed_mark` in the upper triangle of the p x p adjacency,
/// applied to both triangles: in 64 x 64 tiles handed to threads by tile row, so that the strided
/// reads of the marks stay inside one tile and each thread writes only its own rows. O(p^2).
template <typename = void>
void apply_upper_removals(std::vector<char>& adjacent, Index p, char removed_mark, int threads) {
  constexpr Index tile = 64;
  parallel_for(Index(0), (p + tile - 1) / tile, threads, [&](Index row_tile) {
    const Index y_begin = row_tile * tile, y_end = std::min(p, y_begin + tile);
    for (Index x_begin = 0; x_begin < y_end; x_begin += tile)
      for (Index y = y_begin; y < y_end; ++y)
        for (Index x = x_begin; x < std::min(y, x_begin + tile); ++x)
          if (adjacent[std::size_t(x * p + y)] == removed_mark) adjacent[std::size_t(y * p + x)] = 0;
  });
  parallel_for(Index(0), p, threads, [&](Index x) {
    char* row = adjacent.data() + x * p;
    for (Index y = x + 1; y < p; ++y)
      if (row[y] == removed_mark) row[y] = 0;
  });
}

/// The rows of the stable skeleton one process handles, and how it learns the other processes'
/// outcomes: in one process, every row and nothing to learn. `mpi/discovery.hpp` shares the rows
/// over MPI ranks through the same calls.
struct AllRows {
  /// Rows handled here: `row(i)` for i in [0, count(p)).
  Index count(Index p) const noexcept { return p; }
  /// The i-th row handled here.
  Index row(Index i) const noexcept { return i; }
  /// This process's part of `work` units spread over every process (for the progress report).
  long long part(long long work) const noexcept { return work; }
  /// Runs local work that may throw; a distributed share throws the same error in every process,
  /// so that no process waits in the next exchange for one that failed.
  template <class Work>
  void run(Work&& work) const {
    work();
  }
  /// After a depth: marks the other processes' removals (`removed_mark` in their rows' adjacency,
  /// pairs in `for_each_candidate` order), stores their staged separating sets in `separated`,
  /// and returns the depth's total test count from this process's `tests`.
  template <class Candidates, class Staged>
  long long exchange(Index, Candidates&&, std::vector<char>&, char, Staged&, long long tests) const {
    return tests;
  }
  /// Completes the lower triangle of the p-value table, whose column x only row x's process wrote.
  void combine_max_p(Matrix<double>&) const {}
};

/// Skeleton, stable variant: adjacency frozen per depth, every unordered pair x < y handled by the
/// task of row x (both sides' conditioning sets, each distinct set tested once), removals applied
/// after the depth. Depth 0 reads the adjacency rows; the neighbour lists (O(edges) memory, where
/// the complete graph's lists would take 8 p^2 bytes) are built after it. `share` says which rows
/// this process tests (`AllRows`: all of them) and hands over the others' outcomes.
template <class Test, class Share = AllRows>
Skeleton stable_skeleton(const Test& test, Index p, const PcOptions& options, const Share& share = {}) {
  Skeleton sk;
  const bool first_found = options.sepset_mode == SepsetMode::first_found;
  // Row x's task handles its pairs x < y and reads and writes only row x: it marks a removal of
  // (x, y) as 2 in the adjacency (so the row still reads as it was at the start of the depth,
  // nonzero), stages a non-empty separating set, in ascending y, in separated[x], and writes the
  // p-value to max_p(y, x) (column x of the column-major table). Threads therefore never write
  // the same byte (only neighbouring rows' ends share a cache line). After the depth, row r's task mirrors the removals of the pairs
  // (x, r), x < r, into row r (reading the marks of rows x, which nobody writes then) with their
  // sets, and stores its own sets; a second pass turns the marks into 0. max_p's upper triangle
  // is filled after the last depth. A set from y's side that lies inside adj(x) was already
  // tested from x's side. Pairs removed at depth 0 (the bulk at large p) stage nothing.
  constexpr char removed_mark = 2;
  std::vector<std::vector<Index>> neighbours;
  std::vector<std::vector<std::pair<Index, std::vector<Index>>>> separated;
  std::vector<long long> tests_by_row;
  share.run([&] {
    sk = Skeleton::complete(p, options.knowledge, options.threads);
    neighbours.resize(std::size_t(p));
    separated.resize(std::size_t(p));
    tests_by_row.assign(std::size_t(p), 0);
    sk.tests_per_depth.reserve(std::size_t(p) + 1);  // at most p depths: no allocation after an exchange
    sk.seconds_per_depth.reserve(std::size_t(p) + 1);
  });
  Index depth = 0;
  const auto frozen = [&](Index a, Index b) { return sk.adjacent[std::size_t(a * p + b)] != 0; };
  // The pairs (x, y), x < y, row x tests at this depth, in ascending y: at depth 0 straight from
  // the adjacency row, later from the neighbour list.
  const auto for_each_candidate = [&](Index x, auto&& f) {
    if (depth == 0) {
      const char* row = sk.adjacent.data() + x * p;
      for (Index y = x + 1; y < p; ++y)
        if (row[y]) f(y);
    } else {
      const auto& list = neighbours[std::size_t(x)];
      for (auto it = std::upper_bound(list.begin(), list.end(), x); it != list.end(); ++it) f(*it);
    }
  };
  auto handle_pair = [&](Index x, Index y, long long& tests) {
    if (options.knowledge.required(x, y) || options.knowledge.required(y, x)) return;  // never tested
    bool independent = false;
    double max_p = sk.max_p(y, x);
    std::vector<Index> separating;
    auto run = [&](const std::vector<Index>& subset) {
      const double pv = test.test(x, y, subset).p_value;
      ++tests;
      max_p = std::max(max_p, pv);
      if (!(pv > options.alpha)) return true;
      separating.insert(separating.end(), subset.begin(), subset.end());
      independent = true;
      return !first_found;  // pcalg keeps the first separating set
    };
    if (depth == 0) {
      run({});
    } else {
      const auto& x_list = neighbours[std::size_t(x)];
      const auto& y_list = neighbours[std::size_t(y)];
      // Each list holds the other end, so a subset of `depth` needs depth + 1 entries.
      if (Index(std::max(x_list.size(), y_list.size())) > depth) prepare_test(test, x, y, x_list, y_list, depth, 0);
      std::vector<Index> pool;
      for (const auto& ends : {std::pair<Index, Index>{x, y}, {y, x}}) {
        const Index a = ends.first, b = ends.second;
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
    }
    sk.max_p(y, x) = max_p;
    if (!independent) return;
    sk.adjacent[std::size_t(x * p + y)] = removed_mark;
    if (separating.empty()) return;
    std::sort(separating.begin(), separating.end());
    separating.erase(std::unique(separating.begin(), separating.end()), separating.end());
    separated[std::size_t(x)].emplace_back(y, std::move(separating));
  };
  // This process's rows of the depth (inside share.run, as all local work between exchanges).
  const auto test_rows = [&] {
    parallel_for(Index(0), share.count(p), options.threads, [&](Index i) {
      const Index x = share.row(i);
      long long tests = 0;
      for_each_candidate(x, [&](Index y) { handle_pair(x, y, tests); });
      tests_by_row[std::size_t(x)] = tests;
    });
  };
  // The other processes' outcomes, and the depth's test count and time.
  const auto exchange = [&](std::chrono::steady_clock::time_point depth_start) {
    long long tests = 0;
    for (long long t : tests_by_row) tests += t;
    sk.tests_per_depth.push_back(share.exchange(p, for_each_candidate, sk.adjacent, removed_mark, separated, tests));
    sk.seconds_per_depth.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - depth_start).count());
  };
  {  // depth 0: every pair the knowledge allows, straight from the adjacency rows
    const auto depth_start = std::chrono::steady_clock::now();
    bool any_pair = false;
    share.run([&] {
      std::vector<Index> degree(static_cast<std::size_t>(p));
      parallel_for(Index(0), p, options.threads, [&](Index i) {
        const char* row = sk.adjacent.data() + i * p;
        degree[std::size_t(i)] = Index(std::count(row, row + p, char(1)));
      });
      long long pairs = 0;
      for (Index d : degree) pairs += d;
      any_pair = *std::max_element(degree.begin(), degree.end()) > 0;
      if (!any_pair) return;
      test.begin_depth(0, share.part(pairs));  // each pair counted from both ends, as the later depths' bound
      test_rows();
    });
    if (!any_pair) return sk;
    exchange(depth_start);
    share.run([&] {
      apply_upper_removals(sk.adjacent, p, removed_mark, options.threads);
      parallel_for(Index(0), p, options.threads, [&](Index i) {
        const char* row = sk.adjacent.data() + i * p;
        auto& list = neighbours[std::size_t(i)];
        list.reserve(std::size_t(std::count(row, row + p, char(1))));
        for (Index j = 0; j < p; ++j)
          if (row[j]) list.push_back(j);
      });
    });
    sk.seconds_per_depth.back() = std::chrono::duration<double>(std::chrono::steady_clock::now() - depth_start).count();
  }
  for (depth = 1;; ++depth) {
    const auto depth_start = std::chrono::steady_clock::now();
    bool go_on = false;
    share.run([&] {
      parallel_for(Index(0), p, options.threads, [&](Index i) {  // drop the neighbours removed last depth
        auto& list = neighbours[std::size_t(i)];
        list.erase(std::remove_if(list.begin(), list.end(), [&](Index j) { return !sk.adjacent[std::size_t(i * p + j)]; }),
                   list.end());
      });
      Index max_degree = 0;
      for (const auto& list : neighbours) max_degree = std::max<Index>(max_degree, Index(list.size()));
      go_on = !(max_degree - 1 < depth || (options.max_depth >= 0 && depth > options.max_depth));
      if (!go_on) return;
      long double bound = 0;  // saturated below: each term is at most 2^62
      for (Index x = 0; x < p; ++x)
        for (Index y : neighbours[std::size_t(x)])
          if (x < y) {
            bound += (long double)saturated_binomial(Index(neighbours[std::size_t(x)].size()) - 1, depth) +
                     (long double)saturated_binomial(Index(neighbours[std::size_t(y)].size()) - 1, depth);
          }
      test.begin_depth(int(depth), share.part((long long)std::min<long double>(bound, (long double)(1LL << 62))));
      for (auto& list : separated) list.clear();
      test_rows();
    });
    if (!go_on) break;
    exchange(depth_start);
    const auto by_column = [](const std::pair<Index, std::vector<Index>>& e, Index column) { return e.first < column; };
    share.run([&] {
      parallel_for(Index(0), p, options.threads, [&](Index r) {
        for (const auto& [y, set] : separated[std::size_t(r)]) sk.sepset.set(r, y, set);
        for (Index x : neighbours[std::size_t(r)]) {
          if (x >= r) break;
          if (sk.adjacent[std::size_t(x * p + r)] != removed_mark) continue;
          sk.adjacent[std::size_t(r * p + x)] = 0;
          const auto& list = separated[std::size_t(x)];
          const auto at = std::lower_bound(list.begin(), list.end(), r, by_column);
          if (at != list.end() && at->first == r) sk.sepset.set(r, x, at->second);
        }
      });
      parallel_for(Index(0), p, options.threads, [&](Index r) {
        char* row = sk.adjacent.data() + r * p;
        const auto& list = neighbours[std::size_t(r)];
        for (auto it = std::upper_bound(list.begin(), list.end(), r); it != list.end(); ++it)
          if (row[*it] == removed_mark) row[*it] = 0;
      });
    });
    sk.seconds_per_depth.back() = std::chrono::duration<double>(std::chrono::steady_clock::now() - depth_start).count();
  }
  share.combine_max_p(sk.max_p);
  share.run([&] { mirror_lower_to_upper(sk.max_p, options.threads); });
  return sk;
}

/// Skeleton, original (order-dependent) variant: removals take effect at once, first set found.
template <class Test>
Skeleton original_skeleton(const Test& test, Index p, const PcOptions& options) {
  Skeleton sk = Skeleton::complete(p, options.knowledge, options.threads);
  for (Index depth = 0;; ++depth) {
    const auto depth_start = std::chrono::steady_clock::now();
    Index max_degree = 0;
    for (Index i = 0; i < p; ++i) {
      Index degree = 0;
      for (Index j = 0; j < p; ++j) degree += sk.adjacent[std::size_t(i * p + j)];
      max_degree = std::max(max_degree, degree);
    }
    if (max_degree - 1 < depth || (options.max_depth >= 0 && depth > options.max_depth)) break;
    long long bound = 0;
    for (Index x = 0; x < p; ++x) {
      Index degree = 0;
      for (Index j = 0; j < p; ++j) degree += sk.adjacent[std::size_t(x * p + j)];
      bound = (long long)std::min<long double>((long double)bound + (long double)degree * saturated_binomial(degree - 1, depth),
                                               (long double)(1LL << 62));
    }
    test.begin_depth(int(depth), bound);
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
          sk.sepset.set(x, y, sorted);
          sk.sepset.set(y, x, std::move(sorted));
          return false;
        });
      }
    }
    sk.tests_per_depth.push_back(tests);
    sk.seconds_per_depth.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - depth_start).count());
  }
  return sk;
}

/// The skeleton phase of PC and FCI: stable or original by `options.stable`; then tells the test
/// (a `BudgetedTest`) that orientation has begun, for the progress report.
/// A distributed `share` needs the stable variant (the original one's outcome depends on the order).
template <class Test, class Share = AllRows>
Skeleton skeleton_phase(const Test& test, Index p, const PcOptions& options, const Share& share = {}) {
  Skeleton sk = options.stable ? stable_skeleton(test, p, options, share) : original_skeleton(test, p, options);
  test.begin_depth(-1, 0);
  return sk;
}

}  // namespace causalattn::detail
