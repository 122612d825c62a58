#pragma once
/// \file
/// Pre-LN transformer encoder blocks and a stack of them.

#include <optional>
#include <string>
#include <vector>

#include "causalattn/nn/layer_norm.hpp"
#include "causalattn/nn/mesa_attention_options.hpp"
#include "causalattn/nn/mlp.hpp"
#include "causalattn/nn/multi_head_attention.hpp"
#include "causalattn/nn/token_mixer.hpp"

namespace causalattn {

/// Shape and modes of an encoder.
struct EncoderOptions {
  Index width = 64;                   ///< model width, >= 1
  Index hidden = 256;                 ///< MLP hidden width, >= 1
  Index layers = 1;                   ///< number of blocks, >= 1
  Activation activation = Activation::gelu;  ///< MLP nonlinearity
  SelfAttentionOptions attention;            ///< heads, shared Q/K, causal mask, threads (of every mixer)
  /// The mixer of each block, first to last: empty = softmax everywhere, else `layers` entries.
  /// A mixer other than softmax needs its header included somewhere in the program (it installs
  /// the mixer; see `Mixer`), so programs that never use it never compile it.
  std::vector<Mixer> mixers;
  /// The mesa blocks' normalisation and initial lambda (their heads and threads are `attention`'s).
  MesaAttentionOptions mesa;
  /// The mixer of block `l`. O(1).
  Mixer mixer(Index l) const { return mixers.empty() ? Mixer::softmax : mixers[static_cast<std::size_t>(l)]; }
  /// The mesa options of a block: `mesa` with `attention`'s heads and threads.
  MesaAttentionOptions mesa_options() const {
    MesaAttentionOptions o = mesa;
    o.heads = attention.heads;
    o.threads = attention.threads;
    return o;
  }
  /// Throws `invalid_input` naming the first bad field.
  void validate() const {
    if (width < 1) throw invalid_input("options.width", "is " + std::to_string(width) + ", must be >= 1");
    if (hidden < 1) throw invalid_input("options.hidden", "is " + std::to_string(hidden) + ", must be >= 1");
    if (layers < 1) throw invalid_input("options.layers", "is " + std::to_string(layers) + ", must be >= 1");
    attention.validate(width);
    if (!mixers.empty() && Index(mixers.size()) != layers) {
      throw invalid_input("options.mixers", "has " + std::to_string(mixers.size()) + " entries for " + std::to_string(layers) +
                                                " layers (give one per layer, or none for softmax everywhere)");
    }
    for (Index l = 0; l < layers; ++l) {
      if (mixer(l) != Mixer::mesa) continue;
      if (!attention.causal) {
        throw invalid_input("options.mixers", "puts a mesa layer in block " + std::to_string(l) +
                                                  ", which is causal by construction: set options.attention.causal");
      }
      mesa_options().validate(width);
    }
  }
};

namespace detail {

/// Makes a token mixer other than softmax for a block of an encoder with these options.
template <class Scalar>
using MixerFactory = std::unique_ptr<TokenMixer<Scalar>> (*)(const EncoderOptions& options, Rng& rng);

/// The installed factory of `mixer` (nullptr until the mixer's header is included in the program,
/// whose static initialisation installs it). O(1).
template <class Scalar>
MixerFactory<Scalar>& mixer_factory(Mixer mixer) {
  static MixerFactory<Scalar> factories[2] = {};
  return factories[static_cast<std::size_t>(mixer)];
}

/// The mixer `mixer` (not softmax) of block `block`, or `invalid_input` naming options.mixers when
/// its header is not part of the program.
template <class Scalar>
std::unique_ptr<TokenMixer<Scalar>> make_mixer(Mixer mixer, const EncoderOptions& options, Rng& rng, Index block) {
  const MixerFactory<Scalar> factory = mixer_factory<Scalar>(mixer);
  if (factory == nullptr) {
    throw invalid_input("options.mixers",
                        "asks for the mesa mixer in block " + std::to_string(block) +
                            ", which this program does not compile: include \"causalattn/nn/mesa_attention.hpp\"");
  }
  return factory(options, rng);
}

}  // namespace detail

/// Pre-LN block (Xiong et al. 2020): h = x + Mixer(LN1(x)); y = h + MLP(LN2(h)), the mixer softmax
/// self-attention or mesa attention. With softmax attention and no causal mask or positional
/// information it is permutation equivariant within each sequence.
/// Example: `causalattn::EncoderBlock<float> block(options, rng, causalattn::Mixer::softmax); auto y = block.forward(x, layout);`
template <class Scalar>
class EncoderBlock {
 public:
  /// \param options shapes and modes (validated); \param rng initialisation stream; \param mixer the
  /// token mixer; \param index the block's place in its encoder (named in errors).
  EncoderBlock(const EncoderOptions& options, Rng& rng, Mixer mixer = Mixer::softmax, Index index = 0)
      : norm1_((options.validate(), options.width)),
        attention_(mixer == Mixer::softmax
                       ? std::optional<MultiHeadSelfAttention<Scalar>>(std::in_place, options.width, options.attention, rng)
                       : std::nullopt),
        other_(mixer == Mixer::softmax ? nullptr : detail::make_mixer<Scalar>(mixer, options, rng, index)),
        mixer_(mixer),
        norm2_(options.width),
        mlp_(options.width, options.hidden, rng, options.activation) {}

  /// Forward pass over a batch; caches for backward. O(sum_b n_b^2 width + tokens width hidden)
  /// with softmax attention, O(tokens width^2 + tokens width hidden) with mesa.
  Matrix<Scalar> forward(const Eigen::Ref<const Matrix<Scalar>>& x, const SequenceLayout& layout,
                         const KeyPaddingMask& key_padding = {}) {
    const Matrix<Scalar> normed = norm1_.forward(x);
    Matrix<Scalar> h = x +
                       (other_ ? other_->forward(normed, layout, key_padding) : attention_->forward(normed, layout, key_padding));
    return h + mlp_.forward(norm2_.forward(h));
  }
  /// Backward pass: accumulates gradients, returns dx.
  Matrix<Scalar> backward(const Eigen::Ref<const Matrix<Scalar>>& dy) {
    const Matrix<Scalar> dh = dy + norm2_.backward(mlp_.backward(dy));
    return dh + norm1_.backward(other_ ? other_->backward(dh) : attention_->backward(dh));
  }
  /// Adds "<prefix>.norm1.*", "<prefix>.attention.*" (softmax) or "<prefix>.mesa.*" (mesa),
  /// "<prefix>.norm2.*", "<prefix>.mlp.*".
  void register_parameters(ParameterRegistry<Scalar>& registry, const std::string& prefix) {
    norm1_.register_parameters(registry, prefix + ".norm1");
    if (other_) {
      other_->register_parameters(registry, prefix + ".mesa");
    } else {
      attention_->register_parameters(registry, prefix + ".attention");
    }
    norm2_.register_parameters(registry, prefix + ".norm2");
    mlp_.register_parameters(registry, prefix + ".mlp");
  }
  /// The block's mixer.
  Mixer mixer() const noexcept { return mixer_; }
  /// The softmax attention layer (for its log-normalisers); throws `invalid_input` for a mesa block.
  const MultiHeadSelfAttention<Scalar>& attention() const {
    if (!attention_) throw invalid_input("block", "is a mesa block: it has no softmax attention (use attention_matrix)");
    return *attention_;
  }
  /// The mixer's attention matrix of sequence `sequence` and head `head` in the last forward pass
  /// (`MultiHeadSelfAttention::attention_matrix` or `MesaAttention::attention_matrix`).
  Matrix<Scalar> attention_matrix(Index sequence, Index head) const {
    return other_ ? other_->attention_matrix(sequence, head) : attention_->attention_matrix(sequence, head);
  }

 private:
  LayerNorm<Scalar> norm1_;
  std::optional<MultiHeadSelfAttention<Scalar>> attention_;  ///< the softmax mixer, or
  detail::MixerHandle<Scalar> other_;                        ///< another (installed) mixer
  Mixer mixer_;
  LayerNorm<Scalar> norm2_;
  Mlp<Scalar> mlp_;
};

/// A stack of `options.layers` pre-LN blocks (block l mixing with `options.mixer(l)`) followed by a
/// final LayerNorm.
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
    for (Index l = 0; l < options.layers; ++l) blocks_.emplace_back(options, rng, options.mixer(l), l);
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
