#pragma once
/// \file
/// Zero-shot CInA inference: one forward pass of a trained CInA-ZS model over a new data set gives
/// every unit's balancing weight; no optimisation, no outcome used for the weights.

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "causalattn/effects/detail/estimator_opening.hpp"
#include "causalattn/effects/cina_zs_model.hpp"
#include "causalattn/effects/detail/arm_models.hpp"
#include "causalattn/effects/detail/attention_balancing.hpp"
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

/// Most units `cina_zs` (ATE) and `cina_zs_logits` take: the forward pass is O(n^2) time in tiled
/// attention (29 ms at n = 2000 on one core, so over a minute at the limit); more are refused.
inline constexpr Index cina_zs_max_units = 100000;
/// Most units `cina_zs` takes for the ATT: kernel mean matching stores the n x n kernel (3.2 GB in
/// double at the limit); more are refused.
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

/// CInA-ZS's estimate on `data`.
/// - ATE (one forward pass): the model's raw weights a, tilted within each arm as
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
/// - ATT (documented variant, ours; the shipped model's value head was trained for the ATE): the
///   treated weigh 1 / n_1 and the controls are matched to them by kernel mean matching on the
///   model's balancing kernel (its keys, no forward pass through the encoder), solved exactly by SMO
///   with lambda = `options.lambda`, or lambda_relative x the kernel's mean diagonal. Memory O(n^2).
/// Standard error as for the other weighting estimators (sqrt(sum w_i^2 (Y_i - m_(T_i)(x_i))^2),
/// per-arm OLS on the covariates standardised as `options.standardize` says) and the balance
/// diagnostics; with `options.bootstrap` > 0 the bootstrap's standard error. Covariates enter the
/// model as z-scores (more than p_max reduced by PCA, see `cina_zs_covariates`, with a warning).
/// Time O(n^2 width layers) for the forward pass plus O(n p^2) for the SE; memory O(n width) (ATE).
/// More than `cina_zs_max_units` units (ATE) or `cina_zs_max_att_units` (ATT) are refused with
/// `invalid_input`.
/// Example:
/// \code
///   const auto model = causalattn::CinaZsModel<float>::load_default();
///   causalattn::EffectEstimate r = causalattn::cina_zs(model, data);
/// \endcode
template <class Scalar, class DataScalar>
EffectEstimate cina_zs(const CinaZsModel<Scalar>& model, const TreatmentData<DataScalar>& data, const EffectOptions& options = {}) {
  detail::check_cina_zs_units(data.x().rows(), options.estimand == Estimand::att);
  return detail::run_estimator(
      data, options, [&model](const auto& d, const auto& o) { return cina_zs(model, d, o); },
      [&](detail::Sample s) {
        const Index p_max = model.config().max_covariates;
        const std::string reduced =
            s.x.cols() <= p_max
                ? std::string()
                : "CInA-ZS's network reads at most " + std::to_string(p_max) + " covariates: the " + std::to_string(s.x.cols()) +
                      " covariates enter it as their leading principal components (z-scored), so what lies outside "
                      "them is not balanced by the network's weights";
        if (options.estimand == Estimand::att) {
          const Matrix<Scalar> tokens = cina_zs_tokens<Scalar>(cina_zs_covariates(data.x().template cast<double>(), p_max), s.t,
                                                               p_max);
          const AttentionKernel kernel = attention_kernel(model.keys_of(tokens).template cast<double>());
          const double lambda = options.lambda > 0 ? options.lambda
                                                   : model.config().lambda_relative * kernel.kernel.diagonal().mean();
          EffectEstimate matched = detail::balance_on_attention_kernel(s, options, kernel, lambda, "cina-zs");
          if (!reduced.empty()) matched.warnings.push_back(reduced);
          return matched;
        }
        EffectEstimate r = detail::start_estimate("cina-zs", s, options);
        if (!reduced.empty()) r.warnings.push_back(reduced + " (the calibration still balances every covariate)");
        const Vector<double> logits = cina_zs_logits(model, data.x().template cast<double>(), s.t);
        bool calibrated = false;
        const Index smallest_arm = Index(std::min(s.treated.size(), s.control.size()));
        const auto calibration = options.cina_zs_calibration;
        if (calibration != CinaZsCalibration::none && smallest_arm <= s.x.cols()) {
          r.warnings.push_back("CInA-ZS's calibration needs more units than covariates in each arm (smallest arm " +
                               std::to_string(smallest_arm) + ", covariates " + std::to_string(s.x.cols()) +
                               "); the network's weights are used uncalibrated");
        } else if (calibration != CinaZsCalibration::none) {
          const Vector<double> log_weights = logits.unaryExpr([](double z) { return detail::log_sigmoid(z); });
          // Tilts the network's weights to balance `features` (n x q) exactly; false if impossible.
          auto tilt = [&](const Matrix<double>& features, EffectEstimate& tilted) {
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
          const Matrix<double> moments = detail::calibration_features(s, calibration == CinaZsCalibration::means_and_variances);
          if (moments.cols() > s.x.cols() && tilt(moments, tilted)) {
            calibrated = true;
          } else if (tilt(s.x, tilted)) {
            calibrated = true;
            if (moments.cols() > s.x.cols()) {
              tilted.warnings.push_back(
                  "CInA-ZS's calibration could not balance the second moments of the " +
                  std::to_string(moments.cols() - s.x.cols()) +
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
      });
}

}  // namespace causalattn
