#include <catch2/catch.hpp>

#include <cstdio>

#include "causalattn/timeseries/ensemble_attribution.hpp"
#include "causalattn/timeseries/simulate.hpp"
#include "small_ar_training.hpp"

namespace ca = causalattn;
using ca::Index;
using Catch::Matchers::Contains;

namespace {

/// The ensemble's base options: 2 lags, 4 epochs, seeds 7.
ca::ArTrainingOptions ensemble_training() {
  ca::ArTrainingOptions o = ca::test::small_ar_training(2, 4);
  o.seed = o.model.seed = 7;
  return o;
}

}  // namespace

TEMPLATE_TEST_CASE("ensemble attribution: the members' mean, member k seeded seed + k, rank spread pooled", "[timeseries][ensemble]", float,
                   double) {
  ca::VarOptions v;
  v.variables = 4;
  v.length = 300;
  v.seed = 3;
  std::printf("ensemble attribution: VAR seed %llu\n", static_cast<unsigned long long>(v.seed));
  const ca::Matrix<double> x = ca::simulate_var(v).x;
  ca::AttributionOptions a;
  a.aggregation = ca::WindowAggregation::mean_rank;
  a.rank_uncertainty = true;
  ca::ArTrainingOptions t = ensemble_training();
  const ca::AttributionResult first = ca::lagged_attribution(ca::fit_ar_transformer<TestType>(x, t), x, a);
  t.seed = t.model.seed = 8;
  const ca::AttributionResult second = ca::lagged_attribution(ca::fit_ar_transformer<TestType>(x, t), x, a);
  REQUIRE_FALSE(first.scores.summary().isApprox(second.scores.summary(), 1e-6));  // the members differ

  const ca::AttributionResult one = ca::ensemble_lagged_attribution<TestType>(x, 1, ensemble_training(), a);
  CHECK(one.scores.summary() == first.scores.summary());
  CHECK(one.rank_sd == first.rank_sd);

  const ca::AttributionResult two = ca::ensemble_lagged_attribution<TestType>(x, 2, ensemble_training(), a);
  CHECK(two.windows == first.windows + second.windows);
  for (std::size_t lag = 0; lag < two.scores.lagged.size(); ++lag)
    CHECK(two.scores.lagged[lag].isApprox((first.scores.lagged[lag] + second.scores.lagged[lag]) / 2, 1e-12));
  CHECK(two.rank_mean.isApprox((first.rank_mean + second.rank_mean) / 2, 1e-12));
  // Pooled spread: E[rank^2] over both members' windows, less the pooled mean squared. Its square
  // is the mean of the members' variances plus the variance of their means, so it is at least the
  // smaller member's spread.
  const ca::Matrix<double> pooled_square = (first.rank_sd.cwiseAbs2() + first.rank_mean.cwiseAbs2() + second.rank_sd.cwiseAbs2() +
                                            second.rank_mean.cwiseAbs2()) / 2;
  CHECK(two.rank_sd.cwiseAbs2().isApprox(pooled_square - two.rank_mean.cwiseAbs2(), 1e-9));
  CHECK((two.rank_sd.array() >= first.rank_sd.cwiseMin(second.rank_sd).array() - 1e-12).all());

  CHECK_THROWS_WITH(ca::ensemble_lagged_attribution<TestType>(x, 0, ensemble_training(), a), Contains("models") && Contains("is 0"));
  CHECK_THROWS_WITH(ca::ensemble_lagged_attribution<TestType>(x.topRows(2), 2, ensemble_training(), a), Contains("x"));
  CHECK_THROWS_WITH(ca::ensemble_lagged_attribution<TestType>(x, 2, ensemble_training(), a, {"a", "b", "c"}), Contains("names") && Contains("3 entries"));
  ca::ArTrainingOptions bad = ensemble_training();
  bad.epochs = 0;
  CHECK_THROWS_WITH(ca::ensemble_lagged_attribution<TestType>(x, 2, bad, a), Contains("options.epochs"));
}
