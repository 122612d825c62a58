#pragma once
/// \file
/// What `bootstrap_graphs` returns: per pair, how often each edge type appeared over the resamples
/// (Tetrad's bootstrapping table), and the consensus graph.

#include <cstdint>
#include <string>
#include <vector>

#include "causalattn/core/scalar.hpp"
#include "causalattn/graph/graph.hpp"
#include "causalattn/graph/mark.hpp"

namespace causalattn {

/// One edge type between nodes a < b, named by its marks at a and at b (`Mark::none` at both: no
/// edge), and the share of the resamples in which the search returned it.
struct EdgeTypeFrequency {
  Mark at_a = Mark::none;  ///< mark at the smaller node
  Mark at_b = Mark::none;  ///< mark at the larger node
  double frequency = 0;    ///< share of the successful resamples, in [0, 1]
};

/// The edge types seen between nodes a < b, most frequent first (ties in mark order, "no edge"
/// first), "no edge" included when some resample had none.
struct PairFrequencies {
  Index a = 0;                           ///< smaller node
  Index b = 0;                           ///< larger node
  double edge_frequency = 0;             ///< share of the resamples with any edge between a and b
  std::vector<EdgeTypeFrequency> types;  ///< every type seen, most frequent first
};

/// The result of `bootstrap_graphs`.
struct BootstrapResult {
  std::vector<std::string> names;  ///< node names
  int resamples = 0;               ///< resamples drawn
  /// Resamples whose search threw `invalid_input` (a column constant in the resample, say); they
  /// are left out of the frequencies.
  int failed = 0;
  /// "resample <b>: <argument> <message>" of the lowest-numbered failed resample; empty if none failed.
  std::string first_failure;
  std::uint64_t seed = 0;          ///< the seed the resamples were drawn from
  double consensus_frequency = 0;  ///< the threshold the consensus graph used
  /// Every pair adjacent in at least one resample, in ascending (a, b).
  std::vector<PairFrequencies> pairs;
  /// Per pair, the most frequent edge type ("no edge" included), kept when it is an edge whose
  /// frequency is at least `consensus_frequency`. Not necessarily a CPDAG or PAG itself.
  Graph consensus;
  double seconds = 0;  ///< wall time
};

/// The text of an edge type from a to b: "-->", "<--", "---", "<->", "o->", "<-o", "o-o", "o--",
/// "--o"; "" for no edge. O(1).
/// Example: `causalattn::edge_type_text(causalattn::Mark::tail, causalattn::Mark::arrow)  // "-->"`
inline std::string edge_type_text(Mark at_a, Mark at_b) {
  if (at_a == Mark::none || at_b == Mark::none) return "";
  const char left = at_a == Mark::arrow ? '<' : at_a == Mark::circle ? 'o' : '-';
  const char right = at_b == Mark::arrow ? '>' : at_b == Mark::circle ? 'o' : '-';
  return std::string{left, '-', right};
}

}  // namespace causalattn
