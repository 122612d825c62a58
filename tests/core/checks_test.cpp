#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/scalar.hpp"

namespace ca = causalattn;
using Catch::Matchers::Contains;

TEMPLATE_TEST_CASE("check_finite names the argument, row, column and value", "[core]", float, double) {
  ca::Matrix<TestType> m = ca::Matrix<TestType>::Ones(4, 3);
  REQUIRE_NOTHROW(ca::check_finite("X", m));
  m(2, 1) = std::numeric_limits<TestType>::quiet_NaN();
  REQUIRE_THROWS_WITH(ca::check_finite("X", m), Contains("X") && Contains("row 2") && Contains("column 1") &&
                                                     Contains("nan"));
  m(2, 1) = 1;
  m(3, 0) = -std::numeric_limits<TestType>::infinity();
  REQUIRE_THROWS_WITH(ca::check_finite("X", m), Contains("row 3") && Contains("column 0") && Contains("-inf"));
}

TEST_CASE("invalid_input derives from std::invalid_argument and keeps the argument name", "[core]") {
  try {
    ca::check_finite("weights", ca::Vector<double>::Constant(2, std::nan("")));
    FAIL("no exception");
  } catch (const std::invalid_argument& e) {
    REQUIRE_THAT(e.what(), Contains("causalattn: weights:"));
    const auto* typed = dynamic_cast<const ca::invalid_input*>(&e);
    REQUIRE(typed != nullptr);
    REQUIRE(typed->argument() == "weights");
  }
}

TEST_CASE("shape checks report both shapes", "[core]") {
  ca::Matrix<double> a(5, 2), b(4, 1);
  REQUIRE_THROWS_WITH(ca::check_same_rows("X", a, "treatment", b),
                      Contains("treatment") && Contains("4 rows") && Contains("X has 5"));
  REQUIRE_NOTHROW(ca::check_same_rows("X", a, "y", ca::Vector<double>(5)));
  REQUIRE_THROWS_WITH(ca::check_shape("w", a, 5, 3), Contains("5 x 2") && Contains("expected 5 x 3"));
  REQUIRE_NOTHROW(ca::check_shape("w", a, -1, 2));
  REQUIRE_THROWS_WITH(ca::check_square("C", a), Contains("square") && Contains("5 x 2"));
  REQUIRE_THROWS_WITH(ca::check_not_empty("X", ca::Matrix<double>(0, 3)), Contains("empty") && Contains("0 x 3"));
  REQUIRE_THROWS_WITH(ca::check_not_empty("X", ca::Matrix<double>(3, 0)), Contains("3 x 0"));
}

TEST_CASE("constant columns are named with their value", "[core]") {
  ca::Matrix<double> m(3, 3);
  m << 1, 7, 2,  //
      2, 7, 3,   //
      3, 7, 2;
  REQUIRE_THROWS_WITH(ca::check_no_constant_columns("X", m), Contains("column 1") && Contains("7"));
  m(2, 1) = 7.5;
  REQUIRE_NOTHROW(ca::check_no_constant_columns("X", m));
}

TEST_CASE("range checks reject NaN and out-of-range values", "[core]") {
  REQUIRE_NOTHROW(ca::check_in_range("options.alpha", 0.05, 0.0, 1.0));
  REQUIRE_THROWS_WITH(ca::check_in_range("options.alpha", 1.5, 0.0, 1.0),
                      Contains("options.alpha") && Contains("1.5") && Contains("[0, 1]"));
  REQUIRE_THROWS_AS(ca::check_in_range("options.alpha", std::nan(""), 0.0, 1.0), ca::invalid_input);
}

TEST_CASE("test precision is tied to the scalar type", "[core]") {
  STATIC_REQUIRE(ca::test_precision<float>() == 1e-3f);
  STATIC_REQUIRE(ca::test_precision<double>() == 1e-6);
}
