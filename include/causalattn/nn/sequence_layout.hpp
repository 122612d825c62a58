#pragma once
/// \file
/// How a batch of independent sequences (or data sets) of possibly different lengths is stacked
/// into one token matrix.

#include <string>
#include <vector>

#include "causalattn/core/errors.hpp"
#include "causalattn/core/scalar.hpp"
#include "causalattn/core/threads.hpp"

namespace causalattn {

/// Sequence b occupies rows [offset(b), offset(b + 1)) of a stacked token matrix. Row-wise layers
/// (Linear, LayerNorm, MLP) see all tokens at once; attention never mixes sequences. Ragged
/// lengths need no padding.
/// Example: `auto layout = causalattn::SequenceLayout::from_lengths({5, 3});  // rows 0-4 and 5-7`
class SequenceLayout {
 public:
  /// One sequence of `n` tokens.
  static SequenceLayout single(Index n) { return from_lengths({n}); }
  /// `batch` sequences of `n` tokens each.
  static SequenceLayout uniform(Index batch, Index n) {
    return from_lengths(std::vector<Index>(static_cast<std::size_t>(batch), n));
  }
  /// Sequences of the given lengths (each >= 1), stacked in order. Throws `invalid_input` otherwise.
  static SequenceLayout from_lengths(const std::vector<Index>& lengths) {
    if (lengths.empty()) throw invalid_input("lengths", "a batch needs at least one sequence");
    SequenceLayout layout;
    layout.offsets_.push_back(0);
    for (std::size_t b = 0; b < lengths.size(); ++b) {
      if (lengths[b] < 1) {
        throw invalid_input("lengths", "sequence " + std::to_string(b) + " has length " + std::to_string(lengths[b]) +
                                           ", must be >= 1");
      }
      layout.offsets_.push_back(layout.offsets_.back() + lengths[b]);
    }
    return layout;
  }
  /// Number of sequences.
  Index count() const noexcept { return static_cast<Index>(offsets_.size()) - 1; }
  /// Total number of tokens (rows of the stacked matrix).
  Index tokens() const noexcept { return offsets_.back(); }
  /// First row of sequence b.
  Index offset(Index b) const { return offsets_.at(static_cast<std::size_t>(b)); }
  /// Length of sequence b.
  Index length(Index b) const { return offset(b + 1) - offset(b); }
  /// The block of `m` (a stacked token matrix) holding sequence b's rows and head h's columns
  /// [h head_width, (h + 1) head_width). O(1).
  template <class M>
  auto head_block(M& m, Index b, Index h, Index head_width) const {
    return m.block(offset(b), h * head_width, length(b), head_width);
  }
  /// Sequence b's entries of a per-token mask over the whole batch (empty stays empty). O(length).
  template <class Mask>
  Mask segment_of(const Mask& mask, Index b) const {
    if (mask.size() == 0) return Mask();
    return mask.segment(offset(b), length(b));
  }
  /// Throws `invalid_input` naming "x" or "key_padding" unless `x` holds this layout's tokens with
  /// `width` columns and `key_padding` is empty or has one entry per token: a mixer's input check. O(1).
  template <class Tokens, class Mask>
  void check_tokens(const Tokens& x, Index width, const Mask& key_padding) const {
    check_rows("x", x.rows());
    if (x.cols() != width) {
      throw invalid_input("x", "has shape " + std::to_string(x.rows()) + " x " + std::to_string(x.cols()) + ", expected any x " +
                                   std::to_string(width));
    }
    if (key_padding.size() != 0 && key_padding.size() != tokens()) {
      throw invalid_input("key_padding",
                          "has " + std::to_string(key_padding.size()) + " entries for " + std::to_string(tokens()) + " tokens");
    }
  }
  /// Throws `invalid_input(argument, ...)` unless a matrix with `rows` rows fits this layout.
  void check_rows(const std::string& argument, Index rows) const {
    if (rows != tokens()) {
      throw invalid_input(argument, "has " + std::to_string(rows) + " rows but the sequence layout holds " +
                                        std::to_string(tokens()) + " tokens");
    }
  }

 private:
  std::vector<Index> offsets_;
};

/// Throws `invalid_input` naming "options.heads" unless 1 <= heads divides `width`, or
/// "options.threads" if threads < 0: the checks every multi-head mixer's options share. O(1).
/// Example: `causalattn::check_head_options(64, options.heads, options.threads);`
inline void check_head_options(Index width, Index heads, int threads) {
  if (heads < 1 || width % heads != 0) {
    throw invalid_input("options.heads",
                        "is " + std::to_string(heads) + ", must be >= 1 and divide the width " + std::to_string(width));
  }
  if (threads < 0) throw invalid_input("options.threads", "is " + std::to_string(threads) + ", must be >= 0");
}

/// Calls body(b, h) for every sequence b of `layout` and head h < `heads`, the pairs spread over
/// `threads` threads (0 = all), each pair on one thread, so results never depend on the count.
/// Example: `causalattn::for_each_sequence_head(layout, 4, 0, [&](Index b, Index h) { ... });`
template <class Body>
void for_each_sequence_head(const SequenceLayout& layout, Index heads, int threads, Body&& body) {
  parallel_for(Index(0), layout.count() * heads, threads, [&](Index pair) { body(pair / heads, pair % heads); });
}

}  // namespace causalattn
