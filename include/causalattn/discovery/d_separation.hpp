#pragma once
/// \file
/// d-separation in a DAG, and a conditional-independence "test" that answers from it (an oracle).

#include <string>
#include <utility>
#include <vector>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/discovery/fisher_z.hpp"
#include "causalattn/graph/graph.hpp"

namespace causalattn {

namespace detail {

/// Parent and child lists of a DAG, for repeated d-separation queries.
struct DagLists {
  std::vector<std::vector<Index>> parents, children;
  explicit DagLists(const Graph& dag) : parents(std::size_t(dag.size())), children(std::size_t(dag.size())) {
    if (!dag.is_dag()) throw invalid_input("dag", "is not a DAG (it has a non-directed edge or a directed cycle)");
    for (Index v = 0; v < dag.size(); ++v) {
      parents[std::size_t(v)] = dag.parents(v);
      children[std::size_t(v)] = dag.children(v);
    }
  }
};

/// Bayes-ball reachability (Shachter 1998; Koller and Friedman 2009, algorithm 3.1): y is
/// d-connected to x given s iff the ball started upwards at x reaches y. O(p + edges).
template <typename = void>
bool d_separated(const DagLists& dag, Index x, Index y, const std::vector<Index>& s) {
  const auto p = static_cast<Index>(dag.parents.size());
  auto check = [&](Index v, const char* what) {
    if (v < 0 || v >= p) throw invalid_input(what, "index " + std::to_string(v) + " is out of range [0, " + std::to_string(p) + ")");
  };
  check(x, "x");
  check(y, "y");
  if (x == y) throw invalid_input("y", "equals x (" + std::to_string(x) + ")");
  std::vector<char> in_s(static_cast<std::size_t>(p), 0), ancestor_of_s(static_cast<std::size_t>(p), 0);
  std::vector<Index> stack;
  for (Index v : s) {
    check(v, "s");
    if (v == x || v == y) throw invalid_input("s", "contains x or y (" + std::to_string(v) + ")");
    in_s[std::size_t(v)] = 1;
    stack.push_back(v);
  }
  while (!stack.empty()) {  // s and its ancestors
    const Index v = stack.back();
    stack.pop_back();
    if (ancestor_of_s[std::size_t(v)]) continue;
    ancestor_of_s[std::size_t(v)] = 1;
    for (Index parent : dag.parents[std::size_t(v)]) stack.push_back(parent);
  }
  // Visit (node, arrived from a child = up / from a parent = down).
  std::vector<char> visited_up(static_cast<std::size_t>(p), 0), visited_down(static_cast<std::size_t>(p), 0);
  std::vector<std::pair<Index, bool>> queue{{x, true}};
  while (!queue.empty()) {
    const auto [v, up] = queue.back();
    queue.pop_back();
    auto& visited = up ? visited_up : visited_down;
    if (visited[std::size_t(v)]) continue;
    visited[std::size_t(v)] = 1;
    const bool observed = in_s[std::size_t(v)] != 0;
    if (!observed && v == y) return false;
    if (up && !observed) {
      for (Index parent : dag.parents[std::size_t(v)]) queue.emplace_back(parent, true);
      for (Index child : dag.children[std::size_t(v)]) queue.emplace_back(child, false);
    } else if (!up) {
      if (!observed)
        for (Index child : dag.children[std::size_t(v)]) queue.emplace_back(child, false);
      if (ancestor_of_s[std::size_t(v)])
        for (Index parent : dag.parents[std::size_t(v)]) queue.emplace_back(parent, true);
    }
  }
  return true;
}

}  // namespace detail

/// True if x and y are d-separated by s in `dag` (Pearl 1988), by Bayes-ball reachability
/// (Shachter 1998). Throws `invalid_input` if `dag` is not a DAG or an index is out of range or
/// repeated. O(p^2) (building the parent lists) plus O(p + edges) for the query; `DSeparationTest`
/// builds the lists once.
/// Example: `bool sep = causalattn::d_separated(dag, 0, 2, {1});`
template <typename = void>
bool d_separated(const Graph& dag, Index x, Index y, const std::vector<Index>& s) {
  return detail::d_separated(detail::DagLists(dag), x, y, s);
}

/// A conditional-independence test that answers from a known DAG: p-value 1 when d-separated, 0
/// otherwise, so PC run with it recovers the DAG's CPDAG exactly (a correctness oracle). Given a
/// list of observed nodes, it answers over those only (variable i is DAG node observed[i]; the
/// others are latent), the oracle for FCI.
/// Example: `causalattn::DSeparationTest oracle(dag); pc(oracle, ...);`
class DSeparationTest {
 public:
  /// \param dag the true DAG (validated); every node observed.
  explicit DSeparationTest(const Graph& dag) : DSeparationTest(dag, all_nodes(dag.size())) {}
  /// \param dag      the true DAG (validated).
  /// \param observed the DAG nodes the test's variables stand for, in order (distinct, in range).
  DSeparationTest(const Graph& dag, std::vector<Index> observed) : lists_(dag), observed_(std::move(observed)) {
    check_distinct_indices("observed", observed_, dag.size(), "node");
  }
  /// Number of variables (observed nodes).
  Index variables() const noexcept { return static_cast<Index>(observed_.size()); }
  /// p = 1 if x and y are d-separated by s, else 0 (indices into the observed nodes). O(p + edges).
  CiTestResult test(Index x, Index y, const std::vector<Index>& s) const {
    std::vector<Index> nodes;
    nodes.reserve(s.size());
    for (Index v : s) nodes.push_back(node(v, "s"));
    CiTestResult r;
    r.p_value = detail::d_separated(lists_, node(x, "x"), node(y, "y"), nodes) ? 1.0 : 0.0;
    r.statistic = 1 - r.p_value;
    return r;
  }

 private:
  static std::vector<Index> all_nodes(Index p) {
    std::vector<Index> v(static_cast<std::size_t>(p));
    for (Index i = 0; i < p; ++i) v[std::size_t(i)] = i;
    return v;
  }
  Index node(Index v, const char* argument) const {
    if (v < 0 || v >= variables()) {
      throw invalid_input(argument, "index " + std::to_string(v) + " is out of range [0, " + std::to_string(variables()) + ")");
    }
    return observed_[std::size_t(v)];
  }
  detail::DagLists lists_;
  std::vector<Index> observed_;
};

}  // namespace causalattn
