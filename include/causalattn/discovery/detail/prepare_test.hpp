#pragma once
/// \file
/// The skeleton's hint to a test that fetches its data (`MpiFisherZTest`): which pair comes next.

#include <vector>

#include "causalattn/core/scalar.hpp"

namespace causalattn::detail {

/// Calls `test.prepare(x, y, x_neighbours, y_neighbours, depth)` before the skeleton tests the pair
/// x < y at `depth` >= 1 with sets drawn from those neighbour lists, so that a test whose data live
/// elsewhere fetches them in one go; pass 0 as the last argument. O(1) for a test without
/// `prepare`, which is the usual case. Example: `prepare_test(test, 0, 5, nx, ny, 1, 0);`
template <class Test>
auto prepare_test(const Test& test, Index x, Index y, const std::vector<Index>& x_neighbours,
                  const std::vector<Index>& y_neighbours, Index depth, int)
    -> decltype(test.prepare(x, y, x_neighbours, y_neighbours, depth)) {
  return test.prepare(x, y, x_neighbours, y_neighbours, depth);
}
template <class Test>
void prepare_test(const Test&, Index, Index, const std::vector<Index>&, const std::vector<Index>&, Index, long) {}

}  // namespace causalattn::detail
