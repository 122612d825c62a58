#pragma once
/// \file
/// What the kernel and random-feature CI tests share: argument checks of a test call and a
/// thread-safe cache of results per (min(x, y), max(x, y), sorted S).

#include <algorithm>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "causalattn/core/errors.hpp"
#include "causalattn/core/random.hpp"
#include "causalattn/core/scalar.hpp"
#include "causalattn/core/threads.hpp"
#include "causalattn/discovery/fisher_z.hpp"

namespace causalattn::detail {

/// Throws `invalid_input` naming x, y or s unless x != y, all indices lie in [0, p), and s holds
/// distinct variables other than x and y. O(|s|^2).
template <typename = void>
void check_test_indices(Index p, Index x, Index y, const std::vector<Index>& s) {
  if (x < 0 || x >= p) throw invalid_input("x", "is " + std::to_string(x) + ", must lie in [0, " + std::to_string(p) + ")");
  if (y < 0 || y >= p || y == x) {
    throw invalid_input("y", "is " + std::to_string(y) + ", must lie in [0, " + std::to_string(p) + ") and differ from x");
  }
  for (Index v : s)
    if (v < 0 || v >= p || v == x || v == y || std::count(s.begin(), s.end(), v) > 1) {
      throw invalid_input("s", "holds " + std::to_string(v) + ": conditioning variables must be distinct, lie in [0, " +
                                   std::to_string(p) + ") and differ from x and y");
    }
}

/// The random stream of test (x, y, S) under `seed`: a function of the seed and the canonical key
/// alone, so a randomised test gives the same answer in any order and on any thread. O(|S|).
template <typename = void>
Rng test_stream(std::uint64_t seed, Index x, Index y, const std::vector<Index>& s) {
  std::uint64_t h = std::uint64_t(x) * 0x9E3779B97F4A7C15ull ^ std::uint64_t(y);
  for (Index v : s) h = (h ^ std::uint64_t(v + 1)) * 0x100000001B3ull;
  return Rng(seed).substream(h);
}

/// Results of a symmetric CI test keyed by (min(x, y), max(x, y), sorted S); safe to share between
/// threads (a mutex guards the map; the tests themselves run outside it). O(log size) per call.
class CiResultCache {
 public:
  using Key = std::tuple<Index, Index, std::vector<Index>>;

  /// The canonical key of x _||_ y | s.
  static Key key(Index x, Index y, std::vector<Index> s) {
    std::sort(s.begin(), s.end());
    return {std::min(x, y), std::max(x, y), std::move(s)};
  }
  /// The cached result, if any.
  std::optional<CiTestResult> find(const Key& key) const {
    const std::lock_guard<std::mutex> lock(mutex_);
    const auto hit = results_.find(key);
    if (hit == results_.end()) return std::nullopt;
    return hit->second;
  }
  /// Stores a result (the first stored for a key wins).
  void store(Key key, const CiTestResult& result) {
    const std::lock_guard<std::mutex> lock(mutex_);
    results_.emplace(std::move(key), result);
  }

 private:
  mutable std::mutex mutex_;
  std::map<Key, CiTestResult> results_;
};

/// Runs `compute(x, y, s)` on the canonical key through `cache`, on the calling thread only (Eigen's
/// products capped at one thread), so results never depend on the thread count.
template <class Compute>
CiTestResult cached_test(CiResultCache& cache, Index x, Index y, std::vector<Index> s, Compute&& compute) {
  auto key = CiResultCache::key(x, y, std::move(s));
  if (const auto hit = cache.find(key)) return *hit;
  const ThreadLimit serial(1);
  const CiTestResult result = compute(std::get<0>(key), std::get<1>(key), std::get<2>(key));
  cache.store(std::move(key), result);
  return result;
}

}  // namespace causalattn::detail
