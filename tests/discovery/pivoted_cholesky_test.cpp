#include "causalattn/discovery/detail/pivoted_cholesky.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <iostream>

#include "causalattn/core/random.hpp"
#include "causalattn/discovery/detail/gaussian_kernel.hpp"

namespace ca = causalattn;
using ca::Index;

namespace {
// The factor of `a` by pivoted Cholesky, columns read from `a`; `remainder` receives its diagonal.
Index factor_of(const ca::Matrix<double>& a, double tolerance, Index max_rank, ca::Matrix<double>& storage,
                ca::Vector<double>& remainder, bool* truncated = nullptr) {
  remainder = a.diagonal();
  return ca::detail::pivoted_cholesky(
      a.rows(), [&](Index j, auto&& column) { column = a.col(j); }, tolerance, max_rank, storage, remainder, truncated);
}
}  // namespace

TEST_CASE("pivoted_cholesky: a rank-r matrix in r columns, its remainder diagonal exact, stops at the tolerance",
          "[discovery][kci]") {
  const std::uint64_t seed = 20261207;
  std::cout << "pivoted_cholesky seed " << seed << "\n";
  ca::Rng rng(seed);
  const Index n = 150, r = 12;
  const ca::Matrix<double> b = ca::normal_matrix<double>(n, r, rng);
  const ca::Matrix<double> a = b * b.transpose();
  ca::Matrix<double> storage;
  ca::Vector<double> remainder;
  bool truncated = true;
  const Index rank = factor_of(a, 1e-9 * a.diagonal().maxCoeff(), n, storage, remainder, &truncated);
  CHECK(rank == r);
  CHECK_FALSE(truncated);
  const ca::Matrix<double> rest = a - storage.leftCols(rank) * storage.leftCols(rank).transpose();
  CHECK(rest.cwiseAbs().maxCoeff() <= 1e-10 * a.diagonal().maxCoeff());
  CHECK((remainder - rest.diagonal()).cwiseAbs().maxCoeff() <= 1e-10 * a.diagonal().maxCoeff());

  // A full-rank matrix: the remainder ends at most the tolerance on every diagonal entry, and a
  // looser tolerance gives fewer columns.
  const ca::Matrix<double> c = ca::normal_matrix<double>(n, n, rng);
  const ca::Matrix<double> full = c * c.transpose() / double(n);
  const double tolerance = 1e-3 * full.diagonal().maxCoeff();
  const Index tight = factor_of(full, tolerance, n, storage, remainder);
  CHECK(remainder.maxCoeff() <= tolerance);
  CHECK(((full - storage.leftCols(tight) * storage.leftCols(tight).transpose()).diagonal() - remainder).cwiseAbs().maxCoeff() <=
        1e-10);
  CHECK(factor_of(full, 0.1 * full.diagonal().maxCoeff(), n, storage, remainder) < tight);
  // The zero matrix needs no column; an empty one none either.
  CHECK(factor_of(ca::Matrix<double>::Zero(n, n), 0, n, storage, remainder) == 0);
  CHECK(factor_of(ca::Matrix<double>(0, 0), 0, 0, storage, remainder) == 0);
}

TEST_CASE("pivoted_cholesky: max_rank truncates and says so; kept storage is reused, not reallocated", "[discovery][kci]") {
  ca::Rng rng(7);
  const ca::Matrix<double> points = ca::normal_matrix<double>(300, 2, rng);
  ca::Matrix<double> storage;
  ca::Vector<double> remainder;
  bool truncated = false;
  CHECK(ca::detail::gaussian_kernel_factor(points, 1.0, 1e-10, 20, storage, remainder, &truncated) == 20);
  CHECK(truncated);
  const Index rank = ca::detail::gaussian_kernel_factor(points, 1.0, 1e-10, 4000, storage, remainder, &truncated);
  CHECK_FALSE(truncated);
  CHECK(rank > 20);
  const double* kept = storage.data();
  CHECK(ca::detail::gaussian_kernel_factor(points, 1.0, 1e-10, 4000, storage, remainder) == rank);
  CHECK(storage.data() == kept);
  // K's exact entries against the factor's reconstruction (remainder <= 1e-10 per diagonal entry).
  ca::Matrix<double> k(300, 300);
  for (Index i = 0; i < 300; ++i)
    for (Index j = 0; j < 300; ++j) k(i, j) = std::exp(-0.5 * (points.row(i) - points.row(j)).squaredNorm());
  CHECK((k - storage.leftCols(rank) * storage.leftCols(rank).transpose()).cwiseAbs().maxCoeff() <= 1e-10);
}
