#pragma once
/// \file
/// A CI test wrapped with the search's budget and progress report (`SkeletonOptions::max_seconds`,
/// `SkeletonOptions::progress`).

#include <atomic>
#include <string>
#include <vector>

#include "causalattn/core/budget.hpp"
#include "causalattn/core/scalar.hpp"
#include "causalattn/discovery/fisher_z.hpp"
#include "causalattn/discovery/skeleton_options.hpp"

namespace causalattn::detail {

/// Forwards to `Test` and, before each test, checks the budget (`TimeBudget`) and reports progress
/// at most once a second (`ThrottledProgress`). Safe to call from several threads (the counter is
/// atomic, reports are serialised). Throws `budget_exceeded` naming `algorithm` and the tests done
/// once the budget has passed.
template <class Test>
class BudgetedTest {
 public:
  BudgetedTest(const Test& test, const SkeletonOptions& options, std::string algorithm)
      : test_(test), options_(options), algorithm_(std::move(algorithm)), budget_(options.max_seconds), throttle_({}, 1.0) {}

  Index variables() const { return test_.variables(); }

  /// Marks the start of skeleton depth `depth` (-1: orientation) needing at most `bound` tests, for
  /// `SkeletonOptions::search_progress`. Called between depths, never concurrently with `test`.
  void begin_depth(int depth, long long bound) const {
    depth_.store(depth, std::memory_order_relaxed);
    depth_bound_.store(bound, std::memory_order_relaxed);
    depth_start_.store(tests_.load(std::memory_order_relaxed), std::memory_order_relaxed);
  }

  CiTestResult test(Index x, Index y, const std::vector<Index>& s) const {
    const long long done = tests_.fetch_add(1, std::memory_order_relaxed);
    if (budget_.expired()) budget_.stop(algorithm_, std::to_string(done) + " tests", "options.max_seconds");
    if (options_.progress || options_.search_progress) {
      if (const auto turn = throttle_.claim()) {
        if (options_.progress) options_.progress(done, budget_.elapsed());
        if (options_.search_progress) {
          const long long through = done + 1;  // this test included
          options_.search_progress({depth_.load(std::memory_order_relaxed),
                                    through - depth_start_.load(std::memory_order_relaxed),
                                    depth_bound_.load(std::memory_order_relaxed), through, budget_.elapsed()});
        }
      }
    }
    return test_.test(x, y, s);
  }

 private:
  const Test& test_;
  const SkeletonOptions& options_;
  std::string algorithm_;
  TimeBudget budget_;
  ThrottledProgress throttle_;
  mutable std::atomic<long long> tests_{0};
  mutable std::atomic<int> depth_{0};
  mutable std::atomic<long long> depth_bound_{0}, depth_start_{0};
};

}  // namespace causalattn::detail
