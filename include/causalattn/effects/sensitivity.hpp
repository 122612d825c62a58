#pragma once
/// \file
/// Sensitivity to an unobserved confounder Z: the omitted-variable-bias bounds of Cinelli and
/// Hazlett (2020, "Making sense of sensitivity", JRSS-B) for the regression Y ~ 1 + T + X, and the
/// E-value of VanderWeele and Ding (2017) for any effect estimate.

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Cholesky>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/detail/beta.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/core/scalar.hpp"
#include "causalattn/effects/effect_estimate.hpp"
#include "causalattn/effects/treatment_data.hpp"

namespace causalattn {

/// A covariate (or a group of covariates, such as the dummy columns of one categorical variable)
/// whose explanatory power bounds that of the confounder: "Z is k times as strong as it".
struct BenchmarkCovariate {
  std::string label;           ///< name used in the result
  std::vector<Index> columns;  ///< its columns of X (0-based)
};

/// Options of `omitted_variable_sensitivity`.
struct SensitivityOptions {
  /// The share of the estimate the confounder would have to remove to matter: q = 1 (default)
  /// asks what would bring the effect to 0. Range (0, 1e6].
  double q = 1;
  /// Significance level of RV_{q,alpha} and of the adjusted intervals; default 0.05, range (0, 1).
  double alpha = 0.05;
  /// Covariates to bound the confounder by; default none.
  std::vector<BenchmarkCovariate> benchmarks;
  /// Multiples k (k_D = k_Y = k) of each benchmark's strength; default {1, 2, 3}, each > 0.
  std::vector<double> multiples = {1, 2, 3};

  /// Throws `invalid_input` naming the option for a value out of range or a benchmark column
  /// outside [0, covariates). O(benchmark columns).
  void validate(Index covariates) const {
    if (!(q > 0 && q <= 1e6)) throw invalid_input("options.q", "is " + detail::to_text(q) + ", must lie in (0, 1e6]");
    if (!(alpha > 0 && alpha < 1)) throw invalid_input("options.alpha", "is " + detail::to_text(alpha) + ", must lie in (0, 1)");
    for (std::size_t k = 0; k < multiples.size(); ++k)
      if (!(multiples[k] > 0 && multiples[k] <= 1e6)) {
        throw invalid_input("options.multiples",
                            "entry " + std::to_string(k) + " is " + detail::to_text(multiples[k]) + ", must lie in (0, 1e6]");
      }
    for (const auto& b : benchmarks) {
      if (b.columns.empty()) throw invalid_input("options.benchmarks", "benchmark '" + b.label + "' names no column");
      std::vector<Index> sorted = b.columns;
      std::sort(sorted.begin(), sorted.end());
      if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
        throw invalid_input("options.benchmarks", "benchmark '" + b.label + "' names a column twice");
      }
      for (const Index j : b.columns)
        if (j < 0 || j >= covariates) {
          throw invalid_input("options.benchmarks", "benchmark '" + b.label + "' names column " + std::to_string(j) +
                                                        "; the data have " + std::to_string(covariates) + " covariates");
        }
    }
  }
};

/// The effect once a confounder k times as strong as a benchmark is adjusted for.
struct ConfounderBound {
  std::string benchmark;           ///< the benchmark's label
  double multiple = 1;             ///< k
  double r2_treatment = 0;         ///< bound on R^2 of T on Z given X
  double r2_outcome = 0;           ///< bound on R^2 of Y on Z given T and X
  double adjusted_estimate = 0;    ///< the estimate moved towards 0 by the largest bias such a Z allows
  double adjusted_std_error = 0;   ///< its standard error
  double adjusted_t = 0;           ///< adjusted_estimate / adjusted_std_error
  double ci_low = 0, ci_high = 0;  ///< its interval at 1 - alpha (Student t, dof - 1)
};

/// Result of `omitted_variable_sensitivity`.
struct OmittedVariableSensitivity {
  double estimate = 0;                  ///< the coefficient of T in Y ~ 1 + T + X (OLS)
  double std_error = 0;                 ///< its classical (homoscedastic) standard error
  double t_statistic = 0;               ///< estimate / std_error
  Index dof = 0;                        ///< residual degrees of freedom, n - p - 2
  double partial_r2 = 0;                ///< R^2 of Y on T given X: t^2 / (t^2 + dof)
  double robustness_value = 0;          ///< RV_q: the equal R^2 of Z with T and with Y that removes q of the estimate
  double robustness_value_alpha = 0;    ///< RV_{q,alpha}: the same for losing significance at alpha
  double q = 1, alpha = 0.05;           ///< the options used
  std::vector<ConfounderBound> bounds;  ///< one per benchmark and multiple, benchmarks outermost
  std::vector<std::string> warnings;    ///< the (benchmark, k) pairs that give no bound, and why
};

namespace detail {

/// Least squares of y on the columns of z (which hold the intercept) by Cholesky of z'z, with the
/// classical quantities the omitted-variable-bias formulas need. A template only so that its
/// Eigen code is compiled where it is used.
template <typename Defer = void>
struct ClassicalRegression {
  Eigen::LLT<Matrix<deferred_t<Defer, double>>> llt;  ///< of z'z
  Vector<double> beta;             ///< coefficients
  double rss = 0;                  ///< residual sum of squares
  Index dof = 0;                   ///< rows - columns

  /// The block [(z'z)^-1]_gg of the columns g. O(c k^2).
  Matrix<double> inverse_block(const std::vector<Index>& columns) const {
    const Index c = Index(columns.size());
    Matrix<double> units = Matrix<double>::Zero(beta.size(), c);
    for (Index a = 0; a < c; ++a) units(columns[std::size_t(a)], a) = 1;
    return units.transpose() * llt.solve(units);
  }
  /// Classical standard error of coefficient j, sqrt(rss / dof [(z'z)^-1]_jj). O(k^2).
  double std_error(Index j) const { return std::sqrt(rss / double(dof) * inverse_block({j})(0, 0)); }
  /// Rise of the RSS when the coefficients `columns` are dropped: b_g' [(z'z)^-1]_gg^-1 b_g. O(c^3 + c k^2).
  double explained(const std::vector<Index>& columns) const {
    Vector<double> b(Index(columns.size()));
    for (std::size_t a = 0; a < columns.size(); ++a) b(Index(a)) = beta(columns[a]);
    return b.dot(inverse_block(columns).llt().solve(b));
  }
  /// Partial R^2 of the columns with y given the other columns. O(c^3 + c k^2).
  double partial_r2(const std::vector<Index>& columns) const {
    const double e = explained(columns);
    return e / (e + rss);
  }
};

/// Fits y on z (n x k, the intercept a column of z); `what` names the regression in errors. Throws
/// `invalid_input` when z'z is singular (collinear covariates) or fewer than 2 residual degrees of
/// freedom remain. O(n k^2 + k^3).
template <typename Defer = void>
ClassicalRegression<Defer> classical_regression(const Matrix<deferred_t<Defer, double>>& z, const Vector<deferred_t<Defer, double>>& y,
                                         const std::string& what) {
  using Real = deferred_t<Defer, double>;
  const Index n = z.rows(), k = z.cols();
  if (n - k < 2) {
    throw invalid_input("x", what + " has " + std::to_string(k) + " coefficients for " + std::to_string(n) +
                                 " units; it needs at least 2 residual degrees of freedom");
  }
  Matrix<Real> gram = Matrix<Real>::Zero(k, k);
  gram.template selfadjointView<Eigen::Lower>().rankUpdate(z.transpose());
  ClassicalRegression<Defer> r;
  r.llt.compute(gram);
  // Scale-free rank test: L_jj^2 / gram_jj is 1 - R^2 of column j on the columns before it.
  const Vector<Real> unexplained = r.llt.matrixLLT().diagonal().array().square() / gram.diagonal().array();
  if (r.llt.info() != Eigen::Success || !(unexplained.minCoeff() > 1e-10)) {
    throw invalid_input("x", what +
                                 " is rank deficient: some covariates are collinear (a column repeating others, or a "
                                 "categorical level that coincides with another covariate); drop one");
  }
  r.beta = r.llt.solve(Vector<Real>(z.transpose() * y));
  r.rss = (y - z * r.beta).squaredNorm();
  r.dof = n - k;
  return r;
}

/// The robustness value for partial Cohen's f = `f` and critical f `critical`: the equal partial
/// R^2 r of Z with T and with Y at which the adjusted t-statistic reaches the critical value, i.e.
/// f - r / sqrt(1 - r) = critical; where f > 1 / critical the worst confounder is not of equal
/// strength and r = (f^2 - critical^2) / (1 + f^2). 0 when f <= critical. O(1).
inline double robustness_value(double f, double critical) {
  const double gap = f - critical;
  if (gap <= 0) return 0;
  if (critical > 0 && f > 1 / critical) return (f * f - critical * critical) / (1 + f * f);
  return 2 / (1 + std::sqrt(1 + 4 / (gap * gap)));  // = (sqrt(g^4 + 4 g^2) - g^2) / 2 without its cancellation for large g
}

}  // namespace detail

/// The estimate of `s` adjusted for a confounder Z with partial R^2 `r2_treatment` with T (given X)
/// and `r2_outcome` with Y (given T and X): the bias se sqrt(dof r2_outcome r2_treatment / (1 -
/// r2_treatment)) moves the estimate towards 0, the standard error becomes se sqrt((1 - r2_outcome)
/// / (1 - r2_treatment) dof / (dof - 1)) and the interval uses Student t with dof - 1 degrees of
/// freedom at the level 1 - s.alpha (Cinelli and Hazlett 2020, section 4). The result's benchmark is
/// "manual" and its multiple 0. Throws `invalid_input` unless both R^2 lie in [0, 1). O(1).
/// Example: `auto b = causalattn::confounder_adjustment(s, 0.05, 0.1);  // b.adjusted_estimate`
template <typename Defer = void>
ConfounderBound confounder_adjustment(const OmittedVariableSensitivity& s, double r2_treatment, double r2_outcome) {
  if (!(r2_treatment >= 0 && r2_treatment < 1)) {
    throw invalid_input("r2_treatment", "is " + detail::to_text(r2_treatment) + ", must lie in [0, 1)");
  }
  if (!(r2_outcome >= 0 && r2_outcome < 1))
    throw invalid_input("r2_outcome", "is " + detail::to_text(r2_outcome) + ", must lie in [0, 1)");
  if (s.dof < 2 || !(s.std_error > 0) || !(s.alpha > 0 && s.alpha < 1)) {
    throw invalid_input("s", "is not a result of omitted_variable_sensitivity (dof " + std::to_string(s.dof) + ", std_error " +
                                 detail::to_text(s.std_error) + ", alpha " + detail::to_text(s.alpha) + ")");
  }
  const double dof = double(s.dof), t_critical = detail::student_quantile_two_sided(s.alpha, dof - 1);
  ConfounderBound b;
  b.benchmark = "manual";
  b.multiple = 0;
  b.r2_treatment = r2_treatment;
  b.r2_outcome = r2_outcome;
  const double bias = s.std_error * std::sqrt(dof * r2_outcome * r2_treatment / (1 - r2_treatment));
  b.adjusted_estimate = s.estimate >= 0 ? s.estimate - bias : s.estimate + bias;
  b.adjusted_std_error = s.std_error * std::sqrt((1 - r2_outcome) / (1 - r2_treatment) * dof / (dof - 1));
  b.adjusted_t = b.adjusted_estimate / b.adjusted_std_error;
  b.ci_low = b.adjusted_estimate - t_critical * b.adjusted_std_error;
  b.ci_high = b.adjusted_estimate + t_critical * b.adjusted_std_error;
  return b;
}

/// Omitted-variable-bias sensitivity of the regression Y ~ 1 + T + X (the `ols` single-model
/// estimate): how strongly a confounder Z, orthogonal to X, would have to be associated with T and
/// with Y to remove the share q of the estimate (RV_q) or its significance at alpha (RV_{q,alpha}),
/// and the adjusted estimates when Z is as strong as k times a benchmark covariate (bounds of
/// Cinelli and Hazlett, 2020, section 6, in their partial R^2 form). The bias of a confounder with
/// partial R^2 values (r_y with Y, r_d with T) is se sqrt(dof r_y r_d / (1 - r_d)), and it is taken to
/// move the estimate towards 0. Throws `invalid_input` for bad options (`SensitivityOptions::validate`),
/// and a design that is rank deficient or leaves fewer than 2 residual degrees of freedom. A
/// benchmark and k so strong that the implied R^2 of Z with T or with Y reaches 1 give no bound and
/// a line in `warnings` naming them. Classical
/// standard errors, as the formulas need. O(n p^2 + p^3) for p covariates, plus O(g^3 + g p^2)
/// per benchmark of g columns.
/// Example:
/// \code
///   causalattn::SensitivityOptions o;
///   o.benchmarks = {{"female", {5}}};
///   auto s = causalattn::omitted_variable_sensitivity(data, o);  // s.robustness_value, s.bounds[0].adjusted_estimate
/// \endcode
template <class Scalar>
OmittedVariableSensitivity omitted_variable_sensitivity(const TreatmentData<Scalar>& data,
                                                        const SensitivityOptions& options = {}) {
  using Real = detail::deferred_t<Scalar, double>;
  options.validate(data.covariates());
  const Index n = data.units(), p = data.covariates();
  Matrix<Real> z(n, p + 2);
  z.col(0).setOnes();
  z.col(1) = data.t().template cast<double>();
  z.rightCols(p) = data.x().template cast<double>();
  const Vector<Real> y = data.y().template cast<double>();
  const detail::ClassicalRegression<Scalar> outcome = detail::classical_regression<Scalar>(z, y,
                                                                                   "the regression of the outcome on [1, T, X]");

  OmittedVariableSensitivity s;
  s.q = options.q;
  s.alpha = options.alpha;
  s.dof = outcome.dof;
  const double dof = double(s.dof);
  s.estimate = outcome.beta(1);
  s.std_error = outcome.std_error(1);
  if (!(s.std_error > 0)) {
    throw invalid_input("outcome",
                        "is fitted exactly by [1, T, X] (zero residuals): the standard error and the partial R^2 are undefined");
  }
  s.t_statistic = s.estimate / s.std_error;
  s.partial_r2 = s.t_statistic * s.t_statistic / (s.t_statistic * s.t_statistic + dof);
  const double f = options.q * std::abs(s.t_statistic) / std::sqrt(dof);
  const double t_critical = detail::student_quantile_two_sided(options.alpha, dof - 1);
  s.robustness_value = detail::robustness_value(f, 0);
  s.robustness_value_alpha = detail::robustness_value(f, t_critical / std::sqrt(dof - 1));
  if (options.benchmarks.empty()) return s;

  Matrix<Real> zx(n, p + 1);
  zx.col(0).setOnes();
  zx.rightCols(p) = z.rightCols(p);
  const Vector<Real> t = z.col(1);
  const detail::ClassicalRegression<Scalar> treatment = detail::classical_regression<Scalar>(zx, t, "the regression of T on [1, X]");
  for (const auto& benchmark : options.benchmarks) {
    std::vector<Index> in_outcome, in_treatment;
    for (const Index j : benchmark.columns) {
      in_outcome.push_back(j + 2);
      in_treatment.push_back(j + 1);
    }
    const double r2_dx = treatment.partial_r2(in_treatment), r2_yx = outcome.partial_r2(in_outcome);
    for (const double k : options.multiples) {
      const double r2_treatment = k * r2_dx / (1 - r2_dx);
      const double r2_zx = k * r2_dx * r2_dx / ((1 - k * r2_dx) * (1 - r2_dx));  // of Z with the benchmark, given T and the rest
      const std::string what = "k = " + detail::to_text(k) + " times benchmark '" + benchmark.label + "'";
      if (!(r2_treatment < 1) || !(r2_zx < 1)) {
        s.warnings.push_back(what + " implies a confounder that explains all of T: no bound (use a smaller k)");
        continue;
      }
      const double eta = (std::sqrt(k) + std::sqrt(r2_zx)) / std::sqrt(1 - r2_zx);
      const double r2_outcome = eta * eta * r2_yx / (1 - r2_yx);
      if (!(r2_outcome < 1)) {
        s.warnings.push_back(what +
                             " implies a confounder that explains all of the outcome's residual: no bound (use a smaller k)");
        continue;
      }
      ConfounderBound b = confounder_adjustment(s, r2_treatment, r2_outcome);
      b.benchmark = benchmark.label;
      b.multiple = k;
      s.bounds.push_back(b);
    }
  }
  return s;
}

/// The E-value of a risk ratio (VanderWeele and Ding 2017): the smallest strength, on the risk-ratio
/// scale, of a confounder's association with both T and Y that could explain the ratio away,
/// RR + sqrt(RR (RR - 1)) for RR >= 1 (1 / RR first when RR < 1). Throws `invalid_input` for a ratio
/// that is not positive and finite. O(1).
/// Example: `double e = causalattn::e_value_of_risk_ratio(3.9);  // 7.26`
template <typename Defer = void>
double e_value_of_risk_ratio(double risk_ratio) {
  if (!(risk_ratio > 0 && std::isfinite(risk_ratio))) {
    throw invalid_input("risk_ratio", "is " + detail::to_text(risk_ratio) + ", must be positive and finite");
  }
  const double rr = risk_ratio < 1 ? 1 / risk_ratio : risk_ratio;
  return rr + std::sqrt(rr * (rr - 1));
}

/// An effect estimate's E-values and the scale they were computed on.
struct EValue {
  std::string scale;      ///< "risk ratio" (binary outcome) or "standardized difference" (RR ~ exp(0.91 d))
  double risk_ratio = 1;  ///< the estimate on the risk-ratio scale
  double point = 1;       ///< E-value of the estimate
  double interval = 1;    ///< E-value of the interval limit nearest the null (1 when the interval holds it)
};

/// E-values of an effect estimate on the data it came from. A 0/1 outcome is put on the risk-ratio
/// scale with the control arm's mean p0 as the baseline, RR = (p0 + effect) / p0; any other outcome
/// (or a binary one whose p0 is 0 or 1 or whose implied risk is not positive) by the standardized
/// difference d = effect / sd(Y) and RR = exp(0.91 d) (VanderWeele and Ding 2017, their
/// approximation for continuous outcomes). The interval's E-value uses the limit of
/// [ci_low, ci_high] nearest 0 and is 1 when the interval contains 0. Throws `invalid_input` when the
/// estimate or its interval is not finite. O(n).
/// Example: `auto e = causalattn::e_value(causalattn::aipw(data), data);  // e.point, e.interval`
template <class Scalar>
EValue e_value(const EffectEstimate& estimate, const TreatmentData<Scalar>& data) {
  for (const auto& [name, v] : {std::pair<const char*, double>{"estimate.estimate", estimate.estimate},
                                {"estimate.ci_low", estimate.ci_low},
                                {"estimate.ci_high", estimate.ci_high}})
    if (!std::isfinite(v)) throw invalid_input(name, "is " + detail::to_text(v) + ", must be finite");
  const auto y = data.y().template cast<double>();
  const bool binary = ((y.array() == 0) || (y.array() == 1)).all();
  double p0 = 0;
  Index controls = 0;
  for (Index i = 0; i < data.units(); ++i)
    if (data.t()(i) == Scalar(0)) {
      p0 += y(i);
      ++controls;
    }
  p0 /= double(controls);
  const bool crosses = estimate.ci_low <= 0 && estimate.ci_high >= 0;
  const double nearest = estimate.estimate >= 0 ? std::max(estimate.ci_low, 0.0) : std::min(estimate.ci_high, 0.0);
  EValue e;
  if (binary && p0 > 0 && p0 < 1 && p0 + estimate.estimate > 0 && p0 + nearest > 0) {
    e.scale = "risk ratio";
    e.risk_ratio = (p0 + estimate.estimate) / p0;
    e.point = e_value_of_risk_ratio(e.risk_ratio);
    e.interval = crosses ? 1.0 : e_value_of_risk_ratio((p0 + nearest) / p0);
    return e;
  }
  const double sd = std::sqrt((y.array() - y.mean()).square().sum() / double(data.units() - 1));
  if (!(sd > 0)) throw invalid_input("outcome", "is constant: the standardized difference is undefined");
  e.scale = "standardized difference";
  e.risk_ratio = std::exp(0.91 * estimate.estimate / sd);
  e.point = e_value_of_risk_ratio(e.risk_ratio);
  e.interval = crosses ? 1.0 : e_value_of_risk_ratio(std::exp(0.91 * nearest / sd));
  return e;
}

}  // namespace causalattn
