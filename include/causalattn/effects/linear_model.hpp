#pragma once
/// \file
/// Least squares with an intercept (OLS or ridge) and its HC0 sandwich covariance: the outcome
/// models of regression adjustment, AIPW and the weighting estimators' standard errors.

#include <algorithm>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>

#include "causalattn/core/scalar.hpp"

namespace causalattn {

/// A fitted linear model y ~ b0 + X b.
struct LinearFit {
  Vector<double> coefficients;  ///< (intercept, b_1, ..., b_p)
  /// (Z'Z + ridge D)^-1 with Z = [1 X] and D = diag(0, 1, ..., 1): a pseudo-inverse when singular.
  Matrix<double> bread;
  Matrix<double> covariance;    ///< HC0 sandwich: bread Z' diag(e^2) Z bread
  bool rank_deficient = false;  ///< collinear covariates: the minimum-norm solution was used

  /// Predictions b0 + X b for the rows of `x` (same columns as the fit). O(n p).
  template <typename Defer = void>
  Vector<double> predict(const Matrix<detail::deferred_t<Defer, double>>& x) const {
    const Vector<detail::deferred_t<Defer, double>>& c = coefficients;
    return (x * c.tail(c.size() - 1)).array() + c(0);
  }
  /// Gradient of a prediction with respect to the coefficients, (1, x). O(p).
  template <typename Defer = void>
  static Vector<double> design_row(const Eigen::Ref<const RowVector<detail::deferred_t<Defer, double>>>& x) {
    Vector<detail::deferred_t<Defer, double>> z(x.size() + 1);
    z(0) = 1;
    z.tail(x.size()) = x.transpose();
    return z;
  }
};

/// Fits y ~ b0 + X b by least squares with an L2 penalty `ridge` on b (not on b0). Solves the normal
/// equations by Cholesky; if Z'Z + ridge D is singular (collinear covariates, e.g. a dummy constant
/// within an arm) uses its eigen pseudo-inverse and sets `rank_deficient` (fitted values stay
/// unique). O(n p^2 + p^3).
/// Example: `auto fit = causalattn::fit_linear(X, y); auto yhat = fit.predict(X);`
template <typename Defer = void>
LinearFit fit_linear(const Matrix<detail::deferred_t<Defer, double>>& x, const Vector<detail::deferred_t<Defer, double>>& y,
                     double ridge = 0) {
  using Real = detail::deferred_t<Defer, double>;
  const Index n = x.rows(), k = x.cols() + 1;
  Matrix<Real> z(n, k);
  z.col(0).setOnes();
  z.rightCols(k - 1) = x;
  Matrix<Real> gram = Matrix<Real>::Zero(k, k);
  gram.template selfadjointView<Eigen::Lower>().rankUpdate(z.transpose());
  gram = gram.template selfadjointView<Eigen::Lower>();
  gram.diagonal().tail(k - 1).array() += ridge;
  detail::deferred_t<Defer, LinearFit> fit;
  const Eigen::LLT<Matrix<Real>> llt(gram);
  const double scale = std::max(1.0, gram.diagonal().maxCoeff());
  if (llt.info() == Eigen::Success && llt.matrixLLT().diagonal().minCoeff() > 1e-7 * std::sqrt(scale)) {
    fit.bread = llt.solve(Matrix<Real>::Identity(k, k));
  } else {
    const Eigen::SelfAdjointEigenSolver<Matrix<Real>> eigen(gram);
    const Vector<Real> values = eigen.eigenvalues();
    const Vector<Real> inverse = (values.array() > 1e-12 * scale).select(values.cwiseInverse(), 0.0);
    fit.bread = eigen.eigenvectors() * inverse.asDiagonal() * eigen.eigenvectors().transpose();
    fit.rank_deficient = true;
  }
  fit.coefficients = fit.bread * (z.transpose() * y);
  const Vector<Real> residuals = y - z * fit.coefficients;
  const Matrix<Real> scaled = z.array().colwise() * residuals.array();
  Matrix<Real> meat = Matrix<Real>::Zero(k, k);
  meat.template selfadjointView<Eigen::Lower>().rankUpdate(scaled.transpose());
  fit.covariance = fit.bread * meat.template selfadjointView<Eigen::Lower>() * fit.bread;
  return fit;
}

}  // namespace causalattn
