#pragma once
/// \file
/// Endpoint marks of an edge: the vocabulary shared by DAGs, CPDAGs and PAGs.

#include <cstdint>

namespace causalattn {

/// The mark at one end of an edge. `none` means "no edge"; an edge has a non-`none` mark at both ends.
/// DAG edges are tail/arrow; CPDAGs add tail/tail (undirected); PAGs add circles and arrow/arrow.
enum class Mark : std::uint8_t {
  none = 0,    ///< no edge
  tail = 1,    ///< "-": the node is an ancestor of the other end (in a DAG, the cause)
  arrow = 2,   ///< ">": the node is not an ancestor of the other end
  circle = 3,  ///< "o": undetermined (PAGs)
};

/// Lower-case name of a mark: "none", "tail", "arrow", "circle". O(1).
constexpr const char* to_string(Mark mark) noexcept {
  switch (mark) {
    case Mark::tail: return "tail";
    case Mark::arrow: return "arrow";
    case Mark::circle: return "circle";
    case Mark::none: break;
  }
  return "none";
}

}  // namespace causalattn
