#pragma once
/// \file
/// The token mixer of an encoder block as an interface, so that a mixer other than softmax
/// attention is compiled only by the programs that include its header.

#include <memory>
#include <string>

#include "causalattn/kernels/attention_options.hpp"
#include "causalattn/nn/parameter.hpp"
#include "causalattn/nn/sequence_layout.hpp"

namespace causalattn {

/// The token mixer of an encoder block.
enum class Mixer {
  softmax,  ///< `MultiHeadSelfAttention` (always available)
  mesa,     ///< `MesaAttention`, causal only; include "causalattn/nn/mesa_attention.hpp" to use it
};

/// A layer that mixes the tokens of each sequence (an encoder block's attention). Implementations
/// keep what `backward` needs from the last `forward`.
/// Example: `std::unique_ptr<causalattn::TokenMixer<float>> m = ...; auto y = m->forward(x, layout);`
template <class Scalar>
class TokenMixer {
 public:
  virtual ~TokenMixer() = default;
  /// Mixes the tokens of every sequence in `layout` (x holds layout.tokens() rows); tokens marked
  /// in `key_padding` are not read by any other token. Caches for `backward`.
  virtual Matrix<Scalar> forward(const Eigen::Ref<const Matrix<Scalar>>& x, const SequenceLayout& layout,
                                 const KeyPaddingMask& key_padding = {}) = 0;
  /// Backward through the last `forward`: accumulates parameter gradients, returns dx.
  virtual Matrix<Scalar> backward(const Eigen::Ref<const Matrix<Scalar>>& dy) = 0;
  /// Adds the mixer's parameters under `prefix` to `registry`.
  virtual void register_parameters(ParameterRegistry<Scalar>& registry, const std::string& prefix) = 0;
  /// The n_b x n_b matrix of weights of sequence `sequence`, head `head` in the last forward pass.
  virtual Matrix<Scalar> attention_matrix(Index sequence, Index head) const = 0;
  /// A copy of this mixer (parameters and caches).
  virtual std::unique_ptr<TokenMixer<Scalar>> clone() const = 0;

 protected:
  TokenMixer() = default;
  TokenMixer(const TokenMixer&) = default;
  TokenMixer& operator=(const TokenMixer&) = default;
};

namespace detail {

/// Owns a `TokenMixer` and copies it by `clone` (so blocks holding one stay copyable).
template <class Scalar>
class MixerHandle {
 public:
  MixerHandle() = default;
  explicit MixerHandle(std::unique_ptr<TokenMixer<Scalar>> mixer) : mixer_(std::move(mixer)) {}
  MixerHandle(const MixerHandle& other) : mixer_(other.mixer_ ? other.mixer_->clone() : nullptr) {}
  MixerHandle& operator=(const MixerHandle& other) {
    if (this != &other) mixer_ = other.mixer_ ? other.mixer_->clone() : nullptr;
    return *this;
  }
  MixerHandle(MixerHandle&&) noexcept = default;
  MixerHandle& operator=(MixerHandle&&) noexcept = default;
  ~MixerHandle() = default;
  TokenMixer<Scalar>* operator->() const noexcept { return mixer_.get(); }
  explicit operator bool() const noexcept { return mixer_ != nullptr; }

 private:
  std::unique_ptr<TokenMixer<Scalar>> mixer_;
};

}  // namespace detail
}  // namespace causalattn
