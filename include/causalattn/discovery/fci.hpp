#pragma once
/// \file
/// The FCI algorithm (Spirtes, Meek, Richardson 1995; Zhang 2008): causal discovery that allows
/// latent confounders, returning a partial ancestral graph (PAG).

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "causalattn/discovery/detail/pag_graph.hpp"
#include "causalattn/discovery/detail/pag_rules.hpp"
#include "causalattn/discovery/detail/pc_skeleton.hpp"
#include "causalattn/discovery/detail/budgeted_test.hpp"
#include "causalattn/discovery/detail/possible_dsep.hpp"
#include "causalattn/discovery/fci_options.hpp"
#include "causalattn/discovery/fisher_z.hpp"
#include "causalattn/discovery/pc_options.hpp"
#include "causalattn/graph/graph.hpp"

namespace causalattn {

namespace detail {

/// The skeleton as a PAG with every edge o-o, the knowledge's marks, and R0 from the separating
/// sets (y not in sepset(x, z) makes x *-> y <-* z).
template <typename = void>
PagGraph circle_graph_with_colliders(const Skeleton& sk, Index p, const BackgroundKnowledge& knowledge) {
  PagGraph g(p);
  for (Index x = 0; x < p; ++x)
    for (Index y = x + 1; y < p; ++y)
      if (sk.adjacent[std::size_t(x * p + y)]) g.add_circle_edge(x, y);
  orient_pag_by_knowledge(g, knowledge);
  orient_unshielded_colliders(g, [&](Index x, Index y, Index z) {
    const auto& s = sk.sepset[std::size_t(x)][std::size_t(z)];
    return std::find(s.begin(), s.end(), y) == s.end();
  });
  return g;
}

/// FCI with the skeleton's rows shared as `share` says (`AllRows`, or an MPI rank's share); the
/// possible-d-sep stage and the rules run in every process.
template <class Test, class Share>
FciResult fci_with(const Test& test, std::vector<std::string> names, const FciOptions& options, const Share& share) {
  options.validate();
  const Index p = test.variables();
  detail::check_discovery_inputs(p, names, options.knowledge);
  PcOptions skeleton_options;
  FciResult result{Graph(), Graph(), {}, {}, {}, 0, 0, 0, 0, 0, 0};
  share.run([&] {
    skeleton_options = options.skeleton_options();
    result.skeleton = Graph(names);
  });
  const auto start = std::chrono::steady_clock::now();
  const detail::BudgetedTest<Test> budgeted(test, options, "fci");
  detail::Skeleton sk = detail::skeleton_phase(budgeted, p, skeleton_options, share);
  const auto skeleton_done = std::chrono::steady_clock::now();
  auto possible_dsep_done = skeleton_done;
  share.run([&] {
    if (options.possible_dsep) {
      const detail::PagGraph first = detail::circle_graph_with_colliders(sk, p, options.knowledge);
      result.tests_possible_dsep = detail::possible_dsep_stage(budgeted, first, sk, options, result.removed_possible_dsep);
    }
    possible_dsep_done = std::chrono::steady_clock::now();
    detail::PagGraph g = detail::circle_graph_with_colliders(sk, p, options.knowledge);
    detail::apply_fci_rules(g, [&](Index t, Index, Index b, Index c) {
      const auto& s = sk.sepset[std::size_t(t)][std::size_t(c)];
      return std::find(s.begin(), s.end(), b) != s.end();
    });
    for (Index x = 0; x < p; ++x)
      for (Index y = x + 1; y < p; ++y)
        if (sk.adjacent[std::size_t(x * p + y)]) result.skeleton.add_undirected(x, y);
    result.pag = g.to_graph(names);
  });
  result.sepset = std::move(sk.sepset);
  result.max_p_value = std::move(sk.max_p);
  result.tests_per_depth = std::move(sk.tests_per_depth);
  for (long long t : result.tests_per_depth) result.tests += t;
  result.tests += result.tests_possible_dsep;
  result.seconds_skeleton = std::chrono::duration<double>(skeleton_done - start).count();
  result.seconds_possible_dsep = std::chrono::duration<double>(possible_dsep_done - skeleton_done).count();
  result.seconds_orientation = std::chrono::duration<double>(std::chrono::steady_clock::now() - possible_dsep_done).count();
  return result;
}

}  // namespace detail

/// FCI over `test.variables()` variables: PC's skeleton (same options), R0 on it, the
/// possible-d-sep stage, then on the final skeleton R0 again and Zhang's rules R1-R4 and R8-R10 to
/// closure (no selection bias: R5-R7 are not applied, so no undirected edges appear). With a
/// d-separation oracle over the observed variables of a DAG the result equals `dag_to_pag`.
///
/// Choices where implementations differ (all stated in examples/guides/design.md):
/// - the possible-d-sep stage is frozen: the sets come from the graph after R0 and removals apply after
///   every edge was tested, so the output does not depend on the thread count;
/// - that stage keeps the first separating set it finds and skips subsets of the node's adjacency
///   (the skeleton tested them);
/// - rules only turn circles into marks (a mark from the knowledge or an earlier rule is never
///   overwritten);
/// - R4's non-collider test is "b is in the separating set of t and c".
/// `Test` is as for `pc` (`FisherZTest`, `DiscreteCiTest`, `DSeparationTest`, ...; thread-safe when
/// `options.threads != 1`).
/// \param test    the conditional-independence test.
/// \param names   node names (empty = X1..Xp).
/// \param options alpha, stability, depth, separating sets, possible-d-sep settings, threads, knowledge.
/// Complexity: PC's skeleton cost plus O(sum over edges of 2^|Possible-D-Sep|) tests (bounded by
/// `max_depth`), and rule passes polynomial in p except R9/R10's path searches (exponential in the
/// worst case, fast on sparse graphs).
/// Example:
/// \code
///   causalattn::FisherZTest test(data);
///   auto result = causalattn::fci(test, names);   // result.pag
/// \endcode
template <class Test>
FciResult fci(const Test& test, std::vector<std::string> names = {}, const FciOptions& options = {}) {
  return detail::fci_with(test, std::move(names), options, detail::AllRows{});
}

}  // namespace causalattn
