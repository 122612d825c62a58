// Refutation tests: placebo treatment and dummy outcome on the Lalonde experiment (the effect should
// vanish), random common cause (it should not move), data subsets (their spread follows subsampling
// theory), the verdicts of an estimator that ignores its data, thread-count invariance, the budget
// and bad options.
#include "causalattn/effects/refutation.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "causalattn/effects/aipw.hpp"
#include "causalattn/effects/entropy_balancing.hpp"
#include "causalattn/effects/ipw.hpp"
#include "causalattn/effects/regression_adjustment.hpp"
#include "invalid_input_message.hpp"
#include "lalonde_sample.hpp"

namespace ca = causalattn;
using ca::Index;
using Catch::Matchers::Contains;

namespace {

/// The estimator called `name` as a callable for `refute`.
auto refutation_estimator(const std::string& name) {
  return [name](const ca::TreatmentData<double>& d, const ca::EffectOptions& o) {
    if (name == "ols") return ca::regression_adjustment(d, o);
    if (name == "ipw") return ca::ipw(d, o);
    if (name == "aipw") return ca::aipw(d, o);
    return ca::entropy_balancing(d, o);
  };
}

ca::RefutationOptions only(ca::RefutationKind kind, int simulations) {
  ca::RefutationOptions o;
  o.kinds = {kind};
  o.simulations = simulations;
  return o;
}

}  // namespace

TEST_CASE("Placebo treatments on the Lalonde experiment give intervals covering 0 in >= 90% of 200 runs",
          "[effects][refutation]") {
  const ca::test::LalondeSample nsw = ca::test::lalonde_sample("lalonde_nsw_dw");
  const ca::TreatmentData<double> data(nsw.x, nsw.t, nsw.y);
  for (const std::string method : {"ols", "aipw", "ebal"}) {
    CAPTURE(method);
    const auto report = ca::refute(data, refutation_estimator(method), {}, only(ca::RefutationKind::placebo_treatment, 200));
    const auto& placebo = report.tests.at(0);
    INFO("seed " << report.seed << ", estimate " << report.estimate << ", placebo mean " << placebo.mean << " sd " << placebo.sd
                 << ", coverage " << placebo.zero_coverage << ", p " << placebo.p_value.value_or(-1));
    REQUIRE(placebo.estimates.size() == 200);
    CHECK(placebo.zero_coverage >= 0.9);
    // The real effect (t about 2.7) lies beyond almost every placebo effect.
    CHECK(placebo.passed);
    CHECK(*placebo.p_value <= 0.05);
    // Placebo effects centre on 0: their mean is within 4 standard errors of the mean of 0.
    CHECK(std::abs(placebo.mean) < 4 * placebo.sd / std::sqrt(200.0));
  }
}

TEST_CASE("A random common cause moves the Lalonde estimate by less than 5% of its s.e. on average", "[effects][refutation]") {
  const ca::test::LalondeSample nsw = ca::test::lalonde_sample("lalonde_nsw_dw");
  const ca::TreatmentData<double> data(nsw.x, nsw.t, nsw.y);
  for (const std::string method : {"ols", "ipw", "aipw", "ebal"}) {
    CAPTURE(method);
    const auto report = ca::refute(data, refutation_estimator(method), {}, only(ca::RefutationKind::random_common_cause, 100));
    const auto& rcc = report.tests.at(0);
    double shift = 0;
    for (double e : rcc.estimates) shift += std::abs(e - report.estimate) / double(rcc.estimates.size());
    INFO("seed " << report.seed << ", estimate " << report.estimate << ", s.e. " << report.std_error << ", mean shift " << shift);
    REQUIRE(rcc.estimates.size() == 100);
    CHECK(shift > 0);  // the column entered the model
    CHECK(shift < 0.05 * report.std_error);
    CHECK(rcc.verdict.find("s.e. on average") != std::string::npos);
  }
}

TEST_CASE("Data subsets of a fraction f spread by about se x sqrt(1/f - 1)", "[effects][refutation]") {
  // Subsampling m = f n of n units without replacement: the subset estimate varies about the full
  // one with variance se^2 (1/f - 1). The band allows the sampling error of an s.d. over 200
  // simulations (about 5%) and the gap between the analytic s.e. and the estimator's true spread.
  const ca::test::LalondeSample nsw = ca::test::lalonde_sample("lalonde_nsw_dw");
  const ca::TreatmentData<double> data(nsw.x, nsw.t, nsw.y);
  for (const double fraction : {0.8, 0.5}) {
    CAPTURE(fraction);
    auto options = only(ca::RefutationKind::data_subset, 200);
    options.subset_fraction = fraction;
    const auto report = ca::refute(data, refutation_estimator("ols"), {}, options);
    const auto& subsets = report.tests.at(0);
    const double expected = report.std_error * std::sqrt(1 / fraction - 1);
    INFO("seed " << report.seed << ", s.d. " << subsets.sd << ", expected " << expected);
    CHECK(subsets.sd > 0.8 * expected);
    CHECK(subsets.sd < 1.2 * expected);
    CHECK(subsets.passed);
  }
}

TEST_CASE("Dummy outcomes give effects centred on 0 whose intervals cover 0", "[effects][refutation]") {
  const ca::test::LalondeSample nsw = ca::test::lalonde_sample("lalonde_nsw_dw");
  const ca::TreatmentData<double> data(nsw.x, nsw.t, nsw.y);
  for (const std::string method : {"ols", "aipw"}) {
    CAPTURE(method);
    const auto report = ca::refute(data, refutation_estimator(method), {}, only(ca::RefutationKind::dummy_outcome, 200));
    const auto& dummy = report.tests.at(0);
    INFO("seed " << report.seed << ", mean " << dummy.mean << ", sd " << dummy.sd << ", coverage " << dummy.zero_coverage);
    CHECK(dummy.zero_coverage >= 0.9);
    CHECK(std::abs(dummy.mean) < 4 * dummy.sd / std::sqrt(200.0));
    // Permuting Y destroys the effect: the dummy effects are far smaller than the real one.
    CHECK(std::abs(dummy.mean) < 0.25 * report.estimate);
  }
}

TEST_CASE("An estimator that ignores its data fails the placebo and dummy-outcome tests", "[effects][refutation]") {
  const ca::test::LalondeSample nsw = ca::test::lalonde_sample("lalonde_nsw_dw");
  const ca::TreatmentData<double> data(nsw.x, nsw.t, nsw.y);
  const auto constant = [](const ca::TreatmentData<double>&, const ca::EffectOptions&) {
    ca::EffectEstimate e;
    e.estimate = 1000;
    e.std_error = 100;
    e.ci_low = 800;
    e.ci_high = 1200;
    return e;
  };
  ca::RefutationOptions options;
  options.simulations = 20;
  const auto report = ca::refute(data, constant, {}, options);
  REQUIRE(report.tests.size() == 4);
  const auto& placebo = report.tests[0];
  const auto& rcc = report.tests[1];
  const auto& subsets = report.tests[2];
  const auto& dummy = report.tests[3];
  CHECK(placebo.kind == ca::RefutationKind::placebo_treatment);
  CHECK(*placebo.p_value == 1);
  CHECK_FALSE(placebo.passed);
  CHECK(placebo.zero_coverage == 0);
  CHECK_THAT(placebo.verdict, Contains("failed"));
  CHECK(rcc.passed);  // it does not move ...
  CHECK(subsets.passed);
  CHECK(*dummy.p_value == 0);  // ... but it finds an effect in an outcome unrelated to the treatment
  CHECK_FALSE(dummy.passed);
  CHECK_THAT(dummy.verdict, Contains("not centred on 0"));
}

TEST_CASE("Refutations are identical for 1 and 2 threads and run on float data", "[effects][refutation]") {
  const ca::test::LalondeSample nsw = ca::test::lalonde_sample("lalonde_nsw_dw");
  const ca::TreatmentData<double> data(nsw.x, nsw.t, nsw.y);
  ca::RefutationOptions options;
  options.simulations = 12;
  options.threads = 1;
  const auto one = ca::refute(data, refutation_estimator("aipw"), {}, options);
  options.threads = 2;
  const auto two = ca::refute(data, refutation_estimator("aipw"), {}, options);
  REQUIRE(one.tests.size() == two.tests.size());
  for (std::size_t k = 0; k < one.tests.size(); ++k) {
    CHECK(one.tests[k].estimates == two.tests[k].estimates);
    CHECK(one.tests[k].std_errors == two.tests[k].std_errors);
    CHECK(one.tests[k].verdict == two.tests[k].verdict);
  }
  options.seed += 1;
  const auto other = ca::refute(data, refutation_estimator("aipw"), {}, options);
  CHECK(other.tests[0].estimates != one.tests[0].estimates);

  // float data: the same simulations (the permutations and subsets do not depend on the scalar),
  // estimates equal to float precision relative to the outcome's scale.
  const ca::Matrix<float> xf = nsw.x.cast<float>();
  const ca::Vector<float> tf = nsw.t.cast<float>(), yf = nsw.y.cast<float>();
  const ca::TreatmentData<float> data_f(xf, tf, yf);
  options.seed -= 1;
  options.kinds = {ca::RefutationKind::placebo_treatment, ca::RefutationKind::data_subset};
  const auto as_float = ca::refute(
      data_f, [](const ca::TreatmentData<float>& d, const ca::EffectOptions& o) { return ca::aipw(d, o); }, {}, options);
  const double scale = nsw.y.cwiseAbs().maxCoeff();
  for (std::size_t s = 0; s < as_float.tests[0].estimates.size(); ++s) {
    CHECK(std::abs(as_float.tests[0].estimates[s] - one.tests[0].estimates[s]) < 1e-3 * scale);
    CHECK(std::abs(as_float.tests[1].estimates[s] - one.tests[2].estimates[s]) < 1e-3 * scale);
  }
}

TEST_CASE("The budget stops refutations early and the report says so", "[effects][refutation]") {
  const ca::test::LalondeSample nsw = ca::test::lalonde_sample("lalonde_nsw_dw");
  const ca::TreatmentData<double> data(nsw.x, nsw.t, nsw.y);
  const auto slow = [](const ca::TreatmentData<double>& d, const ca::EffectOptions& o) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return ca::regression_adjustment(d, o);
  };
  ca::RefutationOptions options;
  options.simulations = 10000;
  options.max_seconds = 0.2;
  long long reports = 0, last_done = 0, last_total = 0;
  options.progress = [&](long long done, long long total) {
    ++reports;
    last_done = done;
    last_total = total;
  };
  const auto report = ca::refute(data, slow, {}, options);
  INFO("seconds " << report.seconds << ", finished " << report.tests[0].estimates.size());
  CHECK(report.budget_ran_out);
  CHECK(report.seconds < 5);
  CHECK(reports >= 1);
  CHECK(last_total == 40000);
  CHECK(last_done <= last_total);
  for (const auto& test : report.tests) {
    CHECK(test.estimates.size() < 10000);
    CHECK(test.failed == 0);
  }
}

TEST_CASE("Simulations the estimator refuses are counted and leave the test unjudged", "[effects][refutation]") {
  const ca::test::LalondeSample nsw = ca::test::lalonde_sample("lalonde_nsw_dw");
  const ca::TreatmentData<double> data(nsw.x, nsw.t, nsw.y);
  int calls = 0;
  const auto picky = [&calls](const ca::TreatmentData<double>& d, const ca::EffectOptions& o) {
    if (calls++ > 0) throw ca::invalid_input("x", "refused for the test");
    return ca::regression_adjustment(d, o);
  };
  ca::RefutationOptions options;
  options.kinds = {ca::RefutationKind::dummy_outcome};
  options.simulations = 3;
  options.threads = 1;
  const auto report = ca::refute(data, picky, {}, options);
  CHECK(calls == 1 + 3 * 10);
  CHECK(report.tests[0].failed == 3);
  CHECK(report.tests[0].estimates.empty());
  CHECK_FALSE(report.tests[0].p_value.has_value());
  CHECK_FALSE(report.tests[0].passed);
  CHECK_THAT(report.tests[0].verdict, Contains("not judged: 0 of 3"));
}

TEST_CASE("Bad refutation options give invalid_input naming the option", "[effects][refutation]") {
  const ca::test::LalondeSample nsw = ca::test::lalonde_sample("lalonde_nsw_dw");
  const ca::TreatmentData<double> data(nsw.x, nsw.t, nsw.y);
  const auto run = [&](ca::RefutationOptions o) {
    return ca::test::invalid_input_message([&] { ca::refute(data, refutation_estimator("ols"), {}, o); });
  };
  ca::RefutationOptions o;
  o.simulations = 1;
  CHECK_THAT(run(o), Contains("options.simulations") && Contains("is 1"));
  o = {};
  o.kinds = {};
  CHECK_THAT(run(o), Contains("options.kinds"));
  o.kinds = {ca::RefutationKind::dummy_outcome, ca::RefutationKind::dummy_outcome};
  CHECK_THAT(run(o), Contains("options.kinds") && Contains("dummy-outcome twice"));
  o = {};
  o.subset_fraction = 1;
  CHECK_THAT(run(o), Contains("options.subset_fraction"));
  o = {};
  o.alpha = 0;
  CHECK_THAT(run(o), Contains("options.alpha"));
  o = {};
  o.max_seconds = -1;
  CHECK_THAT(run(o), Contains("options.max_seconds"));
  o = {};
  o.threads = -2;
  CHECK_THAT(run(o), Contains("options.threads"));
  CHECK_THAT(ca::test::invalid_input_message([] { ca::refutation_kind_from_name("placebo", "--refute"); }),
             Contains("--refute") && Contains("placebo-treatment"));
  CHECK(ca::refutation_kind_from_name("data-subset") == ca::RefutationKind::data_subset);
}
