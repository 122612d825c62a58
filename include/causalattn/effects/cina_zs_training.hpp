#pragma once
/// \file
/// Training a CInA-ZS model on many data sets: the unsupervised balancing objective of every data
/// set (methods/cina.md section 5), optionally plus the supervised |tau_hat - tau| where the truth
/// is known, minimised with AdamW over mini-batches of data sets.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include "causalattn/core/threads.hpp"
#include "causalattn/effects/cina_zs.hpp"
#include "causalattn/effects/detail/balancing_loss.hpp"
#include "causalattn/effects/simulate.hpp"
#include "causalattn/nn/optimizer.hpp"

namespace causalattn {

/// Where training stands, passed to the progress callback after every step.
struct CinaZsProgress {
  long long step = 0, total_steps = 0;  ///< steps done, steps planned
  int epoch = 0;                        ///< current pass over the data sets (0-based)
  double loss = 0;                      ///< mean loss of the step's data sets
  double seconds = 0;                   ///< wall time since training started
};

/// Options of `train_cina_zs`.
struct CinaZsTrainingOptions {
  int epochs = 4;                 ///< passes over the data sets, >= 1
  Index batch = 8;                ///< data sets per AdamW step, >= 1
  double learning_rate = 2e-3;    ///< peak step (linear warm-up over 5% of the steps, cosine decay to 5%), > 0
  double weight_decay = 1e-4;     ///< AdamW's decoupled weight decay, >= 0
  double clip_norm = 1.0;         ///< global gradient-norm clip, > 0
  /// Weight of the supervised term |tau_hat - tau| / sd(Y) per data set (0 = unsupervised), >= 0.
  double supervised_weight = 0;
  std::uint64_t seed = 20261123;  ///< order of the data sets
  /// Threads over data sets (0 = all); the encoder's attention uses all threads over (data set,
  /// head) pairs. Results do not depend on either.
  int threads = 0;
  std::function<void(const CinaZsProgress&)> progress;  ///< called after every step (optional)

  /// Throws `invalid_input` naming the first bad field ("options.epochs", ...).
  void validate() const {
    if (epochs < 1) throw invalid_input("options.epochs", "is " + std::to_string(epochs) + ", must be >= 1");
    if (batch < 1) throw invalid_input("options.batch", "is " + std::to_string(batch) + ", must be >= 1");
    if (!(learning_rate > 0) || !std::isfinite(learning_rate)) {
      throw invalid_input("options.learning_rate", "is " + detail::to_text(learning_rate) + ", must be finite and > 0");
    }
    if (!(weight_decay >= 0) || !std::isfinite(weight_decay)) {
      throw invalid_input("options.weight_decay", "is " + detail::to_text(weight_decay) + ", must be finite and >= 0");
    }
    if (!(clip_norm > 0)) throw invalid_input("options.clip_norm", "is " + detail::to_text(clip_norm) + ", must be > 0");
    if (!(supervised_weight >= 0) || !std::isfinite(supervised_weight)) {
      throw invalid_input("options.supervised_weight", "is " + detail::to_text(supervised_weight) + ", must be finite and >= 0");
    }
    if (threads < 0) throw invalid_input("options.threads", "is " + std::to_string(threads) + ", must be >= 0");
  }
};

/// What training did.
struct CinaZsTrainingReport {
  std::vector<double> epoch_loss;  ///< mean of the step losses over each pass
  long long steps = 0;             ///< AdamW steps taken
  double seconds = 0;              ///< wall time
};

namespace detail {

/// The intercept b minimising sum_i [1 - W_i (o_i + b)]_+: the slope in b rises by one at each kink
/// W_i - o_i, from -n_treated, so the minimiser lies between the n_treated-th and the next kink
/// (their midpoint is returned). O(n log n).
inline double optimal_hinge_intercept(const Vector<double>& decision, const Vector<double>& sign) {
  std::vector<double> kinks(static_cast<std::size_t>(decision.size()));
  Index treated = 0;
  for (Index i = 0; i < decision.size(); ++i) {
    kinks[std::size_t(i)] = sign(i) - decision(i);
    treated += sign(i) > 0;
  }
  std::sort(kinks.begin(), kinks.end());
  const auto k = std::size_t(treated);
  if (k == 0) return kinks.front();
  if (k == kinks.size()) return kinks.back();
  return 0.5 * (kinks[k - 1] + kinks[k]);
}

/// One data set's share of a training step: its loss and the gradients with respect to its logits
/// and final keys (both in double).
struct ZsDatasetGradient {
  double loss = 0;
  Vector<double> d_logits;
  Matrix<double> d_keys;
};

/// The CInA objective of one data set, divided by n, at the weights a = sigmoid(logits) rescaled
/// within each arm to the mean arm total m = (A_1 + A_0) / 2 (alpha_i = a_i m / A_arm(i)), so the
/// dual's constraint W'alpha = 0 holds by construction: without it the penalty's constant-kernel
/// part, ~ (W'a)^2 / lambda, dominates and no per-unit signal is learned. The intercept is the
/// exact minimiser (its own gradient vanishes); lambda = lambda_relative x the mean diagonal of the
/// kernel (held constant in the gradient). The weights' gradient is the natural one (the kernel's
/// metric, as in single-dataset CInA), chained through the rescaling and the sigmoid. The
/// supervised term adds weight x |tau_hat - tau| / sd(Y).
inline ZsDatasetGradient zs_dataset_gradient(const Matrix<double>& keys, const Vector<double>& logits, const SimulatedDataset& data,
                                             double lambda_relative, double supervised_weight) {
  const Index n = keys.rows();
  const Vector<double> sign = (2 * data.t.array() - 1).matrix();
  const Vector<double> raw = sigmoid(logits);
  double arm_total[2] = {0, 0};  // [control, treated]
  for (Index i = 0; i < n; ++i) arm_total[sign(i) > 0] += raw(i);
  const double mass = 0.5 * (arm_total[0] + arm_total[1]);
  Vector<double> alpha(n);
  for (Index i = 0; i < n; ++i) alpha(i) = raw(i) * mass / arm_total[sign(i) > 0];
  const Vector<double> coef = alpha.cwiseProduct(sign);
  const SoftmaxFactors factors = softmax_factors(keys);
  const double lambda = lambda_relative * factors.softmax.diagonal().cwiseProduct(factors.inverse_normaliser).mean();
  const double intercept = optimal_hinge_intercept(factors.kernel_times(coef) / lambda, sign);
  const BalancingLoss loss = balancing_loss(factors, keys, coef, intercept, sign, lambda, true);
  ZsDatasetGradient out;
  out.loss = loss.value / double(n);
  out.d_keys = loss.d_keys / double(n);
  // Through the rescaling: dL/da_j = (m / A) G_j + (q_1 / A_1 + q_0 / A_0) / 2 - m q_A / A^2,
  // q_A = sum over arm A of G_i a_i, A = A_arm(j).
  const Vector<double> grad_alpha = loss.natural_d_coef.cwiseProduct(sign) / double(n);
  double q[2] = {0, 0};
  for (Index i = 0; i < n; ++i) q[sign(i) > 0] += grad_alpha(i) * raw(i);
  const double shared = 0.5 * (q[0] / arm_total[0] + q[1] / arm_total[1]);
  Vector<double> d_alpha(n);
  for (Index j = 0; j < n; ++j) {
    const int arm = sign(j) > 0;
    d_alpha(j) = mass / arm_total[arm] * grad_alpha(j) + shared - mass * q[arm] / (arm_total[arm] * arm_total[arm]);
  }
  if (supervised_weight > 0) {
    double weighted[2] = {0, 0};
    const double* sum = arm_total;
    for (Index i = 0; i < n; ++i) weighted[sign(i) > 0] += raw(i) * data.y(i);
    const double mean1 = weighted[1] / sum[1], mean0 = weighted[0] / sum[0];
    const double sd = std::sqrt((data.y.array() - data.y.mean()).square().mean());
    const double error = (mean1 - mean0 - data.ate) / sd;
    out.loss += supervised_weight * std::abs(error);
    const double direction = supervised_weight * (error > 0 ? 1.0 : error < 0 ? -1.0 : 0.0) / sd;
    for (Index i = 0; i < n; ++i) {
      d_alpha(i) += sign(i) > 0 ? direction * (data.y(i) - mean1) / sum[1] : -direction * (data.y(i) - mean0) / sum[0];
    }
  }
  out.d_logits = d_alpha.cwiseProduct(raw.cwiseProduct((1 - raw.array()).matrix()));
  return out;
}

}  // namespace detail

/// Trains `model` on `datasets` (each with its true ATE for the optional supervised term): each
/// step stacks `options.batch` data sets (ragged, no padding), runs the encoder once, computes every
/// data set's CInA objective on the final keys and the weights from the value head
/// (`detail::zs_dataset_gradient`), and takes one AdamW step on the mean (gradient clipped to
/// `clip_norm`). Data sets are visited in a seeded random order per epoch. Covariates are reduced
/// to the model's p_max as at inference (`cina_zs_covariates`). Deterministic for a seed, whatever
/// the thread count. The weights are rescaled per arm to equal totals (W'alpha = 0) and their step
/// is the kernel-metric (natural) direction chained through the rescaling and sigmoid, a
/// preconditioned direction rather than the loss's exact gradient (see `detail::zs_dataset_gradient`).
/// Throws `invalid_input` for bad options, an empty list or a bad data set ("datasets[m]": shapes,
/// non-finite values, treatment not 0/1, an arm with fewer than 2 units, a constant covariate; with
/// the supervised term a non-finite ATE or constant Y); `numerical_error` if a gradient becomes
/// non-finite. Time O(epochs sum_m n_m^2 width layers); memory O(batch n_max^2) for the kernels.
/// Example:
/// \code
///   auto data = causalattn::simulate_datasets(causalattn::in_family(), 512, 1);
///   causalattn::CinaZsModel<float> model(causalattn::CinaZsConfig{}, 1);
///   auto report = causalattn::train_cina_zs(model, data, {});
/// \endcode
template <class Scalar>
CinaZsTrainingReport train_cina_zs(CinaZsModel<Scalar>& model, const std::vector<SimulatedDataset>& datasets,
                                   const CinaZsTrainingOptions& options = {}) {
  options.validate();
  if (datasets.empty()) throw invalid_input("datasets", "is empty; training needs at least one data set");
  const auto start = std::chrono::steady_clock::now();
  const Index p_max = model.config().max_covariates;
  std::vector<Matrix<Scalar>> tokens(datasets.size());
  parallel_for(std::size_t(0), datasets.size(), options.threads, [&](std::size_t m) {
    const SimulatedDataset& d = datasets[m];
    try {
      const TreatmentData<double> checked(d.x, d.t, d.y);  // shapes, finiteness, 0/1 treatment, both arms, no constant column
      if (options.supervised_weight > 0 && !std::isfinite(d.ate)) throw invalid_input("ate", "is " + detail::to_text(d.ate));
      if (options.supervised_weight > 0 && d.y.maxCoeff() == d.y.minCoeff()) throw invalid_input("y", "is constant");
    } catch (const invalid_input& e) {
      throw invalid_input("datasets[" + std::to_string(m) + "]", e.what());
    }
    tokens[m] = cina_zs_tokens<Scalar>(cina_zs_covariates(d.x, p_max), d.t, p_max);
  });

  ParameterRegistry<Scalar> registry;
  model.register_parameters(registry);
  AdamWOptions adam;
  adam.learning_rate = options.learning_rate;
  adam.weight_decay = options.weight_decay;
  AdamW<Scalar> optimizer(registry, adam);
  const long long steps_per_epoch = (static_cast<long long>(datasets.size()) + options.batch - 1) / options.batch;
  const long long total_steps = steps_per_epoch * options.epochs;
  const LearningRateSchedule schedule{options.learning_rate, std::max<long long>(1, total_steps / 20), total_steps,
                                      LearningRateSchedule::Decay::cosine, 0.05};
  CinaZsTrainingReport report;
  std::vector<std::size_t> order(datasets.size());
  std::iota(order.begin(), order.end(), std::size_t(0));
  Rng rng(options.seed);
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    double epoch_loss = 0;
    for (long long step = 0; step < steps_per_epoch; ++step) {
      const std::size_t first = std::size_t(step * options.batch), last = std::min(order.size(), first + std::size_t(options.batch));
      std::vector<Index> lengths;
      for (std::size_t k = first; k < last; ++k) lengths.push_back(tokens[order[k]].rows());
      const SequenceLayout layout = SequenceLayout::from_lengths(lengths);
      Matrix<Scalar> batch(layout.tokens(), model.token_width());
      for (std::size_t k = first; k < last; ++k) batch.middleRows(layout.offset(Index(k - first)), lengths[k - first]) = tokens[order[k]];
      const Vector<Scalar> logits = model.forward(batch, layout);
      const Matrix<Scalar> keys = model.keys();
      Vector<Scalar> d_logits(layout.tokens());
      Matrix<Scalar> d_keys(keys.rows(), keys.cols());
      std::vector<double> losses(last - first);
      const double share = 1.0 / double(last - first);
      parallel_for(Index(0), layout.count(), options.threads, [&](Index b) {
        const Index offset = layout.offset(b), n = layout.length(b);
        const detail::ZsDatasetGradient g = detail::zs_dataset_gradient(
            keys.middleRows(offset, n).template cast<double>(), logits.segment(offset, n).template cast<double>(),
            datasets[order[first + std::size_t(b)]], model.config().lambda_relative, options.supervised_weight);
        losses[std::size_t(b)] = g.loss;
        d_logits.segment(offset, n) = (share * g.d_logits).template cast<Scalar>();
        d_keys.middleRows(offset, n) = (share * g.d_keys).template cast<Scalar>();
      });
      registry.zero_grad();
      model.backward(d_logits, d_keys);
      clip_gradient_norm(registry, options.clip_norm);
      optimizer.step(schedule.at(report.steps));
      model.hold_key_scale();
      ++report.steps;
      const double loss = std::accumulate(losses.begin(), losses.end(), 0.0) * share;
      epoch_loss += loss / double(steps_per_epoch);
      if (options.progress) {
        options.progress({report.steps, total_steps, epoch, loss,
                          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()});
      }
    }
    report.epoch_loss.push_back(epoch_loss);
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace causalattn
