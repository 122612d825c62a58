#pragma once
/// \file
/// PCMCI (Runge et al. 2019, "Detecting and quantifying causal associations in large nonlinear time
/// series datasets", Science Advances) with partial-correlation tests: a PC-style pre-selection of
/// each variable's lagged parents, then a momentary conditional independence (MCI) test of every
/// lagged link given both ends' pre-selected parents. Implemented from the paper; the partial
/// correlations and Fisher z test are the discovery module's.

#include <algorithm>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "causalattn/core/names.hpp"
#include "causalattn/core/threads.hpp"
#include "causalattn/discovery/fisher_z.hpp"
#include "causalattn/timeseries/lagged_design.hpp"
#include "causalattn/timeseries/lagged_scores.hpp"

namespace causalattn {

/// Options of `pcmci`.
struct PcmciOptions {
  double pc_alpha = 0.2;       ///< significance of the parent pre-selection (PC1), in (0, 1]; liberal by design
  double alpha = 0.01;         ///< significance of the MCI tests for `PcmciResult::graph`, in (0, 1)
  Index max_conditions = -1;   ///< largest PC1 condition set (-1 = no limit), >= -1
  Index max_source_parents = -1;  ///< source parents added to each MCI condition set (p_X; -1 = all), >= -1
  int threads = 0;             ///< threads over targets (0 = all); results do not depend on it

  /// Throws `invalid_input` naming the first bad field ("options.pc_alpha", ...).
  void validate() const {
    if (!(pc_alpha > 0 && pc_alpha <= 1)) throw invalid_input("options.pc_alpha", "is " + detail::to_text(pc_alpha) + ", must be in (0, 1]");
    if (!(alpha > 0 && alpha < 1)) throw invalid_input("options.alpha", "is " + detail::to_text(alpha) + ", must be in (0, 1)");
    if (max_conditions < -1) throw invalid_input("options.max_conditions", "is " + std::to_string(max_conditions) + ", must be >= -1");
    if (max_source_parents < -1) {
      throw invalid_input("options.max_source_parents", "is " + std::to_string(max_source_parents) + ", must be >= -1");
    }
    if (threads < 0) throw invalid_input("options.threads", "is " + std::to_string(threads) + ", must be >= 0");
  }
};

/// A lagged variable X_variable(t - lag).
struct LaggedVariable {
  Index variable = 0;
  Index lag = 0;
  /// Same variable and lag.
  friend bool operator==(const LaggedVariable& a, const LaggedVariable& b) { return a.variable == b.variable && a.lag == b.lag; }
};

/// What `pcmci` returns.
struct PcmciResult {
  /// MCI Fisher z statistics sqrt(n - |S| - 3) |atanh r|: lagged[lag - 1](source, target).
  LaggedScores scores;
  std::vector<Matrix<double>> p_value;               ///< the MCI p-values, same layout
  LaggedGraph graph;                                 ///< links with MCI p-value < options.alpha
  std::vector<std::vector<LaggedVariable>> parents;  ///< PC1's pre-selected parents of each target, strongest first
  long long tests = 0;                               ///< conditional independence tests run
};

namespace detail {

/// PC1 for one target: starts from every lagged variable, and for condition-set sizes 0, 1, ...
/// tests each candidate given the strongest others (by the smallest statistic seen so far),
/// dropping those with p > pc_alpha after each size; stops when no candidate has enough others.
/// `column(v)` maps a lagged variable to the test's index. Returns the survivors, strongest first.
template <class ColumnOf>
std::vector<LaggedVariable> pcmci_preselect(const FisherZTest& test, Index target, Index p, Index max_lag, const PcmciOptions& o,
                                            ColumnOf column, long long& tests) {
  std::vector<LaggedVariable> candidates;
  for (Index lag = 1; lag <= max_lag; ++lag)
    for (Index v = 0; v < p; ++v) candidates.push_back({v, lag});
  std::vector<double> strength(candidates.size(), std::numeric_limits<double>::infinity());
  for (Index size = 0;; ++size) {
    if (Index(candidates.size()) - 1 < size || (o.max_conditions >= 0 && size > o.max_conditions)) break;
    std::vector<bool> keep(candidates.size(), true);
    for (std::size_t c = 0; c < candidates.size(); ++c) {
      std::vector<Index> conditions;
      for (std::size_t other = 0; other < candidates.size() && Index(conditions.size()) < size; ++other)
        if (other != c) conditions.push_back(column(candidates[other]));
      const CiTestResult r = test.test(column(candidates[c]), column({target, 0}), conditions);
      ++tests;
      strength[c] = std::min(strength[c], r.statistic);
      if (r.p_value > o.pc_alpha) keep[c] = false;
    }
    std::vector<std::pair<double, LaggedVariable>> survivors;
    for (std::size_t c = 0; c < candidates.size(); ++c)
      if (keep[c]) survivors.push_back({strength[c], candidates[c]});
    std::stable_sort(survivors.begin(), survivors.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    candidates.clear();
    strength.clear();
    for (const auto& [s, v] : survivors) {
      candidates.push_back(v);
      strength.push_back(s);
    }
  }
  return candidates;
}

}  // namespace detail

/// PCMCI with partial-correlation (Fisher z) tests on a T x p series (rows in time order) for lags
/// 1..max_lag; names default to X1..Xp.
/// 1. PC1: each target's lagged parents pre-selected at `pc_alpha` (see `detail::pcmci_preselect`).
/// 2. MCI: every link X_i(t - tau) --> X_j(t) tested given the parents of X_j(t) (without the link
///    itself) and the parents of X_i(t - tau) (shifted by tau; the first `max_source_parents`).
/// Tests run on one lagged design with lags 0..2 max_lag (T - 2L rows), so shifted parents exist.
/// Scores are the MCI statistics; `graph` keeps p < `alpha`. Throws `invalid_input` (naming "x",
/// "max_lag", "names" or the option) for NaN / infinite values, constant columns, a series too
/// short for the largest condition set, bad options. Deterministic; any thread count.
/// Time O(p^2 L (T p L + tests |S|^3)); memory O((p L)^2).
/// Example:
/// \code
///   causalattn::PcmciResult r = causalattn::pcmci(x, 3);
///   bool link = r.graph.has_link(0, 1, 2);  // X1(t - 2) --> X2(t)?
/// \endcode
template <typename Defer = void>
PcmciResult pcmci(const Matrix<detail::deferred_t<Defer, double>>& x, Index max_lag, const PcmciOptions& options = {},
                  std::vector<std::string> names = {}) {
  using Real = detail::deferred_t<Defer, double>;
  options.validate();
  if (names.empty()) names = default_variable_names(x.cols());
  if (Index(names.size()) != x.cols()) {
    throw invalid_input("names", "has " + std::to_string(names.size()) + " entries for " + std::to_string(x.cols()) + " columns");
  }
  const Index p = x.cols();
  // The largest condition set: all other lagged variables of the target plus all of the source's.
  check_series(x, 2 * max_lag, 2 * p * max_lag + 4);
  const auto d = lagged_design(x, 2 * max_lag);
  Matrix<Real> columns(d.present.rows(), p * (2 * max_lag + 1));
  columns << d.present, d.past;
  const FisherZTest test(columns, PValueConvention::accurate, 1);
  auto column = [p](const LaggedVariable& v) { return v.lag * p + v.variable; };

  PcmciResult out{LaggedScores{names, std::vector<Matrix<Real>>(std::size_t(max_lag), Matrix<Real>::Zero(p, p)), "pcmci"},
                  std::vector<Matrix<Real>>(std::size_t(max_lag), Matrix<Real>::Ones(p, p)), LaggedGraph(names, max_lag),
                  std::vector<std::vector<LaggedVariable>>(std::size_t(p)), 0};
  std::vector<long long> tests(std::size_t(p), 0);
  parallel_for(Index(0), p, options.threads, [&](Index target) {
    out.parents[std::size_t(target)] = detail::pcmci_preselect(test, target, p, max_lag, options, column, tests[std::size_t(target)]);
  });
  parallel_for(Index(0), p, options.threads, [&](Index target) {
    const auto& target_parents = out.parents[std::size_t(target)];
    for (Index lag = 1; lag <= max_lag; ++lag) {
      for (Index source = 0; source < p; ++source) {
        const LaggedVariable link{source, lag};
        std::vector<Index> conditions;
        for (const auto& v : target_parents)
          if (!(v == link)) conditions.push_back(column(v));
        const auto& source_parents = out.parents[std::size_t(source)];
        const std::size_t shifted = options.max_source_parents < 0 ? source_parents.size()
                                                                   : std::min(source_parents.size(), std::size_t(options.max_source_parents));
        for (std::size_t k = 0; k < shifted; ++k) {
          const Index c = column({source_parents[k].variable, source_parents[k].lag + lag});
          if (std::find(conditions.begin(), conditions.end(), c) == conditions.end()) conditions.push_back(c);
        }
        const CiTestResult r = test.test(column(link), column({target, 0}), conditions);
        ++tests[std::size_t(target)];
        out.scores.lagged[std::size_t(lag - 1)](source, target) = r.statistic;
        out.p_value[std::size_t(lag - 1)](source, target) = r.p_value;
      }
    }
  });
  for (Index lag = 1; lag <= max_lag; ++lag)
    for (Index s = 0; s < p; ++s)
      for (Index t = 0; t < p; ++t)
        if (out.p_value[std::size_t(lag - 1)](s, t) < options.alpha) out.graph.set_link(s, t, lag);
  for (long long t : tests) out.tests += t;
  return out;
}

}  // namespace causalattn
