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
  Vector<double> predict(const Matrix<double>& x) const {
    return (x * coefficients.tail(coefficients.size() - 1)).array() + coefficients(0);
  }
  /// Gradient of a prediction with respect to the coefficients, (1, x). O(p).
  static Vector<double> design_row(const Eigen::Ref<const RowVector<double>>& x) {
    Vector<double> z(x.size() + 1);
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
template <typename = void>
LinearFit fit_linear(const Matrix<double>& x, const Vector<double>& y, double ridge = 0) {
  const Index n = x.rows(), k = x.cols() + 1;
  Matrix<double> z(n, k);
  z.col(0).setOnes();
  z.rightCols(k - 1) = x;
  Matrix<double> gram = Matrix<double>::Zero(k, k);
  gram.selfadjointView<Eigen::Lower>().rankUpdate(z.transpose());
  gram = gram.selfadjointView<Eigen::Lower>();
  gram.diagonal().tail(k - 1).array() += ridge;
  LinearFit fit;
  const Eigen::LLT<Matrix<double>> llt(gram);
  const double scale = std::max(1.0, gram.diagonal().maxCoeff());
  if (llt.info() == Eigen::Success && llt.matrixLLT().diagonal().minCoeff() > 1e-7 * std::sqrt(scale)) {
    fit.bread = llt.solve(Matrix<double>::Identity(k, k));
  } else {
    const Eigen::SelfAdjointEigenSolver<Matrix<double>> eigen(gram);
    const Vector<double> values = eigen.eigenvalues();
    const Vector<double> inverse = (values.array() > 1e-12 * scale).select(values.cwiseInverse(), 0.0);
    fit.bread = eigen.eigenvectors() * inverse.asDiagonal() * eigen.eigenvectors().transpose();
    fit.rank_deficient = true;
  }
  fit.coefficients = fit.bread * (z.transpose() * y);
  const Vector<double> residuals = y - z * fit.coefficients;
  const Matrix<double> scaled = z.array().colwise() * residuals.array();
  Matrix<double> meat = Matrix<double>::Zero(k, k);
  meat.selfadjointView<Eigen::Lower>().rankUpdate(scaled.transpose());
  fit.covariance = fit.bread * meat.selfadjointView<Eigen::Lower>() * fit.bread;
  return fit;
}

}  // namespace causalattn
