#include "causalattn/discovery/detail/leading_eigenpairs.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <limits>

#include <Eigen/QR>

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
    CHECK((a * top.vectors.col(j) - top.values(j) * top.vectors.col(j)).stableNorm() <= tolerance);
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
  SECTION("small sizes exercise every branch of the tridiagonal solve") {
    for (Index m = 1; m <= 6; ++m) {
      ca::Vector<double> values(m);
      for (Index i = 0; i < m; ++i) values(i) = 4.0 - double(i);  // indefinite from m = 5
      const ca::Matrix<double> a = with_spectrum(values, seed + std::uint64_t(m));
      check_pairs(a, ca::detail::leading_eigenpairs(a, 1e-5), std::min<Index>(m, 4));
    }
  }
  SECTION("the result scales with the matrix, from 1e-200 to 1e200") {
    ca::Vector<double> values(40);
    for (Index i = 0; i < values.size(); ++i) values(i) = std::pow(0.6, double(i));
    const ca::Matrix<double> a = with_spectrum(values, seed + 20);
    for (const double factor : {1e-200, 1e-30, 1.0, 1e30, 1e200}) {
      const auto top = ca::detail::leading_eigenpairs(ca::Matrix<double>(factor * a), 1e-5);
      check_pairs(ca::Matrix<double>(factor * a), top, 23);  // 0.6^22 > 1e-5 > 0.6^23
    }
  }
  SECTION("a cut inside a cluster keeps only the members above it") {
    ca::Vector<double> values(30);
    for (Index i = 0; i < values.size(); ++i) values(i) = i == 0 ? 1.0 : 1e-5 * (1.0 + 0.1 * (9.5 - double(i)));
    const ca::Matrix<double> a = with_spectrum(values, seed + 30);
    check_pairs(a, ca::detail::leading_eigenpairs(a, 1e-5), 10);  // i = 1..9 lie above 1e-5
  }
  SECTION("an indefinite matrix whose largest magnitude is negative") {
    ca::Vector<double> values(25);
    for (Index i = 0; i < values.size(); ++i) values(i) = i < 3 ? 1.0 / double(i + 1) : -10.0;
    const ca::Matrix<double> a = with_spectrum(values, seed + 40);
    check_pairs(a, ca::detail::leading_eigenpairs(a, 1e-5), 3);
  }
  SECTION("zero, negative definite and empty matrices keep nothing, with m x 0 vectors") {
    for (const ca::Matrix<double>& a : {ca::Matrix<double>(ca::Matrix<double>::Zero(8, 8)),
                                        ca::Matrix<double>(-ca::Matrix<double>::Identity(8, 8)), ca::Matrix<double>(0, 0)}) {
      const auto top = ca::detail::leading_eigenpairs(a, 1e-5);
      CHECK(top.values.size() == 0);
      CHECK(top.vectors.rows() == a.rows());
      CHECK(top.vectors.cols() == 0);
    }
  }
  SECTION("a non-finite entry of the lower triangle throws") {
    ca::Matrix<double> a = ca::Matrix<double>::Identity(5, 5);
    a(3, 1) = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_AS(ca::detail::leading_eigenpairs(a, 1e-5), ca::numerical_error);
    a(3, 1) = std::numeric_limits<double>::infinity();
    CHECK_THROWS_AS(ca::detail::leading_eigenpairs(a, 1e-5), ca::numerical_error);
  }
}
