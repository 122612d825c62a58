#pragma once
/// \file
/// The leading eigenpairs of a symmetric matrix, without computing the others' eigenvectors.

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include <Eigen/Eigenvalues>

#include "causalattn/core/errors.hpp"
#include "causalattn/core/random.hpp"
#include "causalattn/core/scalar.hpp"

namespace causalattn::detail {

/// Eigenvalues (descending) and unit eigenvectors (as columns, in the same order).
struct LeadingEigenpairs {
  Vector<double> values;   ///< k eigenvalues, largest first
  Matrix<double> vectors;  ///< m x k, column j the eigenvector of values(j)
};

/// (T - shift I) x = b for a symmetric tridiagonal T of size m >= 1 (diagonal `diag`, off-diagonal
/// `off`), by Gaussian elimination with partial pivoting; every pivot smaller than `tiny` > 0 in
/// magnitude is replaced by `tiny`, so a shift at an eigenvalue still gives the (huge)
/// inverse-iteration step. `b` is overwritten by x; `eliminated_rows` (m x 3) is scratch. O(m).
template <typename = void>
void solve_shifted_tridiagonal(const Vector<double>& diag, const Vector<double>& off, double shift, double tiny,
                               Vector<double>& b, Matrix<double>& eliminated_rows) {
  const Index m = diag.size();
  const auto guarded = [tiny](double pivot) { return std::abs(pivot) < tiny ? (pivot < 0 ? -tiny : tiny) : pivot; };
  // Row i of the eliminated system holds eliminated_rows(i, 0) on the diagonal and (i, 1), (i, 2)
  // on the next two columns; `carried` is the row still to be eliminated at column i.
  eliminated_rows.resize(m, 3);
  double carried_diag = diag(0) - shift, carried_next = m > 1 ? off(0) : 0.0, carried_b = b(0);
  for (Index i = 0; i + 1 < m; ++i) {
    const double below = off(i), below_diag = diag(i + 1) - shift, below_next = i + 2 < m ? off(i + 1) : 0.0;
    if (std::abs(carried_diag) >= std::abs(below)) {  // the carried row is the pivot row
      const double pivot = guarded(carried_diag), factor = below / pivot;
      eliminated_rows.row(i) << pivot, carried_next, 0.0;
      b(i) = carried_b;
      carried_diag = below_diag - factor * carried_next;
      carried_next = below_next;
      carried_b = b(i + 1) - factor * carried_b;
    } else {  // row i + 1 is the pivot row
      const double pivot = guarded(below), factor = carried_diag / pivot;
      eliminated_rows.row(i) << pivot, below_diag, below_next;
      b(i) = b(i + 1);
      carried_diag = carried_next - factor * below_diag;
      carried_next = -factor * below_next;
      carried_b -= factor * b(i);
    }
  }
  b(m - 1) = carried_b / guarded(carried_diag);
  for (Index i = m - 2; i >= 0; --i) {
    double value = b(i) - eliminated_rows(i, 1) * b(i + 1);
    if (i + 2 < m) value -= eliminated_rows(i, 2) * b(i + 2);
    b(i) = value / eliminated_rows(i, 0);
  }
}

/// The eigenpairs of the symmetric matrix `a` (only its lower triangle is read) whose eigenvalues
/// exceed `relative_cut` x the largest (none if the largest is not positive), largest first.
/// `a` is scaled by its largest entry; the eigenvalues are those of Eigen's tridiagonal QR, and
/// only the kept eigenvectors are computed, by inverse iteration on the tridiagonal matrix from
/// fixed start vectors (deterministic), re-orthogonalised against the earlier members of their
/// cluster (eigenvalues closer than 1e-3 x the largest magnitude), then carried back by the
/// Householder reflectors. Throws `numerical_error` on non-finite input, a QR that does not
/// converge, or an eigenvector whose residual stays above 1000 m eps |a| after 5 iterations.
/// O(m^3) for the reduction to tridiagonal form, O(m^2 k + c^2 m) for k kept pairs in clusters
/// of c, against the O(m^3) eigenvector accumulation of a full solve.
/// Example: `auto top = leading_eigenpairs(gram, 1e-5); // top.vectors.cols() pairs kept`
template <typename = void>
LeadingEigenpairs leading_eigenpairs(const Eigen::Ref<const Matrix<double>>& a, double relative_cut) {
  constexpr int max_iterations = 5, min_iterations = 3;
  constexpr double cluster_relative_gap = 1e-3, residual_factor = 1e3, eps = std::numeric_limits<double>::epsilon();
  const Index m = a.rows();
  LeadingEigenpairs result;
  result.vectors.resize(m, 0);
  double magnitude = 0;
  for (Index j = 0; j < m; ++j) {
    const auto lower = a.col(j).tail(m - j);
    if (!lower.allFinite()) throw numerical_error("leading_eigenpairs: column " + std::to_string(j) + " has a non-finite entry");
    magnitude = std::max(magnitude, lower.cwiseAbs().maxCoeff());
  }
  if (magnitude == 0) return result;
  const Eigen::Tridiagonalization<Matrix<double>> reduction(a / magnitude);
  const Vector<double> diag = reduction.diagonal(), off = reduction.subDiagonal();
  Eigen::SelfAdjointEigenSolver<Matrix<double>> tridiagonal_qr;
  tridiagonal_qr.computeFromTridiagonal(diag, off, Eigen::EigenvaluesOnly);
  if (tridiagonal_qr.info() != Eigen::Success) {
    throw numerical_error("leading_eigenpairs: the tridiagonal QR did not converge (m = " + std::to_string(m) + ")");
  }
  const Vector<double>& ascending = tridiagonal_qr.eigenvalues();
  const double largest = ascending(m - 1);
  Index kept = 0;
  while (kept < m && largest > 0 && ascending(m - 1 - kept) > largest * relative_cut) ++kept;
  if (kept == 0) return result;
  const Vector<double> scaled_values = ascending.tail(kept).reverse();
  const double scale = std::max(std::abs(largest), std::abs(ascending(0)));
  const double tiny = scale * eps, cluster_gap = cluster_relative_gap * scale;
  const double residual_bound = residual_factor * double(m) * eps * scale;
  Matrix<double> tridiagonal_vectors(m, kept), eliminated_rows;
  Rng start_vectors(0x9E3779B97F4A7C15ull);
  Vector<double> x(m), residual(m);
  Index cluster_start = 0;
  for (Index j = 0; j < kept; ++j) {
    const double lambda = scaled_values(j);
    if (j > 0 && scaled_values(j - 1) - lambda > cluster_gap) cluster_start = j;
    for (Index i = 0; i < m; ++i) x(i) = start_vectors.uniform(-0.5, 0.5);
    bool converged = false;
    for (int iteration = 0; iteration < max_iterations && !converged; ++iteration) {
      x.normalize();
      solve_shifted_tridiagonal(diag, off, lambda, tiny, x, eliminated_rows);
      for (int pass = 0; pass < 2; ++pass)  // modified Gram-Schmidt, twice, against the cluster so far
        for (Index c = cluster_start; c < j; ++c) x -= tridiagonal_vectors.col(c).dot(x) * tridiagonal_vectors.col(c);
      if (iteration + 1 < min_iterations) continue;
      residual = (diag.array() - lambda).matrix().cwiseProduct(x);
      residual.head(m - 1) += off.cwiseProduct(x.tail(m - 1));
      residual.tail(m - 1) += off.cwiseProduct(x.head(m - 1));
      converged = residual.lpNorm<Eigen::Infinity>() <= residual_bound * x.norm();
    }
    if (!converged) {
      throw numerical_error("leading_eigenpairs: inverse iteration did not converge for eigenvalue " + std::to_string(j) +
                            " of " + std::to_string(m));
    }
    tridiagonal_vectors.col(j) = x.normalized();
  }
  result.values = scaled_values * magnitude;
  result.vectors = reduction.matrixQ() * tridiagonal_vectors;
  return result;
}

}  // namespace causalattn::detail
