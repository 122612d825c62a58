#pragma once
/// \file
/// Options and result of the FCI algorithm (`fci`).

#include <string>
#include <vector>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/core/scalar.hpp"
#include "causalattn/discovery/background_knowledge.hpp"
#include "causalattn/discovery/pc_options.hpp"
#include "causalattn/graph/graph.hpp"

namespace causalattn {

/// Options of `fci`: the skeleton options (`SkeletonOptions`), which mean what they mean for `pc`,
/// and the possible-d-sep stage. `max_depth` bounds the possible-d-sep stage's sets too, which keep
/// the first separating set found. The knowledge speaks of ancestry in a PAG: a forbidden a -> b (a
/// is not an ancestor of b) puts an arrowhead at a, a required a -> b is never removed and is oriented
/// a -> b. Unlike in PC, a pair forbidden both ways is still tested: a hidden common cause may join
/// them as a <-> b.
struct FciOptions : SkeletonOptions {
  /// Run the possible-d-sep stage (default). false skips it: faster, but edges that only a
  /// possible-d-sep set separates stay in the skeleton.
  bool possible_dsep = true;
  int max_path_length = -1;  ///< longest walk (edges) searched for possible-d-sep sets; -1 = unlimited, 0 or 1 = neighbours

  /// Throws `invalid_input` naming the first bad option.
  void validate() const {
    SkeletonOptions::validate();
    if (max_path_length < -1) {
      throw invalid_input("options.max_path_length", "is " + std::to_string(max_path_length) + ", must be >= -1");
    }
  }
  /// The options of the PC skeleton phase: the same settings, with only the required edges of the
  /// knowledge (FCI tests every other pair).
  PcOptions skeleton_options() const {
    PcOptions o;
    static_cast<SkeletonOptions&>(o) = *this;
    if (!knowledge.empty()) {  // the skeleton keeps the required edges; forbidden ones are marks
      o.knowledge = BackgroundKnowledge(knowledge.variables());
      for (Index a = 0; a < knowledge.variables(); ++a)
        for (Index b = 0; b < knowledge.variables(); ++b)
          if (knowledge.required(a, b)) o.knowledge.require(a, b);
    }
    return o;
  }
};

/// What `fci` returns.
struct FciResult {
  Graph pag;       ///< the estimated PAG (marks tail, arrow, circle)
  Graph skeleton;  ///< the final skeleton (after the possible-d-sep stage), undirected
  /// sepset[x][y]: the separating set of a removed edge (ascending); see `PcResult::sepset`.
  SepsetTable sepset;
  /// max_p_value(x, y): the largest p-value seen for the pair, skeleton and possible-d-sep stages.
  Matrix<double> max_p_value;
  std::vector<long long> tests_per_depth;  ///< skeleton-phase CI tests at each depth
  long long tests_possible_dsep = 0;       ///< CI tests of the possible-d-sep stage
  long long removed_possible_dsep = 0;     ///< edges the possible-d-sep stage removed
  long long tests = 0;                     ///< all CI tests
  double seconds_skeleton = 0;             ///< wall time of the skeleton phase
  double seconds_possible_dsep = 0;        ///< wall time of the possible-d-sep stage
  double seconds_orientation = 0;          ///< wall time of the orientation rules
};

}  // namespace causalattn
