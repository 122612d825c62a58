#pragma once
/// \file
/// Options, masks and result types shared by the attention kernels.

#include <cmath>
#include <limits>
#include <string>

#include <Eigen/Core>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/core/scalar.hpp"
#include "causalattn/kernels/softmax.hpp"

namespace causalattn {

/// Key-padding mask: entry j true means key j is padding and receives no attention (PyTorch's
/// `key_padding_mask` convention). An empty mask means every key is visible.
using KeyPaddingMask = Eigen::Array<bool, Eigen::Dynamic, 1>;

/// Options of `attention_forward` / `attention_backward`.
/// A query row whose keys are all masked (padding, or causal with no key at or before it) has
/// output 0, log-normaliser -inf, attention row 0 and zero gradients: it attends to nothing.
struct AttentionOptions {
  /// Score scale s in softmax(s Q K^T); 0 (default) means 1/sqrt(d). Otherwise finite and > 0.
  double scale = 0.0;
  /// Causal mask: query i sees keys j <= i (top-left aligned when n_q != n_k). Default false.
  bool causal = false;
  /// Also return the n_q x n_k attention matrix (O(n_q n_k) memory). Default false.
  bool return_attention = false;
  /// Vectorised tiled kernel (default) or the scalar reference.
  KernelPath path = KernelPath::vectorized;
  /// Query rows per tile, in [1, 4096]; default 96, a multiple of the GEMM micro-kernel height for
  /// float and double with SSE, AVX2 and AVX-512 (a remainder runs a slower edge path).
  Index query_tile = 96;
  /// Keys per tile, in [1, 65536]; default 384 (a 96 x 384 score tile stays in L2). Tiles are what
  /// keeps memory O(n d).
  Index key_tile = 384;
  /// Threads (0 = all available); results are identical for any value.
  int threads = 0;

  /// Throws `invalid_input` naming the first option out of range.
  void validate() const {
    if (!(scale >= 0.0) || !std::isfinite(scale)) {
      throw invalid_input("options.scale", "is " + detail::to_text(scale) + ", must be finite and >= 0 (0 = 1/sqrt(d))");
    }
    check_in_range<Index>("options.query_tile", query_tile, 1, 4096);
    check_in_range<Index>("options.key_tile", key_tile, 1, 65536);
    if (threads < 0) throw invalid_input("options.threads", "is " + std::to_string(threads) + ", must be >= 0");
  }
};

/// What `attention_forward` returns.
template <class Scalar>
struct AttentionResult {
  /// softmax(s Q K^T + mask) V, n_q x d_v.
  Matrix<Scalar> output;
  /// log h_i = log sum_j exp(s q_i . k_j) over the visible keys of row i (-inf if none): the row
  /// log-normaliser that the backward pass and CInA's balancing weights need.
  Vector<Scalar> log_normalizer;
  /// The n_q x n_k attention matrix when `return_attention` was set, else empty.
  Matrix<Scalar> attention;
};

/// Gradients of a scalar loss with respect to Q, K and V, from `attention_backward`.
template <class Scalar>
struct AttentionGradients {
  Matrix<Scalar> dq;  ///< n_q x d
  Matrix<Scalar> dk;  ///< n_k x d
  Matrix<Scalar> dv;  ///< n_k x d_v
};

namespace detail {

/// Checks Q, K, V and the key padding mask of an attention kernel: non-empty, finite, Q and K of
/// one width, K and V of one length, a mask of one entry per key or none.
template <class Scalar>
void check_attention_inputs(const Eigen::Ref<const Matrix<Scalar>>& q, const Eigen::Ref<const Matrix<Scalar>>& k,
                            const Eigen::Ref<const Matrix<Scalar>>& v, const KeyPaddingMask& key_padding) {
  check_not_empty("q", q);
  check_not_empty("k", k);
  check_not_empty("v", v);
  if (k.cols() != q.cols()) {
    throw invalid_input("k", "has " + std::to_string(k.cols()) + " columns but q has " + std::to_string(q.cols()) +
                                 "; queries and keys need the same width");
  }
  check_same_rows("k", k, "v", v);
  if (key_padding.size() != 0 && key_padding.size() != k.rows()) {
    throw invalid_input("key_padding", "has " + std::to_string(key_padding.size()) + " entries but there are " +
                                           std::to_string(k.rows()) + " keys");
  }
  check_finite("q", q);
  check_finite("k", k);
  check_finite("v", v);
}

/// Checks Q, K, V (and the mask) for the attention kernels and returns the score scale to use.
template <class Scalar>
Scalar checked_attention_scale(const Eigen::Ref<const Matrix<Scalar>>& q, const Eigen::Ref<const Matrix<Scalar>>& k,
                               const Eigen::Ref<const Matrix<Scalar>>& v, const AttentionOptions& options,
                               const KeyPaddingMask& key_padding) {
  options.validate();
  check_attention_inputs<Scalar>(q, k, v, key_padding);
  return options.scale > 0 ? static_cast<Scalar>(options.scale)
                           : Scalar(1) / std::sqrt(static_cast<Scalar>(q.cols()));
}

/// True if query i may attend key j.
template <typename = void>
bool key_visible(Index i, Index j, bool causal, const KeyPaddingMask& key_padding) {
  return !(causal && j > i) && !(key_padding.size() != 0 && key_padding(j));
}

}  // namespace detail
}  // namespace causalattn
