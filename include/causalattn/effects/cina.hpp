#pragma once
/// \file
/// Single-dataset CInA (Zhang et al. 2023; methods/cina.md section 4): a self-attention layer with
/// keys = queries computed from the covariates and one free value per unit, trained on the data
/// set's covariate-balancing objective (the hinge primal of the SVM dual). Its values carry the
/// balancing weights, alpha = lambda h . W . V, which are projected onto the two arms' simplices.

#include <cmath>
#include <string>
#include <vector>

#include "causalattn/core/budget.hpp"
#include "causalattn/effects/solvers/cina_duality.hpp"
#include "causalattn/effects/detail/arm_models.hpp"
#include "causalattn/effects/detail/attention_balancing.hpp"
#include "causalattn/effects/detail/bootstrap.hpp"
#include "causalattn/effects/detail/balancing_loss.hpp"
#include "causalattn/nn/activation.hpp"
#include "causalattn/nn/linear.hpp"
#include "causalattn/nn/optimizer.hpp"

namespace causalattn {

/// Everything single-dataset CInA learned, beside its estimate.
struct CinaFit {
  EffectEstimate estimate;        ///< method "cina": estimate, SE, interval, weights, diagnostics
  Matrix<double> keys;            ///< learned keys (= queries) of the standardised covariates, n x d
  Vector<double> values;          ///< the attention values V (alpha_raw = lambda h . W . V)
  Vector<double> raw_weights;     ///< alpha_raw before projection (may be negative or above 1)
  double intercept = 0;           ///< SVM intercept b of the hinge primal
  double lambda = 0;              ///< the trade-off used (absolute)
  double objective = 0;           ///< final hinge-primal objective (lambda/2)||beta||^2 + hinge
  std::vector<double> loss_curve; ///< objective before each Adam step (epochs + settle_epochs)
  Index clipped = 0;              ///< units whose raw weight was negative and set to 0 by the projection
  /// Kernel MMD of the final weights on the learned kernel, sqrt((W.w)' k (W.w)): the worst-case
  /// imbalance over the kernel's unit ball.
  double balance_mmd = 0;
};

namespace detail {

/// The key map: linear (no bias) or Linear -> GELU -> Linear, whose weight matrices keep the
/// Frobenius norms they start with (`hold_scale`): the bandwidth is fixed, the metric's shape learned.
template <class Scalar>
class CinaKeyMap {
 public:
  CinaKeyMap(const CinaOptions& o, Index covariates, Rng& rng)
      : width_(o.key_width > 0 ? o.key_width : covariates),
        first_(covariates, o.key_map == KeyMap::mlp ? o.hidden : width_, rng, o.key_map == KeyMap::mlp),
        second_(o.key_map == KeyMap::mlp ? o.hidden : 1, width_, rng),
        mlp_(o.key_map == KeyMap::mlp) {
    Matrix<Scalar>& last = last_weight();
    if (!mlp_ && covariates == width_) last.setIdentity();  // start from keys = key_scale x standardised X
    norm_ = o.key_scale * std::sqrt(double(std::min(covariates, width_)));
    first_norm_ = first_.weight().value.norm();
    hold_scale();
  }
  /// Rescales the weight matrices back to their initial Frobenius norms (the MLP's hidden layer
  /// too: scaling it would scale the roughly linear GELU output and sharpen the kernel).
  void hold_scale() {
    Matrix<Scalar>& last = last_weight();
    last *= norm_ / last.norm();
    if (mlp_) first_.weight().value *= first_norm_ / first_.weight().value.norm();
  }
  Matrix<Scalar> forward(const Matrix<Scalar>& x) {
    const Matrix<Scalar> a = first_.forward(x);
    return mlp_ ? second_.forward(activation_.forward(a)) : a;
  }
  void backward(const Matrix<Scalar>& d_keys) {
    if (mlp_) {
      first_.backward(activation_.backward(second_.backward(d_keys)));
    } else {
      first_.backward(d_keys);
    }
  }
  void register_parameters(ParameterRegistry<Scalar>& registry) {
    first_.register_parameters(registry, "keys.fc1");
    if (mlp_) second_.register_parameters(registry, "keys.fc2");
  }

 private:
  Matrix<Scalar>& last_weight() { return mlp_ ? second_.weight().value : first_.weight().value; }

  Index width_;
  double norm_ = 1, first_norm_ = 1;
  Linear<Scalar> first_;
  ActivationLayer<Scalar> activation_;
  Linear<Scalar> second_;
  bool mlp_;
};

}  // namespace detail

/// Trains single-dataset CInA and returns the estimate with what was learned.
///
/// Model (methods/cina.md sections 3-4): keys K = f(X) on the standardised covariates
/// (`options.cina.key_map`), scores S = K K' / sqrt(d), normalisers h_i = sum_j exp(S_ij), free
/// values V and intercept b. Objective, using X and T only (never Y):
///   L = (lambda/2) u' k u + sum_i [1 - W_i (o_i + b)]_+ ,  u = h . V,  o = softmax(S) V,
///   k_ij = exp(S_ij - log h_i - log h_j),
/// evaluated in the log domain (no exp(S)). The optimisation variable is c = lambda u (= W . alpha,
/// the signed balancing weights, the same function of V; it keeps Adam's steps on the scale of the
/// weights whatever h is). Training: `epochs` full-batch Adam steps of the key map, c and b
/// (cosine-decayed steps), then `settle_epochs` steps of c and b with the keys frozen. The step of
/// c uses the gradient in the kernel's own metric, (k / lambda)^-1 dL/dc = c + g (g the hinge
/// subgradient), i.e. Adam on the RKHS gradient of the primal: the Euclidean gradient k (c + g) /
/// lambda inherits the kernel's condition number and stalls well above the optimum in
/// development runs; with this form the tests' fits end within 2% (they print the ratio).
/// lambda = `options.lambda`, or 0.1 x the mean diagonal of k at the initial keys.
/// Read-off alpha = lambda h . W . V, projected (clip at 0, normalise per arm); the ATE is
/// sum_T w Y - sum_C w Y. With `options.cina.refine` the weights are instead the exact SMO solution
/// of the balancing dual on the learned kernel. ATT (documented variant, ours): the keys are learned
/// with the ATE objective, then the controls are matched to the treated by kernel mean matching on
/// the learned kernel (`kernel_balancing`'s ATT problem, solved by SMO).
/// Standard error as for the other weighting estimators: sqrt(sum w_i^2 (Y_i - m_(T_i)(x_i))^2) with
/// per-arm OLS; diagnostics as always plus `balance_mmd`, `clipped` and the loss curve.
/// Keys are computed from the covariates as `options.standardize` leaves them (z-scores by
/// default; `key_scale` assumes them). Throws `invalid_input` naming the first bad option (and for
/// `options.bootstrap` > 0: use `cina`); `numerical_error` if an arm ends with no
/// positive weight. Complexity O((epochs + settle_epochs) n^2 d) time, O(n^2) memory.
/// Example:
/// \code
///   causalattn::EffectOptions options;
///   options.cina.epochs = 300;
///   causalattn::CinaFit fit = causalattn::cina_fit(data, options);
///   std::cout << fit.estimate.estimate << " +- " << fit.estimate.std_error << "\n";
/// \endcode
template <class Scalar>
CinaFit cina_fit(const TreatmentData<Scalar>& data, const EffectOptions& options = {}) {
  using Real = detail::deferred_t<Scalar, double>;
  options.validate();
  if (options.bootstrap > 0) throw invalid_input("options.bootstrap", "is not used by cina_fit; call cina() for a bootstrap standard error");
  const CinaOptions& o = options.cina;
  const auto s = detail::make_sample(data, options.standardize);
  const Index n = s.units();
  const Vector<Real> sign = (2 * s.t.array() - 1).matrix();

  Rng rng(o.seed);
  detail::CinaKeyMap<double> key_map(o, s.x.cols(), rng);
  ParameterRegistry<double> key_parameters, dual_parameters;
  key_map.register_parameters(key_parameters);
  Parameter<double> coef = Parameter<double>::zeros(n, 1), intercept = Parameter<double>::zeros(1, 1);
  dual_parameters.add("coef", coef);
  dual_parameters.add("intercept", intercept);
  AdamWOptions adam;
  adam.learning_rate = o.learning_rate;
  AdamW<double> dual_optimizer(dual_parameters, adam);
  adam.learning_rate = o.key_learning_rate;
  AdamW<double> key_optimizer(key_parameters, adam);

  detail::deferred_t<Scalar, CinaFit> fit;
  Matrix<Real> keys = key_map.forward(s.x);
  fit.lambda = options.lambda > 0 ? options.lambda : 0.1 * attention_kernel(keys).kernel.diagonal().mean();
  const LearningRateSchedule decay{1.0, 0, std::max(1, o.epochs), LearningRateSchedule::Decay::cosine, 0.05};
  const LearningRateSchedule settle{1.0, 0, std::max(1, o.settle_epochs), LearningRateSchedule::Decay::cosine, 0.01};
  const int total = o.epochs + o.settle_epochs;
  fit.loss_curve.reserve(std::size_t(total));
  auto factors = detail::softmax_factors(keys);
  const TimeBudget budget(options.max_seconds);
  const ThrottledProgress tick(options.progress ? std::function<void(long long, long long)>([&](long long d, long long t) {
    options.progress("CInA training", d, t);
  })
                                                : std::function<void(long long, long long)>());
  for (int epoch = 0; epoch < total; ++epoch) {
    budget.check("CInA's training", std::to_string(epoch) + " of " + std::to_string(total) + " epochs", "options.max_seconds");
    tick(epoch, total);
    const bool keys_learn = epoch < o.epochs;
    if (epoch > 0 && epoch <= o.epochs) {  // the keys moved in the last step; frozen afterwards
      keys = key_map.forward(s.x);
      factors = detail::softmax_factors(keys);
    }
    const auto loss = detail::balancing_loss(factors, keys, coef.value.col(0), intercept.value(0, 0), sign, fit.lambda,
                                             keys_learn);
    if (!std::isfinite(loss.value)) {
      throw numerical_error("CInA's objective became " + detail::to_text(loss.value) + " at epoch " + std::to_string(epoch));
    }
    fit.loss_curve.push_back(loss.value);
    coef.grad.col(0) = loss.natural_d_coef;
    intercept.grad(0, 0) = loss.d_intercept;
    const double factor = keys_learn ? decay.at(epoch) : settle.at(epoch - o.epochs);
    dual_optimizer.step(o.learning_rate * factor);
    if (keys_learn) {
      key_parameters.zero_grad();
      key_map.backward(loss.d_keys);
      key_optimizer.step(o.key_learning_rate * factor);
      key_map.hold_scale();
    }
  }
  if (o.settle_epochs == 0) {  // the last step moved the keys
    keys = key_map.forward(s.x);
    factors = detail::softmax_factors(keys);
  }

  const auto final_loss = detail::balancing_loss(factors, keys, coef.value.col(0), intercept.value(0, 0), sign, fit.lambda,
                                                 false);
  fit.keys = keys;
  fit.intercept = intercept.value(0, 0);
  fit.objective = final_loss.value;
  fit.raw_weights = coef.value.col(0).cwiseProduct(sign);
  fit.values = coef.value.col(0).cwiseProduct(factors.inverse_normaliser) / fit.lambda;  // V = c / (lambda h)

  if (o.refine || options.estimand == Estimand::att) {
    fit.estimate = detail::balance_on_attention_kernel(s, options, attention_kernel(keys), fit.lambda, "cina");  // dense kernel only here
  } else {
    fit.estimate = detail::start_estimate("cina", s, options);
    fit.clipped = detail::project_to_arms(fit.raw_weights, s, fit.estimate.weights, "CInA");
    fit.estimate.status.iterations = total;
    fit.estimate.status.residual = fit.objective;
    detail::finish_weighting_estimate(fit.estimate, s, options);
  }
  const Vector<Real> signed_weights = fit.estimate.weights.cwiseProduct(sign);
  fit.balance_mmd = std::sqrt(std::max(0.0, signed_weights.dot(factors.kernel_times(signed_weights))));
  return fit;
}

/// Single-dataset CInA's estimate alone (see `cina_fit`); with `options.bootstrap` > 0 the standard
/// error is the bootstrap's, each replicate retrained from the same seed.
/// Example: `auto r = causalattn::cina(data);`
template <class Scalar>
EffectEstimate cina(const TreatmentData<Scalar>& data, const EffectOptions& options = {}) {
  if (options.bootstrap > 0) {
    options.validate();
    return detail::bootstrap(data, options, [](const TreatmentData<Scalar>& d, const EffectOptions& o) { return cina(d, o); });
  }
  return cina_fit(data, options).estimate;
}

}  // namespace causalattn
