#pragma once
/// \file
/// The skeleton-phase options that `pc` and `fci` share (`SkeletonOptions`, `SepsetMode`).

#include <cmath>
#include <functional>
#include <string>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/discovery/background_knowledge.hpp"

namespace causalattn {

/// Which separating set the skeleton phase keeps for a removed edge.
enum class SepsetMode {
  causal_learn,  ///< stable: every set at the removal depth is tested; keep the union of all that separate
  first_found    ///< pcalg: stop at the first separating set and keep it
};

/// A report on a running search (`SkeletonOptions::search_progress`).
struct SearchProgress {
  int depth = 0;              ///< conditioning-set size being searched; -1 once the skeleton is done
  long long depth_tests = 0;  ///< tests run at this depth so far
  long long depth_bound = 0;  ///< most tests this depth can need (removals during the depth make it fewer); 0 after the skeleton
  long long tests = 0;        ///< all tests so far
  double seconds = 0;         ///< time since the search started
};

/// The options of the skeleton phase, the base of `PcOptions` and `FciOptions`.
/// Example: `causalattn::PcOptions o; o.alpha = 0.01; o.max_depth = 2;` (the fields are inherited).
struct SkeletonOptions {
  double alpha = 0.05;  ///< significance level, in (0, 1): independent iff p > alpha
  bool stable = true;   ///< order-independent skeleton (Colombo and Maathuis 2014)
  int max_depth = -1;   ///< largest conditioning set size; -1 = unlimited
  /// See `SepsetMode`; the original (unstable) skeleton always keeps the first set found.
  SepsetMode sepset_mode = SepsetMode::causal_learn;
  int threads = 0;  ///< threads for the tests; 0 = all; results never depend on it
  /// Forbidden and required edges and tiers (default: none); see `BackgroundKnowledge`.
  BackgroundKnowledge knowledge;
  /// Stop with `budget_exceeded` once the search has run this many seconds (checked at every
  /// test); 0 (default) = no limit.
  double max_seconds = 0;
  /// Called about once a second while the search runs, with the tests done and the seconds
  /// elapsed (from whichever thread is testing, never two calls at once); empty = silent.
  std::function<void(long long tests, double seconds)> progress;
  /// As `progress`, with the depth, the tests done in it and an upper bound on the tests it needs
  /// (for a progress bar of slow tests such as KCI); empty = silent.
  std::function<void(const SearchProgress&)> search_progress;

  /// Throws `invalid_input` naming the first bad option ("options.alpha", ...).
  void validate() const {
    if (!(alpha > 0 && alpha < 1)) throw invalid_input("options.alpha", "is " + detail::to_text(alpha) + ", must lie in (0, 1)");
    if (max_depth < -1) throw invalid_input("options.max_depth", "is " + std::to_string(max_depth) + ", must be >= -1");
    if (threads < 0) throw invalid_input("options.threads", "is " + std::to_string(threads) + ", must be >= 0");
    if (!(max_seconds >= 0) || !std::isfinite(max_seconds)) {
      throw invalid_input("options.max_seconds", "is " + detail::to_text(max_seconds) + ", must be finite and >= 0 (0 = no limit)");
    }
    knowledge.validate();
  }
};

}  // namespace causalattn
