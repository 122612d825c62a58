#pragma once
/// \file
/// A 64-bit fingerprint of numbers and bytes, for checking that several processes hold the same
/// input (not a cryptographic hash).

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

namespace causalattn {

/// Accumulates a 64-bit fingerprint: equal inputs added in the same order give equal values, and a
/// changed bit changes the value with overwhelming probability. O(1) per word added.
/// Example: `causalattn::Fingerprint f; f.add(3.5); f.add(std::int64_t(7)); auto v = f.value();`
class Fingerprint {
 public:
  /// Adds a 64-bit word.
  void add(std::uint64_t word) noexcept {
    state_ = (state_ ^ (word * 0x9E3779B97F4A7C15ULL)) * 0xBF58476D1CE4E5B9ULL;
    state_ ^= state_ >> 31;
  }
  /// Adds a signed integer.
  void add(std::int64_t value) noexcept { add(static_cast<std::uint64_t>(value)); }
  /// Adds a double by its bits (so 0.0 and -0.0 differ, as they can change a result).
  void add(double value) noexcept {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    add(bits);
  }
  /// Adds `count` doubles from `values`. O(count).
  void add(const double* values, std::int64_t count) noexcept {
    for (std::int64_t i = 0; i < count; ++i) add(values[i]);
  }
  /// Adds a string: its length, then its bytes in words of 8.
  void add(const std::string& text) noexcept {
    add(std::int64_t(text.size()));
    for (std::size_t i = 0; i < text.size(); i += 8) {
      std::uint64_t word = 0;
      std::memcpy(&word, text.data() + i, std::min<std::size_t>(8, text.size() - i));
      add(word);
    }
  }
  /// The fingerprint of what was added so far.
  std::uint64_t value() const noexcept { return state_; }

 private:
  std::uint64_t state_ = 0x6A09E667F3BCC909ULL;
};

}  // namespace causalattn
