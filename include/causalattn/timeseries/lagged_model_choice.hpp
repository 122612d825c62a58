#pragma once
/// \file
/// The lagged graph of whichever learned model forecasts the series' held-out tail better: the
/// windowed AR transformer or the in-context AR model (an online ridge VAR in one mesa layer).

#include <string>
#include <vector>

#include "causalattn/timeseries/attribution.hpp"
#include "causalattn/timeseries/in_context_ar.hpp"

namespace causalattn {

/// Both learned models of a series and which one forecasts its held-out tail better, from
/// `choose_lagged_model`; read the chosen one's lagged scores with `attribution`.
template <class TransformerScalar = float, class InContextScalar = double>
struct LaggedModelChoice {
  ArTransformerFit<TransformerScalar> transformer;  ///< the windowed AR transformer
  InContextArFit<InContextScalar> in_context;       ///< the in-context AR model
  double transformer_validation_mse = 0;            ///< the transformer's held-out MSE at its kept epoch (z-scored units)
  double in_context_validation_mse = 0;             ///< the in-context model's held-out MSE at its kept step (z-scored units)

  /// "in-context" when its held-out MSE is the lower, else "transformer" (ties too). O(1).
  std::string chosen() const { return in_context_validation_mse < transformer_validation_mse ? "in-context" : "transformer"; }

  /// The chosen model's attribution of the series `x` it was trained on (`lagged_attribution` or
  /// `in_context_attribution` with `options`, nodes `names`). Throws `invalid_input` for raw
  /// attention when the in-context model is chosen. Time: that attribution's.
  AttributionResult attribution(const Matrix<double>& x, const AttributionOptions& options = {},
                                std::vector<std::string> names = {}) const {
    if (chosen() == "in-context") return in_context_attribution(in_context, x, options, std::move(names));
    return lagged_attribution(transformer, x, options, std::move(names));
  }
};

namespace detail {

/// The held-out MSE of a fit's kept parameters (its validation loss at `best_epoch`). O(1).
template <class Fit>
double kept_validation_mse(const Fit& fit) {
  if (fit.best_epoch < 1 || std::size_t(fit.best_epoch) > fit.validation_loss.size())
    throw numerical_error("no epoch with a finite held-out MSE was kept; the models cannot be compared");
  return fit.validation_loss[std::size_t(fit.best_epoch - 1)];
}

}  // namespace detail

/// Trains the AR transformer (`transformer`) and the in-context AR model (`in_context`) on `x`
/// (T x p, rows in time order) and says which one's kept parameters forecast the held-out tail
/// with the lower next-step MSE, both in the same z-scored units over the same last share of the
/// series (to within one step: the transformer holds out the last 20% of its T - L windows, the
/// in-context model of its T - L - 1 tokens). The in-context model fits linear (or lightly featured) dynamics in context and wins on
/// near-linear series; the transformer wins where the dynamics are strongly nonlinear
/// (benchmarks/RESULTS.md). Both options must hold out the same tail (`validation_fraction` > 0 and
/// equal; the transformer's `validation` = tail) at the same `max_lag`; otherwise `invalid_input`
/// names the field. Deterministic for the seeds; identical for any thread count. Time: both fits.
/// Example:
/// \code
///   causalattn::ArTrainingOptions transformer;  // max_lag 5, a 20% tail
///   causalattn::InContextArOptions in_context;  // the same by default
///   auto choice = causalattn::choose_lagged_model(x, transformer, in_context);
///   causalattn::Matrix<double> summary = choice.attribution(x).scores.summary();  // choice.chosen() says whose
/// \endcode
template <class TransformerScalar = float, class InContextScalar = double>
LaggedModelChoice<TransformerScalar, InContextScalar> choose_lagged_model(const Matrix<double>& x,
                                                                          const ArTrainingOptions& transformer,
                                                                          const InContextArOptions& in_context) {
  if (!(transformer.validation_fraction > 0)) {
    throw invalid_input("transformer.validation_fraction", "is " + detail::to_text(transformer.validation_fraction) +
                                                               ", must be > 0: the choice compares forecasts of a held-out tail");
  }
  if (transformer.validation != ArValidation::tail) {
    throw invalid_input("transformer.validation", "must be ArValidation::tail: the choice compares forecasts of a held-out tail");
  }
  if (in_context.validation_fraction != transformer.validation_fraction) {
    throw invalid_input("in_context.validation_fraction", "is " + detail::to_text(in_context.validation_fraction) +
                                                              ", must equal the transformer's " +
                                                              detail::to_text(transformer.validation_fraction));
  }
  if (in_context.max_lag != transformer.model.max_lag) {
    throw invalid_input("in_context.max_lag", "is " + std::to_string(in_context.max_lag) + ", must equal the transformer's " +
                                                  std::to_string(transformer.model.max_lag));
  }
  LaggedModelChoice<TransformerScalar, InContextScalar> choice;
  choice.transformer = fit_ar_transformer<TransformerScalar>(x, transformer);
  choice.in_context = fit_in_context_ar<InContextScalar>(x, in_context);
  choice.transformer_validation_mse = detail::kept_validation_mse(choice.transformer);
  choice.in_context_validation_mse = detail::kept_validation_mse(choice.in_context);
  return choice;
}

}  // namespace causalattn
