#pragma once
/// \file
/// Pre-LN transformer encoder blocks and a stack of them.

#include <string>
#include <vector>

#include "causalattn/nn/layer_norm.hpp"
#include "causalattn/nn/mlp.hpp"
#include "causalattn/nn/multi_head_attention.hpp"

namespace causalattn {

/// Shape and modes of an encoder.
struct EncoderOptions {
  Index width = 64;                   ///< model width, >= 1
  Index hidden = 256;                 ///< MLP hidden width, >= 1
  Index layers = 1;                   ///< number of blocks, >= 1
  Activation activation = Activation::gelu;  ///< MLP nonlinearity
  SelfAttentionOptions attention;     ///< heads, shared Q/K, causal mask, threads
  /// Throws `invalid_input` naming the first bad field.
  void validate() const {
    if (width < 1) throw invalid_input("options.width", "is " + std::to_string(width) + ", must be >= 1");
    if (hidden < 1) throw invalid_input("options.hidden", "is " + std::to_string(hidden) + ", must be >= 1");
    if (layers < 1) throw invalid_input("options.layers", "is " + std::to_string(layers) + ", must be >= 1");
    attention.validate(width);
  }
};

/// Pre-LN block (Xiong et al. 2020): h = x + Attention(LN1(x)); y = h + MLP(LN2(h)).
/// Without a causal mask or positional information it is permutation equivariant within each sequence.
/// Example: `causalattn::EncoderBlock<float> block(options, rng); auto y = block.forward(x, layout);`
template <class Scalar>
class EncoderBlock {
 public:
  /// \param options shapes and modes (validated); \param rng initialisation stream.
  EncoderBlock(const EncoderOptions& options, Rng& rng)
      : norm1_((options.validate(), options.width)),
        attention_(options.width, options.attention, rng),
        norm2_(options.width),
        mlp_(options.width, options.hidden, rng, options.activation) {}

  /// Forward pass over a batch; caches for backward. O(sum_b n_b^2 width + tokens width hidden).
  Matrix<Scalar> forward(const Eigen::Ref<const Matrix<Scalar>>& x, const SequenceLayout& layout,
                         const KeyPaddingMask& key_padding = {}) {
    Matrix<Scalar> h = x + attention_.forward(norm1_.forward(x), layout, key_padding);
    return h + mlp_.forward(norm2_.forward(h));
  }
  /// Backward pass: accumulates gradients, returns dx.
  Matrix<Scalar> backward(const Eigen::Ref<const Matrix<Scalar>>& dy) {
    const Matrix<Scalar> dh = dy + norm2_.backward(mlp_.backward(dy));
    return dh + norm1_.backward(attention_.backward(dh));
  }
  /// Adds "<prefix>.norm1.*", "<prefix>.attention.*", "<prefix>.norm2.*", "<prefix>.mlp.*".
  void register_parameters(ParameterRegistry<Scalar>& registry, const std::string& prefix) {
    norm1_.register_parameters(registry, prefix + ".norm1");
    attention_.register_parameters(registry, prefix + ".attention");
    norm2_.register_parameters(registry, prefix + ".norm2");
    mlp_.register_parameters(registry, prefix + ".mlp");
  }
  /// The attention layer (for its log-normalisers).
  const MultiHeadSelfAttention<Scalar>& attention() const noexcept { return attention_; }

 private:
  LayerNorm<Scalar> norm1_;
  MultiHeadSelfAttention<Scalar> attention_;
  LayerNorm<Scalar> norm2_;
  Mlp<Scalar> mlp_;
};

/// A stack of `options.layers` pre-LN blocks followed by a final LayerNorm.
/// Register parameters only once the encoder sits at its final address (the registry keeps pointers).
/// Example:
/// \code
///   causalattn::EncoderOptions options;
///   options.width = 32; options.layers = 2; options.attention.heads = 4;
///   causalattn::Encoder<double> encoder(options, rng);
///   auto y = encoder.forward(x, causalattn::SequenceLayout::single(x.rows()));
/// \endcode
template <class Scalar>
class Encoder {
 public:
  /// \param options shapes and modes (validated); \param rng initialisation stream.
  Encoder(const EncoderOptions& options, Rng& rng) : final_norm_((options.validate(), options.width)) {
    blocks_.reserve(static_cast<std::size_t>(options.layers));
    for (Index l = 0; l < options.layers; ++l) blocks_.emplace_back(options, rng);
  }
  /// Forward through every block and the final norm.
  Matrix<Scalar> forward(const Eigen::Ref<const Matrix<Scalar>>& x, const SequenceLayout& layout,
                         const KeyPaddingMask& key_padding = {}) {
    Matrix<Scalar> h = x;
    for (auto& block : blocks_) h = block.forward(h, layout, key_padding);
    return final_norm_.forward(h);
  }
  /// Backward through the last forward; returns dx.
  Matrix<Scalar> backward(const Eigen::Ref<const Matrix<Scalar>>& dy) {
    Matrix<Scalar> d = final_norm_.backward(dy);
    for (auto it = blocks_.rbegin(); it != blocks_.rend(); ++it) d = it->backward(d);
    return d;
  }
  /// Adds "<prefix>.block<l>.*" and "<prefix>.final_norm.*".
  void register_parameters(ParameterRegistry<Scalar>& registry, const std::string& prefix) {
    for (std::size_t l = 0; l < blocks_.size(); ++l) blocks_[l].register_parameters(registry, prefix + ".block" + std::to_string(l));
    final_norm_.register_parameters(registry, prefix + ".final_norm");
  }
  /// The blocks, first to last.
  const std::vector<EncoderBlock<Scalar>>& blocks() const noexcept { return blocks_; }

 private:
  std::vector<EncoderBlock<Scalar>> blocks_;
  LayerNorm<Scalar> final_norm_;
};

}  // namespace causalattn
