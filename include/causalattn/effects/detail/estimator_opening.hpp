#pragma once
/// \file
/// The opening every treatment-effect estimator shares: validate the options, bootstrap or build
/// the sample.

#include <utility>

#include "causalattn/core/threads.hpp"

#include "causalattn/effects/detail/arm_models.hpp"
#include "causalattn/effects/detail/bootstrap.hpp"

namespace causalattn::detail {

/// Validates `options`, caps every parallel region at `options.threads` for the call; with `options.bootstrap` > 0 returns `bootstrap(data, options, estimator)`
/// (`estimator(d, o)` is the estimator itself, called on each resample with the bootstrap off);
/// otherwise returns `body(make_sample(data, options.standardize))`. Example:
/// `return run_estimator(data, options, [](const auto& d, const auto& o) { return ipw(d, o); }, [&](Sample s) { ... });`
template <class Scalar, class Estimator, class Body>
EffectEstimate run_estimator(const TreatmentData<Scalar>& data, const EffectOptions& options, Estimator&& estimator, Body&& body) {
  options.validate();
  const ThreadLimit limit(options.threads);  // Eigen's products and every nested region included
  if (options.bootstrap > 0) return bootstrap(data, options, std::forward<Estimator>(estimator));
  return body(make_sample(data, options.standardize));
}

}  // namespace causalattn::detail
