#pragma once
/// \file
/// CD-NOD (Huang, Zhang, Zhang, Ramsey, Sanchez-Romero, Glymour, Schoelkopf 2020): causal discovery
/// from heterogeneous or nonstationary data, with the domain or time index as an exogenous variable.

#include <set>
#include <string>
#include <vector>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/discovery/pc.hpp"

namespace causalattn {

/// What `cdnod` returns: PC's result over V u {C} plus the mechanisms that change.
struct CdnodResult : PcResult {
  Index context = 0;  ///< the index of the context variable C among the test's variables
  /// The variables adjacent to C (ascending): those whose causal mechanism changes across domains
  /// or over time. C -> V in the graph, unless collider priority 0 or 1 overwrote the edge (as
  /// causal-learn does).
  std::vector<Index> changing;
};

/// `data` (n x p) with `context` (n values: domain labels or time stamps) appended as column p, for
/// a CI test over V u {C} that `cdnod` reads with context = p. Throws `invalid_input` naming data or
/// context on a row mismatch, a non-finite value or a context with a single value (no heterogeneity
/// to learn from). O(n p).
/// Example: `causalattn::FisherZTest test(causalattn::with_context(x, domain));`
template <class Data, class Context>
Matrix<double> with_context(const Eigen::MatrixBase<Data>& data, const Eigen::MatrixBase<Context>& context) {
  check_not_empty("data", data);
  check_finite("data", data);
  check_finite("context", context);
  if (context.cols() != 1 || context.rows() != data.rows()) {
    throw invalid_input("context", "is " + std::to_string(context.rows()) + " x " + std::to_string(context.cols()) +
                                       ", must be one column of " + std::to_string(data.rows()) + " rows");
  }
  const Matrix<double> c = context.template cast<double>();
  const std::set<double> values(c.data(), c.data() + c.size());
  if (values.size() < 2) {
    throw invalid_input("context", "has a single value (" + detail::to_text(*values.begin()) +
                                       "); CD-NOD needs at least two domains or time points");
  }
  Matrix<double> joined(data.rows(), data.cols() + 1);
  joined.leftCols(data.cols()) = data.template cast<double>();
  joined.col(data.cols()) = c;
  return joined;
}

/// CD-NOD: PC's skeleton over V u {C}, where C (variable `context` of `test`) is the domain or time
/// index standing for the unobserved factors that change; every edge C - V is oriented C -> V (C is
/// exogenous); then background knowledge, colliders (C may be one of the parents) and Meek's rules
/// exactly as `pc` with the same options. With a `FisherZTest` (causal-learn's p-value convention)
/// or a `KciTest` over `with_context(x, c)`, `SepsetMode::causal_learn` and the default collider
/// rule, the graph equals causal-learn's `cdnod(x, c, alpha, test, True, 0, -1).G.graph` entry for
/// entry. The paper's orientation by independent changes of mechanisms is not applied.
/// \param test    CI test over the variables V and C (any type `pc` accepts).
/// \param names   node names including C's (empty = X1..Xp).
/// \param context the index of C among the test's variables.
/// \param options PC's options (alpha, depth, collider rule, priority, knowledge, threads, budget).
/// Complexity: as `pc` over p + 1 variables.
/// Example:
/// \code
///   causalattn::KciTest test(causalattn::with_context(x, domain));
///   auto r = causalattn::cdnod(test, {"a", "b", "c", "domain"}, 3);
///   // r.cpdag; r.changing lists the variables whose mechanism varies with the domain
/// \endcode
template <class Test>
CdnodResult cdnod(const Test& test, std::vector<std::string> names, Index context, const PcOptions& options = {}) {
  const Index p = test.variables();
  if (context < 0 || context >= p) {
    throw invalid_input("context",
                        "is " + std::to_string(context) + ", must index one of the test's " + std::to_string(p) + " variables");
  }
  for (Index v = 0; v < p && options.knowledge.variables() == p; ++v) {
    if (v != context && (options.knowledge.required(v, context) || options.knowledge.forbidden(context, v))) {
      throw invalid_input("options.knowledge", "requires " + std::to_string(v) + " -> context or forbids context -> " +
                                                   std::to_string(v) + "; the context is exogenous");
    }
  }
  CdnodResult result;
  result.context = context;
  static_cast<PcResult&>(result) = detail::pc_with(test, std::move(names), options, [&](detail::EndpointGraph& g) {
    for (Index v : std::vector<Index>(g.adjacents(context))) {
      result.changing.push_back(v);
      if (g.undirected(context, v)) g.orient(context, v);
    }
  });
  return result;
}

}  // namespace causalattn
