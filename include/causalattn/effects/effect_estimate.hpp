#pragma once
/// \file
/// What every treatment-effect estimator returns: the estimate with its uncertainty, the weights it
/// put on the units, how its solver ended and balance / overlap diagnostics.

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "causalattn/core/scalar.hpp"
#include "causalattn/effects/treatment_data.hpp"

namespace causalattn {

/// Overlap of the estimated propensity scores (filled by the propensity-based estimators).
struct OverlapSummary {
  bool available = false;        ///< false when the method fits no propensity model
  double min_treated = 0, max_treated = 0;  ///< range of e(x) over treated units
  double min_control = 0, max_control = 0;  ///< range of e(x) over control units
  Index extreme = 0;             ///< units with e(x) < 0.01 or > 0.99
  double share_outside = 0;      ///< share of units with e(x) outside [0.05, 0.95]
  /// Crump et al. (2009)'s trimming suggestion: keep the units with e(x) in [a, 1 - a]; 0 when
  /// the rule keeps every unit (see `crump_threshold`).
  double crump_threshold = 0;
  Index crump_dropped = 0;       ///< units the suggestion would drop
  Index clipped = 0;             ///< units whose propensity was clipped
  Index trimmed = 0;             ///< units dropped by trimming
};

/// Balance and weight diagnostics. Standardised mean differences use the unweighted pooled standard
/// deviation sqrt((s_t^2 + s_c^2) / 2) in both columns, so "after" is comparable with "before".
struct BalanceDiagnostics {
  Vector<double> smd_before;  ///< per covariate, unweighted treated minus control means / pooled sd
  Vector<double> smd_after;   ///< the same with the estimator's weights (empty without weights)
  /// Per covariate, treated over control variance (unweighted sample variances); ideal 1, and
  /// outside [0.5, 2] a warning sign (Rubin 2001). +infinity when only the control arm is constant.
  Vector<double> variance_ratio_before;
  /// The same with the estimator's weights (reliability-weighted variances; empty without weights).
  Vector<double> variance_ratio_after;
  /// Effective sample size (sum w)^2 / sum w^2 of the treated arm's weights; absent when the method
  /// has no unit weights (OLS). For AIPW, of its inverse-propensity weights on the residuals.
  std::optional<double> ess_treated;
  std::optional<double> ess_control;  ///< the same for the control arm
  std::optional<double> max_weight;   ///< largest share of its arm's weight that one unit carries
  OverlapSummary overlap;     ///< propensity overlap, when a propensity model was fitted
};

/// How the estimator's iterative solver (logistic IRLS, Newton for entropy balancing, SMO) ended.
struct SolverStatus {
  bool converged = true;      ///< false if the iteration limit was reached first
  long long iterations = 0;   ///< iterations used (0 for closed forms)
  double residual = 0;        ///< final optimality measure (gradient norm, KKT gap); 0 for closed forms
};

/// The result of an estimator.
///
/// `weights` (when the method has them) satisfy estimate = sum over treated w_i Y_i - sum over
/// controls w_i Y_i, each arm's weights summing to 1 (the Horvitz-Thompson forms excepted). The
/// interval is estimate +- z_(1+level)/2 std_error, or the bootstrap percentile interval.
struct EffectEstimate {
  std::string method;             ///< "naive", "ols", "ipw", "aipw", "ebal", "balance", "cina" or "cina-zs"
  Estimand estimand = Estimand::ate;
  double estimate = 0;            ///< the effect
  double std_error = 0;           ///< standard error (influence function, sandwich or bootstrap)
  double ci_low = 0, ci_high = 0; ///< confidence interval at `confidence`
  double confidence = 0.95;       ///< level of the interval
  Index n_treated = 0, n_control = 0;  ///< units in each arm that entered the estimate
  Vector<double> weights;         ///< per-unit weights (empty for regression and AIPW)
  SolverStatus status;            ///< convergence of the iterative part
  BalanceDiagnostics diagnostics; ///< balance, effective sample sizes, overlap
  std::vector<std::string> warnings;  ///< conditions a user should know about (extreme weights, ...)
  std::string std_error_method;   ///< how std_error was obtained, e.g. "influence function"
};

}  // namespace causalattn
