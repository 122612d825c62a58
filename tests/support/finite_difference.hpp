#pragma once
// Test helper: central finite differences of a scalar function of a matrix, compared with an
// analytic gradient entry by entry.

#include <catch2/catch.hpp>

#include <functional>

#include "causalattn/core/scalar.hpp"

namespace causalattn::test {

/// Checks grad against (f(x + h e) - f(x - h e)) / 2h for every entry of x (restored afterwards).
/// Tolerances suit double with h = 1e-6 on O(1) functions.
inline void check_gradient(const std::string& what, Matrix<double>& x, const Matrix<double>& grad,
                           const std::function<double()>& f, double h = 1e-6) {
  INFO(what);
  REQUIRE(grad.rows() == x.rows());
  REQUIRE(grad.cols() == x.cols());
  for (Index c = 0; c < x.cols(); ++c) {
    for (Index r = 0; r < x.rows(); ++r) {
      const double saved = x(r, c);
      x(r, c) = saved + h;
      const double up = f();
      x(r, c) = saved - h;
      const double down = f();
      x(r, c) = saved;
      INFO("entry (" << r << ", " << c << ")");
      REQUIRE(grad(r, c) == Approx((up - down) / (2 * h)).margin(2e-7).epsilon(2e-5));
    }
  }
}

}  // namespace causalattn::test
