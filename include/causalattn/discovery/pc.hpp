#pragma once
/// \file
/// The PC algorithm (Spirtes, Glymour, Scheines 2000): skeleton by conditional-independence tests,
/// then unshielded colliders and Meek's rules, with the options and exact semantics of the
/// reference implementations (causal-learn's separating sets, collider rules and priorities;
/// pcalg's first-found separating sets).

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "causalattn/core/errors.hpp"
#include "causalattn/core/names.hpp"
#include "causalattn/core/threads.hpp"
#include "causalattn/discovery/detail/endpoint_graph.hpp"
#include "causalattn/discovery/fisher_z.hpp"
#include "causalattn/graph/graph.hpp"

namespace causalattn {

/// Which separating set PC keeps for a removed edge.
enum class SepsetMode {
  causal_learn,  ///< stable: every set at the removal depth is tested; keep the union of all that separate
  first_found    ///< pcalg: stop at the first separating set and keep it
};

/// How unshielded triples x - y - z become colliders x -> y <- z (causal-learn's uc_rule).
enum class ColliderRule {
  sepset = 0,          ///< y is not in the separating set of x and z
  max_p = 1,           ///< the largest p-value over sets without y beats the largest with y (Ramsey 2016)
  definite_max_p = 2   ///< max-P among triples every test classifies consistently, plus definite Meek rules
};

/// Options of `pc`.
struct PcOptions {
  double alpha = 0.05;                        ///< significance level, in (0, 1): independent iff p > alpha
  bool stable = true;                         ///< order-independent skeleton (Colombo and Maathuis 2014)
  int max_depth = -1;                         ///< largest conditioning set size; -1 = unlimited
  /// See `SepsetMode`; the original (unstable) skeleton always keeps the first set found.
  SepsetMode sepset_mode = SepsetMode::causal_learn;
  ColliderRule collider_rule = ColliderRule::sepset;  ///< causal-learn's uc_rule 0 / 1 / 2
  /// Conflict handling (causal-learn's uc_priority): 0 overwrite, 1 orient bi-directed, 2 keep
  /// existing colliders, 3 prioritise stronger colliders, 4 prioritise stronger* colliders; -1 (default)
  /// = the rule's default (3 for sepset and max_p, 4 for definite_max_p).
  int priority = -1;
  int threads = 0;  ///< threads for the skeleton's tests (stable mode); 0 = all; results never depend on it
  /// Throws `invalid_input` naming the first bad option.
  void validate() const {
    if (!(alpha > 0 && alpha < 1)) throw invalid_input("options.alpha", "is " + detail::to_text(alpha) + ", must lie in (0, 1)");
    if (max_depth < -1) throw invalid_input("options.max_depth", "is " + std::to_string(max_depth) + ", must be >= -1");
    if (priority < -1 || priority > 4) throw invalid_input("options.priority", "is " + std::to_string(priority) + ", must be -1..4");
    if (collider_rule == ColliderRule::definite_max_p && (priority == 0 || priority == 1)) {
      throw invalid_input("options.priority", "definite_max_p supports priorities 2, 3, 4 (or -1)");
    }
    if (threads < 0) throw invalid_input("options.threads", "is " + std::to_string(threads) + ", must be >= 0");
  }
  /// The priority actually used.
  int effective_priority() const {
    if (priority >= 0) return priority;
    return collider_rule == ColliderRule::definite_max_p ? 4 : 3;
  }
};

/// What `pc` returns.
struct PcResult {
  Graph cpdag;     ///< the estimated CPDAG (may hold <-> edges under priority 1)
  Graph skeleton;  ///< the undirected skeleton before orientation
  /// sepset[x][y]: the separating set of a removed edge (ascending; empty for depth 0 or kept edges).
  std::vector<std::vector<std::vector<Index>>> sepset;
  /// max_p_value(x, y): the largest p-value seen for the pair during the skeleton phase.
  Matrix<double> max_p_value;
  std::vector<long long> tests_per_depth;  ///< CI tests run at each depth (both directions counted once)
  long long tests = 0;                     ///< all CI tests, skeleton and orientation
  double seconds_skeleton = 0;             ///< wall time of the skeleton phase
  double seconds_orientation = 0;          ///< wall time of colliders and Meek's rules
};

namespace detail {

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

/// Memoises a CI test on (min(x, y), max(x, y), sorted S).
template <class Test>
class CachedTest {
 public:
  explicit CachedTest(const Test& test) : test_(test) {}
  double p_value(Index x, Index y, std::vector<Index> s) {
    std::sort(s.begin(), s.end());
    auto key = std::make_tuple(std::min(x, y), std::max(x, y), s);
    const auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    ++tests_;
    const double p = test_.test(std::get<0>(key), std::get<1>(key), s).p_value;
    cache_.emplace(std::move(key), p);
    return p;
  }
  long long tests() const { return tests_; }

 private:
  const Test& test_;
  std::map<std::tuple<Index, Index, std::vector<Index>>, double> cache_;
  long long tests_ = 0;
};

/// Result of the skeleton phase.
struct Skeleton {
  std::vector<char> adjacent;  // p x p
  std::vector<std::vector<std::vector<Index>>> sepset;
  Matrix<double> max_p;
  std::vector<long long> tests_per_depth;

  /// The complete undirected graph over p nodes: PC's starting point.
  static Skeleton complete(Index p) {
    Skeleton sk;
    sk.adjacent.assign(std::size_t(p * p), 1);
    for (Index i = 0; i < p; ++i) sk.adjacent[std::size_t(i * p + i)] = 0;
    sk.sepset.assign(std::size_t(p), std::vector<std::vector<Index>>(std::size_t(p)));
    sk.max_p = Matrix<double>::Zero(p, p);
    return sk;
  }
};

/// Skeleton, stable variant: adjacency frozen per depth, every unordered pair handled by one task
/// (both sides' conditioning sets, each distinct set tested once), removals applied after the depth.
template <class Test>
Skeleton stable_skeleton(const Test& test, Index p, const PcOptions& options) {
  Skeleton sk = Skeleton::complete(p);
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
  Skeleton sk = Skeleton::complete(p);
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

/// Largest p-value of x _||_ z | S over S in the power sets of adj(x) and of adj(z), split by
/// whether S contains y: {with y, without y}. The reference's "CondSets".
template <class Test>
std::pair<double, double> max_p_with_and_without(const EndpointGraph& g, CachedTest<Test>& test, Index x, Index y,
                                                 Index z) {
  std::set<std::vector<Index>> sets;
  for (Index side : {x, z}) {
    const auto pool = g.adjacents(side);
    for (Index k = 0; k <= Index(pool.size()); ++k) for_each_subset(pool, k, [&](const std::vector<Index>& s) {
        sets.insert(s);
        return true;
      });
  }
  double with = 0, without = 0;
  for (const auto& s : sets) {
    const double pv = test.p_value(x, z, s);
    if (std::find(s.begin(), s.end(), y) != s.end()) with = std::max(with, pv);
    else without = std::max(without, pv);
  }
  return {with, without};
}

/// Orients x -> y <- z unless y already points to x or z ("keep existing colliders").
inline bool orient_collider_if_free(EndpointGraph& g, Index x, Index y, Index z) {
  if (g.directed(y, x) || g.directed(y, z)) return false;
  g.orient(x, y);
  g.orient(z, y);
  return true;
}

/// Applies a collider under priority 0 (overwrite) or 1 (bi-directed on conflict).
inline void orient_collider_now(EndpointGraph& g, Index x, Index y, Index z, int priority) {
  if (priority == 0) {
    g.orient(x, y);
    g.orient(z, y);
    return;
  }
  for (Index a : {x, z}) {
    if (g.undirected(a, y)) g.orient(a, y);
    else if (g.mark(a, y) == 1 && g.mark(y, a) == -1) g.bidirect(a, y);
  }
}

/// Meek's rules R1-R3 as the reference applies them: triples, triangles and kites listed once from
/// the graph on entry, repeated passes until nothing changes, an orientation skipped when its head
/// is recorded as an ancestor of its tail.
inline void reference_meek(EndpointGraph& g) {
  const auto ut = g.unshielded_triples();
  const auto tri = g.triangles();
  const auto kites = g.kites();
  for (bool changed = true; changed;) {
    changed = false;
    auto attempt = [&](Index a, Index b) {
      if (g.recorded_ancestor(a, b)) return;
      g.orient(a, b);
      changed = true;
    };
    for (const auto& [i, j, k] : ut)
      if (g.directed(i, j) && g.undirected(j, k)) attempt(j, k);
    for (const auto& [i, j, k] : tri)
      if (g.directed(i, j) && g.directed(j, k) && g.undirected(i, k)) attempt(i, k);
    for (const auto& [i, j, k, l] : kites)
      if (g.undirected(i, j) && g.undirected(i, k) && g.directed(j, l) && g.directed(k, l) && g.undirected(i, l)) attempt(i, l);
  }
}

/// Orients the unshielded colliders of `g` (the skeleton) by the chosen rule and priority, then
/// applies Meek's rules, as the reference implementation does.
template <class Test>
void orient(EndpointGraph& g, const Skeleton& sk, CachedTest<Test>& test, const PcOptions& options) {
  const int priority = options.effective_priority();
  std::vector<std::array<Index, 3>> triples;
  for (const auto& t : g.unshielded_triples())
    if (t[0] < t[2]) triples.push_back(t);
  struct Keyed {
    std::array<Index, 3> triple;
    double key;
  };
  auto orient_sorted = [&](std::vector<Keyed> keyed, bool ascending, std::vector<std::array<Index, 3>>* oriented) {
    if (ascending) std::stable_sort(keyed.begin(), keyed.end(), [](const Keyed& a, const Keyed& b) { return a.key < b.key; });
    else std::stable_sort(keyed.begin(), keyed.end(), [](const Keyed& a, const Keyed& b) { return a.key > b.key; });
    for (const auto& k : keyed)
      if (orient_collider_if_free(g, k.triple[0], k.triple[1], k.triple[2]) && oriented) oriented->push_back(k.triple);
  };

  if (options.collider_rule == ColliderRule::sepset || options.collider_rule == ColliderRule::max_p) {
    std::vector<Keyed> keyed;
    for (const auto& t : triples) {
      const auto [x, y, z] = t;
      bool collider = false;
      std::pair<double, double> with_without{0, 0};
      if (options.collider_rule == ColliderRule::sepset) {
        const auto& s = sk.sepset[std::size_t(x)][std::size_t(z)];
        collider = std::find(s.begin(), s.end(), y) == s.end();
        if (collider && priority >= 3) with_without = max_p_with_and_without(g, test, x, y, z);
      } else {
        with_without = max_p_with_and_without(g, test, x, y, z);
        collider = with_without.second > with_without.first;
      }
      if (!collider) continue;
      if (priority <= 1) orient_collider_now(g, x, y, z, priority);
      else if (priority == 2) orient_collider_if_free(g, x, y, z);
      else keyed.push_back({t, priority == 3 ? with_without.first : with_without.second});
    }
    if (priority >= 3) orient_sorted(keyed, priority == 3, nullptr);
    reference_meek(g);
    return;
  }

  // Definite max-P: classify triples by whether every test agrees, orient the definite colliders.
  std::vector<Keyed> colliders;
  std::vector<std::array<Index, 3>> non_colliders, oriented;
  for (const auto& t : triples) {
    const auto [x, y, z] = t;
    const auto [with, without] = max_p_with_and_without(g, test, x, y, z);
    const bool uc = !(with > options.alpha), nuc = !(without > options.alpha);
    if (uc) {
      if (nuc && !(without > with)) non_colliders.push_back(t);
      else colliders.push_back({t, priority <= 3 ? with : without});
    } else if (nuc) {
      non_colliders.push_back(t);
    }
  }
  if (priority == 2) {
    for (const auto& k : colliders)
      if (orient_collider_if_free(g, k.triple[0], k.triple[1], k.triple[2])) oriented.push_back(k.triple);
  } else {
    orient_sorted(colliders, priority == 3, &oriented);
  }
  // Definite Meek rules, then the ordinary ones.
  const auto tri = g.triangles();
  const auto kites = g.kites();
  auto contains = [](const std::vector<std::array<Index, 3>>& list, Index a, Index b, Index c) {
    return std::find(list.begin(), list.end(), std::array<Index, 3>{a, b, c}) != list.end();
  };
  for (bool changed = true; changed;) {
    changed = false;
    auto attempt = [&](Index a, Index b) {
      if (g.recorded_ancestor(a, b)) return;
      g.orient(a, b);
      changed = true;
    };
    for (const auto& [i, j, k] : non_colliders) {
      if (g.directed(i, j) && g.undirected(j, k)) attempt(j, k);
      else if (g.directed(k, j) && g.undirected(j, i)) attempt(j, i);
    }
    for (const auto& [i, j, k] : tri)
      if (g.directed(i, j) && g.directed(j, k) && g.undirected(i, k)) attempt(i, k);
    for (const auto& [i, j, k, l] : kites) {
      const bool collider_at_l = contains(oriented, j, l, k) || contains(oriented, k, l, j);
      const bool non_collider_at_i = contains(non_colliders, j, i, k) || contains(non_colliders, k, i, j);
      if (collider_at_l && non_collider_at_i && g.undirected(i, l)) attempt(i, l);
    }
  }
  reference_meek(g);
}

}  // namespace detail

/// The PC algorithm over `test.variables()` variables. `Test` is any type with
/// `Index variables() const` and `CiTestResult test(Index x, Index y, const std::vector<Index>& s) const`
/// (`FisherZTest`, `DiscreteCiTest`, `DSeparationTest`, or your own; it must be safe to call from
/// several threads at once when `options.threads != 1`).
///
/// Skeleton: from the complete graph, depth by depth, an edge x - y is removed when some S drawn
/// from adj(x) \ {y} or adj(y) \ {x} with |S| = depth gives p > alpha. In stable mode (default)
/// adjacency is frozen within a depth and pairs are tested in parallel; results are identical for
/// any thread count. Orientation follows causal-learn exactly (collider rule, priority, Meek's R1-R3
/// with its cycle guard), so with `SepsetMode::causal_learn` and a `FisherZTest` using
/// `PValueConvention::causal_learn` the output equals causal-learn's `pc(...)` matrix entry for entry.
/// \param test    the conditional-independence test.
/// \param names   node names (empty = X1..Xp).
/// \param options alpha, stability, depth, separating-set mode, collider rule, priority, threads.
/// Complexity: O(sum over depths of edges x C(degree, depth)) tests, exponential in the degree.
/// Example:
/// \code
///   causalattn::FisherZTest test(data);
///   auto result = causalattn::pc(test, names);          // result.cpdag
/// \endcode
template <class Test>
PcResult pc(const Test& test, std::vector<std::string> names = {}, const PcOptions& options = {}) {
  options.validate();
  const Index p = test.variables();
  if (p < 2) throw invalid_input("test", "has " + std::to_string(p) + " variables; PC needs at least 2");
  if (names.empty()) names = default_variable_names(p);
  if (Index(names.size()) != p) {
    throw invalid_input("names", "has " + std::to_string(names.size()) + " entries for " + std::to_string(p) + " variables");
  }
  PcResult result{Graph(names), Graph(names), {}, {}, {}, 0, 0, 0};
  const auto start = std::chrono::steady_clock::now();
  detail::Skeleton sk = options.stable ? detail::stable_skeleton(test, p, options) : detail::original_skeleton(test, p, options);
  const auto skeleton_done = std::chrono::steady_clock::now();
  detail::EndpointGraph g(p);
  for (Index x = 0; x < p; ++x)
    for (Index y = x + 1; y < p; ++y)
      if (sk.adjacent[std::size_t(x * p + y)]) g.add_undirected(x, y);
  result.skeleton = g.to_graph(names);
  detail::CachedTest<Test> cached(test);
  detail::orient(g, sk, cached, options);
  result.cpdag = g.to_graph(names);
  result.sepset = std::move(sk.sepset);
  result.max_p_value = std::move(sk.max_p);
  result.tests_per_depth = std::move(sk.tests_per_depth);
  for (long long t : result.tests_per_depth) result.tests += t;
  result.tests += cached.tests();
  result.seconds_skeleton = std::chrono::duration<double>(skeleton_done - start).count();
  result.seconds_orientation = std::chrono::duration<double>(std::chrono::steady_clock::now() - skeleton_done).count();
  return result;
}

}  // namespace causalattn
