#pragma once
/// \file
/// A minimal training loop with a progress callback.

#include <chrono>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "causalattn/core/errors.hpp"

namespace causalattn {

/// What the progress callback receives after each epoch.
struct TrainingProgress {
  long long epoch = 0;    ///< 0-based epoch just finished
  double loss = 0;        ///< the loss the epoch function returned
  double seconds = 0;     ///< wall time since training started
};

/// How a training run ended.
enum class TrainingStatus {
  completed,  ///< all epochs ran
  converged,  ///< the loss fell to `target_loss`
  stopped,    ///< the progress callback returned false
  diverged    ///< the loss became NaN or infinite (training stops; nothing is hidden)
};

/// Options of `train`.
struct TrainingOptions {
  long long epochs = 100;     ///< maximum number of epochs, >= 1
  double target_loss = -1;    ///< stop once loss <= target_loss (negative: never)
  /// Called after every epoch; return false to stop. May be empty.
  std::function<bool(const TrainingProgress&)> progress;
};

/// Result of `train`: per-epoch losses, the status, epochs run and total seconds.
struct TrainingReport {
  std::vector<double> losses;
  TrainingStatus status = TrainingStatus::completed;
  long long epochs = 0;
  double seconds = 0;
};

/// Runs `run_epoch(epoch)` (which trains for one epoch and returns its loss) up to `options.epochs`
/// times, reporting progress, stopping early on the target loss, on request, or on divergence.
/// Complexity: `epochs` calls of `run_epoch`.
/// Example:
/// \code
///   causalattn::TrainingOptions options;
///   options.epochs = 200;
///   options.progress = [](const causalattn::TrainingProgress& p) {
///     std::cerr << p.epoch << " " << p.loss << "\n"; return true; };
///   auto report = causalattn::train([&](long long) { return one_epoch(); }, options);
/// \endcode
template <typename = void>
TrainingReport train(const std::function<double(long long)>& run_epoch, const TrainingOptions& options) {
  if (options.epochs < 1) throw invalid_input("options.epochs", "is " + std::to_string(options.epochs) + ", must be >= 1");
  if (!run_epoch) throw invalid_input("run_epoch", "is empty");
  TrainingReport report;
  const auto start = std::chrono::steady_clock::now();
  for (long long epoch = 0; epoch < options.epochs; ++epoch) {
    const double loss = run_epoch(epoch);
    report.losses.push_back(loss);
    report.epochs = epoch + 1;
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!std::isfinite(loss)) {
      report.status = TrainingStatus::diverged;
      break;
    }
    if (options.progress && !options.progress({epoch, loss, report.seconds})) {
      report.status = TrainingStatus::stopped;
      break;
    }
    if (loss <= options.target_loss) {
      report.status = TrainingStatus::converged;
      break;
    }
  }
  return report;
}

}  // namespace causalattn
