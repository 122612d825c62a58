#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "causalattn/core/random.hpp"
#include "causalattn/kernels/softmax.hpp"

namespace ca = causalattn;

TEMPLATE_TEST_CASE("vectorised softmax and log-sum-exp equal the scalar reference at odd sizes", "[kernels][softmax]",
                   float, double) {
  const std::uint64_t seed = 5;
  INFO("seed " << seed);
  ca::Rng rng(seed);
  const TestType tol = ca::test_precision<TestType>() * TestType(1e-2);  // 1e-5 float, 1e-8 double
  for (ca::Index rows : {1, 3, 17}) {
    for (ca::Index cols : {1, 7, 33, 257}) {
      ca::Matrix<TestType> x = ca::normal_matrix<TestType>(rows, cols, rng) * TestType(30);
      ca::Matrix<TestType> a = x, b = x;
      ca::row_softmax_inplace(a);
      ca::row_softmax_inplace(b, ca::KernelPath::scalar);
      REQUIRE((a - b).cwiseAbs().maxCoeff() <= tol);
      REQUIRE((a.rowwise().sum().array() - TestType(1)).abs().maxCoeff() <= tol);
      const ca::Vector<TestType> l1 = ca::row_log_sum_exp(x), l2 = ca::row_log_sum_exp(x, ca::KernelPath::scalar);
      REQUIRE((l1 - l2).cwiseAbs().maxCoeff() <= tol * TestType(100));
    }
  }
}

TEMPLATE_TEST_CASE("softmax is stable for huge scores and maps fully masked rows to zero", "[kernels][softmax]", float,
                   double) {
  const TestType inf = std::numeric_limits<TestType>::infinity();
  ca::Matrix<TestType> x(3, 3);
  x << 1000, 1001, 999,  //
      -inf, -inf, -inf,  //
      -1000, -inf, -1000;
  for (auto path : {ca::KernelPath::vectorized, ca::KernelPath::scalar}) {
    ca::Matrix<TestType> p = x;
    const ca::Vector<TestType> lse = ca::row_log_sum_exp(x, path);
    ca::row_softmax_inplace(p, path);
    REQUIRE(p.allFinite());
    REQUIRE(p(0, 1) == Approx(std::exp(1.0) / (1 + std::exp(1.0) + std::exp(-1.0))).epsilon(1e-5));
    REQUIRE(p.row(1).isZero());
    REQUIRE(p(2, 0) == Approx(0.5));
    REQUIRE(p(2, 1) == 0);
    REQUIRE(lse(0) == Approx(1001 + std::log(1 + std::exp(-1.0) + std::exp(-2.0))).epsilon(1e-6));
    REQUIRE(lse(1) == -inf);
    REQUIRE(lse(2) == Approx(-1000 + std::log(2.0)).epsilon(1e-6));
  }
}
