#pragma once
/// \file
/// A CI test wrapped with the search's budget and progress report (`SkeletonOptions::max_seconds`,
/// `SkeletonOptions::progress`).

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "causalattn/core/budget.hpp"
#include "causalattn/core/scalar.hpp"
#include "causalattn/core/threads.hpp"
#include "causalattn/discovery/detail/prepare_test.hpp"
#include "causalattn/discovery/fisher_z.hpp"
#include "causalattn/discovery/skeleton_options.hpp"

namespace causalattn::detail {

/// Forwards to `Test` and, before each test, checks the budget (`TimeBudget`) and reports progress
/// at most once a second (`ThrottledProgress`). Safe to call from several threads: each OpenMP
/// thread counts its tests in a slot of its own cache line (one shared counter, bounced between
/// cores at every test, cost more than a Fisher z test), the slots are summed only for a report,
/// and reports are serialised. Throws `budget_exceeded` naming `algorithm` and the tests done once
/// the budget has passed.
template <class Test>
class BudgetedTest {
 public:
  BudgetedTest(const Test& test, const SkeletonOptions& options, std::string algorithm)
      : test_(test),
        options_(options),
        algorithm_(std::move(algorithm)),
        budget_(options.max_seconds),
        throttle_({}, 1.0),
        slots_(std::max(resolve_threads(options.threads), resolve_threads(0))),
        counts_(new Count[std::size_t(slots_)]) {}

  Index variables() const { return test_.variables(); }

  /// Marks the start of skeleton depth `depth` (-1: orientation) needing at most `bound` tests, for
  /// `SkeletonOptions::search_progress`. Called between depths, never concurrently with `test`.
  void begin_depth(int depth, long long bound) const {
    depth_.store(depth, std::memory_order_relaxed);
    depth_bound_.store(bound, std::memory_order_relaxed);
    depth_start_.store(tests(), std::memory_order_relaxed);
  }

  /// Tests run so far (exact between parallel regions). O(threads).
  long long tests() const {
    long long total = 0;
    for (int i = 0; i < slots_; ++i) total += counts_[std::size_t(i)].value.load(std::memory_order_relaxed);
    return total;
  }

  /// Forwards the skeleton's hint (`prepare_test`) to the wrapped test.
  void prepare(Index x, Index y, const std::vector<Index>& x_neighbours, const std::vector<Index>& y_neighbours,
               Index depth) const {
    prepare_test(test_, x, y, x_neighbours, y_neighbours, depth, 0);
  }
  CiTestResult test(Index x, Index y, const std::vector<Index>& s) const {
    counts_[std::size_t(thread_slot())].value.fetch_add(1, std::memory_order_relaxed);
    if (budget_.expired()) budget_.stop(algorithm_, std::to_string(tests() - 1) + " tests", "options.max_seconds");
    if (options_.progress || options_.search_progress) {
      if (const auto turn = throttle_.claim()) {
        const long long through = tests();  // this test included
        if (options_.progress) options_.progress(through - 1, budget_.elapsed());
        if (options_.search_progress) {
          options_.search_progress({depth_.load(std::memory_order_relaxed),
                                    through - depth_start_.load(std::memory_order_relaxed),
                                    depth_bound_.load(std::memory_order_relaxed), through, budget_.elapsed()});
        }
      }
    }
    return test_.test(x, y, s);
  }

 private:
  struct alignas(64) Count {
    std::atomic<long long> value{0};
  };

  /// The calling thread's counter: its OpenMP thread number (0 outside a parallel region; threads
  /// sharing a slot stay correct through the atomic add, only slower).
  int thread_slot() const {
#ifdef _OPENMP
    return omp_get_thread_num() % slots_;
#else
    return 0;
#endif
  }

  const Test& test_;
  const SkeletonOptions& options_;
  std::string algorithm_;
  TimeBudget budget_;
  ThrottledProgress throttle_;
  int slots_;
  std::unique_ptr<Count[]> counts_;
  mutable std::atomic<int> depth_{0};
  mutable std::atomic<long long> depth_bound_{0}, depth_start_{0};
};

}  // namespace causalattn::detail
