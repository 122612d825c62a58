#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

#include "causalattn/effects/estimate_effect.hpp"
#include "causalattn/effects/simulate.hpp"

namespace ca = causalattn;
using Catch::Matchers::Contains;

namespace {

/// The estimator `method` names, called directly.
ca::EffectEstimate direct_call(ca::EffectMethod method, const ca::TreatmentData<double>& data, const ca::EffectOptions& options,
                               const ca::CinaZsModel<float>& model) {
  switch (method) {
    case ca::EffectMethod::naive: return ca::difference_in_means(data, options);
    case ca::EffectMethod::ols: return ca::regression_adjustment(data, options);
    case ca::EffectMethod::ipw: return ca::ipw(data, options);
    case ca::EffectMethod::aipw: return ca::aipw(data, options);
    case ca::EffectMethod::ebal: return ca::entropy_balancing(data, options);
    case ca::EffectMethod::balance: return ca::kernel_balancing(data, options);
    case ca::EffectMethod::cina: return ca::cina(data, options);
    case ca::EffectMethod::cina_zs: return ca::cina_zs(model, data, options);
  }
  FAIL("unknown method");
  return {};
}

}  // namespace

TEST_CASE("estimate_effect runs each of the eight methods, chosen by enum or by name, as its own function", "[effects]") {
  const std::uint64_t seed = 31;
  std::printf("estimate_effect: data seed %llu\n", static_cast<unsigned long long>(seed));
  ca::SimulationFamily family = ca::in_family();
  family.n_min = 80;
  family.n_max = 100;
  const ca::SimulatedDataset ds = ca::simulate_dataset(family, seed);
  const ca::TreatmentData<double> data(ds.x, ds.t, ds.y);
  ca::EffectOptions options;
  options.cina.epochs = 30;  // the dispatch is under test, not CInA's convergence
  options.cina.settle_epochs = 30;
  const auto model = ca::CinaZsModel<float>::load_default();

  REQUIRE(ca::effect_method_names.size() == 8);
  for (const auto& [name, method] : ca::effect_method_names) {
    INFO("method " << name);
    CHECK(ca::effect_method_from_name(name) == method);
    CHECK(ca::effect_method_name(method) == name);
    const ca::EffectEstimate expected = direct_call(method, data, options, model);
    const ca::EffectEstimate got = ca::estimate_effect(method, data, options, &model);
    CHECK(got.method == expected.method);
    CHECK(got.estimate == expected.estimate);
    CHECK(got.std_error == expected.std_error);
    CHECK(got.weights == expected.weights);
  }
  // Without a model, cina_zs loads the shipped one; the other methods ignore the model.
  CHECK(ca::estimate_effect(ca::EffectMethod::cina_zs, data, options).estimate ==
        ca::estimate_effect(ca::EffectMethod::cina_zs, data, options, &model).estimate);
  CHECK(ca::estimate_effect(ca::EffectMethod::ols, data, options).estimate ==
        ca::estimate_effect(ca::EffectMethod::ols, data, options, &model).estimate);

  CHECK_THROWS_WITH(ca::effect_method_from_name("tmle"), Contains("method") && Contains("'tmle'") && Contains("cina or cina-zs"));
  CHECK_THROWS_WITH(ca::estimate_effect(static_cast<ca::EffectMethod>(42), data, options), Contains("42"));
}
