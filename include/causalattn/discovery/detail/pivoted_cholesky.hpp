#pragma once
/// \file
/// Pivoted Cholesky factors of positive semidefinite matrices whose columns are formed on demand.

#include <algorithm>
#include <cmath>

#include <Eigen/Core>

#include "causalattn/core/scalar.hpp"

namespace causalattn::detail {

/// A factor L (n x r) with A ~= L L' for a positive semidefinite n x n matrix A, by greedy pivoted
/// Cholesky (each step takes the row whose remainder diagonal is largest), written to the first r
/// columns of `storage`; r is returned. On entry `remainder` holds A's diagonal; on exit, the
/// diagonal of the remainder A - L L' (positive semidefinite, so its spectral norm is at most its
/// trace). `column_of(j, column)` writes column j of A into `column`, an n-vector view. The factor
/// stops once every remainder diagonal entry is at most `tolerance` (finite, >= 0; the caller
/// checks), or after `max_rank` columns (then `*truncated`, if given, is set when the remainder
/// still exceeds the tolerance). `storage` is reused when it already has n rows and grows only when the rank needs more columns, so a
/// caller that keeps it between calls touches no new memory. O(n r^2) plus r calls of
/// `column_of`; memory O(n r).
/// Example:
/// \code
///   Vector<double> d = a.diagonal();
///   const Index r = pivoted_cholesky(a.rows(), [&](Index j, auto&& c) { c = a.col(j); }, 1e-12, a.rows(), l, d);
///   auto factor = l.leftCols(r);  // a ~= factor factor'
/// \endcode
template <class ColumnOf>
Index pivoted_cholesky(Index n, ColumnOf&& column_of, double tolerance, Index max_rank, Matrix<double>& storage,
                       Vector<double>& remainder, bool* truncated = nullptr) {
  const Index limit = std::min(n, max_rank);
  if (storage.rows() != n) storage.resize(n, std::min<Index>(limit, 64));
  Index rank = 0;
  while (rank < limit) {
    Index pivot = 0;
    const double largest = remainder.maxCoeff(&pivot);
    if (!(largest > tolerance)) break;
    if (rank == storage.cols()) storage.conservativeResize(n, std::min(limit, std::max<Index>(64, 2 * rank)));
    auto column = storage.col(rank);
    column_of(pivot, column);
    if (rank > 0) column.noalias() -= storage.leftCols(rank) * storage.row(pivot).head(rank).transpose();
    column /= std::sqrt(largest);
    remainder -= column.cwiseAbs2();
    remainder(pivot) = 0;
    ++rank;
  }
  if (truncated) *truncated = rank < n && remainder.maxCoeff() > tolerance;
  return rank;
}

}  // namespace causalattn::detail
