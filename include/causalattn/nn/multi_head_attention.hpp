#pragma once
/// \file
/// Multi-head self-attention over a batch of independent sequences.

#include <string>
#include <vector>

#include "causalattn/core/threads.hpp"
#include "causalattn/kernels/attention_backward.hpp"
#include "causalattn/kernels/attention_forward.hpp"
#include "causalattn/nn/linear.hpp"
#include "causalattn/nn/sequence_layout.hpp"

namespace causalattn {

/// Options of `MultiHeadSelfAttention`.
struct SelfAttentionOptions {
  /// Number of heads, >= 1, dividing the width; default 1.
  Index heads = 1;
  /// Use the query projection for the keys too (K = Q), the "key = query" mode in which attention
  /// scores are a symmetric kernel k(x_i, x_j) = exp(q_i . q_j / sqrt(d)), as CInA needs. Default false.
  bool share_query_key = false;
  /// Causal mask inside each sequence. Default false.
  bool causal = false;
  /// Threads over (sequence, head) pairs; 0 = all. Results do not depend on it.
  int threads = 0;
  /// Throws `invalid_input` unless the options suit a layer of this width.
  void validate(Index width) const { check_head_options(width, heads, threads); }
};

/// Multi-head self-attention: Q = x Wq, K = x Wk (or Q), V = x Wv, per sequence and head
/// softmax(Q_h K_h^T / sqrt(d_h)) V_h with the tiled kernel, heads concatenated, then x_out = concat Wo.
/// Sequences never attend to each other. (Sequence, head) pairs run in parallel, each pair computed
/// by one thread, so results are identical for any thread count.
/// Example:
/// \code
///   causalattn::Rng rng(0);
///   causalattn::MultiHeadSelfAttention<float> attention(64, {.heads = 4}, rng);   // C++20 syntax
///   auto y = attention.forward(x, causalattn::SequenceLayout::uniform(8, 128));  // x: 1024 x 64
/// \endcode
template <class Scalar>
class MultiHeadSelfAttention {
 public:
  /// \param width   model width (features per token); \param options heads and modes;
  /// \param rng     initialisation stream (Xavier uniform projections, zero biases).
  MultiHeadSelfAttention(Index width, const SelfAttentionOptions& options, Rng& rng)
      : options_((options.validate(width), options)),
        query_(width, width, rng),
        key_(width, width, rng),
        value_(width, width, rng),
        output_(width, width, rng) {}

  /// Model width.
  Index width() const noexcept { return query_.in_features(); }

  /// Self-attention of every sequence in `layout` (x holds layout.tokens() rows). `key_padding`
  /// optionally marks tokens (over the whole batch) that no query may attend. O(sum_b n_b^2 width).
  Matrix<Scalar> forward(const Eigen::Ref<const Matrix<Scalar>>& x, const SequenceLayout& layout,
                         const KeyPaddingMask& key_padding = {}) {
    layout.check_tokens(x, width(), key_padding);
    layout_ = layout;
    padding_ = key_padding;
    q_ = query_.forward(x);
    k_ = options_.share_query_key ? q_ : key_.forward(x);
    v_ = value_.forward(x);
    concat_.resize(x.rows(), width());
    log_normalizers_.resize(x.rows(), options_.heads);
    for_each_pair([&](Index b, Index h) {
      const auto r = attention_forward<Scalar>(slice(q_, b, h), slice(k_, b, h), slice(v_, b, h), kernel_options(),
                                               padding_of(b));
      slice(concat_, b, h) = r.output;
      log_normalizers_.col(h).segment(layout_.offset(b), layout_.length(b)) = r.log_normalizer;
    });
    return output_.forward(concat_);
  }

  /// Backward through the last `forward`: accumulates all projection gradients and returns dx.
  Matrix<Scalar> backward(const Eigen::Ref<const Matrix<Scalar>>& dy) {
    const Matrix<Scalar> d_concat = output_.backward(dy);
    Matrix<Scalar> dq(q_.rows(), q_.cols()), dk(k_.rows(), k_.cols()), dv(v_.rows(), v_.cols());
    for_each_pair([&](Index b, Index h) {
      const Vector<Scalar> lse = log_normalizers_.col(h).segment(layout_.offset(b), layout_.length(b));
      const auto g = attention_backward<Scalar>(slice(q_, b, h), slice(k_, b, h), slice(v_, b, h), slice(concat_, b, h),
                                                lse, slice(d_concat, b, h), kernel_options(), padding_of(b));
      slice(dq, b, h) = g.dq;
      slice(dk, b, h) = g.dk;
      slice(dv, b, h) = g.dv;
    });
    Matrix<Scalar> dx = value_.backward(dv);
    if (options_.share_query_key) {
      dx += query_.backward(dq + dk);
    } else {
      dx += query_.backward(dq);
      dx += key_.backward(dk);
    }
    return dx;
  }

  /// Adds "<prefix>.query.*", "<prefix>.key.*" (unless shared), "<prefix>.value.*", "<prefix>.output.*".
  void register_parameters(ParameterRegistry<Scalar>& registry, const std::string& prefix) {
    query_.register_parameters(registry, prefix + ".query");
    if (!options_.share_query_key) key_.register_parameters(registry, prefix + ".key");
    value_.register_parameters(registry, prefix + ".value");
    output_.register_parameters(registry, prefix + ".output");
  }

  /// Row log-normalisers of the last forward pass, tokens x heads (CInA reads them).
  const Matrix<Scalar>& log_normalizers() const noexcept { return log_normalizers_; }

  /// The attention matrix softmax(s Q_h K_h^T + mask) of sequence `sequence` and head `head` in the
  /// last forward pass (n_b x n_b; masked entries 0, so each row with a visible key sums to 1),
  /// recomputed from the cached queries and keys. Throws `invalid_input` before any forward pass
  /// or for an index out of range. O(n_b^2 width / heads).
  /// Example: `Matrix<float> a = attention.attention_matrix(0, 1);  // after forward`
  Matrix<Scalar> attention_matrix(Index sequence, Index head) const {
    if (q_.rows() == 0) throw invalid_input("sequence", "no forward pass has run: there is no attention to read");
    check_in_range<Index>("sequence", sequence, 0, layout_.count() - 1);
    check_in_range<Index>("head", head, 0, options_.heads - 1);
    AttentionOptions o = kernel_options();
    o.return_attention = true;
    return attention_forward<Scalar>(slice(q_, sequence, head), slice(k_, sequence, head), slice(v_, sequence, head), o,
                                     padding_of(sequence))
        .attention;
  }

 private:
  Index head_width() const { return width() / options_.heads; }

  template <class M>
  auto slice(M& m, Index b, Index h) const {
    return layout_.head_block(m, b, h, head_width());
  }

  KeyPaddingMask padding_of(Index b) const { return layout_.segment_of(padding_, b); }

  AttentionOptions kernel_options() const {
    AttentionOptions o;
    o.causal = options_.causal;
    o.threads = 1;  // parallelism is over (sequence, head) pairs
    return o;
  }

  template <class Body>
  void for_each_pair(Body&& body) const {
    for_each_sequence_head(layout_, options_.heads, options_.threads, body);
  }

  SelfAttentionOptions options_;
  Linear<Scalar> query_, key_, value_, output_;
  SequenceLayout layout_ = SequenceLayout::single(1);
  KeyPaddingMask padding_;
  Matrix<Scalar> q_, k_, v_, concat_, log_normalizers_;
};

}  // namespace causalattn
