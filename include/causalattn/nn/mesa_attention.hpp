#pragma once
/// \file
/// Multi-head mesa attention (methods/mesa.md): a causal mixer whose output at each token is the
/// ridge-regression prediction fitted in context to the key/value pairs seen so far.

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "causalattn/core/checks.hpp"
#include "causalattn/kernels/mesa.hpp"
#include "causalattn/nn/encoder.hpp"
#include "causalattn/nn/linear.hpp"
#include "causalattn/nn/mesa_attention_options.hpp"
#include "causalattn/nn/sequence_layout.hpp"
#include "causalattn/nn/token_mixer.hpp"

namespace causalattn {

/// Multi-head mesa attention: Q = x Wq, K = x Wk, V = x Wv; per sequence and head h the causal mesa
/// kernel (`mesa_forward`) out_t = S_t R_t q_t with the head's learnt lambda_h = exp(theta_h);
/// heads concatenated, then x_out = concat Wo. Sequences never mix; tokens marked in `key_padding`
/// add no key/value pair (their queries are still answered). (Sequence, head) pairs run in
/// parallel, each on one thread, and lambda's gradient is summed in a fixed order, so forward and
/// backward are identical for any thread count. Including this header installs it as the encoder's
/// `Mixer::mesa` (for float and double).
/// Example:
/// \code
///   causalattn::Rng rng(0);
///   causalattn::MesaAttentionOptions options;
///   options.heads = 2;
///   causalattn::MesaAttention<double> mesa(32, options, rng);
///   auto y = mesa.forward(x, causalattn::SequenceLayout::uniform(8, 50));  // x: 400 x 32
/// \endcode
template <class Scalar>
class MesaAttention final : public TokenMixer<Scalar> {
 public:
  /// \param width model width; \param options heads, normalisation, initial lambda, threads;
  /// \param rng initialisation stream (Xavier uniform projections, zero biases).
  MesaAttention(Index width, const MesaAttentionOptions& options, Rng& rng)
      : options_((options.validate(width), options)),
        query_(width, width, rng),
        key_(width, width, rng),
        value_(width, width, rng),
        output_(width, width, rng),
        log_lambda_(Parameter<Scalar>::zeros(1, options.heads)) {
    log_lambda_.value.setConstant(Scalar(std::log(options.initial_lambda)));
  }

  /// Model width.
  Index width() const noexcept { return query_.in_features(); }
  /// Number of heads.
  Index heads() const noexcept { return options_.heads; }

  /// Each head's lambda = exp(theta). Throws `invalid_input` naming "log_lambda" if one is not a
  /// finite positive number (a parameter file can hold such a theta). O(heads).
  Vector<double> lambdas() const {
    Vector<double> lambda(options_.heads);
    for (Index h = 0; h < options_.heads; ++h) {
      lambda(h) = std::exp(double(log_lambda_.value(0, h)));
      if (!(std::isfinite(lambda(h)) && lambda(h) > 0)) {
        throw invalid_input("log_lambda", "head " + std::to_string(h) + " has log lambda " +
                                              detail::to_text(double(log_lambda_.value(0, h))) +
                                              ", so lambda = " + detail::to_text(lambda(h)) + " is not a finite number > 0");
      }
    }
    return lambda;
  }

  /// Mesa attention of every sequence in `layout` (x holds layout.tokens() rows). Caches for
  /// backward. O(tokens width (width + block) ) with the kernel's block length.
  Matrix<Scalar> forward(const Eigen::Ref<const Matrix<Scalar>>& x, const SequenceLayout& layout,
                         const KeyPaddingMask& key_padding = {}) override {
    layout.check_tokens(x, width(), key_padding);
    lambda_ = lambdas();
    layout_ = layout;
    padding_ = key_padding;
    q_ = query_.forward(x);
    k_ = key_.forward(x);
    v_ = value_.forward(x);
    if (options_.normalize_query_key) {
      q_normalized_ = normalized_rows(q_);
      k_normalized_ = normalized_rows(k_);
    }
    concat_.resize(x.rows(), width());
    for_each_sequence_head(layout_, options_.heads, options_.threads, [&](Index b, Index h) {
      slice(concat_, b, h) =
          mesa_forward<Scalar>(slice(queries(), b, h), slice(keys(), b, h), slice(v_, b, h), lambda_(h), padding_of(b)).output;
    });
    return output_.forward(concat_);
  }

  /// Backward through the last `forward`: accumulates the projections' and log lambda's gradients
  /// and returns dx. O(as forward).
  Matrix<Scalar> backward(const Eigen::Ref<const Matrix<Scalar>>& dy) override {
    const Matrix<Scalar> d_concat = output_.backward(dy);
    Matrix<Scalar> dq(q_.rows(), q_.cols()), dk(k_.rows(), k_.cols()), dv(v_.rows(), v_.cols());
    const Index pairs = layout_.count() * options_.heads;
    std::vector<double> d_lambda(static_cast<std::size_t>(pairs), 0.0);
    for_each_sequence_head(layout_, options_.heads, options_.threads, [&](Index b, Index h) {
      const auto g = mesa_backward<Scalar>(slice(queries(), b, h), slice(keys(), b, h), slice(v_, b, h), lambda_(h),
                                           slice(d_concat, b, h), padding_of(b));
      slice(dq, b, h) = g.dq;
      slice(dk, b, h) = g.dk;
      slice(dv, b, h) = g.dv;
      d_lambda[static_cast<std::size_t>(b * options_.heads + h)] = g.d_lambda;
    });
    for (Index h = 0; h < options_.heads; ++h) {
      double sum = 0;  // over sequences in order: independent of the thread count
      for (Index b = 0; b < layout_.count(); ++b) sum += d_lambda[static_cast<std::size_t>(b * options_.heads + h)];
      log_lambda_.grad(0, h) += Scalar(sum * lambda_(h));  // d theta = lambda d lambda
    }
    if (options_.normalize_query_key) {
      dq = normalized_rows_backward(q_, dq);
      dk = normalized_rows_backward(k_, dk);
    }
    Matrix<Scalar> dx = value_.backward(dv);
    dx += query_.backward(dq);
    dx += key_.backward(dk);
    return dx;
  }

  /// Adds "<prefix>.query.*", "<prefix>.key.*", "<prefix>.value.*", "<prefix>.output.*" and
  /// "<prefix>.log_lambda" (1 x heads).
  void register_parameters(ParameterRegistry<Scalar>& registry, const std::string& prefix) override {
    query_.register_parameters(registry, prefix + ".query");
    key_.register_parameters(registry, prefix + ".key");
    value_.register_parameters(registry, prefix + ".value");
    output_.register_parameters(registry, prefix + ".output");
    registry.add(prefix + ".log_lambda", log_lambda_);
  }

  /// The mesa attention matrix (`mesa_attention_matrix`) of sequence `sequence` and head `head` in
  /// the last forward pass: n_b x n_b, entry (t, s) the weight of token s's value in token t's
  /// output (zero above the diagonal and for padded s; signed). Throws `invalid_input` before any
  /// forward pass or for an index out of range. O(n_b width / heads (width / heads + n_b)).
  /// Example: `Matrix<double> a = mesa.attention_matrix(0, 1);  // after forward`
  Matrix<Scalar> attention_matrix(Index sequence, Index head) const override {
    if (q_.rows() == 0) throw invalid_input("sequence", "no forward pass has run: there is no attention to read");
    check_in_range<Index>("sequence", sequence, 0, layout_.count() - 1);
    check_in_range<Index>("head", head, 0, options_.heads - 1);
    const KeyPaddingMask padding = padding_of(sequence);
    const auto r = mesa_forward<Scalar>(slice(queries(), sequence, head), slice(keys(), sequence, head), slice(v_, sequence, head),
                                        lambda_(head), padding);
    return mesa_attention_matrix<Scalar>(r.solved, slice(keys(), sequence, head), padding);
  }

  /// A copy (parameters and the last forward pass). O(parameters + cached activations).
  std::unique_ptr<TokenMixer<Scalar>> clone() const override { return std::make_unique<MesaAttention>(*this); }

 private:
  static constexpr double norm_floor = 1e-12;  ///< added to |q|^2 so a zero row normalises to zero

  Index head_width() const { return width() / options_.heads; }

  /// The queries and keys the kernel sees: normalised copies, or the projections themselves.
  const Matrix<Scalar>& queries() const { return options_.normalize_query_key ? q_normalized_ : q_; }
  const Matrix<Scalar>& keys() const { return options_.normalize_query_key ? k_normalized_ : k_; }

  template <class M>
  auto slice(M& m, Index b, Index h) const {
    return layout_.head_block(m, b, h, head_width());
  }

  KeyPaddingMask padding_of(Index b) const { return layout_.segment_of(padding_, b); }

  /// Each head's part of each row divided by sqrt(|part|^2 + norm_floor).
  Matrix<Scalar> normalized_rows(const Matrix<Scalar>& m) const {
    Matrix<Scalar> out(m.rows(), m.cols());
    const Index d = head_width();
    for (Index h = 0; h < options_.heads; ++h) {
      const auto part = m.middleCols(h * d, d);
      const Vector<Scalar> norms = (part.rowwise().squaredNorm().array() + Scalar(norm_floor)).sqrt();
      out.middleCols(h * d, d) = norms.cwiseInverse().asDiagonal() * part;
    }
    return out;
  }

  /// dm from d(normalized m): per head part, (dn - n (n . dn)) / |m| with n the normalised part.
  Matrix<Scalar> normalized_rows_backward(const Matrix<Scalar>& m, const Matrix<Scalar>& d_normalized) const {
    Matrix<Scalar> out(m.rows(), m.cols());
    const Index d = head_width();
    for (Index h = 0; h < options_.heads; ++h) {
      const auto part = m.middleCols(h * d, d);
      const auto d_part = d_normalized.middleCols(h * d, d);
      const Vector<Scalar> inverse_norms = (part.rowwise().squaredNorm().array() + Scalar(norm_floor)).sqrt().inverse();
      const Matrix<Scalar> n = inverse_norms.asDiagonal() * part;
      const Vector<Scalar> projection = n.cwiseProduct(d_part).rowwise().sum();
      out.middleCols(h * d, d) = inverse_norms.asDiagonal() * (d_part - projection.asDiagonal() * n);
    }
    return out;
  }

  MesaAttentionOptions options_;
  Linear<Scalar> query_, key_, value_, output_;
  Parameter<Scalar> log_lambda_;  ///< theta, 1 x heads: lambda_h = exp(theta_h)
  Vector<double> lambda_;         ///< lambda of the last forward pass
  SequenceLayout layout_ = SequenceLayout::single(1);
  KeyPaddingMask padding_;
  Matrix<Scalar> q_, k_, v_, q_normalized_, k_normalized_, concat_;
};

namespace detail {

/// `MesaAttention` as an encoder block's mixer.
template <class Scalar>
std::unique_ptr<TokenMixer<Scalar>> make_mesa_attention(const EncoderOptions& options, Rng& rng) {
  return std::make_unique<MesaAttention<Scalar>>(options.width, options.mesa_options(), rng);
}

/// Installs `Mixer::mesa` for float and double during the static initialisation of every program
/// that includes this header.
inline const bool mesa_mixer_installed = (mixer_factory<float>(Mixer::mesa) = &make_mesa_attention<float>,
                                          mixer_factory<double>(Mixer::mesa) = &make_mesa_attention<double>, true);

}  // namespace detail
}  // namespace causalattn
