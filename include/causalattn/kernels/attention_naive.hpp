#pragma once
/// \file
/// The textbook attention computation with the full score matrix: the O(n^2)-memory baseline that
/// the tiled kernel is measured and tested against.

#include <limits>

#include "causalattn/kernels/attention_options.hpp"
#include "causalattn/kernels/softmax.hpp"

namespace causalattn {

/// softmax(s Q K^T + mask) V by materialising the n_q x n_k scores: one Eigen GEMM (threaded by
/// Eigen itself), a vectorised row softmax, a second GEMM. Same inputs, masks and results as
/// `attention_forward` (the attention matrix is always returned), but O(n_q n_k) memory; use it as
/// a baseline or for small problems. `options.path`, tiles and threads are ignored. O(n_q n_k d).
/// Example: `auto r = causalattn::attention_naive<double>(Q, K, V);`
template <class Scalar>
AttentionResult<Scalar> attention_naive(const Eigen::Ref<const Matrix<Scalar>>& q, const Eigen::Ref<const Matrix<Scalar>>& k,
                                        const Eigen::Ref<const Matrix<Scalar>>& v, const AttentionOptions& options = {},
                                        const KeyPaddingMask& key_padding = {}) {
  const Scalar scale = detail::checked_attention_scale<Scalar>(q, k, v, options, key_padding);
  const Scalar minus_inf = -std::numeric_limits<Scalar>::infinity();
  AttentionResult<Scalar> result;
  result.attention.noalias() = scale * (q * k.transpose());
  for (Index j = 0; j < k.rows(); ++j) {
    for (Index i = 0; i < q.rows(); ++i) {
      if (!detail::key_visible(i, j, options.causal, key_padding)) result.attention(i, j) = minus_inf;
    }
  }
  result.log_normalizer = row_log_sum_exp(result.attention);
  row_softmax_inplace(result.attention);
  result.output.noalias() = result.attention * v;
  return result;
}

}  // namespace causalattn
