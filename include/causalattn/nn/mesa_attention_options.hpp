#pragma once
/// \file
/// The options of `MesaAttention`, apart from the layer so that encoder options can hold them
/// without compiling the mesa kernels.

#include "causalattn/core/checks.hpp"
#include "causalattn/nn/sequence_layout.hpp"

namespace causalattn {

/// Options of `MesaAttention`.
struct MesaAttentionOptions {
  /// Number of heads, >= 1, dividing the width; default 1.
  Index heads = 1;
  /// L2-normalise each head's queries and keys (q / sqrt(|q|^2 + 1e-12)). Default false.
  bool normalize_query_key = false;
  /// Every head's ridge parameter lambda at initialisation (> 0, finite); learnt as log lambda, so
  /// it stays positive. Default 1 (methods/mesa.md).
  double initial_lambda = 1.0;
  /// Threads over (sequence, head) pairs; 0 = all. Results do not depend on it.
  int threads = 0;
  /// Throws `invalid_input` unless the options suit a layer of this width.
  void validate(Index width) const {
    check_head_options(width, heads, threads);
    check_finite_positive("options.initial_lambda", initial_lambda);
  }
};

}  // namespace causalattn
