// Sensitivity to unobserved confounding: Cinelli and Hazlett's omitted-variable-bias statistics on
// the published Darfur example, the bias identity with a real omitted covariate, the robustness
// value's defining property, E-values against their closed form, and categorical covariates.
#include "causalattn/effects/sensitivity.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "causalattn/core/random.hpp"
#include "causalattn/effects/categorical.hpp"
#include "causalattn/io/csv.hpp"

namespace ca = causalattn;
using ca::Index;
using Catch::Matchers::Contains;

namespace {

const std::string darfur_csv = std::string(CAUSALATTN_DATA_DIR) + "/darfur/darfur.csv";

/// Darfur's design as in Cinelli and Hazlett (2020): the numeric covariates, then the village dummies.
struct Darfur {
  ca::Matrix<double> x;
  ca::Vector<double> t, y;
  std::vector<std::string> names;
  Index female = -1;
};

Darfur darfur(bool with_female = true) {
  std::vector<std::string> numeric = {"age", "farmer_dar", "herder_dar", "pastvoted", "hhsize_darfur"};
  if (with_female) numeric.push_back("female");
  ca::CsvOptions options;
  options.columns = numeric;
  options.columns.insert(options.columns.begin(), {"directlyharmed", "peacefactor"});
  options.text_columns = {"village"};
  const auto table = ca::read_csv(darfur_csv, options);
  const ca::CategoricalCoding village = ca::dummy_code(table.text.at(0));
  Darfur d;
  const Index n = table.data.rows(), p = Index(numeric.size());
  d.t = table.data.col(0);
  d.y = table.data.col(1);
  d.x.resize(n, p + village.dummies.cols());
  d.x.leftCols(p) = table.data.rightCols(p);
  d.x.rightCols(village.dummies.cols()) = village.dummies;
  d.names = numeric;
  d.names.insert(d.names.end(), village.names.begin(), village.names.end());
  if (with_female) d.female = p - 1;
  return d;
}

/// n units with covariates x0, x1, x2 ~ N(0, 1): x0 drives both T (T = 1 where x0 + noise > 0) and
/// Y = 0.5 T + x0 - 0.3 x2 + noise; x1 drives neither.
template <class Scalar>
struct Design {
  ca::Matrix<Scalar> x;
  ca::Vector<Scalar> t, y;
};

template <class Scalar>
Design<Scalar> confounded_design(std::uint64_t seed, Index n) {
  ca::Rng rng(seed);
  Design<Scalar> d{ca::Matrix<Scalar>(n, 3), ca::Vector<Scalar>(n), ca::Vector<Scalar>(n)};
  for (Index i = 0; i < n; ++i) {
    for (Index j = 0; j < 3; ++j) d.x(i, j) = Scalar(rng.normal());
    d.t(i) = d.x(i, 0) + rng.normal() > 0 ? Scalar(1) : Scalar(0);
    d.y(i) = Scalar(0.5 * d.t(i) + d.x(i, 0) - 0.3 * d.x(i, 2) + rng.normal());
  }
  return d;
}

}  // namespace

TEST_CASE("Darfur: the sensitivity statistics equal the published ones to the printed digits", "[effects][sensitivity]") {
  const Darfur d = darfur();
  REQUIRE(d.x.rows() == 1276);
  REQUIRE(d.x.cols() == 6 + 485);  // 486 villages, the first the reference
  const ca::TreatmentData<double> data(d.x, d.t, d.y);
  const ca::OmittedVariableSensitivity s = ca::omitted_variable_sensitivity(data);
  // Printed by sensemakr (reference page of print.sensemakr) with 5 decimals; half a unit of the last digit.
  const double half = 0.5e-5;
  CHECK(s.dof == 783);
  CHECK(std::abs(s.estimate - 0.09732) <= half);
  CHECK(std::abs(s.std_error - 0.02326) <= half);
  CHECK(std::abs(s.t_statistic - 4.18445) <= half);
  CHECK(std::abs(s.partial_r2 - 0.02187) <= half);
  CHECK(std::abs(s.robustness_value - 0.13878) <= half);
  CHECK(std::abs(s.robustness_value_alpha - 0.07626) <= half);
}

TEST_CASE("the bias formula turns the regression without a covariate into the one with it", "[effects][sensitivity]") {
  // Leave `female` out, then treat it as the omitted confounder Z: with its actual partial R^2 values
  // the adjusted estimate and standard error must be the long regression's, exactly.
  const Darfur long_design = darfur(true), short_design = darfur(false);
  const ca::TreatmentData<double> long_data(long_design.x, long_design.t, long_design.y);
  const ca::TreatmentData<double> short_data(short_design.x, short_design.t, short_design.y);
  const auto long_fit = ca::omitted_variable_sensitivity(long_data);
  const auto short_fit = ca::omitted_variable_sensitivity(short_data);
  // Partial R^2 of female with T given the rest, and with Y given T and the rest, from the long design.
  const Index n = long_design.x.rows(), p = long_design.x.cols();
  ca::Matrix<double> zx(n, p + 1), zy(n, p + 2);
  zx << ca::Vector<double>::Ones(n), long_design.x;
  zy << ca::Vector<double>::Ones(n), long_design.t, long_design.x;
  const auto treatment = ca::detail::classical_regression(zx, long_design.t, "treatment");
  const auto outcome = ca::detail::classical_regression(zy, long_design.y, "outcome");
  const double r2_treatment = treatment.partial_r2({long_design.female + 1});
  const double r2_outcome = outcome.partial_r2({long_design.female + 2});
  const ca::ConfounderBound adjusted = ca::confounder_adjustment(short_fit, r2_treatment, r2_outcome);
  INFO("short " << short_fit.estimate << ", long " << long_fit.estimate << ", adjusted " << adjusted.adjusted_estimate);
  CHECK(std::abs(std::abs(short_fit.estimate - adjusted.adjusted_estimate) - std::abs(short_fit.estimate - long_fit.estimate)) <
        1e-10);
  CHECK(std::abs(adjusted.adjusted_std_error - long_fit.std_error) < 1e-10 * long_fit.std_error);
}

TEST_CASE("benchmark bounds grow with k and a confounder as strong as the benchmark is no stronger than it",
          "[effects][sensitivity]") {
  const Darfur d = darfur();
  const ca::TreatmentData<double> data(d.x, d.t, d.y);
  ca::SensitivityOptions options;
  options.benchmarks = {{"female", {d.female}}};
  const auto s = ca::omitted_variable_sensitivity(data, options);
  REQUIRE(s.bounds.size() == 3);
  for (std::size_t k = 0; k < 3; ++k) {
    const auto& b = s.bounds[k];
    INFO("k = " << b.multiple << ": R2 with T " << b.r2_treatment << ", with Y " << b.r2_outcome << ", adjusted "
                << b.adjusted_estimate << " (" << b.ci_low << ", " << b.ci_high << ")");
    CHECK(b.multiple == double(k + 1));
    CHECK(b.adjusted_estimate < s.estimate);
    CHECK(b.ci_low < b.adjusted_estimate);
    if (k > 0) {
      CHECK(b.r2_treatment > s.bounds[k - 1].r2_treatment);
      CHECK(b.r2_outcome > s.bounds[k - 1].r2_outcome);
      CHECK(b.adjusted_estimate < s.bounds[k - 1].adjusted_estimate);
    }
  }
  // With k = 1 the bound on R^2 of Z with T is f^2 of the benchmark (k R2 / (1 - R2)), the
  // benchmark's own partial R^2 with T rescaled to "given X".
  ca::Matrix<double> zx(d.x.rows(), d.x.cols() + 1);
  zx << ca::Vector<double>::Ones(d.x.rows()), d.x;
  const double r2 = ca::detail::classical_regression(zx, d.t, "treatment").partial_r2({d.female + 1});
  CHECK(std::abs(s.bounds[0].r2_treatment - r2 / (1 - r2)) < 1e-12);
}

TEST_CASE("the robustness value is the least equal strength at which the adjusted t reaches the critical value",
          "[effects][sensitivity]") {
  // For a confounder with partial R^2 (r_y, r_d), both at most r, the adjusted t-statistic divided by
  // sqrt(dof - 1) is (f sqrt(1 - r_d) - sqrt(r_y r_d)) / sqrt(1 - r_y); its minimum over the square
  // [0, r]^2 must equal the critical f at r = RV (both branches: f below and above 1 / critical).
  for (const auto& [f, critical] : {std::pair<double, double>{0.15, 0.07}, {0.5, 0.2}, {2.0, 0.9}, {3.0, 0.5}}) {
    const double r = ca::detail::robustness_value(f, critical);
    REQUIRE(r > 0);
    REQUIRE(r < 1);
    double least = 1e300;
    const int steps = 20000;
    for (int a = 0; a <= steps; ++a) {
      const double r_y = r * a / steps;  // r_d = r is the worst case for any r_y
      least = std::min(least, (f * std::sqrt(1 - r) - std::sqrt(r_y * r)) / std::sqrt(1 - r_y));
    }
    INFO("f " << f << ", critical " << critical << ", RV " << r << ", least adjusted f " << least);
    CHECK(std::abs(least - critical) < 1e-6);
  }
  CHECK(ca::detail::robustness_value(0.1, 0.2) == 0);
  // Large f (a huge t-statistic): RV = 1 - 1/f^2 + 2/f^4 - ..., which the textbook form
  // (sqrt(f^4 + 4 f^2) - f^2) / 2 loses to cancellation (relative error about 1e-8 at f = 1e4).
  CHECK(ca::detail::robustness_value(1e4, 0) == Approx(1 - 1e-8 + 2e-16).epsilon(1e-14));
}

TEST_CASE("Student's two-sided quantile equals the tables", "[effects][sensitivity]") {
  // Reference values: t_{0.975} for 1, 2 and 10 degrees of freedom and t_{0.995} for 10 (standard
  // tables), and t_{0.975} for 783 (the Darfur regression's; Cornish-Fisher expansion, to 1e-6).
  CHECK(ca::detail::student_quantile_two_sided(0.05, 1) == Approx(12.7062047362).epsilon(1e-10));
  CHECK(ca::detail::student_quantile_two_sided(0.05, 2) == Approx(4.30265272975).epsilon(1e-10));
  CHECK(ca::detail::student_quantile_two_sided(0.05, 10) == Approx(2.22813885196).epsilon(1e-10));
  CHECK(ca::detail::student_quantile_two_sided(0.01, 10) == Approx(3.16927267262).epsilon(1e-10));
  CHECK(ca::detail::student_quantile_two_sided(0.05, 783) == Approx(1.963).epsilon(2e-5));
}

TEST_CASE("E-values equal the closed form", "[effects][sensitivity]") {
  CHECK(ca::e_value_of_risk_ratio(3.9) == Approx(3.9 + std::sqrt(3.9 * 2.9)).epsilon(1e-15));
  CHECK(ca::e_value_of_risk_ratio(0.5) == Approx(2 + std::sqrt(2.0)).epsilon(1e-15));
  CHECK(ca::e_value_of_risk_ratio(1) == 1);
  CHECK_THROWS_WITH(ca::e_value_of_risk_ratio(0), Contains("risk_ratio"));
  CHECK_THROWS_WITH(ca::e_value_of_risk_ratio(-2), Contains("risk_ratio"));

  // A binary outcome with a control-arm risk of 0.2: RR = (0.2 + 0.1) / 0.2 = 1.5.
  const Index n = 20;
  ca::Matrix<double> x(n, 1);
  ca::Vector<double> t(n), y(n);
  for (Index i = 0; i < n; ++i) {
    t(i) = i < 10 ? 1 : 0;
    y(i) = (i < 10 ? i < 3 : i < 12) ? 1 : 0;  // treated risk 0.3, control risk 0.2
    x(i, 0) = double(i % 7);
  }
  const ca::TreatmentData<double> data(x, t, y);
  ca::EffectEstimate e;
  e.estimate = 0.1;
  e.ci_low = 0.02;
  e.ci_high = 0.18;
  const ca::EValue binary = ca::e_value(e, data);
  CHECK(binary.scale == "risk ratio");
  CHECK(binary.risk_ratio == Approx(1.5).epsilon(1e-14));
  CHECK(binary.point == Approx(1.5 + std::sqrt(1.5 * 0.5)).epsilon(1e-14));
  CHECK(binary.interval == Approx(1.1 + std::sqrt(1.1 * 0.1)).epsilon(1e-14));
  e.ci_low = -0.01;  // an interval that holds 0 can be explained away by no confounding at all
  CHECK(ca::e_value(e, data).interval == 1);

  // A continuous outcome: d = effect / sd(Y), RR = exp(0.91 d).
  for (Index i = 0; i < n; ++i) y(i) = double(i) / 4;
  const double sd = std::sqrt((y.array() - y.mean()).square().sum() / double(n - 1));
  e.estimate = -0.8;
  e.ci_low = -1.4;
  e.ci_high = -0.2;
  const ca::EValue continuous = ca::e_value(e, ca::TreatmentData<double>(x, t, y));
  CHECK(continuous.scale == "standardized difference");
  CHECK(continuous.risk_ratio == Approx(std::exp(-0.91 * 0.8 / sd)).epsilon(1e-14));
  CHECK(continuous.point == Approx(ca::e_value_of_risk_ratio(std::exp(-0.91 * 0.8 / sd))).epsilon(1e-14));
  CHECK(continuous.interval == Approx(ca::e_value_of_risk_ratio(std::exp(-0.91 * 0.2 / sd))).epsilon(1e-14));
}

TEST_CASE("sensitivity works on float data as on the same values in double", "[effects][sensitivity]") {
  const Design<float> d = confounded_design<float>(2027, 300);
  const ca::Matrix<float>& x = d.x;
  const ca::Vector<float>&t = d.t, &y = d.y;
  ca::SensitivityOptions options;
  options.benchmarks = {{"x2", {2}}};
  const auto in_float = ca::omitted_variable_sensitivity(ca::TreatmentData<float>(x, t, y), options);
  const ca::Matrix<double> xd = x.cast<double>();
  const ca::Vector<double> td = t.cast<double>(), yd = y.cast<double>();
  const auto in_double = ca::omitted_variable_sensitivity(ca::TreatmentData<double>(xd, td, yd), options);
  // Both compute in double on the same values, so they agree exactly.
  CHECK(in_float.estimate == in_double.estimate);
  CHECK(in_float.robustness_value_alpha == in_double.robustness_value_alpha);
  REQUIRE(in_float.bounds.size() == 3);
  CHECK(in_float.bounds[2].adjusted_estimate == in_double.bounds[2].adjusted_estimate);
}

TEST_CASE("sensitivity rejects bad options and designs by name", "[effects][sensitivity]") {
  const Design<double> d = confounded_design<double>(31, 40);
  const ca::Matrix<double>& x = d.x;
  const ca::Vector<double>&t = d.t, &y = d.y;
  const Index n = x.rows();
  const ca::TreatmentData<double> data(x, t, y);
  auto with = [&](auto change) {
    ca::SensitivityOptions o;
    o.benchmarks = {{"x0", {0}}};
    change(o);
    return o;
  };
  CHECK_THROWS_WITH(ca::omitted_variable_sensitivity(data, with([](auto& o) { o.q = 0; })), Contains("options.q"));
  CHECK_THROWS_WITH(ca::omitted_variable_sensitivity(data, with([](auto& o) { o.alpha = 1; })), Contains("options.alpha"));
  CHECK_THROWS_WITH(ca::omitted_variable_sensitivity(data, with([](auto& o) {
                                                       o.multiples = {1, -2};
                                                     })),
                    Contains("options.multiples") && Contains("entry 1"));
  CHECK_THROWS_WITH(ca::omitted_variable_sensitivity(data, with([](auto& o) {
                                                       o.benchmarks = {{"z", {3}}};
                                                     })),
                    Contains("options.benchmarks") && Contains("'z'"));
  // A confounder 1e5 times as strong as x1 (unrelated to T and Y) would explain more than all of T,
  // and one as strong as x0 (which drives Y) more than all of Y's residual: no bounds, warnings naming them.
  const auto too_strong = ca::omitted_variable_sensitivity(data, with([](auto& o) {
                                                             o.benchmarks = {{"x1", {1}}, {"x0", {0}}};
                                                             o.multiples = {1, 1e5};
                                                           }));
  CHECK(too_strong.bounds.size() == 1);
  REQUIRE(too_strong.warnings.size() == 3);
  CHECK_THAT(too_strong.warnings[0], Contains("k = 100000 times benchmark 'x1'") && Contains("all of T"));
  CHECK_THAT(too_strong.warnings[1], Contains("k = 1 times benchmark 'x0'") && Contains("residual"));
  ca::Matrix<double> collinear(n, 4);
  collinear << x, x.col(0) * 2;
  CHECK_THROWS_WITH(ca::omitted_variable_sensitivity(ca::TreatmentData<double>(collinear, t, y)), Contains("rank deficient"));
  CHECK_THROWS_WITH(ca::omitted_variable_sensitivity(data, with([](auto& o) {
                                                       o.benchmarks = {{"twice", {1, 1}}};
                                                     })),
                    Contains("names a column twice"));
  // The rank test does not depend on the scale of a column: rescaling x2 by 1e7 changes nothing but its coefficient.
  ca::Matrix<double> rescaled = x;
  rescaled.col(2) *= 1e7;
  const auto plain = ca::omitted_variable_sensitivity(data);
  const auto scaled = ca::omitted_variable_sensitivity(ca::TreatmentData<double>(rescaled, t, y));
  CHECK(scaled.t_statistic == Approx(plain.t_statistic).epsilon(1e-9));
  CHECK_THROWS_WITH(ca::confounder_adjustment(ca::OmittedVariableSensitivity{}, 0.1, 0.1), Contains("s: is not a result"));
  ca::SensitivityOptions none;
  const auto s = ca::omitted_variable_sensitivity(data, none);
  CHECK_THROWS_WITH(ca::confounder_adjustment(s, 1.0, 0.1), Contains("r2_treatment"));
  CHECK_THROWS_WITH(ca::confounder_adjustment(s, 0.1, -0.1), Contains("r2_outcome"));
}

TEST_CASE("categorical columns become dummies with the first level in byte order as reference", "[effects][categorical]") {
  const auto coding = ca::dummy_code(ca::TextColumn::from_values("city", {"Oslo", "Bergen", "Oslo", "Alta", "Bergen"}));
  CHECK(coding.levels == std::vector<std::string>{"Alta", "Bergen", "Oslo"});
  CHECK(coding.names == std::vector<std::string>{"city[Bergen]", "city[Oslo]"});
  ca::Matrix<double> expected(5, 2);
  expected << 0, 1, 1, 0, 0, 1, 0, 0, 1, 0;
  CHECK(coding.dummies == expected);
  CHECK_THROWS_WITH(ca::dummy_code(ca::TextColumn::from_values("city", {"Oslo", "Oslo"})),
                    Contains("city") && Contains("constant"));
  CHECK_THROWS_WITH(ca::dummy_code(ca::TextColumn::from_values("city", {"Oslo", ""})), Contains("row 1"));
  CHECK_THROWS_WITH(ca::dummy_code(ca::TextColumn::from_values("city", {})), Contains("no rows"));
  CHECK_THROWS_WITH(ca::dummy_code(ca::TextColumn::from_values("id", {"a", "b", "c", "d"}), 8), Contains("limit of 8 cells"));
}
