#pragma once
/// \file
/// Zero-shot CInA inference: one forward pass of a trained CInA-ZS model over a new data set gives
/// every unit's balancing weight; no optimisation, no outcome used for the weights.

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "causalattn/effects/cate.hpp"
#include "causalattn/effects/cina_zs_model.hpp"
#include "causalattn/effects/detail/arm_models.hpp"
#include "causalattn/effects/detail/attention_balancing.hpp"
#include "causalattn/effects/detail/estimator_opening.hpp"
#include "causalattn/effects/outcome_head.hpp"
#include "causalattn/effects/solvers/calibration_tilt.hpp"

namespace causalattn {

namespace detail {

/// sigmoid(z) = 1 / (1 + exp(-z)) elementwise, in the form that neither overflows nor loses the
/// small values for either sign of z.
template <typename Defer = void>
Vector<double> sigmoid(const Vector<detail::deferred_t<Defer, double>>& z) {
  return z.unaryExpr([](double v) { return v >= 0 ? 1 / (1 + std::exp(-v)) : std::exp(v) / (1 + std::exp(v)); });
}

/// log sigmoid(z) = -log(1 + exp(-z)), without overflow or loss of the small values for either sign.
template <typename Defer = void>
double log_sigmoid(double z) {
  return z >= 0 ? -std::log1p(std::exp(-z)) : z - std::log1p(std::exp(z));
}

/// True when column `j` of `x` takes more than two distinct values on `rows`. O(|rows|).
template <typename Defer = void>
bool takes_three_values(const Matrix<detail::deferred_t<Defer, double>>& x, Index j, const std::vector<Index>& rows) {
  std::size_t other = 0;  // position in `rows` of a second value, 0 while none is seen
  for (std::size_t k = 1; k < rows.size(); ++k) {
    const double v = x(rows[k], j);
    if (v == x(rows[0], j) || (other > 0 && v == x(rows[other], j))) continue;
    if (other > 0) return true;
    other = k;
  }
  return false;
}

/// The functions of the covariates that CInA-ZS's calibration balances in each arm of `s`: the
/// columns of `s.x`, and with `second_moments` also the squared deviations from the mean of every
/// column that takes more than two distinct values in both arms (a column with two values in an
/// arm has a square affine in it there, so the arm's second moment could not be met), each square
/// z-scored for conditioning (balance does not depend on the scale). O(n p).
template <typename Defer = void>
Matrix<double> calibration_features(const detail::deferred_t<Defer, Sample>& s, bool second_moments) {
  using Real = detail::deferred_t<Defer, double>;
  const Matrix<Real>& x = s.x;
  if (!second_moments) return x;
  std::vector<Index> spread;
  for (Index j = 0; j < x.cols(); ++j)
    if (takes_three_values(x, j, s.treated) && takes_three_values(x, j, s.control)) spread.push_back(j);
  Matrix<Real> f(x.rows(), x.cols() + Index(spread.size()));
  f.leftCols(x.cols()) = x;
  for (std::size_t k = 0; k < spread.size(); ++k) {
    const Vector<Real> c = x.col(spread[k]).array() - x.col(spread[k]).mean();
    Vector<Real> square = c.cwiseAbs2();
    square.array() -= square.mean();
    const double sd = std::sqrt(square.squaredNorm() / double(x.rows()));
    f.col(x.cols() + Index(k)) = sd > 0 ? Vector<Real>(square / sd) : square;
  }
  return f;
}

}  // namespace detail

/// Most units the network's forward pass takes (`cina_zs_logits`, and `cina_zs` with the weighting
/// or doubly robust estimate): it is O(n^2) time in tiled attention (28 ms at n = 2000 on one core,
/// so over a minute at the limit); more are refused with `invalid_input`. The outcome head has its
/// own, linear bounds (`fit_outcome_head`).
/// Example: `if (n > causalattn::cina_zs_max_units) use_the_outcome_head();`
inline constexpr Index cina_zs_max_units = 100000;
/// Most units `cina_zs` takes for the weighting ATT: kernel mean matching stores the n x n kernel
/// (3.2 GB in double at the limit); more are refused with `invalid_input`.
/// Example: `bool fits = n <= causalattn::cina_zs_max_att_units;`
inline constexpr Index cina_zs_max_att_units = 20000;

namespace detail {

/// Throws `invalid_input` naming `data` when n exceeds the limit of the CInA-ZS path. O(1).
template <typename Defer = void>
void check_cina_zs_units(Index n, bool att) {
  const Index limit = att ? cina_zs_max_att_units : cina_zs_max_units;
  if (n > limit) {
    throw invalid_input("data", "has " + std::to_string(n) + " units; CInA-ZS takes at most " + std::to_string(limit) +
                                    (att ? " for the ATT (kernel mean matching stores the n x n kernel)"
                                         : " (its forward pass costs O(n^2) time)"));
  }
}

}  // namespace detail

/// The logits z_i of the balancing weights alpha_i = sigmoid(z_i) that `model` gives the units of
/// (x, t) in one forward pass over their tokens (`cina_zs_covariates`, `cina_zs_tokens`). The model
/// is copied, so this is const and thread-safe. Memory O(n width) (tiled attention); time
/// O(n^2 width layers). Example: `Vector<double> z = causalattn::cina_zs_logits(model, x, t);`
template <class Scalar>
Vector<double> cina_zs_logits(const CinaZsModel<Scalar>& model, const Matrix<double>& x, const Vector<double>& t) {
  detail::check_cina_zs_units(x.rows(), false);
  const Index p_max = model.config().max_covariates;
  const Matrix<Scalar> tokens = cina_zs_tokens<Scalar>(cina_zs_covariates(x, p_max), t, p_max);
  CinaZsModel<Scalar> work = model;
  return work.forward(tokens, SequenceLayout::single(tokens.rows())).template cast<double>();
}

/// The raw balancing weights alpha_i = sigmoid(z_i) of `cina_zs_logits`. Same cost.
/// Example: `Vector<double> a = causalattn::cina_zs_raw_weights(model, x, t);`
template <class Scalar>
Vector<double> cina_zs_raw_weights(const CinaZsModel<Scalar>& model, const Matrix<double>& x, const Vector<double>& t) {
  return detail::sigmoid(cina_zs_logits(model, x, t));
}

namespace detail {

/// CInA-ZS's weighting estimate on the sample `s` of `data` (the calibrated network weights for the
/// ATE, kernel mean matching for the ATT; see `cina_zs`).
template <class Scalar, class DataScalar>
EffectEstimate cina_zs_weighting(const CinaZsModel<Scalar>& model, const TreatmentData<DataScalar>& data, detail::Sample& s,
                                 const EffectOptions& options) {
  using Real = detail::deferred_t<Scalar, double>;
  const Index p_max = model.config().max_covariates;
  const std::string reduced =
      s.x.cols() <= p_max
          ? std::string()
          : "CInA-ZS's network reads at most " + std::to_string(p_max) + " covariates: the " + std::to_string(s.x.cols()) +
                " covariates enter it as their leading principal components (z-scored), so what lies outside "
                "them is not balanced by the network's weights";
  if (options.estimand == Estimand::att) {
    const Matrix<Scalar> tokens = cina_zs_tokens<Scalar>(cina_zs_covariates(data.x().template cast<double>(), p_max), s.t, p_max);
    const detail::deferred_t<Scalar, AttentionKernel> kernel = attention_kernel(model.keys_of(tokens).template cast<double>());
    const double lambda = options.lambda > 0 ? options.lambda : model.config().lambda_relative * kernel.kernel.diagonal().mean();
    EffectEstimate matched = detail::balance_on_attention_kernel(s, options, kernel, lambda, "cina-zs");
    if (!reduced.empty()) matched.warnings.push_back(reduced);
    return matched;
  }
  EffectEstimate r = detail::start_estimate("cina-zs", s, options);
  if (!reduced.empty()) r.warnings.push_back(reduced + " (the calibration still balances every covariate)");
  const Vector<Real> logits = cina_zs_logits(model, data.x().template cast<double>(), s.t);
  bool calibrated = false;
  const Index smallest_arm = Index(std::min(s.treated.size(), s.control.size()));
  const auto calibration = options.cina_zs_calibration;
  if (calibration != CinaZsCalibration::none && smallest_arm <= s.x.cols()) {
    r.warnings.push_back("CInA-ZS's calibration needs more units than covariates in each arm (smallest arm " +
                         std::to_string(smallest_arm) + ", covariates " + std::to_string(s.x.cols()) +
                         "); the network's weights are used uncalibrated");
  } else if (calibration != CinaZsCalibration::none) {
    const Vector<Real> log_weights = logits.unaryExpr([](double z) { return detail::log_sigmoid(z); });
    // Tilts the network's weights to balance `features` (n x q) exactly; false if impossible.
    auto tilt = [&](const Matrix<Real>& features, EffectEstimate& tilted) {
      if (smallest_arm <= features.cols()) return false;
      detail::Sample balanced = s;
      balanced.x = features;
      tilted = r;
      detail::tilt_arms_to_means(tilted, balanced, features.colwise().mean(), options, log_weights, false,
                                 "CInA-ZS's calibration");
      tilted.warnings = r.warnings;  // its own warning is replaced by the ones below
      return tilted.status.converged;
    };
    EffectEstimate tilted;
    // `tilted` is always assigned below: tilt(s.x) cannot return before it, as the guard above
    // ensures both arms have more units than covariates.
    const Matrix<Real> moments = detail::calibration_features(s, calibration == CinaZsCalibration::means_and_variances);
    if (moments.cols() > s.x.cols() && tilt(moments, tilted)) {
      calibrated = true;
    } else if (tilt(s.x, tilted)) {
      calibrated = true;
      if (moments.cols() > s.x.cols()) {
        tilted.warnings.push_back(
            "CInA-ZS's calibration could not balance the second moments of the " + std::to_string(moments.cols() - s.x.cols()) +
            " non-binary covariates exactly (the target lies outside an arm's convex hull, or an arm has no "
            "more units than balanced functions); it balances the means alone");
      }
    }
    if (calibrated) {
      r = std::move(tilted);
    } else {
      r.status = tilted.status;  // the calibration's, so callers see it did not converge
      r.warnings.push_back("CInA-ZS's calibration did not reach exact balance of the covariate means (largest mean gap " +
                           detail::rounded(tilted.status.residual) + " standard deviations after " +
                           std::to_string(tilted.status.iterations) +
                           " Newton iterations: the means of all units lie outside or on the edge of an arm's convex hull, "
                           "or options.max_iterations ran out); the network's weights are used uncalibrated");
    }
  }
  if (!calibrated) detail::project_to_arms(detail::sigmoid(logits), s, r.weights, "CInA-ZS");
  detail::finish_weighting_estimate(r, s, options);
  return r;
}

/// The outcome head's fit on `data` (raw covariates, not `options.standardize`d: the head z-scores).
template <class Scalar, class DataScalar>
OutcomeHeadFit cina_zs_outcome_fit(const CinaZsModel<Scalar>& model, const TreatmentData<DataScalar>& data) {
  return fit_outcome_head(*model.outcome_head(), Matrix<double>(data.x().template cast<double>()),
                          Vector<double>(data.t().template cast<double>()), Vector<double>(data.y().template cast<double>()));
}

/// `options.cina_zs_estimate` resolved against the model: `automatic` becomes `outcome_head` when the
/// model has one and `weighting` otherwise; asking for the head of a model without one throws
/// `invalid_input` naming `model`.
template <class Scalar>
CinaZsEstimate resolve_cina_zs_estimate(const CinaZsModel<Scalar>& model, const EffectOptions& options) {
  const bool head = model.outcome_head() != nullptr;
  if (options.cina_zs_estimate == CinaZsEstimate::automatic)
    return head ? CinaZsEstimate::outcome_head : CinaZsEstimate::weighting;
  if (options.cina_zs_estimate != CinaZsEstimate::weighting && !head) {
    throw invalid_input(
        "model", "has no outcome head (a version-1 model file), so options.cina_zs_estimate must be weighting or automatic");
  }
  if (options.cina_zs_estimate == CinaZsEstimate::doubly_robust && options.estimand == Estimand::att) {
    throw invalid_input("options.cina_zs_estimate", "doubly_robust is for the ATE; the ATT uses outcome_head or weighting");
  }
  return options.cina_zs_estimate;
}

}  // namespace detail

/// CInA-ZS's estimate on `data`, as `options.cina_zs_estimate` says (default `automatic`: the
/// outcome head when the model has one, else the weighting estimate):
/// - **outcome head** (no forward pass through the network): the head's plug-in, the mean of
///   mu1 - mu0 (ATE) or of Y - mu0 over the treated (ATT), with its influence-function standard
///   error (`fit_outcome_head`); no weights; balance diagnostics before weighting. It reads every
///   covariate (no PCA). Time O(n m^2 + m^3), m = 1 + (p + 2)(1 + k).
/// - **doubly robust** (ATE): the plug-in plus sum_T w (Y - mu1) - sum_C w (Y - mu0) with the
///   calibrated weights w of the weighting estimate; standard error from the influence function
///   (mu1 - mu0 - tau) / n + s_i w_i (e_i - sum over i's arm of w e), e = Y - mu_(T_i), tau this estimate.
/// - **weighting**:
///   - ATE (one forward pass): the model's raw weights a, tilted within each arm as
///   `options.cina_zs_calibration` says: to exact balance of the covariate means and second moments
///   (the default; `calibration_features`), of the means, or not at all (then normalised per arm):
///   w_i proportional to a_i exp(l' f(x_i)), Newton on the convex dual as in `entropy_balancing`.
///   The estimate is sum_T w Y - sum_C w Y. When balancing the second moments does not converge
///   (the target outside an arm's convex hull, where the dual diverges, or `options.max_iterations`
///   spent) or an arm has no more units than balanced functions, the means alone are balanced, with
///   a warning; when that fails too, the uncalibrated weights are used, `status` reports the
///   failure and a warning says why. An arm with no more units than covariates is not calibrated
///   at all (a warning says so; `status` stays that of the estimator, converged). The calibration costs
///   O(iterations n p^2), a few iterations when the target is well inside both arms' hulls.
///   - ATT (documented variant, ours; the shipped model's value head was trained for the ATE): the
///   treated weigh 1 / n_1 and the controls are matched to them by kernel mean matching on the
///   model's balancing kernel (its keys, no forward pass through the encoder), solved exactly by SMO
///   with lambda = `options.lambda`, or lambda_relative x the kernel's mean diagonal. Memory O(n^2).
/// Standard error as for the other weighting estimators (sqrt(sum w_i^2 (Y_i - m_(T_i)(x_i))^2),
/// per-arm OLS on the covariates standardised as `options.standardize` says) and the balance
/// diagnostics; with `options.bootstrap` > 0 the bootstrap's standard error. Covariates enter the
/// model as z-scores (more than p_max reduced by PCA, see `cina_zs_covariates`, with a warning).
/// Time O(n^2 width layers) for the forward pass plus O(n p^2) for the SE; memory O(n width) (ATE).
/// With the weighting or doubly robust estimate, more than `cina_zs_max_units` units (or
/// `cina_zs_max_att_units` for the weighting ATT) are refused with `invalid_input`; the outcome
/// head's bounds are `fit_outcome_head`'s.
/// Example:
/// \code
///   const auto model = causalattn::CinaZsModel<float>::load_default();
///   causalattn::EffectEstimate r = causalattn::cina_zs(model, data);
/// \endcode
template <class Scalar, class DataScalar>
EffectEstimate cina_zs(const CinaZsModel<Scalar>& model, const TreatmentData<DataScalar>& data, const EffectOptions& options = {}) {
  options.validate();
  const CinaZsEstimate mode = detail::resolve_cina_zs_estimate(model, options);
  if (mode != CinaZsEstimate::outcome_head) {
    detail::check_cina_zs_units(data.x().rows(), options.estimand == Estimand::att && mode == CinaZsEstimate::weighting);
  }
  return detail::run_estimator(
      data, options, [&model](const auto& d, const auto& o) { return cina_zs(model, d, o); },
      [&](detail::Sample s) {
        if (mode == CinaZsEstimate::weighting) return detail::cina_zs_weighting(model, data, s, options);
        const OutcomeHeadFit fit = detail::cina_zs_outcome_fit(model, data);
        if (mode == CinaZsEstimate::outcome_head) {
          EffectEstimate r = detail::start_estimate("cina-zs", s, options);
          const bool att = options.estimand == Estimand::att;
          r.estimate = att ? fit.att : fit.ate;
          detail::set_normal_interval(r, att ? fit.att_std_error : fit.ate_std_error, "influence function (outcome head)");
          detail::fill_balance(r, s, {});
          return r;
        }
        EffectEstimate r = detail::cina_zs_weighting(model, data, s, options);
        // tau = mean(mu1 - mu0) + sum_T w e - sum_C w e; influence (mu1 - mu0 - tau) / n + s_i w_i (e_i - sum_arm w e).
        Vector<double> residual(s.units());
        double weighted[2] = {0, 0};
        for (Index i = 0; i < s.units(); ++i) {
          residual(i) = s.y(i) - (s.t(i) == 1 ? fit.mu1(i) : fit.mu0(i));
          weighted[s.t(i) == 1] += r.weights(i) * residual(i);
        }
        r.estimate = fit.ate + weighted[1] - weighted[0];
        Vector<double> influence = (fit.mu1 - fit.mu0).array() - r.estimate;
        influence /= double(s.units());
        for (Index i = 0; i < s.units(); ++i) {
          const int arm = s.t(i) == 1;
          influence(i) += (arm ? 1.0 : -1.0) * r.weights(i) * (residual(i) - weighted[arm]);
        }
        detail::set_normal_interval(r, influence.norm(), "influence function (outcome head and calibrated weights)");
        return r;
      });
}

/// CInA-ZS's per-unit effects: mu1(x_i) - mu0(x_i) from the model's outcome head for every unit of
/// `data`, with per-unit standard errors (`fit_outcome_head`); `average` is the ATE plug-in.
/// Throws `invalid_input` naming `model` when it has no outcome head (a version-1 model file:
/// its balancing weights give no per-unit effects), and for data beyond the head's bounds. Runs on
/// the calling thread (the result is the same for any `options.threads`). O(n m^2 + m^3).
/// Example: `auto cate = causalattn::cina_zs_cate(causalattn::CinaZsModel<float>::load_default(), data);`
template <class Scalar, class DataScalar>
CateEstimate cina_zs_cate(const CinaZsModel<Scalar>& model, const TreatmentData<DataScalar>& data,
                          const EffectOptions& options = {}) {
  options.validate();
  if (!model.outcome_head()) {
    throw invalid_input("model", "has no outcome head (a version-1 model file): its balancing weights give no per-unit effects");
  }
  const OutcomeHeadFit fit = detail::cina_zs_outcome_fit(model, data);
  CateEstimate r;
  r.method = "cina-zs-outcome-head";
  r.effect = fit.mu1 - fit.mu0;
  r.std_error = fit.cate_std_error;
  r.average = fit.ate;
  return r;
}

}  // namespace causalattn
