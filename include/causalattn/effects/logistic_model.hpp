#pragma once
/// \file
/// Logistic regression by Newton's method (IRLS) with an optional ridge penalty: the propensity
/// model of IPW and AIPW.

#include <algorithm>
#include <cmath>

#include <Eigen/Cholesky>

#include "causalattn/core/scalar.hpp"
#include "causalattn/effects/effect_estimate.hpp"

namespace causalattn {

/// A fitted logistic model P(T = 1 | x) = sigmoid(b0 + x'b).
struct LogisticFit {
  Vector<double> coefficients;  ///< (intercept, b_1, ..., b_p)
  Vector<double> probabilities; ///< fitted P(T = 1 | x_i) for the training rows
  /// Inverse of the penalised information (1/n) Z' diag(e (1 - e)) Z + (ridge / n) D, for the
  /// propensity part of influence functions.
  Matrix<double> inverse_information;
  double log_likelihood = 0;    ///< at the solution, without the penalty
  SolverStatus status;          ///< iterations, convergence, final gradient norm

  /// Linear predictors b0 + x'b for the rows of `x`. O(n p).
  template <typename Defer = void>
  Vector<double> linear_predictor(const Matrix<detail::deferred_t<Defer, double>>& x) const {
    const Vector<detail::deferred_t<Defer, double>>& c = coefficients;
    return (x * c.tail(c.size() - 1)).array() + c(0);
  }
  /// Probabilities for the rows of `x`, computed without overflow. O(n p).
  template <typename Defer = void>
  Vector<double> predict(const Matrix<detail::deferred_t<Defer, double>>& x) const {
    return linear_predictor<Defer>(x).unaryExpr([](double eta) { return sigmoid(eta); });
  }
  /// 1 / (1 + exp(-eta)) evaluated stably for either sign of eta.
  static double sigmoid(double eta) {
    if (eta >= 0) return 1 / (1 + std::exp(-eta));
    const double e = std::exp(eta);
    return e / (1 + e);
  }
};

/// Maximises sum_i [t_i eta_i - log(1 + exp(eta_i))] - (ridge / 2) ||b||^2 over (b0, b) by Newton's
/// method with step halving (the penalised log-likelihood never decreases beyond rounding); stops when the gradient's
/// infinity norm divided by n is below `tolerance`. The Hessian is factorised by Cholesky (LDLT as a
/// fallback). Without a penalty and with (quasi-)separated data the coefficients diverge: the fit
/// stops at `max_iterations` with `status.converged = false`. O(iterations x n p^2).
/// Example: `auto fit = causalattn::fit_logistic(X, t); double e0 = fit.probabilities(0);`
template <typename Defer = void>
LogisticFit fit_logistic(const Matrix<detail::deferred_t<Defer, double>>& x, const Vector<detail::deferred_t<Defer, double>>& t,
                         double ridge = 0, int max_iterations = 100,
                                double tolerance = 1e-10) {
  using Real = detail::deferred_t<Defer, double>;
  const Index n = x.rows(), k = x.cols() + 1;
  Matrix<Real> z(n, k);
  z.col(0).setOnes();
  z.rightCols(k - 1) = x;
  Vector<Real> penalty = Vector<Real>::Constant(k, ridge);
  penalty(0) = 0;
  detail::deferred_t<Defer, LogisticFit> fit;
  fit.coefficients = Vector<Real>::Zero(k);
  const double mean_t = t.mean();
  fit.coefficients(0) = std::log(mean_t / (1 - mean_t));  // the intercept-only optimum
  auto objective = [&](const Vector<Real>& beta) {
    const Vector<Real> eta = z * beta;
    double value = 0;
    for (Index i = 0; i < n; ++i) {
      const double softplus = eta(i) > 0 ? eta(i) + std::log1p(std::exp(-eta(i))) : std::log1p(std::exp(eta(i)));
      value += t(i) * eta(i) - softplus;
    }
    return value;
  };
  double current = objective(fit.coefficients);
  Matrix<Real> information(k, k);
  for (int iteration = 1;; ++iteration) {
    fit.probabilities = (z * fit.coefficients).unaryExpr([](double eta) { return LogisticFit::sigmoid(eta); });
    const Vector<Real> gradient = z.transpose() * (t - fit.probabilities) - penalty.cwiseProduct(fit.coefficients);
    const Vector<Real> curvature = fit.probabilities.array() * (1 - fit.probabilities.array());
    information.setZero();
    information.template selfadjointView<Eigen::Lower>().rankUpdate(
        (z.array().colwise() * curvature.array().sqrt()).matrix().transpose());
    information = information.template selfadjointView<Eigen::Lower>();
    information.diagonal() += penalty;
    fit.status.residual = gradient.cwiseAbs().maxCoeff() / double(n);
    fit.status.iterations = iteration - 1;
    if (fit.status.residual < tolerance) break;
    if (iteration > max_iterations) {
      fit.status.converged = false;
      break;
    }
    Vector<Real> step;
    const Eigen::LLT<Matrix<Real>> llt(information);
    if (llt.info() == Eigen::Success) step = llt.solve(gradient);
    else step = information.ldlt().solve(gradient);
    const double penalised = current - 0.5 * fit.coefficients.dot(penalty.cwiseProduct(fit.coefficients));
    double length = 1;
    bool moved = false;
    for (int halving = 0; halving < 40 && !moved; ++halving, length /= 2) {
      const Vector<Real> trial = fit.coefficients + length * step;
      const double value = objective(trial);
      // Accept any step that does not lose more than rounding noise (near the optimum a full Newton
      // step may evaluate a hair lower than the current point).
      if (value - 0.5 * trial.dot(penalty.cwiseProduct(trial)) >= penalised - 1e-12 * (1 + std::abs(penalised))) {
        fit.coefficients = trial;
        current = value;
        moved = true;
      }
    }
    if (!moved) {  // no step improves in floating point: the optimum up to rounding
      fit.status.converged = fit.status.residual < 1e-6;
      break;
    }
  }
  fit.log_likelihood = current;
  const Eigen::LDLT<Matrix<Real>> ldlt(information / double(n));
  fit.inverse_information = ldlt.solve(Matrix<Real>::Identity(k, k));
  return fit;
}

}  // namespace causalattn
