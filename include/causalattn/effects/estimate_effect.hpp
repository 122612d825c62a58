#pragma once
/// \file
/// One entry point over every treatment-effect estimator, selected by name (used by the CLI).

#include <string>

#include "causalattn/core/errors.hpp"
#include "causalattn/effects/aipw.hpp"
#include "causalattn/effects/cina.hpp"
#include "causalattn/effects/difference_in_means.hpp"
#include "causalattn/effects/entropy_balancing.hpp"
#include "causalattn/effects/ipw.hpp"
#include "causalattn/effects/kernel_balancing.hpp"
#include "causalattn/effects/regression_adjustment.hpp"

namespace causalattn {

/// The estimators: difference in means, regression adjustment, IPW, AIPW, entropy balancing,
/// kernel optimal balancing and single-dataset CInA.
enum class EffectMethod { naive, ols, ipw, aipw, ebal, balance, cina };

/// The method called `name` ("naive", "ols", "ipw", "aipw", "ebal", "balance", "cina"); throws
/// `invalid_input` naming "method" otherwise. O(1).
/// Example: `auto m = causalattn::effect_method_from_name("aipw");`
template <typename = void>
EffectMethod effect_method_from_name(const std::string& name) {
  const std::pair<const char*, EffectMethod> table[] = {{"naive", EffectMethod::naive}, {"ols", EffectMethod::ols},
                                                        {"ipw", EffectMethod::ipw},     {"aipw", EffectMethod::aipw},
                                                        {"ebal", EffectMethod::ebal},   {"balance", EffectMethod::balance},
                                                        {"cina", EffectMethod::cina}};
  for (const auto& [key, method] : table)
    if (name == key) return method;
  throw invalid_input("method", "is '" + name + "', must be naive, ols, ipw, aipw, ebal, balance or cina");
}

/// Runs the estimator `method` on `data` with `options` (see each estimator for what it reads).
/// Example: `auto r = causalattn::estimate_effect(causalattn::EffectMethod::ebal, data, options);`
template <class Scalar>
EffectEstimate estimate_effect(EffectMethod method, const TreatmentData<Scalar>& data, const EffectOptions& options = {}) {
  switch (method) {
    case EffectMethod::naive: return difference_in_means(data, options);
    case EffectMethod::ols: return regression_adjustment(data, options);
    case EffectMethod::ipw: return ipw(data, options);
    case EffectMethod::aipw: return aipw(data, options);
    case EffectMethod::ebal: return entropy_balancing(data, options);
    case EffectMethod::balance: return kernel_balancing(data, options);
    case EffectMethod::cina: return cina(data, options);
  }
  throw invalid_input("method", "is not a known estimator");
}

}  // namespace causalattn
