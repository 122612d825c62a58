#pragma once
/// \file
/// A CI test wrapped with the search's budget and progress report (`SkeletonOptions::max_seconds`,
/// `SkeletonOptions::progress`).

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "causalattn/core/errors.hpp"
#include "causalattn/core/scalar.hpp"
#include "causalattn/discovery/fisher_z.hpp"
#include "causalattn/discovery/skeleton_options.hpp"

namespace causalattn::detail {

/// Forwards to `Test` and, before each test, checks the deadline and reports progress at most once
/// a second. Safe to call from several threads (the counter is atomic, reports are serialised).
/// Throws `budget_exceeded` naming `algorithm`, the tests done and the budget once it has passed.
template <class Test>
class BudgetedTest {
 public:
  BudgetedTest(const Test& test, const SkeletonOptions& options, std::string algorithm)
      : test_(test), options_(options), algorithm_(std::move(algorithm)), start_(std::chrono::steady_clock::now()) {}

  Index variables() const { return test_.variables(); }

  CiTestResult test(Index x, Index y, const std::vector<Index>& s) const {
    const long long done = tests_.fetch_add(1, std::memory_order_relaxed);
    if (options_.max_seconds > 0 || options_.progress) check(done);
    return test_.test(x, y, s);
  }

 private:
  void check(long long done) const {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (options_.max_seconds > 0 && elapsed > options_.max_seconds) {
      throw budget_exceeded(algorithm_ + " stopped after " + std::to_string(done) + " tests in " + std::to_string(int(elapsed)) +
                            " s: the budget options.max_seconds = " + detail::to_text(options_.max_seconds) +
                            " ran out (raise it, or bound the search with options.max_depth)");
    }
    if (!options_.progress || elapsed < next_report_.load(std::memory_order_relaxed)) return;
    std::unique_lock<std::mutex> lock(report_mutex_, std::try_to_lock);
    if (!lock.owns_lock() || elapsed < next_report_.load(std::memory_order_relaxed)) return;
    next_report_.store(elapsed + 1.0, std::memory_order_relaxed);
    options_.progress(done, elapsed);
  }

  const Test& test_;
  const SkeletonOptions& options_;
  std::string algorithm_;
  std::chrono::steady_clock::time_point start_;
  mutable std::atomic<long long> tests_{0};
  mutable std::atomic<double> next_report_{1.0};
  mutable std::mutex report_mutex_;
};

}  // namespace causalattn::detail
