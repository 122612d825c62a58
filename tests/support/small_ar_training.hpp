#pragma once
// Training options for the small autoregressive transformers of the timeseries tests: width 16,
// hidden 32, batches of 32, every window trained (no held-out tail), so a test runs in seconds.

#include "causalattn/timeseries/ar_training.hpp"

namespace causalattn::test {

/// A width-16 model over `max_lag` lags, trained `epochs` epochs on every window.
inline causalattn::ArTrainingOptions small_ar_training(causalattn::Index max_lag, int epochs) {
  causalattn::ArTrainingOptions o;
  o.model.max_lag = max_lag;
  o.model.width = 16;
  o.model.hidden = 32;
  o.epochs = epochs;
  o.batch = 32;
  o.validation_fraction = 0;
  return o;
}

}  // namespace causalattn::test
