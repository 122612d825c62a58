#pragma once
/// \file
/// Errors of estimated treatment effects against known true effects: absolute ATE error, its mean
/// over several estimates, and PEHE for individual (heterogeneous) effects.

#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"

namespace causalattn {
namespace detail {

/// Throws `invalid_input(argument, ...)` unless `value` is finite. O(1).
template <typename = void>
void check_finite_value(const std::string& argument, double value) {
  if (!std::isfinite(value)) throw invalid_input(argument, "is " + to_text(value) + ", must be finite");
}

}  // namespace detail

/// Absolute error |estimate - truth| of one average treatment effect (ATE) estimate.
/// \param estimate the estimated ATE, finite (else `invalid_input` naming "estimate").
/// \param truth    the true ATE, finite (else `invalid_input` naming "truth").
/// Complexity O(1).
/// Example: `double e = causalattn::ate_absolute_error(1.25, 1.0);  // 0.25`
template <typename = void>
double ate_absolute_error(double estimate, double truth) {
  detail::check_finite_value("estimate", estimate);
  detail::check_finite_value("truth", truth);
  const double error = std::abs(estimate - truth);
  if (!std::isfinite(error)) throw numerical_error("ate_absolute_error: |estimate - truth| overflows double");
  return error;
}

/// Mean absolute ATE error (1/m) sum_k |estimates[k] - truths[k]|, e.g. over m simulated data sets
/// or m treatment contrasts.
/// \param estimates the estimated ATEs: non-empty, all finite (else `invalid_input` naming the index).
/// \param truths    the true ATEs, same length as `estimates` (else `invalid_input`), all finite.
/// Complexity O(m).
/// Example: `double e = causalattn::mean_absolute_ate_error({1.0, 2.5}, {1.5, 2.0});  // 0.5`
template <typename = void>
double mean_absolute_ate_error(const std::vector<double>& estimates, const std::vector<double>& truths) {
  if (estimates.empty()) throw invalid_input("estimates", "is empty; at least one estimate is needed");
  if (truths.size() != estimates.size()) {
    throw invalid_input("truths", "has " + std::to_string(truths.size()) + " entries but estimates has " +
                                      std::to_string(estimates.size()) + "; they must match");
  }
  double sum = 0.0;
  for (std::size_t k = 0; k < estimates.size(); ++k) {
    const std::string at = " at index " + std::to_string(k);
    if (!std::isfinite(estimates[k])) {
      throw invalid_input("estimates", "non-finite value " + detail::to_text(estimates[k]) + at);
    }
    if (!std::isfinite(truths[k])) {
      throw invalid_input("truths", "non-finite value " + detail::to_text(truths[k]) + at);
    }
    const double n = static_cast<double>(estimates.size());
    const double difference = estimates[k] - truths[k];  // may overflow for opposite huge values
    sum += std::isfinite(difference) ? std::abs(difference) / n : std::abs(estimates[k] / n - truths[k] / n);
  }
  if (!std::isfinite(sum)) throw numerical_error("mean_absolute_ate_error: the mean error overflows double");
  return sum;
}

/// Precision in estimation of heterogeneous effects (PEHE; Hill 2011): the root mean squared
/// difference sqrt((1/n) sum_i (tau_hat_i - tau_i)^2) between estimated and true individual
/// treatment effects, computed in double whatever the input scalar. A matrix input (e.g. one column
/// per outcome) is averaged over all its entries.
/// \param ite_estimate estimated individual effects, one row per unit; non-empty and finite (else
///                     `invalid_input` naming the row and column).
/// \param ite_truth    true individual effects, same shape as `ite_estimate` (else
///                     `invalid_input`) and finite.
/// Complexity O(n).
/// Example:
/// \code
///   Eigen::VectorXd tau_hat(2), tau(2);
///   tau_hat << 1.0, 3.0;  tau << 2.0, 2.0;
///   double e = causalattn::pehe(tau_hat, tau);  // sqrt((1 + 1) / 2) = 1
/// \endcode
template <class Derived1, class Derived2>
double pehe(const Eigen::MatrixBase<Derived1>& ite_estimate, const Eigen::MatrixBase<Derived2>& ite_truth) {
  check_not_empty("ite_estimate", ite_estimate);
  check_same_rows("ite_estimate", ite_estimate, "ite_truth", ite_truth);
  check_shape("ite_truth", ite_truth, ite_estimate.rows(), ite_estimate.cols());
  check_finite("ite_estimate", ite_estimate);
  check_finite("ite_truth", ite_truth);
  // stableNorm rescales, so large effects do not overflow in the squares.
  const double root_sum_sq = (ite_estimate.template cast<double>() - ite_truth.template cast<double>()).stableNorm();
  const double result = root_sum_sq / std::sqrt(static_cast<double>(ite_estimate.size()));
  if (!std::isfinite(result)) throw numerical_error("pehe: the root mean squared error overflows double");
  return result;
}

}  // namespace causalattn
