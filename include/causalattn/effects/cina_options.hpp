#pragma once
/// \file
/// Options of single-dataset CInA (the self-attention layer trained on one data set's balancing
/// objective, methods/cina.md section 4).

#include <cmath>
#include <cstdint>
#include <string>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/core/scalar.hpp"

namespace causalattn {

/// The map from standardised covariates to keys (= queries).
enum class KeyMap {
  linear,  ///< K = X A (p x d, no bias)
  mlp      ///< K = GELU(X A1 + b1) A2 + b2 (one hidden layer)
};

/// How `cina` trains. The defaults are what the accuracy program and the tests use.
struct CinaOptions {
  KeyMap key_map = KeyMap::linear;   ///< linear (default) or a one-hidden-layer MLP
  Index key_width = 0;               ///< key width d; 0 = the number of covariates p
  Index hidden = 32;                 ///< hidden width of the MLP key map, >= 1
  /// Bandwidth of the attention kernel: the key map's last weight matrix keeps the Frobenius norm
  /// key_scale x sqrt(min(p, d)) throughout training (the linear map starts at key_scale x the
  /// identity when d = p; the MLP's hidden layer keeps its initial norm), > 0. Minimising the objective over an unconstrained key map sharpens the
  /// kernel towards the identity, where the arms are trivially separable and the weights uniform;
  /// holding the scale learns the metric's shape only. 0.2 was the best of {0.1, 0.2, 0.3, 0.5, 1}
  /// in development runs on in-family simulated data sets (not a shipped benchmark).
  double key_scale = 0.2;
  int epochs = 400;                  ///< full-batch Adam steps with the key map learning, >= 1
  /// Further Adam steps with the keys frozen (the problem is then convex in the coefficients and
  /// intercept), >= 0. They let the read-off weights settle on the final kernel.
  int settle_epochs = 400;
  double learning_rate = 0.01;       ///< Adam step of the coefficients c = W alpha and the intercept, > 0
  double key_learning_rate = 0.01;   ///< Adam step of the key map, > 0
  std::uint64_t seed = 20261123;     ///< initialisation of the key map
  /// Solve the balancing dual exactly (SMO) on the learned attention kernel and use those weights
  /// instead of the projected read-off (methods/cina.md section 4, "exact refinement").
  bool refine = false;

  /// Throws `invalid_input` naming the first bad field ("options.cina.epochs", ...).
  void validate() const {
    auto fail = [](const char* field, const std::string& value, const char* rule) {
      throw invalid_input(std::string("options.cina.") + field, "is " + value + ", must be " + rule);
    };
    if (key_map != KeyMap::linear && key_map != KeyMap::mlp) fail("key_map", std::to_string(int(key_map)), "linear or mlp");
    if (key_width < 0) fail("key_width", std::to_string(key_width), ">= 0 (0 = p)");
    if (hidden < 1) fail("hidden", std::to_string(hidden), ">= 1");
    if (!(key_scale > 0) || !std::isfinite(key_scale)) fail("key_scale", detail::to_text(key_scale), "finite and > 0");
    if (epochs < 1) fail("epochs", std::to_string(epochs), ">= 1");
    if (settle_epochs < 0) fail("settle_epochs", std::to_string(settle_epochs), ">= 0");
    if (!(learning_rate > 0) || !std::isfinite(learning_rate)) fail("learning_rate", detail::to_text(learning_rate), "finite and > 0");
    if (!(key_learning_rate > 0) || !std::isfinite(key_learning_rate)) {
      fail("key_learning_rate", detail::to_text(key_learning_rate), "finite and > 0");
    }
  }
};

}  // namespace causalattn
