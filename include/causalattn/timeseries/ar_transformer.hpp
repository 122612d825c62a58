#pragma once
/// \file
/// The autoregressive transformer of methods/timeseries.md: a decoder-only model over the tokens of
/// a lag window (one token per lagged observation) that predicts the next step of every variable.

#include <cmath>
#include <optional>
#include <string>

#include "causalattn/core/checks.hpp"
#include "causalattn/nn/encoder.hpp"
#include "causalattn/nn/linear.hpp"

namespace causalattn {

namespace detail {

/// Rows (u, sin 2 pi k u, cos 2 pi k u for k = 1 .. `harmonics`) for each position u: the input
/// of an `ArTransformer`'s time embedding, positions.size() x (1 + 2 harmonics). O(positions harmonics).
template <class Scalar>
Matrix<Scalar> time_features(const Vector<detail::deferred_t<Scalar, double>>& positions, Index harmonics) {
  const double two_pi = 6.283185307179586476925;
  Matrix<Scalar> out(positions.size(), 1 + 2 * harmonics);
  for (Index w = 0; w < positions.size(); ++w) {
    const double u = positions(w);
    out(w, 0) = Scalar(u);
    for (Index k = 1; k <= harmonics; ++k) {
      out(w, 2 * k - 1) = Scalar(std::sin(two_pi * double(k) * u));
      out(w, 2 * k) = Scalar(std::cos(two_pi * double(k) * u));
    }
  }
  return out;
}

}  // namespace detail

/// How a window becomes tokens (methods/timeseries.md allows both).
enum class ArTokens {
  per_step,         ///< one token per time step: sum_j x_j E_var[j] + E_lag[lag] (L tokens)
  per_observation,  ///< one token per lagged value: x u + E_var[j] + E_lag[lag] (p L tokens)
};

/// Which token's features predict which output.
enum class ArReadout {
  last_token,  ///< the window's last token predicts all p outputs through Linear(width -> p)
  /// p readout tokens (a learned target embedding each) follow the window; readout token i attends
  /// to the window tokens only and predicts X_i(t) through a shared Linear(width -> 1). In a
  /// 1-layer model its attention row over the window is target i's raw-attention score.
  per_target,
};

/// The token mixer of an `ArTransformer`'s decoder blocks.
enum class ArMixer {
  softmax,  ///< softmax self-attention in every block
  mesa,     ///< mesa attention (in-context ridge regression) in every block
  hybrid,   ///< softmax in the first block, mesa in the others (needs layers >= 2)
};

/// Shape of an `ArTransformer`.
struct ArTransformerOptions {
  Index max_lag = 5;   ///< L: lags in the window, >= 1
  ArTokens tokens = ArTokens::per_step;  ///< tokenisation of the window
  ArReadout readout = ArReadout::last_token;  ///< how outputs are read (per_target for raw attention)
  Index width = 128;   ///< token width, divisible by heads, >= 1 (128 beat 16-64 and 256 on Lorenz-96 p 20, F 40)
  Index hidden = 256;  ///< MLP hidden width, >= 1
  Index layers = 1;    ///< decoder blocks, >= 0; 0 = attention-free linear autoregression (a VAR)
  Index heads = 2;     ///< attention heads, >= 1
  ArMixer mixer = ArMixer::softmax;  ///< the blocks' token mixer (see `ArMixer`)
  /// H: with H >= 1 the model sees where a window lies in its series, for series whose mechanism
  /// changes over time (regimes). Position u in [0, 1] gives the features (u, sin 2 pi k u,
  /// cos 2 pi k u for k = 1 .. H), whose product with a learned (1 + 2H) x width matrix E_time is
  /// added to every token; `forward` then needs each window's position. 0 = no time embedding (a
  /// stationary model). In [0, 64]; needs layers >= 1. The [7/7] regime benchmark uses 2 and
  /// trains on every window: a held-out tail would ask the model for positions it never saw.
  Index time_harmonics = 0;
  std::uint64_t seed = 1;  ///< initialisation
  int threads = 0;     ///< attention threads over (window, head) pairs (0 = all); results do not depend on it

  /// Throws `invalid_input` naming the first bad field ("options.max_lag", ...).
  void validate() const {
    if (max_lag < 1 || max_lag > 4096) throw invalid_input("options.max_lag", "is " + std::to_string(max_lag) + ", must be in [1, 4096]");
    if (layers < 0 || layers > 64) throw invalid_input("options.layers", "is " + std::to_string(layers) + ", must be in [0, 64]");
    if (heads < 1) throw invalid_input("options.heads", "is " + std::to_string(heads) + ", must be >= 1");
    if (width < 1 || width % heads != 0) throw invalid_input("options.width", "is " + std::to_string(width) + ", must be >= 1 and divisible by heads");
    if (hidden < 1) throw invalid_input("options.hidden", "is " + std::to_string(hidden) + ", must be >= 1");
    if (threads < 0) throw invalid_input("options.threads", "is " + std::to_string(threads) + ", must be >= 0");
    if (time_harmonics < 0 || time_harmonics > 64) {
      throw invalid_input("options.time_harmonics", "is " + std::to_string(time_harmonics) + ", must be in [0, 64]");
    }
    if (time_harmonics > 0 && layers == 0) {
      throw invalid_input("options.time_harmonics", "is " + std::to_string(time_harmonics) + ", which needs layers >= 1 (layers = 0 is the linear model)");
    }
    if (mixer != ArMixer::softmax && layers == 0) {
      throw invalid_input("options.mixer", "is not softmax, which needs layers >= 1 (layers = 0 is the linear model)");
    }
    if (mixer == ArMixer::hybrid && layers < 2) {
      throw invalid_input("options.mixer", "is hybrid (softmax in the first block, mesa in the others), which needs layers >= 2");
    }
    if (readout == ArReadout::per_target && layers == 0) {
      throw invalid_input("options.readout", "is per_target, which needs layers >= 1 (layers = 0 is the linear model)");
    }
  }
};

/// Decoder-only transformer for next-step prediction of a p-variate series.
///
/// A window is a row of p L values in `LaggedDesign::past` order (column (lag - 1) p + j holds
/// X_j(t - lag)). Tokens run from the oldest lag to lag 1 with learned variable embeddings E_var
/// and lag embeddings E_lag: per step, token(lag) = sum_j X_j(t - lag) E_var[j] + E_lag[lag]; per
/// observation, token(j, lag) = X_j(t - lag) u + E_var[j] + E_lag[lag] (u a learned value
/// embedding; variables in order within a step). A causal mask lets each token see itself and
/// the earlier tokens; the last token's final features go through Linear(width -> p) to predict
/// X(t). With the per-target readout, p readout tokens E_target[i] follow the window, are hidden
/// from every query as keys (so each sees exactly the window) and predict X_i(t) each through a
/// shared Linear(width -> 1). With `time_harmonics` H >= 1, every token of a window at position
/// u also gets phi(u) E_time (see `ArTransformerOptions::time_harmonics`). With `layers` = 0 the
/// model is the linear autoregression
/// X(t) = W' window + b instead.
/// Forward passes cache for backward; one instance must not run on two threads at once.
/// Example:
/// \code
///   causalattn::ArTransformer<double> model(10, {});
///   causalattn::Matrix<double> prediction = model.forward(windows);  // windows: B x 50
///   causalattn::ArTransformerOptions timed;
///   timed.time_harmonics = 2;
///   causalattn::ArTransformer<double> drifting(10, timed);
///   causalattn::Matrix<double> late = drifting.forward(windows, positions);  // positions: B values in [0, 1]
/// \endcode
template <class Scalar>
class ArTransformer {
 public:
  /// A model for `variables` series (>= 1) of shape `options`. Throws `invalid_input` for bad options.
  ArTransformer(Index variables, const ArTransformerOptions& options) : ArTransformer(variables, options, Rng(options.seed)) {}

  /// Number of variables p. O(1).
  Index variables() const noexcept { return variables_; }
  /// The options it was built with. O(1).
  const ArTransformerOptions& options() const noexcept { return options_; }
  /// Values per window, p L. O(1).
  Index window_width() const noexcept { return variables_ * options_.max_lag; }

  /// Predictions (B x p) for windows (B x p L). With a time embedding, `positions` holds each
  /// window's position u (B finite values; 0 = the series' start, 1 = its end); without one it
  /// must be empty. Throws `invalid_input` naming `windows` or `positions` for bad shapes or
  /// values. Caches for `backward`. O(B ((p L)^2 width + p L width hidden) layers).
  Matrix<Scalar> forward(const Matrix<Scalar>& windows, const Vector<double>& positions = Vector<double>()) {
    check_shape("windows", windows, -1, window_width());
    check_positions(positions, windows.rows());
    windows_ = windows;
    if (options_.layers == 0) return linear_.forward(windows);
    const Index b = windows.rows(), n = tokens_per_window(), p = variables_;
    Matrix<Scalar> tokens(b * n, options_.width);
    if (timed()) {
      time_features_ = detail::time_features<Scalar>(positions, options_.time_harmonics);
      const Matrix<Scalar> offsets = time_features_ * time_.value;  // b x width
      for (Index w = 0; w < b; ++w) tokens.middleRows(w * n, n).rowwise() = offsets.row(w);
    } else {
      tokens.setZero();
    }
    for (Index w = 0; w < b; ++w) {
      for (Index k = window_tokens(); k < n; ++k) tokens.row(w * n + k) += token_base_.row(k);  // readout tokens
      for (Index k = 0; k < window_tokens(); ++k) {
        if (per_step()) {
          tokens.row(w * n + k) += token_base_.row(k) + windows.row(w).segment((options_.max_lag - 1 - k) * p, p) * variable_.value;
        } else {
          tokens.row(w * n + k) += token_base_.row(k) + windows(w, column_of_token(k)) * value_.value.row(0);
        }
      }
    }
    layout_ = SequenceLayout::uniform(b, n);
    if (!per_target()) {
      const Matrix<Scalar> features = encoder_->forward(tokens, layout_);
      Matrix<Scalar> last(b, options_.width);
      for (Index w = 0; w < b; ++w) last.row(w) = features.row(w * n + n - 1);
      return head_.forward(last);
    }
    const Matrix<Scalar> features = encoder_->forward(tokens, layout_, readout_padding(b));
    Matrix<Scalar> readout(b * p, options_.width);  // row w p + i: window w, target i
    for (Index w = 0; w < b; ++w) readout.middleRows(w * p, p) = features.middleRows(w * n + n - p, p);
    const Matrix<Scalar> outputs = target_head_.forward(readout);  // b p x 1
    return Eigen::Map<const Matrix<Scalar>>(outputs.data(), p, b).transpose();
  }

  /// Accumulates parameter gradients for dLoss/dprediction (B x p) of the last forward pass and
  /// returns dLoss/dwindows (B x p L). May be called repeatedly after one forward pass (the
  /// gradient extractors do, once per output). O(as forward).
  Matrix<Scalar> backward(const Matrix<Scalar>& d_prediction) {
    if (options_.layers == 0) return linear_.backward(d_prediction);
    const Index b = windows_.rows(), n = tokens_per_window(), p = variables_;
    check_shape("d_prediction", d_prediction, b, p);
    Matrix<Scalar> d_features = Matrix<Scalar>::Zero(b * n, options_.width);
    if (per_target()) {
      const Matrix<Scalar> by_window = d_prediction.transpose();  // p x b: column w is window w's outputs
      const Matrix<Scalar> d_readout = target_head_.backward(Eigen::Map<const Matrix<Scalar>>(by_window.data(), b * p, 1));
      for (Index w = 0; w < b; ++w) d_features.middleRows(w * n + n - p, p) = d_readout.middleRows(w * p, p);
    } else {
      const Matrix<Scalar> d_last = head_.backward(d_prediction);
      for (Index w = 0; w < b; ++w) d_features.row(w * n + n - 1) = d_last.row(w);
    }
    const Matrix<Scalar> d_tokens = encoder_->backward(d_features);
    Matrix<Scalar> d_windows(b, window_width());
    if (timed()) {
      Matrix<Scalar> d_offsets(b, options_.width);  // per window, the sum over its tokens
      for (Index w = 0; w < b; ++w) d_offsets.row(w) = d_tokens.middleRows(w * n, n).colwise().sum();
      time_.grad.noalias() += serial_product(
          [&] { return Matrix<Scalar>(time_features_.transpose() * d_offsets); });  // inner dimension: windows
    }
    for (Index w = 0; w < b; ++w) {
      if (per_target()) target_.grad += d_tokens.middleRows(w * n + n - p, p);
      for (Index k = 0; k < window_tokens(); ++k) {
        const auto d_token = d_tokens.row(w * n + k);
        if (per_step()) {
          const Index first = (options_.max_lag - 1 - k) * p;
          d_windows.row(w).segment(first, p) = d_token * variable_.value.transpose();
          variable_.grad.noalias() += windows_.row(w).segment(first, p).transpose() * d_token;
          lag_.grad.row(options_.max_lag - 1 - k) += d_token;
        } else {
          const Index c = column_of_token(k);
          d_windows(w, c) = d_token.dot(value_.value.row(0));
          value_.grad.row(0) += windows_(w, c) * d_token;
          variable_.grad.row(k % p) += d_token;
          lag_.grad.row(options_.max_lag - 1 - k / p) += d_token;
        }
      }
    }
    return d_windows;
  }

  /// Adds the parameters ("value", "variable", "lag", "time" with a time embedding, "encoder.*",
  /// then "head.*" or, with the per-target readout, "target" and "target_head.*"; "linear.*" for
  /// layers = 0) to `registry`.
  /// The model must not move while the registry is in use.
  void register_parameters(ParameterRegistry<Scalar>& registry) {
    if (options_.layers == 0) {
      linear_.register_parameters(registry, "linear");
      return;
    }
    if (!per_step()) registry.add("value", value_);
    registry.add("variable", variable_);
    registry.add("lag", lag_);
    if (timed()) registry.add("time", time_);
    encoder_->register_parameters(registry, "encoder");
    if (per_target()) {
      registry.add("target", target_);
      target_head_.register_parameters(registry, "target_head");
    } else {
      head_.register_parameters(registry, "head");
    }
  }

  /// Recomputes the token base (E_var + E_lag per window token, E_target per readout token) after
  /// the embeddings changed (call after each optimiser step; `forward` reads the cached base).
  /// O(p L width).
  void refresh() {
    if (options_.layers == 0) return;
    token_base_.resize(tokens_per_window(), options_.width);
    if (per_target()) token_base_.bottomRows(variables_) = target_.value;
    for (Index k = 0; k < window_tokens(); ++k) {
      if (per_step()) {
        token_base_.row(k) = lag_.value.row(options_.max_lag - 1 - k);
      } else {
        token_base_.row(k) = variable_.value.row(k % variables_) + lag_.value.row(options_.max_lag - 1 - k / variables_);
      }
    }
  }

  /// Tokens of the window itself: L per step, p L per observation. They come first in every
  /// sequence. O(1).
  Index window_tokens() const noexcept { return per_step() ? options_.max_lag : window_width(); }

  /// Tokens per sequence: the window's, plus p readout tokens with the per-target readout. O(1).
  Index tokens_per_window() const noexcept { return window_tokens() + (per_target() ? variables_ : 0); }

  /// Per-observation tokens: the window column read by token k (tokens run oldest lag first, so
  /// token k holds variable k mod p at lag L - k / p). O(1).
  Index column_of_token(Index k) const noexcept {
    const Index lag = options_.max_lag - k / variables_;
    return (lag - 1) * variables_ + k % variables_;
  }

  /// The first decoder block's attention matrix of window w and head h in the last forward pass,
  /// over this model's `tokens_per_window()` tokens (raw-attention extraction reads it): softmax
  /// weights, or a mesa block's signed weights (`MesaAttention::attention_matrix`). Throws
  /// `invalid_input` for layers = 0, before any forward pass or for an index out of range.
  Matrix<Scalar> attention_matrix(Index window, Index head) const {
    if (options_.layers == 0) throw invalid_input("options.layers", "is 0: the linear model has no attention");
    return encoder_->blocks().front().attention_matrix(window, head);
  }

 private:
  ArTransformer(Index variables, const ArTransformerOptions& options, Rng rng)
      : variables_((options.validate(), variables)),
        options_(options),
        value_(Parameter<Scalar>::uniform(1, options.width, Scalar(1), rng)),
        variable_(Parameter<Scalar>::uniform(std::max<Index>(1, variables), options.width, Scalar(0.5), rng)),
        lag_(Parameter<Scalar>::uniform(options.max_lag, options.width, Scalar(0.5), rng)),
        encoder_(options.layers > 0 ? std::optional<Encoder<Scalar>>(std::in_place, encoder_options(options), rng) : std::nullopt),
        head_(options.width, std::max<Index>(1, variables), rng),
        linear_(std::max<Index>(1, variables) * options.max_lag, std::max<Index>(1, variables), rng),
        target_(Parameter<Scalar>::uniform(std::max<Index>(1, variables), options.width, Scalar(0.5), rng)),
        target_head_(options.width, 1, rng),
        time_(Parameter<Scalar>::uniform(1 + 2 * options.time_harmonics, options.width, Scalar(0.5), rng)) {
    if (variables < 1) throw invalid_input("variables", "is " + std::to_string(variables) + ", must be >= 1");
    refresh();
  }

  bool per_step() const noexcept { return options_.tokens == ArTokens::per_step; }
  bool per_target() const noexcept { return options_.readout == ArReadout::per_target; }
  bool timed() const noexcept { return options_.time_harmonics > 0; }

  /// Throws `invalid_input` naming `positions` unless it fits the model and `count` windows.
  void check_positions(const Vector<double>& positions, Index count) const {
    if (!timed()) {
      if (positions.size() != 0)
        throw invalid_input("positions", "has " + std::to_string(positions.size()) + " entries, but the model has no time embedding (options.time_harmonics = 0)");
      return;
    }
    if (positions.size() != count)
      throw invalid_input("positions", "has " + std::to_string(positions.size()) + " entries for " + std::to_string(count) +
                                           " windows (the model has a time embedding: one position per window)");
    for (Index w = 0; w < count; ++w)
      if (!std::isfinite(positions(w))) throw invalid_input("positions", "entry " + std::to_string(w) + " is " + detail::to_text(positions(w)) + ", must be finite");
  }

  /// Hides the readout tokens of `b` sequences as keys: each query then sees the window only.
  KeyPaddingMask readout_padding(Index b) const {
    KeyPaddingMask padding = KeyPaddingMask::Constant(b * tokens_per_window(), false);
    for (Index w = 0; w < b; ++w) padding.segment(w * tokens_per_window() + window_tokens(), variables_).setConstant(true);
    return padding;
  }

  static EncoderOptions encoder_options(const ArTransformerOptions& o) {
    EncoderOptions e;
    e.width = o.width;
    e.hidden = o.hidden;
    e.layers = o.layers;
    e.attention.heads = o.heads;
    e.attention.causal = true;
    e.attention.threads = o.threads;
    if (o.mixer != ArMixer::softmax) {
      e.mixers.assign(std::size_t(o.layers), Mixer::mesa);
      if (o.mixer == ArMixer::hybrid) e.mixers.front() = Mixer::softmax;
    }
    return e;
  }

  Index variables_;
  ArTransformerOptions options_;
  Parameter<Scalar> value_, variable_, lag_;
  std::optional<Encoder<Scalar>> encoder_;  ///< absent for layers = 0
  Linear<Scalar> head_, linear_;
  Parameter<Scalar> target_;     ///< per-target readout: the p readout token embeddings
  Linear<Scalar> target_head_;   ///< per-target readout: the shared Linear(width -> 1)
  Parameter<Scalar> time_;       ///< time embedding E_time, (1 + 2H) x width
  Matrix<Scalar> token_base_, windows_, time_features_;
  SequenceLayout layout_ = SequenceLayout::single(1);
};

}  // namespace causalattn
