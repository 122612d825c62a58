#pragma once
/// \file
/// The in-context autoregression: a mesa layer (methods/mesa.md) whose context is the whole series.
/// Token t carries the pair (features of the window before t - 1, x(t - 1)) as key and value and
/// the features of the window before t as query, so the layer's output at t is the ridge
/// regression of the next step on the features, fitted to every earlier pair of the series: an
/// in-context VAR over learned features. Its lagged scores are the sensitivities of that fitted
/// predictor to each lagged value.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "causalattn/core/threads.hpp"
#include "causalattn/kernels/mesa.hpp"
#include "causalattn/nn/optimizer.hpp"
#include "causalattn/timeseries/ar_training.hpp"
#include "causalattn/timeseries/attribution.hpp"

namespace causalattn {

/// Shape and training of an `InContextAr` model (`fit_in_context_ar`).
struct InContextArOptions {
  Index max_lag = 5;  ///< L: lags in a window, in [1, 4096]
  /// m: learned features tanh(A w + c) of a window w appended to w itself; 0 leaves the in-context
  /// regression linear in the window (an online ridge VAR whose only parameter is lambda). In [0, 4096].
  Index features = 0;
  double initial_lambda = 1.0;  ///< the ridge prior's variance lambda before training (the penalty is I / lambda), > 0
  int epochs = 100;             ///< maximum full-series gradient steps, >= 1
  double learning_rate = 1e-2;  ///< AdamW's peak step (warm-up 5%, cosine decay to 5%), > 0
  double weight_decay = 1e-2;   ///< AdamW's decoupled decay of A, >= 0
  /// Share of the last tokens whose loss is held out for early stopping, in [0, 0.9]. Their
  /// predictions use only earlier pairs, so they are a forecast check of the trained features.
  double validation_fraction = 0.2;
  int patience = 20;                                        ///< stop after this many steps without a better validation loss, >= 1
  double min_improvement = 1e-3;                            ///< relative improvement that counts as better, in [0, 1)
  std::uint64_t seed = 1;                                   ///< initialisation of A and c
  std::function<void(const ArTrainingProgress&)> progress;  ///< after every step (optional)

  /// Throws `invalid_input` naming the first bad field ("options.max_lag", ...).
  void validate() const {
    if (max_lag < 1 || max_lag > 4096)
      throw invalid_input("options.max_lag", "is " + std::to_string(max_lag) + ", must be in [1, 4096]");
    if (features < 0 || features > 4096)
      throw invalid_input("options.features", "is " + std::to_string(features) + ", must be in [0, 4096]");
    check_finite_positive("options.initial_lambda", initial_lambda);
    detail::check_training_fields(epochs, learning_rate, weight_decay, validation_fraction, patience, min_improvement);
  }
};

/// A mesa layer over a whole series. Its input is the lagged design of the series with L + 1
/// lags (`lagged_design(z, L + 1).past`, rows in time order, one token per row): row r's lags
/// 1..L form the query window a_r, its lags 2..L + 1 the key window b_r (the window before the
/// previous step) and its lag 1 the value v_r = x(t - 1). With phi(w) = [w; tanh(A w + c)]
/// (A: m x p L, c: 1 x m) the prediction of row r is
///   mu_r = S_r R_r phi(a_r),  S_r = sum_{s<=r} v_s phi(b_s)',  R_r = (sum_{s<=r} phi(b_s) phi(b_s)' + I / lambda)^-1,
/// the ridge regression of each step on the features of its window, fitted in context to every
/// earlier pair and applied to the current window; lambda = exp(theta) is learned.
/// Forward passes cache for backward; one instance must not run on two threads at once.
/// Example:
/// \code
///   causalattn::InContextAr<double> model(3, {});
///   causalattn::Matrix<double> mu = model.forward(causalattn::lagged_design(z, 6).past.cast<double>());
/// \endcode
template <class Scalar>
class InContextAr {
 public:
  /// A model for `variables` series (>= 1) of the shape in `options` (max_lag, features,
  /// initial_lambda, seed). Throws `invalid_input` for bad options or variables.
  InContextAr(Index variables, const InContextArOptions& options) : InContextAr(variables, options, Rng(options.seed)) {}

  /// Number of variables p. O(1).
  Index variables() const noexcept { return variables_; }
  /// Lags L of the query window. O(1).
  Index max_lag() const noexcept { return lags_; }
  /// Values in a query or key window, p L. O(1).
  Index window_width() const noexcept { return variables_ * lags_; }
  /// Key and query dimension d = p L + m. O(1).
  Index feature_width() const noexcept { return window_width() + weight_.value.rows(); }
  /// lambda = exp(theta). Throws `invalid_input` naming "log_lambda" unless it is finite and > 0. O(1).
  double lambda() const {
    const double lambda = std::exp(double(log_lambda_.value(0, 0)));
    if (!(std::isfinite(lambda) && lambda > 0)) {
      throw invalid_input("log_lambda", "is " + detail::to_text(double(log_lambda_.value(0, 0))) +
                                            ", so lambda = " + detail::to_text(lambda) + " is not a finite number > 0");
    }
    return lambda;
  }

  /// phi(w) for the windows in the rows of `windows` (N x p L): N x (p L + m). O(N p L m).
  Matrix<Scalar> features(const Eigen::Ref<const Matrix<Scalar>>& windows) const {
    Matrix<Scalar> out(windows.rows(), feature_width());
    out.leftCols(window_width()) = windows;
    if (weight_.value.rows() > 0) {
      out.rightCols(
          weight_.value.rows()) = ((windows * weight_.value.transpose()).rowwise() + bias_.value.row(0)).array().tanh().matrix();
    }
    return out;
  }

  /// Predictions (N x p) for the tokens of one series, `past` (N x p (L + 1), rows in time order;
  /// see the class). Throws `invalid_input` naming `past` for a wrong width or non-finite values.
  /// Caches for `backward`. O(N d (d + p)) with d = `feature_width()`.
  Matrix<Scalar> forward(const Matrix<Scalar>& past) {
    check_shape("past", past, -1, window_width() + variables_);
    check_finite("past", past);
    past_ = past;
    queries_ = features(past.leftCols(window_width()));
    keys_ = features(past.rightCols(window_width()));
    lambda_ = lambda();
    return mesa_forward<Scalar>(queries_, keys_, past.leftCols(variables_), lambda_).output;
  }

  /// Accumulates the gradients of A, c and theta for dLoss/dprediction (N x p) of the last forward
  /// pass. O(N d (d + p)) time, O((N / chunk + chunk) d^2) memory (`mesa_backward`).
  void backward(const Matrix<Scalar>& d_prediction) {
    check_shape("d_prediction", d_prediction, past_.rows(), variables_);
    const MesaGradients<Scalar> g = mesa_backward<Scalar>(queries_, keys_, past_.leftCols(variables_), lambda_, d_prediction);
    log_lambda_.grad(0, 0) += Scalar(g.d_lambda * lambda_);
    const Index m = weight_.value.rows();
    if (m == 0) return;
    add_feature_gradient(g.dq, queries_, past_.leftCols(window_width()));
    add_feature_gradient(g.dk, keys_, past_.rightCols(window_width()));
  }

  /// Adds the parameters "features.weight" (A) and "features.bias" (c) when m > 0, and
  /// "log_lambda", to `registry`. The model must not move while the registry is in use.
  void register_parameters(ParameterRegistry<Scalar>& registry) {
    if (weight_.value.rows() > 0) {
      registry.add("features.weight", weight_);
      registry.add("features.bias", bias_);
    }
    registry.add("log_lambda", log_lambda_);
  }

  /// The predictor the layer holds after reading `past` (as in `forward`): C = S_N R_N (p x d), so
  /// that w -> C phi(w) is the ridge regression fitted in context to every pair of the series.
  /// Computed in double by the recursion of `mesa_recursive`. Throws `invalid_input` naming
  /// `past`. O(N d^2).
  Matrix<double> fitted_coefficients(const Matrix<Scalar>& past) const {
    check_shape("past", past, -1, window_width() + variables_);
    check_finite("past", past);
    const Matrix<double> keys = features(past.rightCols(window_width())).template cast<double>();
    detail::MesaState<double> state(feature_width(), variables_, lambda());
    for (Index t = 0; t < past.rows(); ++t) state.add(keys.row(t), past.row(t).head(variables_).template cast<double>());
    return state.s * state.r;
  }

  /// The Jacobian (p x p L) of w -> `coefficients` phi(w) at the window `window` (p L values):
  /// C dphi/dw; with m = 0 it is the window part of C, the in-context VAR coefficients.
  /// O(p d p L).
  Matrix<double> window_jacobian(const Matrix<double>& coefficients, const Eigen::Ref<const Vector<double>>& window) const {
    check_shape("coefficients", coefficients, variables_, feature_width());
    check_shape("window", window, window_width(), 1);
    const Index m = weight_.value.rows();
    Matrix<double> jacobian = coefficients.leftCols(window_width());
    if (m > 0) {
      const Matrix<double> weight = weight_.value.template cast<double>();
      const Vector<double> slope =
          (1.0 - (weight * window + bias_.value.row(0).transpose().template cast<double>()).array().tanh().square()).matrix();
      jacobian.noalias() += (coefficients.rightCols(m) * slope.asDiagonal()) * weight;
    }
    return jacobian;
  }

 private:
  InContextAr(Index variables, const InContextArOptions& options, Rng rng)
      : variables_((options.validate(), variables)),
        lags_(options.max_lag),
        weight_(Parameter<Scalar>::uniform(options.features, std::max<Index>(1, variables) * options.max_lag,
                                           Scalar(1.0 / std::sqrt(double(std::max<Index>(1, variables) * options.max_lag))),
                                           rng)),
        bias_(Parameter<Scalar>::uniform(1, options.features, Scalar(0.5), rng)),
        log_lambda_(Parameter<Scalar>::zeros(1, 1)) {
    if (variables < 1) throw invalid_input("variables", "is " + std::to_string(variables) + ", must be >= 1");
    log_lambda_.value(0, 0) = Scalar(std::log(options.initial_lambda));
  }

  /// Adds the gradients of A and c for dLoss/dphi (`d_features`) of the windows `windows` whose
  /// features are `phi`. O(N p L m).
  void add_feature_gradient(const Matrix<Scalar>& d_features, const Matrix<Scalar>& phi,
                            const Eigen::Ref<const Matrix<Scalar>>& windows) {
    const Index m = weight_.value.rows();
    const Matrix<Scalar> d_pre = d_features.rightCols(m).cwiseProduct((Scalar(1) - phi.rightCols(m).array().square()).matrix());
    weight_.grad.noalias() += serial_product(
        [&] { return Matrix<Scalar>(d_pre.transpose() * windows); });  // inner dimension: tokens
    bias_.grad.row(0) += d_pre.colwise().sum();
  }

  Index variables_, lags_;
  Parameter<Scalar> weight_, bias_, log_lambda_;
  Matrix<Scalar> past_, queries_, keys_;
  double lambda_ = 1;
};

/// A trained `InContextAr` with the scaling it was trained on.
template <class Scalar>
struct InContextArFit {
  std::unique_ptr<InContextAr<Scalar>> model;       ///< the parameters of the best validation step
  Vector<double> mean, scale;                       ///< per-variable z-scoring of the training series
  std::vector<double> train_loss, validation_loss;  ///< per step
  int best_epoch = 0;                               ///< step (1-based) whose parameters were kept
  double seconds = 0;                               ///< wall time
  Matrix<double> series;                            ///< the training series (T x p) as given

  /// The model's tokens for `x` (T x p): the lagged design with L + 1 lags of x z-scored with the
  /// fit's scaling. Throws `invalid_input` naming "x" for a wrong width, non-finite values or fewer
  /// than L + 2 rows. O(T p L).
  LaggedDesign tokens(const Matrix<double>& x) const {
    if (!model) throw invalid_input("fit", "has no model (fit it with fit_in_context_ar first)");
    check_shape("x", x, -1, model->variables());
    return lagged_design(detail::z_scored(x, mean, scale), model->max_lag() + 1);
  }

  /// One-step predictions of x(t) for t = L + 1 .. T - 1 ((T - L - 1) x p, in x's units), each
  /// from the regression fitted in context to the earlier steps of `x` itself (a series of the
  /// same system, or the training series). Serial. O(T d (d + p)).
  Matrix<double> predict(const Matrix<double>& x) const {
    const ThreadLimit serial(1);  // Eigen's blocking depends on the thread count; one thread: one result
    InContextAr<Scalar> copy = *model;
    const Matrix<double> z = copy.forward(tokens(x).past.template cast<Scalar>()).template cast<double>();
    return (z.array().rowwise() * scale.transpose().array()).rowwise() + mean.transpose().array();
  }
};

/// Trains an `InContextAr` on the series `x` (T x p, rows in time order): the next-step MSE of
/// the z-scored series over the first (1 - validation_fraction) of its tokens, one full-series
/// AdamW step per epoch (global gradient clip at 1, warm-up 5%, cosine decay), early stopping on
/// the MSE of the last tokens, the best step's parameters kept. With `features` = 0 only lambda is
/// learned. Deterministic for a seed and identical for any thread count (the steps run serially).
/// Throws `invalid_input` for bad options or a bad series (NaN, constant column, fewer than 3
/// tokens of L + 1 lags). Time O(epochs T d (d + p)), d = p L + m.
/// Example: `auto fit = causalattn::fit_in_context_ar<double>(x, {});`
template <class Scalar>
InContextArFit<Scalar> fit_in_context_ar(const Matrix<detail::deferred_t<Scalar, double>>& x, const InContextArOptions& options) {
  options.validate();
  check_series(x, options.max_lag + 1, 3);
  const ThreadLimit serial(1);
  const auto start = std::chrono::steady_clock::now();
  InContextArFit<Scalar> fit;
  detail::set_z_scaling(fit, x);
  fit.model = std::make_unique<InContextAr<Scalar>>(x.cols(), options);
  fit.series = x;
  const LaggedDesign d = fit.tokens(x);
  const Matrix<Scalar> past = d.past.template cast<Scalar>(), present = d.present.template cast<Scalar>();
  const Index tokens = past.rows(), p = x.cols();
  const Index held = options.validation_fraction > 0 ? std::max<Index>(1, Index(options.validation_fraction * double(tokens)))
                                                     : 0;
  const Index used = tokens - held;
  if (used < 2)
    throw invalid_input("x", "has " + std::to_string(x.rows()) +
                                 " rows: too few tokens to train after holding out the validation tokens");

  InContextAr<Scalar>& model = *fit.model;
  ParameterRegistry<Scalar> registry;
  model.register_parameters(registry);
  AdamWOptions adam;
  adam.learning_rate = options.learning_rate;
  adam.weight_decay = options.weight_decay;
  AdamW<Scalar> optimizer(registry, adam);
  const LearningRateSchedule schedule{options.learning_rate, std::max(1, options.epochs / 20), options.epochs,
                                      LearningRateSchedule::Decay::cosine, 0.05};
  std::vector<Matrix<Scalar>> best;
  double best_loss = std::numeric_limits<double>::infinity();
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    const Matrix<Scalar> error = model.forward(past) - present;
    fit.train_loss.push_back(double(error.topRows(used).squaredNorm()) / double(used * p));
    const double v = held > 0 ? double(error.bottomRows(held).squaredNorm()) / double(held * p)
                              : std::numeric_limits<double>::quiet_NaN();
    fit.validation_loss.push_back(v);
    if (!std::isfinite(fit.train_loss.back()))
      throw numerical_error("in-context AR training diverged at step " + std::to_string(epoch + 1));
    const double score = held > 0 ? v : fit.train_loss.back();
    if (score < best_loss * (1 - options.min_improvement)) {
      best_loss = score;
      fit.best_epoch = epoch + 1;
      best.clear();
      for (const auto& e : registry.entries()) best.push_back(e.parameter->value);
    }
    if (options.progress) {
      options.progress({epoch + 1, options.epochs, fit.train_loss.back(), v,
                        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()});
    }
    if (epoch + 1 - fit.best_epoch >= options.patience) break;
    Matrix<Scalar> d_prediction = Matrix<Scalar>::Zero(tokens, p);
    d_prediction.topRows(used) = error.topRows(used) * Scalar(2.0 / double(used * p));
    registry.zero_grad();
    model.backward(d_prediction);
    clip_gradient_norm(registry, 1.0);
    optimizer.step(schedule.at(epoch));
  }
  for (std::size_t k = 0; k < best.size(); ++k) registry.entries()[k].parameter->value = best[k];
  fit.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return fit;
}

/// Lagged scores of an in-context AR model on the series `x` (the overload without `x` reads the
/// fit's training series): the layer reads the whole of `x` as its context, and for every window
/// the Jacobian of the predictor it then holds (`InContextAr::fitted_coefficients`, `window_jacobian`) is
/// turned into per-window scores by `options.method` and aggregated over windows as
/// `lagged_attribution` does (`options.aggregation`, `normalize`, `rank_uncertainty`,
/// `max_windows`; `batch` bounds the windows held at once). Method "in-context"; serial. Throws
/// `invalid_input` for bad options, `Attribution::raw_attention` (a mesa layer has no softmax
/// weights) or a series of another width. O(T d^2 + windows p^2 L d).
/// Example:
/// \code
///   auto fit = causalattn::fit_in_context_ar<double>(x, {});
///   causalattn::Matrix<double> summary = causalattn::in_context_attribution(fit).scores.summary();
/// \endcode
template <class Scalar>
AttributionResult in_context_attribution(const InContextArFit<Scalar>& fit, const Matrix<double>& x,
                                         const AttributionOptions& options = {}, std::vector<std::string> names = {}) {
  using Real = detail::deferred_t<Scalar, double>;
  options.validate();
  if (options.method == Attribution::raw_attention) {
    throw invalid_input("options.method",
                        "is raw_attention, which reads softmax weights; an in-context AR model has none (use a gradient method)");
  }
  const ThreadLimit serial(1);  // Eigen's blocking depends on the thread count; one thread: one result
  const LaggedDesign tokens = fit.tokens(x);
  const InContextAr<Scalar>& model = *fit.model;
  const Index p = model.variables(), lags = model.max_lag(), count = tokens.past.rows();
  const Index wanted = options.max_windows > 0 ? std::min(options.max_windows, count) : count;
  std::vector<Index> rows;
  for (Index k = 0; k < wanted; ++k) rows.push_back(k * count / wanted);
  detail::deferred_t<Scalar, AttributionResult> out = detail::start_attribution<Scalar>(p, lags, Index(rows.size()),
                                                                                        std::move(names), "in-context", options);
  LaggedDesign layout;  // the column layout of a window of L lags (add_window_scores reads nothing else)
  layout.variables = p;
  layout.max_lag = lags;
  const Matrix<double> coefficients = model.fitted_coefficients(tokens.past.template cast<Scalar>());
  // Windows per batch: options.batch, and at most about 2^21 Jacobian entries held at once.
  const std::size_t batch = std::size_t(std::max<Index>(1, std::min(options.batch, Index(2097152) / (p * p * lags))));
  for (std::size_t first = 0; first < rows.size(); first += batch) {
    const Index part = Index(std::min(rows.size() - first, batch));
    Matrix<Real> windows(part, p * lags);
    std::vector<Matrix<double>> jacobians;
    for (Index r = 0; r < part; ++r) {
      windows.row(r) = tokens.past.row(rows[first + std::size_t(r)]).head(p * lags);
      jacobians.push_back(model.window_jacobian(coefficients, windows.row(r).transpose()));
    }
    for (Index target = 0; target < p; ++target) {
      Matrix<Real> g(part, p * lags);
      for (Index r = 0; r < part; ++r) g.row(r) = jacobians[std::size_t(r)].row(target);
      detail::add_window_scores(out, layout, target, detail::gradient_scores(g, windows, options.method), options);
    }
  }
  detail::finish_attribution(out, options);
  return out;
}

/// Lagged scores of an in-context AR model on its training series (`fit.series`); see the
/// overload with `x`. Example: `auto a = causalattn::in_context_attribution(fit, options, names);`
template <class Scalar>
AttributionResult in_context_attribution(const InContextArFit<Scalar>& fit, const AttributionOptions& options = {},
                                         std::vector<std::string> names = {}) {
  return in_context_attribution(fit, fit.series, options, std::move(names));
}

}  // namespace causalattn
