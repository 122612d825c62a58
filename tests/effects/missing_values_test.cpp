// Missing-value policies: error names the first missing cell, complete cases equal the estimate on
// the pre-filtered data, indicator adds one column per covariate with missing cells.
#include "causalattn/effects/missing_values.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "causalattn/core/random.hpp"
#include "causalattn/effects/aipw.hpp"
#include "causalattn/effects/entropy_balancing.hpp"
#include "invalid_input_message.hpp"
#include "lalonde_sample.hpp"

namespace ca = causalattn;
using ca::Index;
using Catch::Matchers::Contains;

namespace {

const std::vector<std::string> lalonde_covariate_names = {"age", "educ", "black", "hisp", "married", "nodegree", "re74", "re75"};

/// The NSW sample with cells of age (column 0) and re75 (column 7) blanked at seeded random rows,
/// plus one missing outcome.
ca::test::LalondeSample nsw_with_holes(std::uint64_t seed) {
  auto s = ca::test::lalonde_sample("lalonde_nsw_dw");
  ca::Rng rng(seed);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (Index i = 0; i < s.x.rows(); ++i) {
    if (rng.uniform() < 0.05) s.x(i, 0) = nan;
    if (rng.uniform() < 0.10) s.x(i, 7) = nan;
  }
  s.y(17) = nan;
  return s;
}

}  // namespace

TEST_CASE("complete_cases equals the estimate on the pre-filtered data", "[effects][missing]") {
  const std::uint64_t seed = 20261205;
  INFO("seed " << seed);
  const auto s = nsw_with_holes(seed);
  const auto complete = ca::apply_missing_policy<double>(s.x, s.t, s.y, ca::MissingPolicy::complete_cases,
                                                         lalonde_covariate_names);
  std::vector<Index> kept;
  for (Index i = 0; i < s.x.rows(); ++i)
    if (!s.x.row(i).array().isNaN().any() && !std::isnan(s.y(i))) kept.push_back(i);
  CHECK(complete.rows == kept);
  ca::Matrix<double> x(Index(kept.size()), s.x.cols());
  ca::Vector<double> t(x.rows()), y(x.rows());
  for (Index r = 0; r < x.rows(); ++r) {
    x.row(r) = s.x.row(kept[std::size_t(r)]);
    t(r) = s.t(kept[std::size_t(r)]);
    y(r) = s.y(kept[std::size_t(r)]);
  }
  const auto direct = ca::aipw(ca::TreatmentData<double>(x, t, y));
  const auto via_policy = ca::aipw(complete.data());
  CHECK(via_policy.estimate == direct.estimate);
  CHECK(via_policy.std_error == direct.std_error);
  CHECK(complete.names == lalonde_covariate_names);
  CHECK(complete.missing[0] == Index((s.x.col(0).array().isNaN()).count()));
  CHECK(complete.missing[7] == Index((s.x.col(7).array().isNaN()).count()));
  CHECK(complete.missing_outcome == 1);
  REQUIRE(complete.warnings.size() == 1);
  CHECK_THAT(complete.warnings[0], Contains(std::to_string(s.x.rows() - Index(kept.size())) + " of 445 units dropped") &&
                                       Contains("age " + std::to_string(complete.missing[0])) && Contains("outcome 1"));
}

TEST_CASE("indicator adds exactly one column per covariate with missing cells and mean-imputes", "[effects][missing]") {
  const std::uint64_t seed = 20261206;
  INFO("seed " << seed);
  const auto s = nsw_with_holes(seed);
  const auto filled = ca::apply_missing_policy<double>(s.x, s.t, s.y, ca::MissingPolicy::indicator, lalonde_covariate_names);
  REQUIRE(filled.x.cols() == 8 + 2);  // age and re75 had missing cells, the others none
  CHECK(filled.names[8] == "age_missing");
  CHECK(filled.names[9] == "re75_missing");
  CHECK(filled.x.rows() == 444);  // only the unit with a missing outcome is dropped
  CHECK_FALSE(filled.x.array().isNaN().any());
  double observed_sum = 0;
  Index observed = 0, flagged = 0;
  for (Index r = 0; r < filled.x.rows(); ++r) {
    const Index i = filled.rows[std::size_t(r)];
    const bool was_missing = std::isnan(s.x(i, 0));
    CHECK(filled.x(r, 8) == (was_missing ? 1 : 0));
    flagged += was_missing;
    if (!was_missing) {
      CHECK(filled.x(r, 0) == s.x(i, 0));
      observed_sum += s.x(i, 0);
      ++observed;
    }
  }
  for (Index r = 0; r < filled.x.rows(); ++r)
    if (filled.x(r, 8) == 1) CHECK(filled.x(r, 0) == Approx(observed_sum / double(observed)).epsilon(1e-14));
  CHECK(flagged > 0);
  // The imputed data estimate like any other, and balance the indicators too.
  const auto r = ca::entropy_balancing(filled.data());
  CHECK(std::isfinite(r.estimate));
  CHECK(std::abs(r.diagnostics.smd_after(8)) < 1e-6);
  // Data without missing cells pass through unchanged, without warnings.
  const auto clean = ca::test::lalonde_sample("lalonde_nsw_dw");
  const auto same = ca::apply_missing_policy<double>(clean.x, clean.t, clean.y, ca::MissingPolicy::indicator);
  CHECK(same.x == clean.x);
  CHECK(same.warnings.empty());
  CHECK(same.names[0] == "X1");
  // float data give the same columns.
  const ca::Matrix<float> xf = s.x.cast<float>();
  const ca::Vector<float> tf = s.t.cast<float>(), yf = s.y.cast<float>();
  const auto filled_f = ca::apply_missing_policy<float>(xf, tf, yf, ca::MissingPolicy::indicator, lalonde_covariate_names);
  CHECK(filled_f.names == filled.names);
  CHECK((filled_f.x.cast<double>() - filled.x).cwiseAbs().maxCoeff() <= 1e-6 * filled.x.cwiseAbs().maxCoeff());
}

TEST_CASE("The error policy names the first missing cell; impossible data are refused", "[effects][missing]") {
  auto s = nsw_with_holes(20261207);
  const auto first_missing = [&] {
    for (Index i = 0; i < s.x.rows(); ++i)
      for (Index j = 0; j < s.x.cols(); ++j)
        if (std::isnan(s.x(i, j))) return std::pair<Index, Index>{i, j};
    return std::pair<Index, Index>{-1, -1};
  }();
  const auto message = ca::test::invalid_input_message(
      [&] { ca::apply_missing_policy<double>(s.x, s.t, s.y, ca::MissingPolicy::error, lalonde_covariate_names); });
  CHECK_THAT(message,
             Contains("x: row " + std::to_string(first_missing.first) + ", column " + std::to_string(first_missing.second) +
                      " ('" + lalonde_covariate_names[std::size_t(first_missing.second)] + "') is missing"));
  auto clean = ca::test::lalonde_sample("lalonde_nsw_dw");
  clean.t(3) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THAT(ca::test::invalid_input_message(
                 [&] { ca::apply_missing_policy<double>(clean.x, clean.t, clean.y, ca::MissingPolicy::error); }),
             Contains("treatment: row 3 is missing"));
  clean = ca::test::lalonde_sample("lalonde_nsw_dw");
  clean.x.col(2).setConstant(std::numeric_limits<double>::quiet_NaN());
  CHECK_THAT(ca::test::invalid_input_message(
                 [&] { ca::apply_missing_policy<double>(clean.x, clean.t, clean.y, ca::MissingPolicy::indicator); }),
             Contains("column 2 ('X3') has no observed value"));
  CHECK_THAT(ca::test::invalid_input_message(
                 [&] { ca::apply_missing_policy<double>(clean.x, clean.t, clean.y, ca::MissingPolicy::complete_cases); }),
             Contains("every unit has a missing value"));
  CHECK_THAT(ca::test::invalid_input_message([&] {
               ca::apply_missing_policy<double>(clean.x, clean.t, clean.y, ca::MissingPolicy::error, {"a", "b"});
             }),
             Contains("names") && Contains("2 entries for 8"));
  CHECK_THAT(ca::test::invalid_input_message(
                 [&] { ca::apply_missing_policy<double>(clean.x, clean.t.head(3), clean.y, ca::MissingPolicy::error); }),
             Contains("treatment: has 3 entries"));
}
