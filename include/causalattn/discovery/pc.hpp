#pragma once
/// \file
/// The PC algorithm (Spirtes, Glymour, Scheines 2000): skeleton by conditional-independence tests,
/// then background knowledge, unshielded colliders and Meek's rules, with the options and exact
/// semantics of the reference implementations (causal-learn's separating sets, collider rules and
/// priorities; pcalg's first-found separating sets, conservative and majority rules).

#include <chrono>
#include <string>
#include <vector>

#include "causalattn/core/errors.hpp"
#include "causalattn/core/names.hpp"
#include "causalattn/discovery/background_knowledge.hpp"
#include "causalattn/discovery/detail/budgeted_test.hpp"
#include "causalattn/discovery/detail/endpoint_graph.hpp"
#include "causalattn/discovery/detail/pc_orientation.hpp"
#include "causalattn/discovery/detail/pc_skeleton.hpp"
#include "causalattn/discovery/fisher_z.hpp"
#include "causalattn/discovery/pc_options.hpp"
#include "causalattn/graph/graph.hpp"

namespace causalattn {

namespace detail {

/// PC with a step between skeleton and orientation: `pre_orient(g)` may orient edges of the skeleton
/// `g` (CD-NOD's context -> V) before the background knowledge, colliders and Meek's rules run.
/// `share` says which skeleton rows this process tests (`AllRows`, or an MPI rank's share); the
/// orientation runs in every process.
template <class Test, class PreOrient, class Share = AllRows>
PcResult pc_with(const Test& test, std::vector<std::string> names, const PcOptions& options, PreOrient&& pre_orient,
                 const Share& share = {}) {
  options.validate();
  const Index p = test.variables();
  detail::check_discovery_inputs(p, names, options.knowledge);
  PcResult result;
  const auto start = std::chrono::steady_clock::now();
  const detail::BudgetedTest<Test> budgeted(test, options, "pc");
  detail::Skeleton sk = detail::skeleton_phase(budgeted, p, options, share);
  const auto skeleton_done = std::chrono::steady_clock::now();
  long long orientation_tests = 0;
  share.run([&] {
    detail::EndpointGraph g(p);
    for (Index x = 0; x < p; ++x)
      for (Index y = x + 1; y < p; ++y)
        if (sk.adjacent[std::size_t(x * p + y)]) g.add_undirected(x, y);
    result.skeleton = g.to_graph(names);
    pre_orient(g);
    result.ambiguous_triples = detail::orient(g, sk, budgeted, options, orientation_tests);
    result.cpdag = g.to_graph(names);
  });
  result.sepset = std::move(sk.sepset);
  result.max_p_value = std::move(sk.max_p);
  result.tests_per_depth = std::move(sk.tests_per_depth);
  result.seconds_per_depth = std::move(sk.seconds_per_depth);
  for (long long t : result.tests_per_depth) result.tests += t;
  result.tests += orientation_tests;
  result.seconds_skeleton = std::chrono::duration<double>(skeleton_done - start).count();
  result.seconds_orientation = std::chrono::duration<double>(std::chrono::steady_clock::now() - skeleton_done).count();
  return result;
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
/// With `options.knowledge`, banned pairs never enter the skeleton, required edges are never tested
/// or removed, the knowledge orients its edges before the colliders, and no collider or Meek step
/// contradicts it (the output is then a maximally oriented PDAG rather than a CPDAG). The
/// conservative and majority rules report their ambiguous triples in `ambiguous_triples`.
/// `options.max_depth` bounds the conditioning sets of every phase, the collider rules' searches
/// over neighbour subsets included; `options.max_seconds` stops the search with `budget_exceeded`
/// and `options.progress` reports on it.
/// \param test    the conditional-independence test.
/// \param names   node names (empty = X1..Xp).
/// \param options alpha, stability, depth, separating-set mode, collider rule, priority, threads,
///                background knowledge.
/// Complexity: O(sum over depths of edges x C(degree, depth)) tests, exponential in the degree.
/// Example:
/// \code
///   causalattn::FisherZTest test(data);
///   auto result = causalattn::pc(test, names);          // result.cpdag
/// \endcode
template <class Test>
PcResult pc(const Test& test, std::vector<std::string> names = {}, const PcOptions& options = {}) {
  return detail::pc_with(test, std::move(names), options, [](detail::EndpointGraph&) {});
}

}  // namespace causalattn
