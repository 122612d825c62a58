#pragma once
/// \file
/// A time budget for long computations (`TimeBudget` throws `budget_exceeded` once it has run out)
/// and throttled progress reports (`ThrottledProgress`).

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <utility>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"

namespace causalattn {

/// A budget of `max_seconds` from construction (0 = unlimited). `check` throws `budget_exceeded`
/// once the budget has passed, with what was done so far and the option that sets it. Thread-safe
/// (it only reads the clock). O(1) per check.
/// Example: `causalattn::TimeBudget budget(options.max_seconds); ... budget.check("bootstrap", "12 of 1000 replicates", "options.max_seconds");`
class TimeBudget {
 public:
  /// \param max_seconds the budget (>= 0; 0 = unlimited).
  explicit TimeBudget(double max_seconds) : max_seconds_(max_seconds), start_(std::chrono::steady_clock::now()) {}

  /// Seconds since construction.
  double elapsed() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

  /// True once the budget has passed (never for 0 = unlimited).
  bool expired() const { return max_seconds_ > 0 && elapsed() > max_seconds_; }

  /// Throws `budget_exceeded` "<what> stopped after <progress> in <s> s: the budget <option> = <b>
  /// ran out" if the budget has passed.
  void check(const std::string& what, const std::string& progress, const std::string& option) const {
    if (expired()) stop(what, progress, option);
  }

  /// Throws the `budget_exceeded` that `check` throws (for callers that test `expired` first and so
  /// build `progress` only when it is needed).
  [[noreturn]] void stop(const std::string& what, const std::string& progress, const std::string& option) const {
    throw budget_exceeded(what + " stopped after " + progress + " in " + detail::to_text(double(int(elapsed() * 10)) / 10) +
                          " s: the budget " + option + " = " + detail::to_text(max_seconds_) + " ran out");
  }

 private:
  double max_seconds_;
  std::chrono::steady_clock::time_point start_;
};

/// Forwards progress reports (`done` of `total`) to `report`: the first after `first_after`
/// seconds (default at once), then at most once a second, from any thread, never two calls at
/// once; an empty `report` makes it a no-op. O(1).
/// Example: `causalattn::ThrottledProgress tick(options.progress_report); tick(b, replicates);`
class ThrottledProgress {
 public:
  /// \param report called with (done, total); may be empty. \param first_after seconds before the first report.
  explicit ThrottledProgress(std::function<void(long long, long long)> report = {}, double first_after = 0)
      : report_(std::move(report)), start_(std::chrono::steady_clock::now()), next_(first_after) {}

  /// Reports (done, total) if a report is due.
  void operator()(long long done, long long total) const {
    if (!report_) return;
    if (const auto turn = claim()) report_(done, total);
  }

  /// An owned lock when a report is due (the caller reports while holding it), else an empty one;
  /// for callers whose report has another signature. Marks the next report a second later.
  std::unique_lock<std::mutex> claim() const {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (elapsed < next_.load(std::memory_order_relaxed)) return {};
    std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
    if (!lock.owns_lock() || elapsed < next_.load(std::memory_order_relaxed)) return {};
    next_.store(elapsed + 1.0, std::memory_order_relaxed);
    return lock;
  }

 private:
  std::function<void(long long, long long)> report_;
  std::chrono::steady_clock::time_point start_;
  mutable std::atomic<double> next_;
  mutable std::mutex mutex_;
};

}  // namespace causalattn
