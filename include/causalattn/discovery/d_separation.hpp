#pragma once
/// \file
/// d-separation in a DAG, and a conditional-independence "test" that answers from it (an oracle).

#include <string>
#include <vector>

#include "causalattn/core/errors.hpp"
#include "causalattn/discovery/fisher_z.hpp"
#include "causalattn/graph/graph.hpp"

namespace causalattn {

/// True if x and y are d-separated by s in `dag` (Pearl 1988), decided on the moral graph of the
/// ancestral set of {x, y} u s (Lauritzen et al. 1990): x and y are d-separated iff every path
/// between them in that moral graph passes through s. Throws `invalid_input` if `dag` is not a DAG
/// or an index is out of range or repeated. O(p^2).
/// Example: `bool sep = causalattn::d_separated(dag, 0, 2, {1});`
inline bool d_separated(const Graph& dag, Index x, Index y, const std::vector<Index>& s) {
  const Index p = dag.size();
  auto check = [&](Index v, const char* what) {
    if (v < 0 || v >= p) throw invalid_input(what, "index " + std::to_string(v) + " is out of range [0, " + std::to_string(p) + ")");
  };
  check(x, "x");
  check(y, "y");
  if (x == y) throw invalid_input("y", "equals x (" + std::to_string(x) + ")");
  std::vector<char> in_s(static_cast<std::size_t>(p), 0);
  for (Index v : s) {
    check(v, "s");
    if (v == x || v == y) throw invalid_input("s", "contains x or y (" + std::to_string(v) + ")");
    in_s[static_cast<std::size_t>(v)] = 1;
  }
  // Ancestral set of {x, y} u s.
  std::vector<char> ancestral(static_cast<std::size_t>(p), 0);
  std::vector<Index> stack{x, y};
  stack.insert(stack.end(), s.begin(), s.end());
  while (!stack.empty()) {
    const Index v = stack.back();
    stack.pop_back();
    if (ancestral[static_cast<std::size_t>(v)]) continue;
    ancestral[static_cast<std::size_t>(v)] = 1;
    for (Index parent : dag.parents(v)) stack.push_back(parent);
  }
  // Moral graph on the ancestral set: parent-child edges plus edges between co-parents.
  std::vector<std::vector<Index>> neighbours(static_cast<std::size_t>(p));
  for (Index v = 0; v < p; ++v) {
    if (!ancestral[static_cast<std::size_t>(v)]) continue;
    const auto parents = dag.parents(v);
    for (std::size_t i = 0; i < parents.size(); ++i) {
      neighbours[static_cast<std::size_t>(v)].push_back(parents[i]);
      neighbours[static_cast<std::size_t>(parents[i])].push_back(v);
      for (std::size_t j = i + 1; j < parents.size(); ++j) {
        neighbours[static_cast<std::size_t>(parents[i])].push_back(parents[j]);
        neighbours[static_cast<std::size_t>(parents[j])].push_back(parents[i]);
      }
    }
  }
  // Search from x avoiding s.
  std::vector<char> seen(static_cast<std::size_t>(p), 0);
  stack = {x};
  seen[static_cast<std::size_t>(x)] = 1;
  while (!stack.empty()) {
    const Index v = stack.back();
    stack.pop_back();
    for (Index w : neighbours[static_cast<std::size_t>(v)]) {
      if (w == y) return false;
      if (seen[static_cast<std::size_t>(w)] || in_s[static_cast<std::size_t>(w)]) continue;
      seen[static_cast<std::size_t>(w)] = 1;
      stack.push_back(w);
    }
  }
  return true;
}

/// A conditional-independence test that answers from a known DAG: p-value 1 when d-separated, 0
/// otherwise, so PC run with it recovers the DAG's CPDAG exactly (a correctness oracle).
/// Example: `causalattn::DSeparationTest oracle(dag); pc(oracle, ...);`
class DSeparationTest {
 public:
  /// \param dag the true DAG (validated).
  explicit DSeparationTest(Graph dag) : dag_(std::move(dag)) {
    if (!dag_.is_dag()) throw invalid_input("dag", "is not a DAG");
  }
  /// Number of variables.
  Index variables() const noexcept { return dag_.size(); }
  /// p = 1 if x and y are d-separated by s, else 0. O(p^2).
  CiTestResult test(Index x, Index y, const std::vector<Index>& s) const {
    CiTestResult r;
    r.p_value = d_separated(dag_, x, y, s) ? 1.0 : 0.0;
    r.statistic = 1 - r.p_value;
    return r;
  }

 private:
  Graph dag_;
};

}  // namespace causalattn
