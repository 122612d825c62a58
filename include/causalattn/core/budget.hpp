#pragma once
/// \file
/// A time budget for long computations: `TimeBudget` throws `budget_exceeded` once it has run out.

#include <chrono>
#include <string>

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

  /// Throws `budget_exceeded` "<what> stopped after <progress> in <s> s: the budget <option> = <b> ran out".
  void check(const std::string& what, const std::string& progress, const std::string& option) const {
    if (max_seconds_ <= 0) return;
    const double seconds = elapsed();
    if (seconds <= max_seconds_) return;
    throw budget_exceeded(what + " stopped after " + progress + " in " + detail::to_text(double(int(seconds * 10)) / 10) +
                          " s: the budget " + option + " = " + detail::to_text(max_seconds_) + " ran out");
  }

 private:
  double max_seconds_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace causalattn
