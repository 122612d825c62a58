#include "causalattn/timeseries/lagged_model_choice.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>
#include <tuple>
#include <utility>

#include "causalattn/timeseries/simulate.hpp"

namespace ca = causalattn;
using ca::Index;
using Catch::Matchers::Contains;

namespace {

/// A seeded linear VAR(2) of 4 variables and 400 steps (the seed is printed).
ca::Matrix<double> linear_var(std::uint64_t seed) {
  ca::VarOptions v;
  v.variables = 4;
  v.max_lag = 2;
  v.length = 400;
  v.seed = seed;
  std::printf("lagged model choice: VAR seed %llu\n", static_cast<unsigned long long>(seed));
  return ca::simulate_var(v).x;
}

/// Options of both models at max_lag 2 with few epochs (the defaults otherwise: a 20% tail held out).
std::pair<ca::ArTrainingOptions, ca::InContextArOptions> small_options() {
  ca::ArTrainingOptions transformer;
  transformer.model.max_lag = 2;
  transformer.model.width = 16;
  transformer.model.hidden = 32;
  transformer.epochs = 5;
  ca::InContextArOptions in_context;
  in_context.max_lag = 2;
  in_context.epochs = 20;
  return {transformer, in_context};
}

}  // namespace

TEST_CASE("choose_lagged_model: the held-out errors are the fits' own, and the attribution is the chosen model's",
          "[timeseries][choice]") {
  const ca::Matrix<double> x = linear_var(31);
  const auto [transformer, in_context] = small_options();
  auto choice = ca::choose_lagged_model(x, transformer, in_context);
  // Each model trained as alone, and each error its kept epoch's validation loss.
  const auto alone = ca::fit_ar_transformer<float>(x, transformer);
  const auto online = ca::fit_in_context_ar<double>(x, in_context);
  CHECK(choice.transformer_validation_mse == alone.validation_loss[std::size_t(alone.best_epoch - 1)]);
  CHECK(choice.in_context_validation_mse == online.validation_loss[std::size_t(online.best_epoch - 1)]);
  // On a linear VAR the in-context ridge fit forecasts the tail better than a briefly trained transformer.
  INFO("held-out MSE: transformer " << choice.transformer_validation_mse << ", in-context " << choice.in_context_validation_mse);
  REQUIRE(choice.in_context_validation_mse < choice.transformer_validation_mse);
  CHECK(choice.chosen() == "in-context");
  const ca::Matrix<double> chosen = choice.attribution(x).scores.summary();
  CHECK(chosen == ca::in_context_attribution(online, x).scores.summary());
  CHECK(choice.attribution(x).scores.method == "in-context");
  // Either way round: the attribution follows the lower error (the transformer on ties).
  choice.transformer_validation_mse = choice.in_context_validation_mse;
  CHECK(choice.chosen() == "transformer");
  CHECK(choice.attribution(x).scores.summary() == ca::lagged_attribution(alone, x).scores.summary());
}

TEST_CASE("choose_lagged_model: options that make the errors incomparable are refused by name", "[timeseries][choice]") {
  const ca::Matrix<double> x = linear_var(32);
  ca::ArTrainingOptions transformer;
  ca::InContextArOptions in_context;
  std::tie(transformer, in_context) = small_options();
  auto refused = [&](const std::string& field) {
    CHECK_THROWS_AS(ca::choose_lagged_model(x, transformer, in_context), ca::invalid_input);
    CHECK_THROWS_WITH(ca::choose_lagged_model(x, transformer, in_context), Contains(field));
    std::tie(transformer, in_context) = small_options();
  };
  transformer.validation_fraction = 0;
  refused("transformer.validation_fraction");
  transformer.validation = ca::ArValidation::interleaved;
  refused("transformer.validation");
  in_context.validation_fraction = 0.3;
  refused("in_context.validation_fraction");
  in_context.max_lag = 3;
  refused("in_context.max_lag");
  const auto choice = ca::choose_lagged_model(x, transformer, in_context);
  ca::AttributionOptions raw;
  raw.method = ca::Attribution::raw_attention;
  REQUIRE(choice.chosen() == "in-context");
  CHECK_THROWS_WITH(choice.attribution(x, raw), Contains("raw_attention"));
}
