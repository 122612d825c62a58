#pragma once
/// \file
/// Gaussian kernel matrices and their widths for the kernel CI tests (KCI, RCIT, RCoT).

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/core/scalar.hpp"
#include "causalattn/discovery/detail/pivoted_cholesky.hpp"

namespace causalattn::detail {

/// Column `j` of `data` standardised to mean 0 and sample standard deviation 1 (ddof = 1). The
/// caller has checked that the column is not constant. O(n).
template <typename = void>
Vector<double> standardized_column(const Matrix<double>& data, Index j) {
  const auto column = data.col(j);
  const double mean = column.mean();
  const double sd = std::sqrt((column.array() - mean).square().sum() / double(column.size() - 1));
  return ((column.array() - mean) / sd).matrix();
}

/// The data of a kernel CI test: checked (finite, at least 5 rows, no constant column; else
/// `invalid_input` naming data) and every column standardised (`standardized_column`). O(n p).
template <typename = void>
Matrix<double> standardized_test_data(const Matrix<double>& raw) {
  check_finite("data", raw);
  if (raw.rows() < 5) throw invalid_input("data", "has " + std::to_string(raw.rows()) + " rows; at least 5 are needed");
  check_no_constant_columns("data", raw);
  Matrix<double> standardized(raw.rows(), raw.cols());
  for (Index j = 0; j < raw.cols(); ++j) standardized.col(j) = standardized_column(raw, j);
  return standardized;
}

/// Rows used for a median distance: all of them up to `limit`, else `limit` rows evenly spaced over
/// the data (row i * n / limit), so data sorted by domain or time are covered. O(limit).
template <typename = void>
std::vector<Index> median_rows(Index n, Index limit) {
  std::vector<Index> rows;
  const Index m = std::min(n, limit);
  rows.reserve(std::size_t(m));
  for (Index i = 0; i < m; ++i) rows.push_back(n <= limit ? i : Index((long double)(i)*n / limit));
  return rows;
}

/// Median of the positive Euclidean distances between the rows `rows` of `a` (0 when all coincide).
/// O(m^2 d) for m rows of d columns.
template <typename = void>
double median_positive_distance(const Eigen::Ref<const Matrix<double>>& a, const std::vector<Index>& rows) {
  std::vector<double> distances;
  distances.reserve(rows.size() * (rows.size() - 1) / 2);
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t j = i + 1; j < rows.size(); ++j) {
      const double d = (a.row(rows[i]) - a.row(rows[j])).norm();
      if (d > 0) distances.push_back(d);
    }
  if (distances.empty()) return 0;
  const std::size_t m = distances.size(), half = m / 2;
  std::nth_element(distances.begin(), distances.begin() + std::ptrdiff_t(half), distances.end());
  const double upper = distances[half];
  if (m % 2 == 1) return upper;
  const double lower = *std::max_element(distances.begin(), distances.begin() + std::ptrdiff_t(half));
  return 0.5 * (lower + upper);
}

/// A factor G (n x r) with K ~= G G' for the Gaussian kernel matrix K of the rows of `a`
/// (k(u, v) = exp(-theta ||u - v||^2 / 2)), by `pivoted_cholesky` with K's columns formed on
/// demand: written to the first r columns of `storage` (r is returned), remainder at most
/// `tolerance` per diagonal entry or at most `max_rank` columns (then `*truncated`, if given, is set
/// when the remainder still exceeds the tolerance). `remainder` is scratch of n entries. `a` needs
/// at least one column and must not share memory with `storage` or `remainder`. Gaussian kernels
/// on a few dimensions have fast-decaying spectra, so r << n and the cost O(n r (r + d)) replaces
/// O(n^2) memory and O(n^3) work.
/// Example: `const Index r = gaussian_kernel_factor(a, 0.5, 1e-10, 4000, g, scratch); auto f = g.leftCols(r);`
template <typename = void>
Index gaussian_kernel_factor(const Eigen::Ref<const Matrix<double>>& a, double theta, double tolerance, Index max_rank,
                             Matrix<double>& storage, Vector<double>& remainder, bool* truncated = nullptr) {
  const auto kernel_column = [&](Index pivot, auto&& column) {
    column = (a.col(0).array() - a(pivot, 0)).square().matrix();
    for (Index k = 1; k < a.cols(); ++k) column.array() += (a.col(k).array() - a(pivot, k)).square();
    column = (-0.5 * theta * column.array()).exp().matrix();  // vectorised
    // Subnormal results become 0: they slow every later product on x86.
    for (Index i = 0; i < column.size(); ++i)
      if (column(i) < std::numeric_limits<double>::min()) column(i) = 0;
  };
  remainder.setOnes(a.rows());
  return pivoted_cholesky(a.rows(), kernel_column, tolerance, max_rank, storage, remainder, truncated);
}

}  // namespace causalattn::detail
