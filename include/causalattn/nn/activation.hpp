#pragma once
/// \file
/// Elementwise activations with their derivatives: GELU (exact, erf form) and ReLU.

#include <cmath>

#include "causalattn/core/scalar.hpp"

namespace causalattn {

/// Which nonlinearity an MLP uses.
enum class Activation { gelu, relu };

/// Stateful activation layer: forward caches its input, backward multiplies by the derivative.
/// GELU(x) = x Phi(x) = 0.5 x (1 + erf(x / sqrt 2)) (Hendrycks and Gimpel 2016); ReLU(x) = max(x, 0)
/// with derivative 0 at 0.
/// Example: `causalattn::ActivationLayer<float> act(causalattn::Activation::gelu); y = act.forward(x);`
template <class Scalar>
class ActivationLayer {
 public:
  /// \param kind gelu (default) or relu.
  explicit ActivationLayer(Activation kind = Activation::gelu) : kind_(kind) {}

  /// Applies the activation elementwise; caches x. O(size).
  Matrix<Scalar> forward(const Eigen::Ref<const Matrix<Scalar>>& x) {
    input_ = x;
    if (kind_ == Activation::relu) return x.cwiseMax(Scalar(0));
    return x.unaryExpr([](Scalar v) { return Scalar(0.5) * v * (Scalar(1) + std::erf(v * Scalar(0.7071067811865476))); });
  }
  /// dy times the derivative at the cached input. O(size).
  Matrix<Scalar> backward(const Eigen::Ref<const Matrix<Scalar>>& dy) const {
    if (kind_ == Activation::relu) return (input_.array() > Scalar(0)).select(dy, Scalar(0));
    const Matrix<Scalar> slope = input_.unaryExpr([](Scalar v) {
      const Scalar cdf = Scalar(0.5) * (Scalar(1) + std::erf(v * Scalar(0.7071067811865476)));
      const Scalar pdf = std::exp(Scalar(-0.5) * v * v) * Scalar(0.3989422804014327);  // 1 / sqrt(2 pi)
      return cdf + v * pdf;
    });
    return dy.cwiseProduct(slope);
  }

 private:
  Activation kind_;
  Matrix<Scalar> input_;
};

}  // namespace causalattn
