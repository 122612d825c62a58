#pragma once
/// \file
/// A seeded, portable random number generator. Unlike `std::normal_distribution`, every draw is
/// specified here, so a seed gives the same numbers on every compiler, platform and thread count.

#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>

#include <Eigen/Core>

#include "causalattn/core/errors.hpp"
#include "causalattn/core/scalar.hpp"

namespace causalattn {

/// One step of SplitMix64 (Steele, Lea, Flood 2014): advances `state` and returns a well-mixed
/// 64-bit value. Used to expand seeds. O(1).
inline std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// Seeded generator: xoshiro256** (Blackman and Vigna 2018) with its state expanded from the seed by
/// SplitMix64. Satisfies UniformRandomBitGenerator. Not thread-safe: give each thread its own
/// `substream(i)`, indexed by the work item rather than the thread, so results do not depend on
/// the thread count.
/// Example:
/// \code
///   causalattn::Rng rng(42);
///   double u = rng.uniform();          // [0, 1)
///   double z = rng.normal();           // N(0, 1)
///   auto   k = rng.uniform_int(10);    // {0, ..., 9}
/// \endcode
class Rng {
 public:
  using result_type = std::uint64_t;

  /// Seeds the generator; equal seeds give equal streams. O(1).
  explicit Rng(std::uint64_t seed = 0) noexcept : seed_(seed) {
    std::uint64_t s = seed;
    for (auto& word : state_) word = splitmix64(s);
  }

  /// The seed this generator was built from (print it next to results).
  std::uint64_t seed() const noexcept { return seed_; }

  /// Smallest raw output (UniformRandomBitGenerator).
  static constexpr result_type min() noexcept { return 0; }
  /// Largest raw output (UniformRandomBitGenerator).
  static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }

  /// The next raw 64-bit output. O(1).
  result_type operator()() noexcept {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  /// An independent generator for work item `index`, derived from this generator's seed only (not
  /// its current position). O(1).
  Rng substream(std::uint64_t index) const noexcept {
    std::uint64_t s = seed_ ^ 0x6a09e667f3bcc909ULL;
    const std::uint64_t a = splitmix64(s);
    std::uint64_t t = index + 0xbb67ae8584caa73bULL;
    return Rng(a ^ splitmix64(t));
  }

  /// Uniform double in [0, 1) with 53 random bits. O(1).
  double uniform() noexcept { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }

  /// Uniform double in [lo, hi). O(1).
  double uniform(double lo, double hi) noexcept { return lo + (hi - lo) * uniform(); }

  /// Uniform integer in {0, ..., n-1}, without modulo bias. Throws `invalid_input` if n == 0.
  std::uint64_t uniform_int(std::uint64_t n) {
    if (n == 0) throw invalid_input("n", "uniform_int needs n >= 1, got 0");
    const std::uint64_t threshold = (0 - n) % n;  // 2^64 mod n: outputs below it would bias the result
    for (;;) {
      const std::uint64_t r = (*this)();
      if (r >= threshold) return r % n;
    }
  }

  /// Standard normal draw (Marsaglia's polar method; the second value of each pair is kept). O(1).
  double normal() noexcept {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u = 0.0, v = 0.0, s = 0.0;
    do {
      u = uniform(-1.0, 1.0);
      v = uniform(-1.0, 1.0);
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double factor = std::sqrt(-2.0 * std::log(s) / s);
    spare_ = v * factor;
    has_spare_ = true;
    return u * factor;
  }

  /// Normal draw with the given mean and standard deviation. O(1).
  double normal(double mean, double stddev) noexcept { return mean + stddev * normal(); }

  /// True with probability p (p outside [0, 1] is clamped). O(1).
  bool bernoulli(double p) noexcept { return uniform() < p; }

  /// Fisher-Yates shuffle of [first, last) with this generator (portable, unlike std::shuffle).
  /// O(last - first).
  template <class RandomIt>
  void shuffle(RandomIt first, RandomIt last) {
    const auto n = last - first;
    for (auto i = n - 1; i > 0; --i) {
      const auto j = static_cast<decltype(i)>(uniform_int(static_cast<std::uint64_t>(i) + 1));
      using std::swap;
      swap(first[i], first[j]);
    }
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }

  std::uint64_t seed_;
  std::uint64_t state_[4]{};
  double spare_ = 0.0;
  bool has_spare_ = false;
};

/// A `rows x cols` matrix of independent N(0, 1) draws, filled column by column. O(rows * cols).
/// Example: `auto X = causalattn::normal_matrix<float>(100, 5, rng);`
template <class Scalar = double>
Matrix<Scalar> normal_matrix(Index rows, Index cols, Rng& rng) {
  Matrix<Scalar> m(rows, cols);
  for (Index j = 0; j < cols; ++j) {
    for (Index i = 0; i < rows; ++i) m(i, j) = static_cast<Scalar>(rng.normal());
  }
  return m;
}

}  // namespace causalattn
