#pragma once
/// \file
/// Fully connected layer y = x W + b.

#include <cmath>
#include <string>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/threads.hpp"
#include "causalattn/nn/parameter.hpp"

namespace causalattn {

/// y = x W + b for row-wise tokens: x is n x in, W in x out, b 1 x out. Forward caches x for the
/// backward pass, which accumulates dW, db and returns dx. Initialisation: Xavier/Glorot uniform
/// W ~ U(-sqrt(6/(in+out)), +sqrt(6/(in+out))), b = 0, from the given generator.
/// Example:
/// \code
///   causalattn::Rng rng(0);
///   causalattn::Linear<double> layer(4, 3, rng);
///   auto y = layer.forward(x);          // x: n x 4 -> y: n x 3
///   auto dx = layer.backward(dy);       // accumulates layer.weight().grad
/// \endcode
template <class Scalar>
class Linear {
 public:
  /// \param in, out  input and output widths (>= 1).
  /// \param rng      initialisation stream.
  /// \param bias     whether to add the bias b (default true).
  Linear(Index in, Index out, Rng& rng, bool bias = true) : has_bias_(bias) {
    if (in < 1 || out < 1) {
      throw invalid_input("Linear", "widths must be >= 1, got in = " + std::to_string(in) + ", out = " + std::to_string(out));
    }
    weight_ = Parameter<Scalar>::uniform(in, out, static_cast<Scalar>(std::sqrt(6.0 / double(in + out))), rng);
    bias_ = Parameter<Scalar>::zeros(1, out);
  }

  /// Input width.
  Index in_features() const noexcept { return weight_.value.rows(); }
  /// Output width.
  Index out_features() const noexcept { return weight_.value.cols(); }

  /// y = x W + b; caches x. Throws if x has the wrong width. O(n in out).
  Matrix<Scalar> forward(const Eigen::Ref<const Matrix<Scalar>>& x) {
    check_shape("x", x, -1, in_features());
    input_ = x;
    return apply(x);
  }
  /// y = x W + b without caching (inference). O(n in out).
  Matrix<Scalar> apply(const Eigen::Ref<const Matrix<Scalar>>& x) const {
    Matrix<Scalar> y = x * weight_.value;
    if (has_bias_) y.rowwise() += bias_.value.row(0);
    return y;
  }
  /// Accumulates dW += x^T dy and db += column sums of dy; returns dx = dy W^T. O(n in out).
  Matrix<Scalar> backward(const Eigen::Ref<const Matrix<Scalar>>& dy) {
    check_shape("dy", dy, input_.rows(), out_features());
    // The inner dimension is the number of tokens: serial, so the gradient is the same for any thread count.
    weight_.grad.noalias() += serial_product([&] { return Matrix<Scalar>(input_.transpose() * dy); });
    if (has_bias_) bias_.grad += dy.colwise().sum();
    return dy * weight_.value.transpose();
  }

  /// Adds "<prefix>.weight" (and "<prefix>.bias") to `registry`.
  void register_parameters(ParameterRegistry<Scalar>& registry, const std::string& prefix) {
    registry.add(prefix + ".weight", weight_);
    if (has_bias_) registry.add(prefix + ".bias", bias_);
  }
  /// The weight W (in x out).
  Parameter<Scalar>& weight() noexcept { return weight_; }
  /// The bias b (1 x out; unused when constructed without bias).
  Parameter<Scalar>& bias() noexcept { return bias_; }

 private:
  bool has_bias_;
  Parameter<Scalar> weight_, bias_;
  Matrix<Scalar> input_;
};

}  // namespace causalattn
