#pragma once
/// \file
/// Adam/AdamW, global-norm gradient clipping and learning-rate schedules.

#include <cmath>
#include <string>
#include <vector>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/nn/parameter.hpp"

namespace causalattn {

/// Options of `AdamW`. Defaults are those of Kingma and Ba (2015) with no weight decay.
struct AdamWOptions {
  double learning_rate = 1e-3;  ///< step size, > 0 (a schedule may override it per step)
  double beta1 = 0.9;           ///< first-moment decay, in [0, 1)
  double beta2 = 0.999;         ///< second-moment decay, in [0, 1)
  double epsilon = 1e-8;        ///< denominator guard, > 0
  double weight_decay = 0.0;    ///< decay rate, >= 0
  /// true (default): AdamW's decoupled decay p -= lr * wd * p (Loshchilov and Hutter 2019);
  /// false: classic Adam with L2, wd * p added to the gradient.
  bool decoupled_weight_decay = true;
  /// Throws `invalid_input` naming the first option out of range.
  void validate() const {
    if (!(learning_rate > 0) || !std::isfinite(learning_rate)) {
      throw invalid_input("options.learning_rate", "is " + detail::to_text(learning_rate) + ", must be finite and > 0");
    }
    check_in_range("options.beta1", beta1, 0.0, std::nextafter(1.0, 0.0));
    check_in_range("options.beta2", beta2, 0.0, std::nextafter(1.0, 0.0));
    if (!(epsilon > 0)) throw invalid_input("options.epsilon", "is " + detail::to_text(epsilon) + ", must be > 0");
    if (!(weight_decay >= 0) || !std::isfinite(weight_decay)) {
      throw invalid_input("options.weight_decay", "is " + detail::to_text(weight_decay) + ", must be finite and >= 0");
    }
  }
};

/// Adam / AdamW over every parameter of a registry (bias-corrected moments).
/// Example:
/// \code
///   causalattn::AdamW<float> optimizer(params, options);
///   params.zero_grad(); model.backward(dloss); optimizer.step();
/// \endcode
template <class Scalar>
class AdamW {
 public:
  /// \param registry the parameters to update (must outlive the optimiser); \param options validated.
  AdamW(const ParameterRegistry<Scalar>& registry, const AdamWOptions& options)
      : registry_(registry), options_((options.validate(), options)) {
    for (const auto& e : registry_.entries()) {
      first_.push_back(Matrix<Scalar>::Zero(e.parameter->value.rows(), e.parameter->value.cols()));
      second_.push_back(first_.back());
    }
  }

  /// One update with the options' learning rate. Throws `numerical_error` if a gradient is not finite.
  void step() { step(options_.learning_rate); }

  /// One update with the given learning rate (e.g. from a `LearningRateSchedule`). O(parameters).
  void step(double learning_rate) {
    if (!(learning_rate >= 0) || !std::isfinite(learning_rate)) {
      throw invalid_input("learning_rate", "is " + detail::to_text(learning_rate) + ", must be finite and >= 0");
    }
    ++steps_;
    const double bias1 = 1 - std::pow(options_.beta1, double(steps_));
    const double bias2 = 1 - std::pow(options_.beta2, double(steps_));
    const auto b1 = Scalar(options_.beta1), b2 = Scalar(options_.beta2), wd = Scalar(options_.weight_decay);
    const auto& entries = registry_.entries();
    for (std::size_t k = 0; k < entries.size(); ++k) {
      Parameter<Scalar>& p = *entries[k].parameter;
      if (!p.grad.allFinite()) throw numerical_error("AdamW: gradient of '" + entries[k].name + "' is not finite");
      Matrix<Scalar> g = p.grad;
      if (!options_.decoupled_weight_decay && wd > 0) g += wd * p.value;
      first_[k] = b1 * first_[k] + (1 - b1) * g;
      second_[k] = b2 * second_[k] + (1 - b2) * g.cwiseAbs2();
      const Scalar lr = Scalar(learning_rate);
      if (options_.decoupled_weight_decay && wd > 0) p.value *= (1 - lr * wd);
      p.value.array() -= lr * (first_[k].array() / Scalar(bias1)) /
                         ((second_[k].array() / Scalar(bias2)).sqrt() + Scalar(options_.epsilon));
    }
  }
  /// Updates taken so far.
  long long steps() const noexcept { return steps_; }

 private:
  const ParameterRegistry<Scalar>& registry_;
  AdamWOptions options_;
  std::vector<Matrix<Scalar>> first_, second_;
  long long steps_ = 0;
};

/// Scales all gradients so that their global Euclidean norm is at most `max_norm` (> 0) and returns
/// the norm before clipping. Throws `numerical_error` if the norm is not finite (a diverged step),
/// since clipping NaN gradients would hide it. O(parameters).
/// Example: `double norm = causalattn::clip_gradient_norm(params, 1.0);`
template <class Scalar>
double clip_gradient_norm(ParameterRegistry<Scalar>& registry, double max_norm) {
  if (!(max_norm > 0)) throw invalid_input("max_norm", "is " + detail::to_text(max_norm) + ", must be > 0");
  double sum = 0;
  for (const auto& e : registry.entries()) sum += e.parameter->grad.template cast<double>().squaredNorm();
  const double norm = std::sqrt(sum);
  if (!std::isfinite(norm)) throw numerical_error("clip_gradient_norm: the gradient norm is " + detail::to_text(norm));
  if (norm > max_norm) {
    const auto factor = static_cast<Scalar>(max_norm / norm);
    for (const auto& e : registry.entries()) e.parameter->grad *= factor;
  }
  return norm;
}

/// Learning rate per step: linear warm-up from 0 over `warmup_steps`, then constant, linear decay
/// or cosine decay to `final_fraction * base` at `total_steps`.
/// Example: `LearningRateSchedule s{1e-3, 100, 1000, LearningRateSchedule::Decay::cosine}; s.at(step);`
struct LearningRateSchedule {
  /// Shape after warm-up.
  enum class Decay { constant, linear, cosine };
  double base = 1e-3;        ///< peak learning rate, > 0
  long long warmup_steps = 0;  ///< steps of linear warm-up, >= 0
  long long total_steps = 0;   ///< step at which decay ends (ignored for constant), > warmup_steps
  Decay decay = Decay::constant;
  double final_fraction = 0.0;  ///< learning rate at the end as a fraction of base, in [0, 1]

  /// The learning rate of step `step` (0-based). O(1).
  double at(long long step) const {
    if (!(base > 0)) throw invalid_input("schedule.base", "is " + detail::to_text(base) + ", must be > 0");
    if (step < 0) throw invalid_input("step", "is " + std::to_string(step) + ", must be >= 0");
    if (step < warmup_steps) return base * double(step + 1) / double(warmup_steps);
    if (decay == Decay::constant) return base;
    if (total_steps <= warmup_steps) {
      throw invalid_input("schedule.total_steps", "must exceed warmup_steps for a decaying schedule");
    }
    const double progress = std::min(1.0, double(step - warmup_steps) / double(total_steps - warmup_steps));
    const double shape = decay == Decay::linear ? 1 - progress : 0.5 * (1 + std::cos(3.141592653589793 * progress));
    return base * (final_fraction + (1 - final_fraction) * shape);
  }
};

}  // namespace causalattn
