#pragma once
/// \file
/// Options shared by the treatment-effect estimators (each reads the fields that concern it).

#include <cstdint>
#include <functional>
#include <string>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/effects/cina_options.hpp"
#include "causalattn/effects/solvers/gram.hpp"
#include "causalattn/effects/solvers/smo.hpp"
#include "causalattn/effects/treatment_data.hpp"

namespace causalattn {

/// Horvitz-Thompson (weights 1/e, not normalised) or Hajek (weights normalised within each arm).
enum class IpwForm { horvitz_thompson, hajek };

/// Outcome regression: one OLS per arm (default) or a single model Y ~ 1 + T + X.
enum class OutcomeModel { per_arm, single };

/// How kernel balancing chooses its ATE weights (see `kernel_balancing`).
enum class KernelAteWeights {
  full_sample,  ///< each arm balanced to the kernel mean of all units (Kallus 2020): the sample ATE (default)
  svm_dual      ///< the SVM dual of the treated-minus-control imbalance (Tarr and Imai; CInA's dual): drops
                ///< units beyond the margin, so it estimates an overlap-weighted effect, not the ATE
};

/// What CInA-ZS's ATE calibration balances exactly within each arm (see `cina_zs`).
enum class CinaZsCalibration {
  none,                 ///< the network's weights, projected per arm
  means,                ///< the covariate means
  means_and_variances,  ///< the means and the second moments (falling back to the means alone)
};

/// What `cina_zs` estimates with (see `cina_zs`).
/// Example: `options.cina_zs_estimate = causalattn::CinaZsEstimate::doubly_robust;`
enum class CinaZsEstimate {
  automatic,      ///< the outcome head when the model has one, else weighting
  outcome_head,   ///< the outcome head's plug-in (no forward pass through the network)
  weighting,      ///< the network's calibrated balancing weights (ATT: kernel mean matching)
  doubly_robust,  ///< ATE: the outcome head's plug-in plus the calibrated weights' sum of residuals
};

/// Options of the estimators. The defaults are the textbook specification: standardised covariates,
/// unpenalised logistic propensity and OLS, no clipping or trimming, no cross-fitting, analytic
/// standard errors, a 95% interval.
struct EffectOptions {
  Estimand estimand = Estimand::ate;        ///< ATE or ATT
  double confidence = 0.95;                 ///< level of the interval, in (0, 1)
  bool standardize = true;                  ///< z-score the covariates first (matters with ridge / kernels)
  double ridge = 0;                         ///< L2 penalty of the outcome and propensity models (not on intercepts)
  double clip = 0;                          ///< clip propensities into [clip, 1 - clip]; 0 = off; < 0.5
  double trim = 0;                          ///< drop units with propensity outside [trim, 1 - trim]; 0 = off; < 0.5
  IpwForm ipw_form = IpwForm::hajek;        ///< IPW weights normalised (Hajek) or not (Horvitz-Thompson)
  OutcomeModel outcome_model = OutcomeModel::per_arm;  ///< regression adjustment's model
  int folds = 1;                            ///< AIPW cross-fitting folds; 1 = none (use 5 with flexible or ridge models)
  int bootstrap = 0;                        ///< bootstrap replicates for the standard error; 0 = analytic
  std::uint64_t seed = 20261122;            ///< seed of the folds and the bootstrap
  int threads = 0;                          ///< threads for the bootstrap and kernels; 0 = all
  /// Stop the bootstrap and CInA's training with `budget_exceeded` after this many seconds; 0 = no limit.
  double max_seconds = 0;
  /// Called about once a second by the bootstrap (stage "bootstrap", replicates) and CInA's training
  /// (stage "CInA training", epochs) with (stage, done, total); empty = silent.
  std::function<void(const std::string& stage, long long done, long long total)> progress;
  int max_iterations = 100;                 ///< Newton iterations of the logistic and entropy-balancing fits
  double tolerance = 1e-10;                 ///< their convergence tolerance (gradient norm)
  KernelSpec kernel;                        ///< kernel balancing's kernel (default RBF, gamma = 1/p)
  /// Kernel balancing's and CInA's trade-off between imbalance and weight dispersion; 0 (default) =
  /// 0.1 x the mean diagonal of the Gram matrix (for CInA, of the attention kernel at
  /// initialisation); the problem is scale-free in kernel x lambda.
  double lambda = 0;
  KernelAteWeights kernel_ate_weights = KernelAteWeights::full_sample;  ///< kernel balancing's ATE weights
  CinaOptions cina;                         ///< single-dataset CInA's key map and training
  /// CInA-ZS's ATE: tilt the network's weights a within each arm to exact balance of the covariate
  /// means (and by default their second moments), w_i proportional to a_i exp(l' f(x_i)) (the least
  /// KL change of a that balances f; calibration weighting with the network as base measure).
  CinaZsCalibration cina_zs_calibration = CinaZsCalibration::means_and_variances;
  CinaZsEstimate cina_zs_estimate = CinaZsEstimate::automatic;  ///< CInA-ZS's estimate: outcome head, weighting or both
  SmoOptions smo = [] {
    SmoOptions o;
    o.tolerance = 1e-6;  // KKT gap of the balancing dual: weights accurate to ~1e-6
    return o;
  }();

  /// Throws `invalid_input` naming the first bad option.
  void validate() const {
    if (!(confidence > 0 && confidence < 1)) throw invalid_input("options.confidence", "is " + detail::to_text(confidence) + ", must lie in (0, 1)");
    if (!(ridge >= 0) || !std::isfinite(ridge)) throw invalid_input("options.ridge", "is " + detail::to_text(ridge) + ", must be >= 0");
    if (!(clip >= 0 && clip < 0.5)) throw invalid_input("options.clip", "is " + detail::to_text(clip) + ", must lie in [0, 0.5)");
    if (!(trim >= 0 && trim < 0.5)) throw invalid_input("options.trim", "is " + detail::to_text(trim) + ", must lie in [0, 0.5)");
    if (folds < 1) throw invalid_input("options.folds", "is " + std::to_string(folds) + ", must be >= 1");
    if (static_cast<int>(cina_zs_estimate) < 0 || static_cast<int>(cina_zs_estimate) > 3) {
      throw invalid_input("options.cina_zs_estimate", "is " + std::to_string(static_cast<int>(cina_zs_estimate)) +
                                                          ", not automatic, outcome_head, weighting or doubly_robust");
    }
    if (bootstrap < 0) throw invalid_input("options.bootstrap", "is " + std::to_string(bootstrap) + ", must be >= 0");
    if (threads < 0) throw invalid_input("options.threads", "is " + std::to_string(threads) + ", must be >= 0");
    if (!(max_seconds >= 0) || !std::isfinite(max_seconds)) {
      throw invalid_input("options.max_seconds", "is " + detail::to_text(max_seconds) + ", must be finite and >= 0 (0 = no limit)");
    }
    if (max_iterations < 1) throw invalid_input("options.max_iterations", "is " + std::to_string(max_iterations) + ", must be >= 1");
    if (!(tolerance > 0)) throw invalid_input("options.tolerance", "is " + detail::to_text(tolerance) + ", must be > 0");
    if (!(lambda >= 0) || !std::isfinite(lambda)) throw invalid_input("options.lambda", "is " + detail::to_text(lambda) + ", must be >= 0 (0 = default rule)");
    kernel.validate();
    cina.validate();
    smo.validate();
  }
};

}  // namespace causalattn
