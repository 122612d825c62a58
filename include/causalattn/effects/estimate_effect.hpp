#pragma once
/// \file
/// One entry point over every treatment-effect estimator, selected by `EffectMethod` or by name (the
/// CLI's `--method`): `estimate_effect`, `effect_method_from_name`, `effect_method_name`.

#include <array>
#include <string>
#include <utility>

#include "causalattn/core/errors.hpp"
#include "causalattn/core/name_table.hpp"
#include "causalattn/effects/aipw.hpp"
#include "causalattn/effects/cina.hpp"
#include "causalattn/effects/cina_zs.hpp"
#include "causalattn/effects/difference_in_means.hpp"
#include "causalattn/effects/entropy_balancing.hpp"
#include "causalattn/effects/ipw.hpp"
#include "causalattn/effects/kernel_balancing.hpp"
#include "causalattn/effects/regression_adjustment.hpp"

namespace causalattn {

/// The estimators: difference in means, regression adjustment, IPW, AIPW, entropy balancing,
/// kernel optimal balancing, single-dataset CInA and zero-shot CInA (a pretrained model).
enum class EffectMethod { naive, ols, ipw, aipw, ebal, balance, cina, cina_zs };

/// Every method with its name, in the order of `EffectMethod`: the one table behind
/// `effect_method_from_name`, `effect_method_name` and the CLI's help.
inline constexpr NameTable<EffectMethod, 8> effect_method_names = {{{"naive", EffectMethod::naive},
                                                                    {"ols", EffectMethod::ols},
                                                                    {"ipw", EffectMethod::ipw},
                                                                    {"aipw", EffectMethod::aipw},
                                                                    {"ebal", EffectMethod::ebal},
                                                                    {"balance", EffectMethod::balance},
                                                                    {"cina", EffectMethod::cina},
                                                                    {"cina-zs", EffectMethod::cina_zs}}};

/// The name of `method` ("naive", ..., "cina-zs"). O(1).
/// Example: `causalattn::effect_method_name(causalattn::EffectMethod::cina_zs)` is "cina-zs".
template <typename = void>
std::string effect_method_name(EffectMethod method) {
  return name_in_table(effect_method_names, method, "method");
}

/// The method called `name` (see `effect_method_names`); throws `invalid_input` naming "method" and
/// listing the names otherwise. O(1).
/// Example: `auto m = causalattn::effect_method_from_name("aipw");`
template <typename = void>
EffectMethod effect_method_from_name(const std::string& name) {
  return value_in_table(effect_method_names, name, "method");
}

/// Runs the estimator `method` on `data` with `options` (see each estimator for what it reads).
/// `EffectMethod::cina_zs` uses `model`, or the shipped model (`CinaZsModel<float>::load_default`)
/// when it is null; the other methods ignore it.
/// Complexity: that of the estimator (O(n p^2) for the regressions, O(n^2 d) for CInA).
/// Example: `auto r = causalattn::estimate_effect(causalattn::EffectMethod::ebal, data, options);`
template <class Scalar>
EffectEstimate estimate_effect(EffectMethod method, const TreatmentData<Scalar>& data, const EffectOptions& options = {},
                               const CinaZsModel<float>* model = nullptr) {
  switch (method) {
    case EffectMethod::naive: return difference_in_means(data, options);
    case EffectMethod::ols: return regression_adjustment(data, options);
    case EffectMethod::ipw: return ipw(data, options);
    case EffectMethod::aipw: return aipw(data, options);
    case EffectMethod::ebal: return entropy_balancing(data, options);
    case EffectMethod::balance: return kernel_balancing(data, options);
    case EffectMethod::cina: return cina(data, options);
    case EffectMethod::cina_zs:
      if (model != nullptr) return cina_zs(*model, data, options);
      return cina_zs(CinaZsModel<detail::deferred_t<Scalar, float>>::load_default(), data, options);
  }
  throw invalid_input("method", "is " + std::to_string(int(method)) + ", not an EffectMethod");
}

}  // namespace causalattn
