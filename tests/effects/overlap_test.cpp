// Overlap and balance diagnostics: Crump et al.'s trimming rule against its defining equation,
// variance ratios before and after weighting against direct computation, and the propensity
// overlap of any estimator on the Lalonde samples.
#include "causalattn/effects/overlap.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "causalattn/core/random.hpp"
#include "causalattn/effects/crump.hpp"
#include "causalattn/effects/entropy_balancing.hpp"
#include "causalattn/effects/ipw.hpp"
#include "invalid_input_message.hpp"
#include "lalonde_sample.hpp"

namespace ca = causalattn;
using ca::Index;
using Catch::Matchers::Contains;

namespace {

/// Sample variance of the rows where t == arm, with reliability weights w (uniform if empty).
double weighted_variance(const ca::Vector<double>& x, const ca::Vector<double>& t, double arm, const ca::Vector<double>& w) {
  double total = 0, squares = 0, mean = 0;
  for (Index i = 0; i < x.size(); ++i)
    if (t(i) == arm) {
      const double wi = w.size() ? w(i) : 1.0;
      total += wi;
      squares += wi * wi;
      mean += wi * x(i);
    }
  mean /= total;
  double sum = 0;
  for (Index i = 0; i < x.size(); ++i)
    if (t(i) == arm) sum += (w.size() ? w(i) : 1.0) * (x(i) - mean) * (x(i) - mean);
  return sum / (total - squares / total);
}

}  // namespace

TEST_CASE("Crump's threshold solves gamma = 2 E[g | g <= gamma] and keeps everything under good overlap", "[effects][overlap]") {
  // Good overlap: every propensity in [0.3, 0.7] gives max g <= 2 mean g, so no trimming.
  ca::Rng rng(20261205);
  ca::Vector<double> e(500);
  for (Index i = 0; i < e.size(); ++i) e(i) = rng.uniform(0.3, 0.7);
  CHECK(ca::crump_threshold(e) == 0);
  // Poor overlap: Beta-like propensities piled near 0 and 1.
  for (Index i = 0; i < e.size(); ++i) {
    const double u = rng.uniform();
    e(i) = i % 2 ? std::pow(u, 3) : 1 - std::pow(u, 3);
  }
  const double a = ca::crump_threshold(e);
  INFO("seed 20261205, threshold " << a);
  REQUIRE(a > 0);
  REQUIRE(a < 0.5);
  const double gamma = 1 / (a * (1 - a));
  double kept = 0, sum = 0;
  for (Index i = 0; i < e.size(); ++i) {
    const double g = 1 / (e(i) * (1 - e(i)));
    if (g <= gamma * (1 + 1e-12)) {
      kept += 1;
      sum += g;
    }
  }
  CHECK(gamma == Approx(2 * sum / kept).epsilon(1e-10));
  // The next unit out would not satisfy the rule: g > 2 x the mean including it.
  double next = HUGE_VAL;
  for (Index i = 0; i < e.size(); ++i) {
    const double g = 1 / (e(i) * (1 - e(i)));
    if (g > gamma * (1 + 1e-12)) next = std::min(next, g);
  }
  CHECK(next > 2 * (sum + next) / (kept + 1));
  // Crump et al. report thresholds near 0.1 across many designs; this one is of that order.
  CHECK(a > 0.02);
  CHECK(a < 0.2);
  // A propensity of exactly 0 is always dropped.
  ca::Vector<double> with_zero = ca::Vector<double>::Constant(10, 0.5);
  with_zero(3) = 0;
  CHECK(ca::crump_threshold(with_zero) > 0);
}

TEST_CASE("Crump's threshold refuses bad propensities naming the row", "[effects][overlap]") {
  ca::Vector<double> e = ca::Vector<double>::Constant(4, 0.5);
  e(2) = 1.5;
  CHECK_THAT(ca::test::invalid_input_message([&] { ca::crump_threshold(e); }), Contains("propensity") && Contains("row 2"));
  e(2) = std::nan("");
  CHECK_THAT(ca::test::invalid_input_message([&] { ca::crump_threshold(e); }), Contains("row 2"));
  CHECK_THAT(ca::test::invalid_input_message([&] { ca::crump_threshold(ca::Vector<double>()); }), Contains("empty"));
}

TEST_CASE("Variance ratios before and after weighting equal their direct computation", "[effects][overlap]") {
  const ca::test::LalondeSample psid = ca::test::lalonde_sample("lalonde_dw_psid");
  const ca::TreatmentData<double> data(psid.x, psid.t, psid.y);
  ca::EffectOptions options;
  options.estimand = ca::Estimand::att;
  for (const auto& r : {ca::ipw(data, options), ca::entropy_balancing(data, options)}) {
    CAPTURE(r.method);
    const auto& d = r.diagnostics;
    REQUIRE(d.variance_ratio_before.size() == 8);
    REQUIRE(d.variance_ratio_after.size() == 8);
    for (Index j = 0; j < 8; ++j) {
      CAPTURE(j);
      // Standardisation rescales both arms alike, so the ratios are those of the raw columns.
      const ca::Vector<double> column = psid.x.col(j), none;
      CHECK(d.variance_ratio_before(j) ==
            Approx(weighted_variance(column, psid.t, 1, none) / weighted_variance(column, psid.t, 0, none)).epsilon(1e-10));
      CHECK(d.variance_ratio_after(j) ==
            Approx(weighted_variance(column, psid.t, 1, r.weights) / weighted_variance(column, psid.t, 0, r.weights))
                .epsilon(1e-8));
    }
  }
  // PSID controls earn far more and vary far more than the NSW treated: re74's ratio is far below 1.
  const auto r = ca::ipw(data, options);
  CHECK(r.diagnostics.variance_ratio_before(6) < 0.5);
}

TEST_CASE("Propensity overlap of the Lalonde samples: experimental overlap is good, PSID's is poor", "[effects][overlap]") {
  const ca::test::LalondeSample nsw = ca::test::lalonde_sample("lalonde_nsw_dw"),
                                psid = ca::test::lalonde_sample("lalonde_dw_psid");
  const auto good = ca::propensity_overlap(ca::TreatmentData<double>(nsw.x, nsw.t, nsw.y));
  const auto poor = ca::propensity_overlap(ca::TreatmentData<double>(psid.x, psid.t, psid.y));
  INFO("NSW share outside " << good.summary.share_outside << ", PSID share outside " << poor.summary.share_outside
                            << ", PSID threshold " << poor.summary.crump_threshold << " dropping " << poor.summary.crump_dropped);
  CHECK(good.summary.available);
  CHECK(good.summary.share_outside == 0);
  CHECK(good.summary.crump_threshold == 0);
  CHECK(good.summary.crump_dropped == 0);
  CHECK(poor.summary.share_outside > 0.5);  // most PSID controls look nothing like the treated
  CHECK(poor.summary.crump_threshold > 0);
  CHECK(poor.summary.crump_dropped > 1000);
  REQUIRE(poor.propensity.size() == psid.t.size());
  Index outside = 0;
  for (Index i = 0; i < poor.propensity.size(); ++i) outside += poor.propensity(i) < 0.05 || poor.propensity(i) > 0.95;
  CHECK(poor.summary.share_outside == Approx(double(outside) / double(psid.t.size())));
  // The same model as IPW (whose ATE the PSID sample cannot support: ATT here): the summaries agree.
  ca::EffectOptions att;
  att.estimand = ca::Estimand::att;
  const auto r = ca::ipw(ca::TreatmentData<double>(psid.x, psid.t, psid.y), att);
  CHECK(r.diagnostics.overlap.crump_threshold == Approx(poor.summary.crump_threshold));
  CHECK(r.diagnostics.overlap.min_control == Approx(poor.summary.min_control));
  ca::EffectOptions bad;
  bad.ridge = -1;
  CHECK_THAT(ca::test::invalid_input_message(
                 [&] { ca::propensity_overlap(ca::TreatmentData<double>(nsw.x, nsw.t, nsw.y), bad); }),
             Contains("options.ridge"));
}
