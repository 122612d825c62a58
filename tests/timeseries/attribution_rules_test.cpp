#include <catch2/catch.hpp>

#include <cstdio>

#include "causalattn/timeseries/attribution.hpp"
#include "causalattn/timeseries/simulate.hpp"

namespace ca = causalattn;
using Catch::Matchers::Contains;

TEST_CASE("attribution rules: mean ranks are not normalised; raw attention sets its model up", "[timeseries][attribution]") {
  for (const auto aggregation : {ca::WindowAggregation::mean, ca::WindowAggregation::share, ca::WindowAggregation::rank,
                                 ca::WindowAggregation::mean_rank}) {
    const ca::AttributionOptions a = ca::attribution_options(ca::Attribution::mean_abs_gradient, aggregation);
    CHECK(a.method == ca::Attribution::mean_abs_gradient);
    CHECK(a.aggregation == aggregation);
    CHECK(a.normalize == (aggregation != ca::WindowAggregation::mean_rank));
  }
  ca::ArTransformerOptions model;
  model.layers = 1;
  const ca::ArTransformerOptions raw = ca::model_for_attribution(model, ca::Attribution::raw_attention);
  CHECK(raw.tokens == ca::ArTokens::per_observation);
  CHECK(raw.readout == ca::ArReadout::per_target);
  CHECK(raw.width == model.width);
  for (const auto method : {ca::Attribution::squared_gradient, ca::Attribution::mean_abs_gradient, ca::Attribution::gradient_times_input}) {
    const ca::ArTransformerOptions same = ca::model_for_attribution(model, method);
    CHECK(same.tokens == model.tokens);
    CHECK(same.readout == model.readout);
  }
  model.layers = 2;
  CHECK_THROWS_WITH(ca::model_for_attribution(model, ca::Attribution::raw_attention), Contains("model.layers") && Contains("is 2"));
  CHECK_NOTHROW(ca::model_for_attribution(model, ca::Attribution::squared_gradient));
}

TEMPLATE_TEST_CASE("attribution reads the fit's own training series and leaves the fitted model untouched", "[timeseries][attribution]",
                   float, double) {
  ca::VarOptions v;
  v.variables = 3;
  v.max_lag = 1;
  v.length = 120;
  v.seed = 5;
  std::printf("attribution on the fit's series: VAR seed %llu\n", static_cast<unsigned long long>(v.seed));
  const ca::Matrix<double> x = ca::simulate_var(v).x;
  ca::ArTrainingOptions o;
  o.model.max_lag = 2;
  o.model.layers = 1;
  o.model.width = 8;
  o.model.hidden = 16;
  o.model = ca::model_for_attribution(o.model, ca::Attribution::raw_attention);
  o.epochs = 2;
  const auto fit = ca::fit_ar_transformer<TestType>(x, o);
  CHECK(fit.series == x);

  // The caller's own forward pass: attribution must not overwrite the cached attention it left.
  const ca::Matrix<TestType> windows = fit.windows(x).past.topRows(2).template cast<TestType>();
  fit.model->forward(windows);
  const ca::Matrix<TestType> cached = fit.model->attention_matrix(1, 0);
  for (const auto method : {ca::Attribution::raw_attention, ca::Attribution::squared_gradient}) {
    ca::AttributionOptions a;
    a.method = method;
    const ca::AttributionResult own = ca::lagged_attribution(fit, a);
    const ca::AttributionResult given = ca::lagged_attribution(fit, x, a);
    REQUIRE(own.windows == given.windows);
    for (std::size_t lag = 0; lag < own.scores.lagged.size(); ++lag) CHECK(own.scores.lagged[lag] == given.scores.lagged[lag]);
    CHECK(fit.model->attention_matrix(1, 0) == cached);
  }
}
