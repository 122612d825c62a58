#pragma once
/// \file
/// The leading eigenpairs of a symmetric matrix, without computing the others' eigenvectors.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include <Eigen/Eigenvalues>

#include "causalattn/core/scalar.hpp"

namespace causalattn::detail {

/// Eigenvalues (descending) and unit eigenvectors (as columns, in the same order).
struct LeadingEigenpairs {
  Vector<double> values;
  Matrix<double> vectors;
};

/// (T - shift I) x = b for a symmetric tridiagonal T (diagonal `diag`, off-diagonal `off`), by
/// Gaussian elimination with partial pivoting; pivots smaller than `tiny` in magnitude are
/// replaced by `tiny`, so a shift at an eigenvalue still gives the (huge) inverse-iteration step.
/// `b` is overwritten by x; `rows` (m x 3) is scratch for the eliminated rows. O(m).
template <typename = void>
void solve_shifted_tridiagonal(const Vector<double>& diag, const Vector<double>& off, double shift, double tiny,
                               Vector<double>& b, Matrix<double>& rows) {
  const Index m = diag.size();
  const auto guarded = [tiny](double pivot) { return std::abs(pivot) < tiny ? (pivot < 0 ? -tiny : tiny) : pivot; };
  // Row i of the eliminated system holds rows(i, 0) on the diagonal and rows(i, 1), rows(i, 2) on
  // the next two columns; `carried` is the row still to be eliminated at column i.
  rows.resize(m, 3);
  double carried_diag = diag(0) - shift, carried_next = m > 1 ? off(0) : 0.0, carried_b = b(0);
  for (Index i = 0; i + 1 < m; ++i) {
    const double below = off(i), below_diag = diag(i + 1) - shift, below_next = i + 2 < m ? off(i + 1) : 0.0;
    if (std::abs(carried_diag) >= std::abs(below)) {  // the carried row is the pivot row
      const double pivot = guarded(carried_diag), factor = below / pivot;
      rows.row(i) << pivot, carried_next, 0.0;
      b(i) = carried_b;
      carried_diag = below_diag - factor * carried_next;
      carried_next = below_next;
      carried_b = b(i + 1) - factor * carried_b;
    } else {  // row i + 1 is the pivot row
      const double factor = carried_diag / below;
      rows.row(i) << below, below_diag, below_next;
      b(i) = b(i + 1);
      carried_diag = carried_next - factor * below_diag;
      carried_next = -factor * below_next;
      carried_b -= factor * b(i);
    }
  }
  b(m - 1) = carried_b / guarded(carried_diag);
  for (Index i = m - 2; i >= 0; --i) {
    double value = b(i) - rows(i, 1) * b(i + 1);
    if (i + 2 < m) value -= rows(i, 2) * b(i + 2);
    b(i) = value / rows(i, 0);
  }
}

/// The eigenpairs of the symmetric matrix `a` whose eigenvalues exceed `relative` x the largest
/// (none if the largest is not positive), largest first. The eigenvalues are those of Eigen's
/// tridiagonal QR; only the kept eigenvectors are computed, by inverse iteration on the
/// tridiagonal matrix (re-orthogonalised within clusters of eigenvalues closer than 1e-3 x the
/// largest, as LAPACK's dstein does) and carried back by the Householder reflectors. O(m^3) for
/// the reduction to tridiagonal form, O(m^2 k + c^2 m) for k kept pairs in clusters of c, against
/// the O(m^3) eigenvector accumulation of a full solve.
/// Example: `auto top = leading_eigenpairs(gram, 1e-5); // top.vectors.cols() pairs kept`
template <typename = void>
LeadingEigenpairs leading_eigenpairs(const Matrix<double>& a, double relative) {
  LeadingEigenpairs result;
  const Index m = a.rows();
  if (m == 0) return result;
  const Eigen::Tridiagonalization<Matrix<double>> reduction(a);
  const Vector<double> diag = reduction.diagonal(), off = reduction.subDiagonal();
  Eigen::SelfAdjointEigenSolver<Matrix<double>> tridiagonal;
  tridiagonal.computeFromTridiagonal(diag, off, Eigen::EigenvaluesOnly);
  const Vector<double>& ascending = tridiagonal.eigenvalues();
  const double largest = ascending(m - 1);
  Index kept = 0;
  while (kept < m && largest > 0 && ascending(m - 1 - kept) > largest * relative) ++kept;
  result.values = ascending.tail(kept).reverse();
  if (kept == 0) {
    result.vectors.resize(m, 0);
    return result;
  }
  Matrix<double> z(m, kept);
  const double scale = std::max(std::abs(largest), std::abs(ascending(0)));
  const double tiny = scale * std::numeric_limits<double>::epsilon(), cluster_gap = 1e-3 * scale;
  std::uint64_t state = 0x9E3779B97F4A7C15ull;  // fixed start vectors: the result is deterministic
  Vector<double> x(m);
  Matrix<double> rows;
  Index cluster_start = 0;
  for (Index j = 0; j < kept; ++j) {
    if (j > 0 && result.values(j - 1) - result.values(j) > cluster_gap) cluster_start = j;
    for (Index i = 0; i < m; ++i) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      x(i) = double(state >> 11) * 0x1.0p-53 - 0.5;
    }
    for (int iteration = 0; iteration < 3; ++iteration) {
      x.normalize();
      solve_shifted_tridiagonal(diag, off, result.values(j), tiny, x, rows);
      for (int pass = 0; pass < 2; ++pass)  // modified Gram-Schmidt, twice, against the cluster so far
        for (Index c = cluster_start; c < j; ++c) x -= z.col(c).dot(x) * z.col(c);
    }
    z.col(j) = x.normalized();
  }
  result.vectors = reduction.matrixQ() * z;
  return result;
}

}  // namespace causalattn::detail
