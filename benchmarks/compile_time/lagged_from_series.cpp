// A typical user program: a time-delayed causal graph from a multivariate series with the
// autoregressive transformer and gradient attribution.
#include <causalattn/timeseries/ar_training.hpp>
#include <causalattn/timeseries/attribution.hpp>
#include <causalattn/timeseries/simulate.hpp>

#include <iostream>

int main() {
  namespace ca = causalattn;
  ca::Lorenz96Options system;
  system.length = 300;
  const ca::LaggedSeries series = ca::simulate_lorenz96(system);
  ca::ArTrainingOptions training;
  training.model.max_lag = 3;
  training.epochs = 5;
  const auto fit = ca::fit_ar_transformer<float>(series.x, training);
  const ca::AttributionResult attribution = ca::lagged_attribution(fit, series.x);
  std::cout << attribution.scores.summary() << "\n";
}
