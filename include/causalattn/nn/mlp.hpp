#pragma once
/// \file
/// Two-layer perceptron applied to every token: Linear -> activation -> Linear.

#include <string>

#include "causalattn/nn/activation.hpp"
#include "causalattn/nn/linear.hpp"

namespace causalattn {

/// y = act(x W1 + b1) W2 + b2, row-wise (the feed-forward half of a transformer block).
/// Example: `causalattn::Mlp<float> mlp(64, 256, rng); auto y = mlp.forward(x);`
template <class Scalar>
class Mlp {
 public:
  /// \param width  input and output width; \param hidden hidden width; \param rng initialisation;
  /// \param kind   activation (GELU by default).
  Mlp(Index width, Index hidden, Rng& rng, Activation kind = Activation::gelu)
      : first_(width, hidden, rng), activation_(kind), second_(hidden, width, rng) {}

  /// Forward pass; caches what backward needs. O(n width hidden).
  Matrix<Scalar> forward(const Eigen::Ref<const Matrix<Scalar>>& x) {
    return second_.forward(activation_.forward(first_.forward(x)));
  }
  /// Backward pass: accumulates parameter gradients, returns dx. O(n width hidden).
  Matrix<Scalar> backward(const Eigen::Ref<const Matrix<Scalar>>& dy) {
    return first_.backward(activation_.backward(second_.backward(dy)));
  }
  /// Adds "<prefix>.fc1.*" and "<prefix>.fc2.*".
  void register_parameters(ParameterRegistry<Scalar>& registry, const std::string& prefix) {
    first_.register_parameters(registry, prefix + ".fc1");
    second_.register_parameters(registry, prefix + ".fc2");
  }

 private:
  Linear<Scalar> first_;
  ActivationLayer<Scalar> activation_;
  Linear<Scalar> second_;
};

}  // namespace causalattn
