#pragma once
/// \file
/// How a batch of independent sequences (or data sets) of possibly different lengths is stacked
/// into one token matrix.

#include <string>
#include <vector>

#include "causalattn/core/errors.hpp"
#include "causalattn/core/scalar.hpp"

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

}  // namespace causalattn
