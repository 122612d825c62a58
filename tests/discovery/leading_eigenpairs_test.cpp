#include "causalattn/discovery/detail/leading_eigenpairs.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <iostream>

#include "causalattn/core/random.hpp"

namespace ca = causalattn;
using ca::Index;

namespace {
// Q diag(values) Q' for a random orthogonal Q (seeded), with its eigenvalues known.
ca::Matrix<double> with_spectrum(const ca::Vector<double>& values, std::uint64_t seed) {
  ca::Rng rng(seed);
  const Index m = values.size();
  const Eigen::HouseholderQR<ca::Matrix<double>> qr(ca::normal_matrix<double>(m, m, rng));
  const ca::Matrix<double> q = qr.householderQ();
  return q * values.asDiagonal() * q.transpose();
}

// The pairs are orthonormal eigenpairs of `a`, and their eigenvalues equal a full solve's largest.
void check_pairs(const ca::Matrix<double>& a, const ca::detail::LeadingEigenpairs& top, Index expected) {
  const Index m = a.rows(), k = top.values.size();
  REQUIRE(k == expected);
  REQUIRE(top.vectors.rows() == m);
  REQUIRE(top.vectors.cols() == k);
  const Eigen::SelfAdjointEigenSolver<ca::Matrix<double>> full(a, Eigen::EigenvaluesOnly);
  const double largest = full.eigenvalues()(m - 1), tolerance = 1e-12 * largest;
  for (Index j = 0; j < k; ++j) {
    CHECK(std::abs(top.values(j) - full.eigenvalues()(m - 1 - j)) <= tolerance);
    CHECK((a * top.vectors.col(j) - top.values(j) * top.vectors.col(j)).norm() <= tolerance);
  }
  CHECK((top.vectors.transpose() * top.vectors - ca::Matrix<double>::Identity(k, k)).cwiseAbs().maxCoeff() <= 1e-12);
}
}  // namespace

TEST_CASE("leading_eigenpairs keeps exactly the pairs above the cut, orthonormal and accurate", "[kci][eigen]") {
  const std::uint64_t seed = 6101;
  std::cout << "leading_eigenpairs seed " << seed << "\n";
  SECTION("a kernel-like geometric spectrum") {
    ca::Vector<double> values(120);
    for (Index i = 0; i < values.size(); ++i) values(i) = 50 * std::pow(0.8, double(i));  // the first 52 exceed 1e-5 x 50
    const ca::Matrix<double> a = with_spectrum(values, seed);
    Index above = 0;
    for (Index i = 0; i < values.size(); ++i) above += values(i) > 50 * 1e-5 ? 1 : 0;
    check_pairs(a, ca::detail::leading_eigenpairs(a, 1e-5), above);
  }
  SECTION("repeated and clustered eigenvalues still give an orthonormal set") {
    ca::Vector<double> values(60);
    for (Index i = 0; i < values.size(); ++i) values(i) = i < 5 ? 3.0 : i < 20 ? 1e-3 * (1 + 1e-9 * double(i)) : 1e-9;
    const ca::Matrix<double> a = with_spectrum(values, seed + 1);
    check_pairs(a, ca::detail::leading_eigenpairs(a, 1e-5), 20);
  }
  SECTION("identity: one cluster of every eigenvalue") {
    const ca::Matrix<double> a = ca::Matrix<double>::Identity(30, 30);
    check_pairs(a, ca::detail::leading_eigenpairs(a, 1e-5), 30);
  }
  SECTION("one by one, zero and negative definite matrices") {
    check_pairs(ca::Matrix<double>::Constant(1, 1, 2.5),
                ca::detail::leading_eigenpairs(ca::Matrix<double>::Constant(1, 1, 2.5), 1e-5), 1);
    CHECK(ca::detail::leading_eigenpairs(ca::Matrix<double>::Zero(8, 8), 1e-5).values.size() == 0);
    CHECK(ca::detail::leading_eigenpairs(-ca::Matrix<double>::Identity(8, 8), 1e-5).values.size() == 0);
    CHECK(ca::detail::leading_eigenpairs(ca::Matrix<double>(0, 0), 1e-5).values.size() == 0);
  }
}
