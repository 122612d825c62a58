#pragma once
/// \file
/// Training an `ArTransformer` on one series: next-step MSE on z-scored data, AdamW with weight
/// decay, early stopping on held-out windows (the tail, or blocks spread over the series),
/// progress callback.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "causalattn/core/threads.hpp"
#include "causalattn/nn/optimizer.hpp"
#include "causalattn/timeseries/ar_transformer.hpp"
#include "causalattn/timeseries/lagged_design.hpp"

namespace causalattn {

/// Where training stands, after every epoch.
struct ArTrainingProgress {
  int epoch = 0;               ///< epochs done
  int epochs = 0;              ///< the maximum
  double train_loss = 0;       ///< mean training MSE of the epoch (z-scored units)
  double validation_loss = 0;  ///< MSE on the held-out windows (NaN when none are held out)
  double seconds = 0;          ///< wall time so far
};

/// Which windows `fit_ar_transformer` holds out for early stopping.
enum class ArValidation {
  tail,         ///< the last windows in time (a forecast check; for stationary series)
  interleaved,  ///< the end of each of `validation_blocks` equal segments, so every part of a
                ///< non-stationary series (every regime) is both trained on and checked
};

namespace detail {

/// `x` (T x p) with each column z-scored by `mean` and `scale` (p each). O(T p).
template <typename Defer = void>
Matrix<double> z_scored(const Matrix<deferred_t<Defer, double>>& x, const Vector<double>& mean, const Vector<double>& scale) {
  return (x.rowwise() - mean.transpose()).array().rowwise() / scale.transpose().array();
}

/// Sets `fit.mean` and `fit.scale` to the per-column mean and population standard deviation of
/// `x` (T x p): the z-scoring the AR trainers learn on. O(T p).
template <class Fit>
void set_z_scaling(Fit& fit, const Matrix<deferred_t<Fit, double>>& x) {
  fit.mean = x.colwise().mean().transpose();
  fit.scale = ((x.rowwise() - fit.mean.transpose()).colwise().squaredNorm() / double(x.rows())).cwiseSqrt().transpose();
}

/// Throws `invalid_input` naming the first bad field ("options.epochs", ...) of the training
/// settings the AR trainers share: epochs >= 1, learning_rate > 0, weight_decay >= 0,
/// validation_fraction in [0, 0.9], patience >= 1, min_improvement in [0, 1). O(1).
template <typename Defer = void>
void check_training_fields(int epochs, double learning_rate, double weight_decay, double validation_fraction, int patience,
                           double min_improvement) {
  if (epochs < 1) throw invalid_input("options.epochs", "is " + std::to_string(epochs) + ", must be >= 1");
  check_finite_positive("options.learning_rate", learning_rate);
  check_finite_positive("options.weight_decay", weight_decay, true);
  if (!(validation_fraction >= 0 && validation_fraction <= 0.9)) {
    throw invalid_input("options.validation_fraction", "is " + detail::to_text(validation_fraction) + ", must be in [0, 0.9]");
  }
  if (patience < 1) throw invalid_input("options.patience", "is " + std::to_string(patience) + ", must be >= 1");
  if (!(min_improvement >= 0 && min_improvement < 1)) {
    throw invalid_input("options.min_improvement", "is " + detail::to_text(min_improvement) + ", must be in [0, 1)");
  }
}

}  // namespace detail

/// Options of `fit_ar_transformer`.
struct ArTrainingOptions {
  ArTransformerOptions model;        ///< the architecture (its max_lag is the window)
  int epochs = 30;                   ///< maximum passes over the training windows, >= 1 (30 keeps p 10, T 2000 under 30 s)
  Index batch = 64;                  ///< windows per AdamW step, >= 1
  double learning_rate = 1e-3;       ///< peak step (warm-up 5%, cosine decay to 5%), > 0
  double weight_decay = 1e-2;        ///< AdamW's decoupled decay (sparser dependence), >= 0
  double validation_fraction = 0.2;  ///< share of the windows held out for early stopping, in [0, 0.9]
  ArValidation validation = ArValidation::tail;  ///< where the held-out windows are
  /// Segments of the interleaved split, >= 1. The windows within `max_lag` of a held-out block
  /// share rows with it and are dropped from training.
  Index validation_blocks = 10;
  int patience = 20;  ///< stop after this many epochs without a better validation loss, >= 1
  /// A validation loss counts as better only if it is below (1 - min_improvement) x the best so
  /// far (Keras's min_delta, relative), in [0, 1).
  double min_improvement = 1e-2;
  std::uint64_t seed = 1;                                   ///< window order
  std::function<void(const ArTrainingProgress&)> progress;  ///< after every epoch (optional)

  /// Throws `invalid_input` naming the first bad field ("options.epochs", ...).
  void validate() const {
    model.validate();
    detail::check_training_fields(epochs, learning_rate, weight_decay, validation_fraction, patience, min_improvement);
    if (batch < 1) throw invalid_input("options.batch", "is " + std::to_string(batch) + ", must be >= 1");
    if (validation_blocks < 1)
      throw invalid_input("options.validation_blocks", "is " + std::to_string(validation_blocks) + ", must be >= 1");
  }
};

/// A trained model with the scaling it was trained on.
template <class Scalar>
struct ArTransformerFit {
  std::unique_ptr<ArTransformer<Scalar>> model;     ///< the parameters of the best validation epoch
  Vector<double> mean, scale;                       ///< per-variable z-scoring of the training series
  std::vector<double> train_loss, validation_loss;  ///< per epoch
  int best_epoch = 0;                               ///< epoch (1-based) whose parameters were kept
  double seconds = 0;                               ///< wall time
  Matrix<double> series;                            ///< the training series (T x p) as given: attribution reads its windows

  /// Positions, for the model's time embedding, of the training series' windows
  /// `indices[first]` .. `indices[first + count - 1]`: window r predicts row r + L, at position
  /// (r + L) / (T - 1) on the training series of T rows. Empty when the model has no time embedding. Throws `invalid_input`
  /// naming `count` or `indices` when the range or a window index is out of bounds. O(count).
  /// Example: `fit.window_positions({0, 1, 2}, 0, 3)` places the first three windows.
  Vector<double> window_positions(const std::vector<Index>& indices, std::size_t first, Index count) const {
    if (!model) throw invalid_input("fit", "has no model (fit it with fit_ar_transformer first)");
    if (count < 0 || first + std::size_t(count) > indices.size())
      throw invalid_input("count", "is " + std::to_string(count) + " from entry " + std::to_string(first) + " of " +
                                       std::to_string(indices.size()) + " window indices");
    if (model->options().time_harmonics == 0) return Vector<double>();
    const Index lags = model->options().max_lag;
    Vector<double> u(count);
    for (Index r = 0; r < count; ++r) {
      const Index window = indices[first + std::size_t(r)];
      if (window < 0 || window + lags >= series.rows())
        throw invalid_input("indices", "entry " + std::to_string(first + std::size_t(r)) + " is " + std::to_string(window) +
                                           ", must be a window of the training series, in [0, " +
                                           std::to_string(series.rows() - lags) + ")");
      u(r) = double(window + lags) / double(std::max<Index>(1, series.rows() - 1));
    }
    return u;
  }

  /// The z-scored windows of `x` (T x p) in `LaggedDesign::past` order, with their targets. O(T p L).
  LaggedDesign windows(const Matrix<double>& x) const {
    return lagged_design(detail::z_scored(x, mean, scale), model->options().max_lag);
  }
};

namespace detail {

/// The training and held-out window indices (each ascending) of `total` windows of `lags` steps.
struct ArWindowSplit {
  std::vector<Index> train, held;
};

/// Splits `total` windows as `options` ask: the last `validation_fraction` (at least one when the
/// fraction is positive), or the end of each of `validation_blocks` equal segments with the
/// `lags` windows on either side of a held-out block dropped (they share rows with it). O(total).
template <typename Defer = void>
ArWindowSplit split_windows(Index total, Index lags, const ArTrainingOptions& options) {
  ArWindowSplit split;
  std::vector<char> role(static_cast<std::size_t>(total), 't');  // t train, h held out, g gap
  if (options.validation_fraction > 0) {
    const Index blocks = options.validation == ArValidation::tail ? 1 : std::min(options.validation_blocks, total);
    for (Index b = 0; b < blocks; ++b) {
      const Index begin = total * b / blocks, end = total * (b + 1) / blocks;
      const Index held = std::max<Index>(1, Index(options.validation_fraction * double(end - begin)));
      for (Index w = end - held; w < end; ++w) role[std::size_t(w)] = 'h';
      if (options.validation == ArValidation::interleaved) {
        auto drop = [&](Index w) {
          if (role[std::size_t(w)] == 't') role[std::size_t(w)] = 'g';
        };
        for (Index w = std::max<Index>(0, end - held - lags); w < end - held; ++w) drop(w);
        for (Index w = end; w < std::min(total, end + lags); ++w) drop(w);
      }
    }
  }
  for (Index w = 0; w < total; ++w) {
    if (role[std::size_t(w)] == 't') split.train.push_back(w);
    else if (role[std::size_t(w)] == 'h') split.held.push_back(w);
  }
  return split;
}

}  // namespace detail

/// Trains an `ArTransformer` on the series `x` (T x p, rows in time order) for next-step
/// prediction: windows of `options.model.max_lag` steps (from `lagged_design` on the z-scored
/// series; with a time embedding each at its `ArTransformerFit::window_positions`), mean squared
/// error over all p outputs, AdamW (decoupled weight decay, global gradient
/// clip at 1) on shuffled mini-batches, the learning rate warmed up over 5% of the steps and
/// cosine-decayed. A `validation_fraction` of the windows is held out, the last ones in time or
/// (`ArValidation::interleaved`) the end of each of `validation_blocks` segments; training stops
/// after `patience` epochs without a validation MSE `min_improvement` below the best, and the best
/// epoch's parameters are kept. Deterministic for a seed; any thread count gives the same model. Throws
/// `invalid_input` for bad options or a bad series (NaN, constant column, fewer than 2 training and
/// 1 validation windows). Time O(epochs T (p L)^2 width layers).
/// Example:
/// \code
///   causalattn::ArTrainingOptions options;
///   options.model.max_lag = 5;
///   auto fit = causalattn::fit_ar_transformer<float>(x, options);
/// \endcode
template <class Scalar>
ArTransformerFit<Scalar> fit_ar_transformer(const Matrix<detail::deferred_t<Scalar, double>>& x,
                                            const ArTrainingOptions& options) {
  options.validate();
  const ThreadLimit limit(options.model.threads);  // Eigen's products too
  const Index lags = options.model.max_lag;
  check_series(x, lags, 3);
  const auto start = std::chrono::steady_clock::now();
  ArTransformerFit<Scalar> fit;
  detail::set_z_scaling(fit, x);
  fit.model = std::make_unique<ArTransformer<Scalar>>(x.cols(), options.model);
  fit.series = x;
  const auto d = fit.windows(x);
  const detail::ArWindowSplit split = detail::split_windows(d.present.rows(), lags, options);
  const Index held = Index(split.held.size()), used = Index(split.train.size());
  if (used < 2)
    throw invalid_input("x", "has " + std::to_string(x.rows()) +
                                 " rows: too few windows to train after holding out the validation windows");
  const Matrix<Scalar> past = d.past.template cast<Scalar>(), present = d.present.template cast<Scalar>();
  Matrix<Scalar> held_past(held, past.cols()), held_present(held, present.cols());
  for (Index r = 0; r < held; ++r) {
    held_past.row(r) = past.row(split.held[std::size_t(r)]);
    held_present.row(r) = present.row(split.held[std::size_t(r)]);
  }

  ArTransformer<Scalar>& model = *fit.model;
  ParameterRegistry<Scalar> registry;
  model.register_parameters(registry);
  AdamWOptions adam;
  adam.learning_rate = options.learning_rate;
  adam.weight_decay = options.weight_decay;
  AdamW<Scalar> optimizer(registry, adam);
  const long long steps_per_epoch = (used + options.batch - 1) / options.batch;
  const int epochs = options.epochs;
  const long long planned = steps_per_epoch * epochs;
  const LearningRateSchedule schedule{options.learning_rate, std::max<long long>(1, planned / 20), planned,
                                      LearningRateSchedule::Decay::cosine, 0.05};
  auto validation_loss = [&]() {
    if (held == 0) return std::numeric_limits<double>::quiet_NaN();
    double loss = 0;
    for (Index first = 0; first < held; first += options.batch) {
      const Index rows = std::min(options.batch, held - first);
      const Matrix<Scalar> prediction = model.forward(held_past.middleRows(first, rows),
                                                      fit.window_positions(split.held, std::size_t(first), rows));
      loss += double((prediction - held_present.middleRows(first, rows)).squaredNorm());
    }
    return loss / double(held * x.cols());
  };
  std::vector<Matrix<Scalar>> best;
  auto snapshot = [&]() {
    best.clear();
    for (const auto& e : registry.entries()) best.push_back(e.parameter->value);
  };
  std::vector<Index> order = split.train;
  Rng rng(options.seed);
  double best_loss = std::numeric_limits<double>::infinity();
  long long step = 0;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    rng.shuffle(order.begin(), order.end());
    double epoch_loss = 0;
    for (long long s = 0; s < steps_per_epoch; ++s) {
      const Index first = Index(s) * options.batch, rows = std::min(options.batch, used - first);
      Matrix<Scalar> windows(rows, past.cols()), targets(rows, present.cols());
      for (Index r = 0; r < rows; ++r) {
        windows.row(r) = past.row(order[std::size_t(first + r)]);
        targets.row(r) = present.row(order[std::size_t(first + r)]);
      }
      const Matrix<Scalar> error = model.forward(windows, fit.window_positions(order, std::size_t(first), rows)) - targets;
      epoch_loss += double(error.squaredNorm());
      registry.zero_grad();
      model.backward(error * Scalar(2.0 / double(rows * present.cols())));
      clip_gradient_norm(registry, 1.0);
      optimizer.step(schedule.at(step++));
      model.refresh();
    }
    fit.train_loss.push_back(epoch_loss / double(used * present.cols()));
    if (!std::isfinite(fit.train_loss.back()))
      throw numerical_error("AR transformer training diverged at epoch " + std::to_string(epoch + 1));
    const double v = validation_loss();
    fit.validation_loss.push_back(v);
    const bool improved = held == 0 || v < best_loss * (1 - options.min_improvement);
    if (improved) {
      best_loss = held == 0 ? fit.train_loss.back() : v;
      fit.best_epoch = epoch + 1;
      snapshot();
    }
    if (options.progress) {
      options.progress({epoch + 1, epochs, fit.train_loss.back(), v,
                        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()});
    }
    if (held > 0 && epoch + 1 - fit.best_epoch >= options.patience) break;
  }
  for (std::size_t k = 0; k < best.size(); ++k) registry.entries()[k].parameter->value = best[k];
  model.refresh();
  fit.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return fit;
}

}  // namespace causalattn
