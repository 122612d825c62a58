#pragma once
/// \file
/// Options and result of the PC algorithm (`pc`).

#include <array>
#include <string>
#include <vector>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/core/names.hpp"
#include "causalattn/core/scalar.hpp"
#include "causalattn/discovery/background_knowledge.hpp"
#include "causalattn/discovery/sepset_table.hpp"
#include "causalattn/discovery/skeleton_options.hpp"
#include "causalattn/graph/graph.hpp"

namespace causalattn {

/// How unshielded triples x - y - z become colliders x -> y <- z (causal-learn's uc_rule).
enum class ColliderRule {
  sepset = 0,          ///< y is not in the separating set of x and z
  max_p = 1,           ///< the largest p-value over sets without y beats the largest with y (Ramsey 2016)
  definite_max_p = 2,  ///< max-P among triples every test classifies consistently, plus definite Meek rules
  /// Conservative PC (Ramsey, Zhang, Spirtes 2006): every subset of adj(x) and of adj(z) is tested;
  /// a collider if y is in none of the separating sets, a non-collider if in all, else ambiguous.
  conservative = 3,
  /// Majority rule (Colombo and Maathuis 2014): a collider if y is in fewer than half of the separating
  /// sets, a non-collider if in more than half, ambiguous at exactly half or when none separates.
  majority = 4
};

/// Options of `pc`: the skeleton options (`SkeletonOptions`: alpha, stable, max_depth, sepset_mode,
/// threads, knowledge) and the orientation of colliders.
struct PcOptions : SkeletonOptions {
  ColliderRule collider_rule = ColliderRule::sepset;  ///< causal-learn's uc_rule 0 / 1 / 2, or conservative / majority
  /// Conflict handling (causal-learn's uc_priority): 0 overwrite, 1 orient bi-directed, 2 keep
  /// existing colliders, 3 prioritise stronger colliders, 4 prioritise stronger* colliders; -1 (default)
  /// = the rule's default (3 for sepset and max_p, 4 for definite_max_p).
  int priority = -1;
  /// Throws `invalid_input` naming the first bad option.
  void validate() const {
    SkeletonOptions::validate();
    if (priority < -1 || priority > 4) throw invalid_input("options.priority", "is " + std::to_string(priority) + ", must be -1..4");
    if (collider_rule == ColliderRule::definite_max_p && (priority == 0 || priority == 1)) {
      throw invalid_input("options.priority", "definite_max_p supports priorities 2, 3, 4 (or -1)");
    }
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
  /// sepset[x][y]: the separating set of a removed edge (ascending; empty for depth 0, kept edges and
  /// edges the background knowledge bans).
  SepsetTable sepset;
  /// max_p_value(x, y): the largest p-value seen for the pair during the skeleton phase (0 when the
  /// pair was never tested: banned or required by the background knowledge).
  Matrix<double> max_p_value;
  /// Unshielded triples (x, y, z), x < z, that the conservative or majority rule left ambiguous
  /// (never oriented as colliders, and Meek's rules do not propagate through them); ascending.
  std::vector<std::array<Index, 3>> ambiguous_triples;
  std::vector<long long> tests_per_depth;  ///< CI tests run at each depth (both directions counted once)
  std::vector<double> seconds_per_depth;   ///< wall time of each depth of the skeleton phase
  long long tests = 0;                     ///< all CI tests, skeleton and orientation
  double seconds_skeleton = 0;             ///< wall time of the skeleton phase
  double seconds_orientation = 0;          ///< wall time of colliders and Meek's rules
};

namespace detail {

/// Shared checks of `pc` and `fci`: at least 2 variables, one name per variable (empty names are
/// replaced by X1..Xp), knowledge over the same variables. Throws `invalid_input`.
template <typename = void>
void check_discovery_inputs(Index p, std::vector<std::string>& names, const BackgroundKnowledge& knowledge) {
  if (p < 2) throw invalid_input("test", "has " + std::to_string(p) + " variables; at least 2 are needed");
  if (names.empty()) names = default_variable_names(p);
  if (Index(names.size()) != p) {
    throw invalid_input("names", "has " + std::to_string(names.size()) + " entries for " + std::to_string(p) + " variables");
  }
  if (knowledge.variables() != 0 && knowledge.variables() != p) {
    throw invalid_input("options.knowledge", "covers " + std::to_string(knowledge.variables()) + " variables, the test " +
                                                 std::to_string(p));
  }
}

}  // namespace detail
}  // namespace causalattn
