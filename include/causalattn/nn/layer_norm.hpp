#pragma once
/// \file
/// Layer normalisation over the features of each token.

#include <cmath>
#include <string>

#include "causalattn/core/checks.hpp"
#include "causalattn/nn/parameter.hpp"

namespace causalattn {

/// y = (x - mean(x)) / sqrt(var(x) + eps) * gamma + beta, per row (token), with the biased variance
/// (Ba, Kiros, Hinton 2016). gamma starts at 1, beta at 0. Forward caches the normalised input and
/// the inverse standard deviations.
/// Example: `causalattn::LayerNorm<float> norm(64); auto y = norm.forward(x);`
template <class Scalar>
class LayerNorm {
 public:
  /// \param width features per token (>= 1).
  /// \param epsilon added to the variance, > 0 (default 1e-5).
  explicit LayerNorm(Index width, double epsilon = 1e-5) : epsilon_(static_cast<Scalar>(epsilon)) {
    if (width < 1) throw invalid_input("LayerNorm", "width must be >= 1, got " + std::to_string(width));
    if (!(epsilon > 0)) throw invalid_input("epsilon", "must be > 0, got " + detail::to_text(epsilon));
    gamma_ = Parameter<Scalar>::zeros(1, width);
    gamma_.value.setOnes();
    beta_ = Parameter<Scalar>::zeros(1, width);
  }

  /// Features per token.
  Index width() const noexcept { return gamma_.value.cols(); }

  /// Normalises each row of x (n x width); caches for backward. O(n width).
  Matrix<Scalar> forward(const Eigen::Ref<const Matrix<Scalar>>& x) {
    check_shape("x", x, -1, width());
    const Vector<Scalar> mean = x.rowwise().mean();
    normalised_ = x.colwise() - mean;
    inverse_std_ = ((normalised_.array().square().rowwise().sum() / Scalar(width())) + epsilon_).rsqrt().matrix();
    normalised_ = inverse_std_.asDiagonal() * normalised_;
    Matrix<Scalar> y = normalised_ * gamma_.value.row(0).asDiagonal();
    y.rowwise() += beta_.value.row(0);
    return y;
  }

  /// Accumulates dgamma, dbeta; returns dx. O(n width).
  Matrix<Scalar> backward(const Eigen::Ref<const Matrix<Scalar>>& dy) {
    check_shape("dy", dy, normalised_.rows(), width());
    gamma_.grad += dy.cwiseProduct(normalised_).colwise().sum();
    beta_.grad += dy.colwise().sum();
    const Matrix<Scalar> dxhat = dy * gamma_.value.row(0).asDiagonal();
    const Vector<Scalar> mean_dxhat = dxhat.rowwise().mean();
    const Vector<Scalar> mean_dxhat_xhat = dxhat.cwiseProduct(normalised_).rowwise().mean();
    Matrix<Scalar> dx = dxhat.colwise() - mean_dxhat;
    dx -= mean_dxhat_xhat.asDiagonal() * normalised_;
    return inverse_std_.asDiagonal() * dx;
  }

  /// Adds "<prefix>.gamma" and "<prefix>.beta".
  void register_parameters(ParameterRegistry<Scalar>& registry, const std::string& prefix) {
    registry.add(prefix + ".gamma", gamma_);
    registry.add(prefix + ".beta", beta_);
  }

 private:
  Scalar epsilon_;
  Parameter<Scalar> gamma_, beta_;
  Matrix<Scalar> normalised_;
  Vector<Scalar> inverse_std_;
};

}  // namespace causalattn
