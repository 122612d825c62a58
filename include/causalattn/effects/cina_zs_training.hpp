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
#include "causalattn/effects/solvers/cina_duality.hpp"
#include "causalattn/effects/cina_zs.hpp"
#include "causalattn/effects/detail/balancing_loss.hpp"
#include "causalattn/effects/solvers/balancing_dual.hpp"
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

/// What `train_cina_zs` fits the value head to.
enum class CinaZsTarget {
  /// Each data set's exact balancing weights: the SMO solution of its balancing dual on the model's
  /// kernel (computed once, before training; the key map is then held fixed), fitted by the mean
  /// per-unit Bernoulli KL divergence KL(a* || sigmoid(z)). The same minimiser as `objective`,
  /// reached by regression instead of through the hinge's subgradients (a teacher, no outcomes).
  exact_dual,
  /// The balancing objective itself, minimised through the network (the key map learns too).
  objective,
};

/// Options of `train_cina_zs`.
struct CinaZsTrainingOptions {
  CinaZsTarget target = CinaZsTarget::exact_dual;  ///< what the value head is fitted to
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
    check_finite_positive("options.learning_rate", learning_rate);
    check_finite_positive("options.weight_decay", weight_decay, true);
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
template <typename Defer = void>
double optimal_hinge_intercept(const Vector<detail::deferred_t<Defer, double>>& decision,
                               const Vector<detail::deferred_t<Defer, double>>& sign) {
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
/// and (objective target only) its final keys, in double.
struct ZsDatasetGradient {
  double loss = 0;
  Vector<double> d_logits;
  Matrix<double> d_keys;
};

/// Each data set's exact balancing weights on the kernel of `keys` (n x d, double): the SMO solution
/// of the ATE dual with lambda = lambda_relative x the kernel's mean diagonal, in [0, 1]. The
/// teacher of `CinaZsTarget::exact_dual`. O(n^2 d) plus the SMO iterations.
template <typename Defer = void>
Vector<double> zs_exact_weights(const Matrix<detail::deferred_t<Defer, double>>& keys,
                                const Vector<detail::deferred_t<Defer, double>>& t, double lambda_relative) {
  using Real = detail::deferred_t<Defer, double>;
  // Solved on k / lambda with lambda 1 (the same solution): O(1) entries, so SMO's absolute
  // tolerance means what it says (k_ij ~ 1 / n^2 would meet it at the start).
  Matrix<Real> kernel = attention_kernel(keys).kernel;
  kernel /= lambda_relative * kernel.diagonal().mean();
  return solve_ate_balancing_dual(std::move(kernel), t, 1.0, SmoOptions{}).alpha;
}

/// The balancing objective of one data set, divided by n, at the weights a = sigmoid(logits) rescaled
/// within each arm to the mean arm total m = (A_1 + A_0) / 2 (alpha_i = a_i m / A_arm(i)), so the
/// dual's constraint W'alpha = 0 holds by construction: without it the penalty's constant-kernel
/// part, ~ (W'a)^2 / lambda, dominates and no per-unit signal is learned. The intercept is the
/// exact minimiser (its own gradient vanishes); lambda = lambda_relative x the mean diagonal of the
/// kernel (held constant in the gradient). The weights' gradient is the natural one (the kernel's
/// metric, as in single-dataset CInA), chained through the rescaling; returned with respect to a.
template <typename Defer = void>
ZsDatasetGradient zs_objective_gradient(const Matrix<detail::deferred_t<Defer, double>>& keys,
                                        const Vector<detail::deferred_t<Defer, double>>& raw,
                                        const Vector<detail::deferred_t<Defer, double>>& sign, double lambda_relative) {
  using Real = detail::deferred_t<Defer, double>;
  const Index n = keys.rows();
  double arm_total[2] = {0, 0};  // [control, treated]
  for (Index i = 0; i < n; ++i) arm_total[sign(i) > 0] += raw(i);
  const double mass = 0.5 * (arm_total[0] + arm_total[1]);
  Vector<Real> alpha(n);
  for (Index i = 0; i < n; ++i) alpha(i) = raw(i) * mass / arm_total[sign(i) > 0];
  const Vector<Real> coef = alpha.cwiseProduct(sign);
  const auto factors = softmax_factors(keys);
  const double lambda = lambda_relative * factors.softmax.diagonal().cwiseProduct(factors.inverse_normaliser).mean();
  const double intercept = optimal_hinge_intercept(factors.kernel_times(coef) / lambda, sign);
  const auto loss = balancing_loss(factors, keys, coef, intercept, sign, lambda, true);
  detail::deferred_t<Defer, ZsDatasetGradient> out;
  out.loss = loss.value / double(n);
  out.d_keys = loss.d_keys / double(n);
  // Through the rescaling: dL/da_j = (m / A) G_j + (q_1 / A_1 + q_0 / A_0) / 2 - m q_A / A^2,
  // q_A = sum over arm A of G_i a_i, A = A_arm(j).
  const Vector<Real> grad_alpha = loss.natural_d_coef.cwiseProduct(sign) / double(n);
  double q[2] = {0, 0};
  for (Index i = 0; i < n; ++i) q[sign(i) > 0] += grad_alpha(i) * raw(i);
  const double shared = 0.5 * (q[0] / arm_total[0] + q[1] / arm_total[1]);
  out.d_logits.resize(n);
  for (Index j = 0; j < n; ++j) {
    const int arm = sign(j) > 0;
    out.d_logits(j) = mass / arm_total[arm] * grad_alpha(j) + shared - mass * q[arm] / (arm_total[arm] * arm_total[arm]);
  }
  return out;
}

/// Mean per-unit Bernoulli KL(a* || sigmoid(z)) (0 at the teacher) and its gradient with respect to
/// the logits, (sigmoid(z) - a*) / n; log-sigmoids in the stable form. O(n).
template <typename Defer = void>
ZsDatasetGradient zs_teacher_gradient(const Vector<detail::deferred_t<Defer, double>>& logits,
                                      const Vector<detail::deferred_t<Defer, double>>& raw,
                                      const Vector<detail::deferred_t<Defer, double>>& teacher) {
  const Index n = logits.size();
  auto plogp = [](double p) { return p > 0 ? p * std::log(p) : 0.0; };
  detail::deferred_t<Defer, ZsDatasetGradient> out;
  for (Index i = 0; i < n; ++i) {
    const double a = teacher(i), z = logits(i);
    out.loss += plogp(a) + plogp(1 - a) - a * log_sigmoid(z) - (1 - a) * log_sigmoid(-z);
  }
  out.loss /= double(n);
  out.d_logits = (raw - teacher) / double(n);
  return out;
}

/// The supervised term weight x |tau_hat - tau| / sd(Y) of the per-arm-normalised weights
/// a = sigmoid(logits), added to `g` (its loss, and its gradient with respect to the logits through
/// `sigmoid_slope` = a (1 - a)). O(n).
template <typename Defer = void>
void add_supervised_term(detail::deferred_t<Defer, ZsDatasetGradient>& g, const Vector<detail::deferred_t<Defer, double>>& raw,
                         const Vector<detail::deferred_t<Defer, double>>& sigmoid_slope,
                         const Vector<detail::deferred_t<Defer, double>>& sign,
                         const detail::deferred_t<Defer, SimulatedDataset>& data, double weight) {
  double total[2] = {0, 0}, weighted[2] = {0, 0};
  for (Index i = 0; i < raw.size(); ++i) {
    total[sign(i) > 0] += raw(i);
    weighted[sign(i) > 0] += raw(i) * data.y(i);
  }
  const double mean1 = weighted[1] / total[1], mean0 = weighted[0] / total[0];
  const double sd = std::sqrt((data.y.array() - data.y.mean()).square().mean());
  const double error = (mean1 - mean0 - data.ate) / sd;
  g.loss += weight * std::abs(error);
  const double direction = weight * (error > 0 ? 1.0 : error < 0 ? -1.0 : 0.0) / sd;
  for (Index i = 0; i < raw.size(); ++i) {
    const double d_raw = sign(i) > 0 ? direction * (data.y(i) - mean1) / total[1] : -direction * (data.y(i) - mean0) / total[0];
    g.d_logits(i) += d_raw * sigmoid_slope(i);
  }
}

/// One data set's loss and gradients for `target`: the exact-dual regression onto `teacher`, or the
/// balancing objective on `keys` (see `zs_objective_gradient`, chained through the sigmoid), plus
/// the supervised term when `supervised_weight` > 0.
template <typename Defer = void>
ZsDatasetGradient zs_dataset_gradient(CinaZsTarget target, const Matrix<detail::deferred_t<Defer, double>>& keys,
                                      const Vector<detail::deferred_t<Defer, double>>& logits,
                                      const Vector<detail::deferred_t<Defer, double>>& teacher,
                                      const detail::deferred_t<Defer, SimulatedDataset>& data, double lambda_relative,
                                      double supervised_weight) {
  using Real = detail::deferred_t<Defer, double>;
  const Vector<Real> sign = (2 * data.t.array() - 1).matrix();
  const Vector<Real> raw = sigmoid(logits);
  const Vector<Real> slope = raw.cwiseProduct((1 - raw.array()).matrix());
  detail::deferred_t<Defer, ZsDatasetGradient> out;
  if (target == CinaZsTarget::exact_dual) {
    out = zs_teacher_gradient(logits, raw, teacher);
  } else {
    out = zs_objective_gradient(keys, raw, sign, lambda_relative);
    out.d_logits = out.d_logits.cwiseProduct(slope);
  }
  if (supervised_weight > 0) add_supervised_term(out, raw, slope, sign, data, supervised_weight);
  return out;
}

}  // namespace detail

/// Trains `model` on `datasets` (each with its true ATE for the optional supervised term): each
/// step stacks `options.batch` data sets (ragged, no padding), runs the encoder once, computes every
/// data set's loss for `options.target` from the value head's weights (`detail::zs_dataset_gradient`)
/// and takes one AdamW step on the mean (gradient clipped to `clip_norm`). Data sets are visited in
/// a seeded random order per epoch. Covariates are reduced to the model's p_max as at inference
/// (`cina_zs_covariates`). Deterministic for a seed, whatever the thread count.
/// - `exact_dual` (default): before the first step every data set's exact balancing weights are
///   solved by SMO on the model's kernel (its current key map, then held fixed); the loss is the
///   mean KL divergence of the sigmoid weights from them (0 when the network reproduces the solver).
/// - `objective`: the balancing objective on the final keys, the key map learning too. The weights
///   are rescaled per arm to equal totals (W'alpha = 0) and their step is the kernel-metric
///   (natural) direction chained through the rescaling and sigmoid, a preconditioned direction
///   rather than the loss's exact gradient.
/// Throws `invalid_input` for bad options, an empty list or a bad data set ("datasets[m]": shapes,
/// non-finite values, treatment not 0/1, an arm with fewer than 2 units, a constant covariate; with
/// the supervised term a non-finite ATE or constant Y); `numerical_error` if a gradient becomes
/// non-finite. Time O(epochs sum_m n_m^2 width layers) (plus one SMO solve per data set for
/// `exact_dual`); memory O(n_max^2) per thread for the kernels.
/// Example:
/// \code
///   auto data = causalattn::simulate_datasets(causalattn::in_family(), 512, 1);
///   causalattn::CinaZsModel<float> model(causalattn::CinaZsConfig{}, 1);
///   auto report = causalattn::train_cina_zs(model, data, {});
/// \endcode
template <class Scalar>
CinaZsTrainingReport train_cina_zs(CinaZsModel<Scalar>& model, const std::vector<SimulatedDataset>& datasets,
                                   const CinaZsTrainingOptions& options = {}) {
  using Real = detail::deferred_t<Scalar, double>;
  options.validate();
  if (datasets.empty()) throw invalid_input("datasets", "is empty; training needs at least one data set");
  const auto start = std::chrono::steady_clock::now();
  const Index p_max = model.config().max_covariates;
  std::vector<Matrix<Scalar>> tokens(datasets.size());
  parallel_for(std::size_t(0), datasets.size(), options.threads, [&](std::size_t m) {
    const detail::deferred_t<Scalar, SimulatedDataset>& d = datasets[m];
    try {
      const TreatmentData<double> checked(d.x, d.t, d.y);  // shapes, finiteness, 0/1 treatment, both arms, no constant column
      if (options.supervised_weight > 0 && !std::isfinite(d.ate)) throw invalid_input("ate", "is " + detail::to_text(d.ate));
      if (options.supervised_weight > 0 && d.y.maxCoeff() == d.y.minCoeff()) throw invalid_input("y", "is constant");
    } catch (const invalid_input& e) {
      throw invalid_input("datasets[" + std::to_string(m) + "]", e.what());
    }
    tokens[m] = cina_zs_tokens<Scalar>(cina_zs_covariates(d.x, p_max), d.t, p_max);
  });
  const bool teach = options.target == CinaZsTarget::exact_dual;
  std::vector<Vector<Real>> teacher(teach ? datasets.size() : 0);
  if (teach) {
    parallel_for(std::size_t(0), datasets.size(), options.threads, [&](std::size_t m) {
      teacher[m] = detail::zs_exact_weights(model.keys_of(tokens[m]).template cast<double>(), datasets[m].t, model.config().lambda_relative);
    });
  }

  ParameterRegistry<Scalar> registry;
  model.register_parameters(registry, !teach);
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
      const Matrix<Scalar> keys = teach ? Matrix<Scalar>() : model.keys();
      Vector<Scalar> d_logits(layout.tokens());
      Matrix<Scalar> d_keys(keys.rows(), keys.cols());
      std::vector<double> losses(last - first);
      const double share = 1.0 / double(last - first);
      parallel_for(Index(0), layout.count(), options.threads, [&](Index b) {
        const Index offset = layout.offset(b), n = layout.length(b);
        const std::size_t m = order[first + std::size_t(b)];
        const auto g = detail::zs_dataset_gradient(options.target,
                                                   teach ? Matrix<Real>()
                                                         : Matrix<Real>(keys.middleRows(offset, n).template cast<double>()),
                                                   logits.segment(offset, n).template cast<double>(),
                                                   teach ? teacher[m] : Vector<Real>(), datasets[m],
                                                   model.config().lambda_relative, options.supervised_weight);
        losses[std::size_t(b)] = g.loss;
        d_logits.segment(offset, n) = (share * g.d_logits).template cast<Scalar>();
        if (!teach) d_keys.middleRows(offset, n) = (share * g.d_keys).template cast<Scalar>();
      });
      registry.zero_grad();
      model.backward(d_logits, d_keys);
      clip_gradient_norm(registry, options.clip_norm);
      optimizer.step(schedule.at(report.steps));
      if (!teach) model.hold_key_scale();
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
