#pragma once
/// \file
/// Refutation tests of a treatment-effect estimate: seeded simulations that re-run an estimator on
/// altered data (a permuted treatment, an added noise covariate, random subsets, a permuted
/// outcome) and say whether the estimate behaves as a causal effect should. Parallel, identical for
/// any thread count, and stopped by a time budget.

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "causalattn/core/budget.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/core/name_table.hpp"
#include "causalattn/core/random.hpp"
#include "causalattn/core/threads.hpp"
#include "causalattn/effects/effect_estimate.hpp"
#include "causalattn/effects/effect_options.hpp"
#include "causalattn/effects/treatment_data.hpp"

namespace causalattn {

/// The refutation tests.
enum class RefutationKind {
  placebo_treatment,    ///< the treatment randomly permuted: the effect should vanish
  random_common_cause,  ///< an added N(0, 1) covariate: the estimate should not move
  data_subset,          ///< random subsets of each arm: the estimate should stay within their spread
  dummy_outcome,        ///< the outcome randomly permuted (unrelated to T and X): the effect should be 0
};

/// Every refutation test with its name, in the order of `RefutationKind` (the CLI's names).
inline constexpr NameTable<RefutationKind, 4> refutation_kind_names = {
    {{"placebo-treatment", RefutationKind::placebo_treatment},
     {"random-common-cause", RefutationKind::random_common_cause},
     {"data-subset", RefutationKind::data_subset},
     {"dummy-outcome", RefutationKind::dummy_outcome}}};

/// The name of `kind` ("placebo-treatment", ...). O(1).
/// Example: `causalattn::refutation_kind_name(causalattn::RefutationKind::data_subset)` is "data-subset".
template <typename = void>
std::string refutation_kind_name(RefutationKind kind) {
  return name_in_table(refutation_kind_names, kind, "kind");
}

/// The test called `name`; throws `invalid_input` naming `argument` and listing the names otherwise. O(1).
/// Example: `auto k = causalattn::refutation_kind_from_name("dummy-outcome");`
template <typename = void>
RefutationKind refutation_kind_from_name(const std::string& name, const std::string& argument = "kind") {
  return value_in_table(refutation_kind_names, name, argument);
}

/// Options of `refute`.
struct RefutationOptions {
  /// The tests to run, each at most once; default all four.
  std::vector<RefutationKind> kinds = {RefutationKind::placebo_treatment, RefutationKind::random_common_cause,
                                       RefutationKind::data_subset, RefutationKind::dummy_outcome};
  int simulations = 100;          ///< simulations per test; range [2, 1000000]
  double subset_fraction = 0.8;   ///< share of each arm a data subset keeps; range (0, 1)
  double alpha = 0.05;            ///< level of the verdicts; range (0, 1)
  std::uint64_t seed = 20261205;  ///< seed of the simulations (print it with the results)
  int threads = 0;                ///< threads running simulations; 0 = all; results do not depend on it
  /// Start no simulation after this many seconds; the tests report what finished. 0 = no limit.
  double max_seconds = 0;
  /// Called about once a second with (simulations done, simulations in all); empty = silent.
  std::function<void(long long done, long long total)> progress;

  /// Throws `invalid_input` naming the first bad option. O(kinds).
  void validate() const {
    if (kinds.empty()) throw invalid_input("options.kinds", "is empty; name at least one refutation test");
    for (std::size_t a = 0; a < kinds.size(); ++a) {
      refutation_kind_name(kinds[a]);
      for (std::size_t b = 0; b < a; ++b)
        if (kinds[a] == kinds[b]) throw invalid_input("options.kinds", "names " + refutation_kind_name(kinds[a]) + " twice");
    }
    if (simulations < 2 || simulations > 1000000) {
      throw invalid_input("options.simulations", "is " + std::to_string(simulations) + ", must lie in [2, 1000000]");
    }
    if (!(subset_fraction > 0 && subset_fraction < 1)) {
      throw invalid_input("options.subset_fraction", "is " + detail::to_text(subset_fraction) + ", must lie in (0, 1)");
    }
    if (!(alpha > 0 && alpha < 1)) throw invalid_input("options.alpha", "is " + detail::to_text(alpha) + ", must lie in (0, 1)");
    if (threads < 0) throw invalid_input("options.threads", "is " + std::to_string(threads) + ", must be >= 0 (0 = all)");
    if (!(max_seconds >= 0) || !std::isfinite(max_seconds)) {
      throw invalid_input("options.max_seconds",
                          "is " + detail::to_text(max_seconds) + ", must be finite and >= 0 (0 = no limit)");
    }
  }
};

/// The outcome of one refutation test.
struct RefutationResult {
  RefutationKind kind = RefutationKind::placebo_treatment;
  int requested = 0;               ///< simulations asked for
  std::vector<double> estimates;   ///< the estimate on each finished simulation's data, in simulation order
  std::vector<double> std_errors;  ///< the standard error of each (the estimator's analytic one)
  int failed = 0;                  ///< simulations whose altered data the estimator refused 10 times
  double mean = 0;                 ///< mean of `estimates`
  double sd = 0;                   ///< their standard deviation
  /// Share of simulations whose interval (at the estimator's confidence) covers 0: near that
  /// confidence for the placebo and dummy tests when the estimator is calibrated.
  double zero_coverage = 0;
  /// placebo: P(|placebo effect| >= |estimate|), a permutation test (small is good);
  /// random common cause and data subset: two-sided rank of the estimate among the simulations
  /// (large is good); dummy outcome: the t-test of mean 0 over the simulations (large is good).
  /// Absent when fewer than 2 simulations finished.
  std::optional<double> p_value;
  bool passed = false;  ///< the verdict at `alpha`
  std::string verdict;  ///< one line for a person
};

/// What `refute` returns.
struct RefutationReport {
  double estimate = 0;                  ///< the estimate on the data, with the caller's options
  double std_error = 0;                 ///< its standard error
  std::vector<RefutationResult> tests;  ///< one per requested kind, in the order asked
  std::uint64_t seed = 0;               ///< the seed used
  bool budget_ran_out = false;          ///< true when `max_seconds` stopped simulations from starting
  double seconds = 0;                   ///< wall time of the simulations
};

namespace detail {

/// Units of `arm` kept by a data subset: round(fraction x size) of them (at least 2), drawn without
/// replacement, appended to `rows`. O(size).
template <typename = void>
void draw_subset(std::vector<Index> arm, double fraction, Rng& rng, std::vector<Index>& rows) {
  const auto keep = std::max<std::size_t>(2, std::size_t(std::llround(fraction * double(arm.size()))));
  for (std::size_t k = 0; k < keep; ++k) std::swap(arm[k], arm[k + std::size_t(rng.uniform_int(arm.size() - k))]);
  rows.insert(rows.end(), arm.begin(), arm.begin() + std::ptrdiff_t(keep));
}

/// Runs the estimator on the data altered by `kind` with the randomness of `rng`.
template <class Scalar, class Estimator>
EffectEstimate refuted_estimate(RefutationKind kind, const TreatmentData<Scalar>& data, const std::vector<Index>& treated,
                                const std::vector<Index>& control, double subset_fraction, Rng& rng, Estimator& estimator,
                                const EffectOptions& options) {
  const Index n = data.units(), p = data.covariates();
  switch (kind) {
    case RefutationKind::placebo_treatment: {
      Vector<Scalar> t = data.t();
      rng.shuffle(t.data(), t.data() + n);
      return estimator(TreatmentData<Scalar>(data.x(), t, data.y()), options);
    }
    case RefutationKind::dummy_outcome: {
      Vector<Scalar> y = data.y();
      rng.shuffle(y.data(), y.data() + n);
      return estimator(TreatmentData<Scalar>(data.x(), data.t(), y), options);
    }
    case RefutationKind::random_common_cause: {
      Matrix<Scalar> x(n, p + 1);
      x.leftCols(p) = data.x();
      for (Index i = 0; i < n; ++i) x(i, p) = Scalar(rng.normal());
      return estimator(TreatmentData<Scalar>(x, data.t(), data.y()), options);
    }
    case RefutationKind::data_subset: {
      std::vector<Index> rows;
      draw_subset(treated, subset_fraction, rng, rows);
      draw_subset(control, subset_fraction, rng, rows);
      std::sort(rows.begin(), rows.end());
      const Index m = Index(rows.size());
      Matrix<Scalar> x(m, p);
      Vector<Scalar> t(m), y(m);
      for (Index r = 0; r < m; ++r) {
        x.row(r) = data.x().row(rows[std::size_t(r)]);
        t(r) = data.t()(rows[std::size_t(r)]);
        y(r) = data.y()(rows[std::size_t(r)]);
      }
      return estimator(TreatmentData<Scalar>(x, t, y), options);
    }
  }
  throw invalid_input("kind", "is " + std::to_string(int(kind)) + ", not a RefutationKind");
}

/// Fills the summary, p-value and verdict of a test from its simulations.
template <typename = void>
void judge_refutation(RefutationResult& r, double estimate, double std_error, double alpha, double subset_fraction) {
  const auto b = double(r.estimates.size());
  const std::string name = refutation_kind_name(r.kind);
  std::ostringstream line;
  line.precision(4);
  if (r.estimates.size() < 2) {
    line << "not judged: " << r.estimates.size() << " of " << r.requested << " simulations finished";
    r.verdict = line.str();
    return;
  }
  double sum = 0;
  for (double e : r.estimates) sum += e;
  r.mean = sum / b;
  double squares = 0;
  for (double e : r.estimates) squares += (e - r.mean) * (e - r.mean);
  r.sd = std::sqrt(squares / (b - 1));
  switch (r.kind) {
    case RefutationKind::placebo_treatment: {
      double beyond = 0;
      for (double e : r.estimates) beyond += std::abs(e) >= std::abs(estimate) ? 1 : 0;
      r.p_value = (1 + beyond) / (1 + b);
      r.passed = *r.p_value <= alpha;
      line << (r.passed ? "passed" : "failed") << ": effects of a permuted treatment have mean " << r.mean << " and s.d. " << r.sd
           << "; "
           << (r.passed ? "the estimate lies beyond them"
                        : "the estimate is within their spread, so not told apart from no effect")
           << " (p = " << *r.p_value << ")";
      break;
    }
    case RefutationKind::random_common_cause:
    case RefutationKind::data_subset: {
      double below = 1, above = 1;
      for (double e : r.estimates) {
        below += e <= estimate ? 1 : 0;
        above += e >= estimate ? 1 : 0;
      }
      r.p_value = std::min(1.0, 2 * std::min(below, above) / (1 + b));
      r.passed = *r.p_value > alpha;
      double shift = 0;
      for (double e : r.estimates) shift += std::abs(e - estimate) / b;
      const double in_se = std_error > 0 ? shift / std_error : 0;
      if (r.kind == RefutationKind::random_common_cause) {
        line << (r.passed ? "passed" : "failed") << ": an added noise covariate moves the estimate by " << in_se
             << " s.e. on average" << (r.passed ? "" : ", always the same way") << " (p = " << *r.p_value << ")";
      } else {
        line << (r.passed ? "passed" : "failed") << ": estimates on " << 100 * subset_fraction << "% subsets have mean " << r.mean
             << " and s.d. " << r.sd << (r.passed ? ", around the estimate" : ", away from the estimate")
             << " (p = " << *r.p_value << ")";
      }
      break;
    }
    case RefutationKind::dummy_outcome: {
      const double t = r.sd > 0 ? r.mean / (r.sd / std::sqrt(b)) : (r.mean == 0 ? 0 : HUGE_VAL);
      r.p_value = std::erfc(std::abs(t) / std::sqrt(2.0));
      r.passed = *r.p_value > alpha;
      line << (r.passed ? "passed" : "failed") << ": effects on a permuted outcome have mean " << r.mean << " and s.d. " << r.sd
           << (r.passed ? ", centred on 0" : ", not centred on 0: the estimator is biased") << " (p = " << *r.p_value << ")";
      break;
    }
  }
  r.verdict = line.str();
}

}  // namespace detail

/// `refute` for an estimate already computed: `original` is what `estimator(data, effect_options)`
/// returned (its estimate and standard error are the ones judged), so the estimator is not run on
/// the data again. Complexity: kinds x simulations estimator calls.
/// Example: `auto r = causalattn::aipw(data, o); auto report = causalattn::refute_estimate(data, aipw_callable, r, o);`
template <class Scalar, class Estimator>
RefutationReport refute_estimate(const TreatmentData<Scalar>& data, Estimator&& estimator, const EffectEstimate& original,
                                 const EffectOptions& effect_options, const RefutationOptions& options = {}) {
  options.validate();
  effect_options.validate();
  RefutationReport report;
  report.seed = options.seed;
  report.estimate = original.estimate;
  report.std_error = original.std_error;
  EffectOptions inner = effect_options;
  inner.threads = 1;
  inner.bootstrap = 0;
  inner.max_seconds = 0;
  inner.progress = nullptr;
  std::vector<Index> treated, control;
  for (Index i = 0; i < data.units(); ++i) (data.t()(i) == Scalar(1) ? treated : control).push_back(i);

  const auto tests = options.kinds.size();
  const auto sims = std::size_t(options.simulations);
  const std::size_t total = tests * sims;
  std::vector<double> estimates(total, 0), std_errors(total, 0);
  std::vector<char> covers(total, 0);
  enum : char { not_started = 0, finished = 1, refused = 2 };
  std::vector<char> state(total, not_started);
  const Rng root(options.seed);
  const TimeBudget budget(options.max_seconds);
  const ThrottledProgress tick(options.progress);
  std::atomic<long long> done{0};
  std::atomic<bool> ran_out{false};
  // Task i is simulation i / tests of test i % tests.
  parallel_for(std::size_t(0), total, options.threads, [&](std::size_t i) {
    if (budget.expired()) {
      ran_out = true;
      return;
    }
    const std::size_t k = i % tests, s = i / tests;
    state[i] = refused;
    for (std::uint64_t attempt = 0; attempt < 10 && state[i] == refused; ++attempt) {
      Rng rng = root.substream(((std::uint64_t(options.kinds[k]) * 16 + attempt) << 32) | std::uint64_t(s));
      try {
        const EffectEstimate e = detail::refuted_estimate(options.kinds[k], data, treated, control, options.subset_fraction, rng,
                                                          estimator, inner);
        estimates[i] = e.estimate;
        std_errors[i] = e.std_error;
        covers[i] = e.ci_low <= 0 && 0 <= e.ci_high;
        state[i] = finished;
      } catch (const invalid_input&) {
      } catch (const numerical_error&) {
      }
    }
    tick(++done, (long long)total);
  });
  report.seconds = budget.elapsed();
  report.budget_ran_out = ran_out;
  for (std::size_t k = 0; k < tests; ++k) {
    RefutationResult r;
    r.kind = options.kinds[k];
    r.requested = options.simulations;
    double covered = 0;
    for (std::size_t s = 0; s < sims; ++s) {
      const std::size_t i = s * tests + k;
      if (state[i] == refused) ++r.failed;
      if (state[i] != finished) continue;
      r.estimates.push_back(estimates[i]);
      r.std_errors.push_back(std_errors[i]);
      covered += covers[i];
    }
    if (!r.estimates.empty()) r.zero_coverage = covered / double(r.estimates.size());
    detail::judge_refutation(r, report.estimate, report.std_error, options.alpha, options.subset_fraction);
    report.tests.push_back(std::move(r));
  }
  return report;
}

/// Refutes the estimate of `estimator` on `data`: for each test of `options.kinds`, runs the
/// estimator on `options.simulations` altered copies of the data and judges the estimate.
///
/// - placebo treatment: T randomly permuted; the p-value is the permutation test's
///   P(|placebo effect| >= |estimate|), and the test passes when it is at most alpha;
/// - random common cause: X plus one N(0, 1) column; passes when the estimate is not in a tail of
///   the refuted estimates (two-sided rank p-value > alpha);
/// - data subset: `subset_fraction` of each arm drawn without replacement; passes like the last;
/// - dummy outcome: Y randomly permuted, so unrelated to T and X; passes when the refuted effects'
///   mean is not significantly different from 0 (t-test, p > alpha).
///
/// `estimator(data, options)` returns an `EffectEstimate` (any of the library's estimators). The
/// estimate itself is computed with `effect_options`; the simulations use them with one thread, no
/// bootstrap, no budget and no progress (so their standard errors are analytic). Simulation s of a
/// test draws from Rng(options.seed).substream of (test kind, s), so results are identical for any
/// thread count and do not depend on which other tests run. A simulation whose data the estimator refuses (`invalid_input` or `numerical_error`, e.g.
/// a subset where a binary covariate is constant) is redrawn up to 10 times, then counted as failed.
/// Once `options.max_seconds` has passed no simulation starts; the tests keep what finished and the
/// report says so (which simulations finish then depends on timing). The simulations of the tests
/// are interleaved, so a budget cuts all tests alike.
/// Throws `invalid_input` for bad options (naming them) and whatever the estimator throws on `data`.
/// Complexity: (kinds x simulations + 1) estimator calls; memory one altered copy of the data per thread.
/// Example:
/// \code
///   auto report = causalattn::refute(data, [](const auto& d, const auto& o) { return causalattn::aipw(d, o); });
///   for (const auto& test : report.tests) std::cout << test.verdict << '\n';
/// \endcode
template <class Scalar, class Estimator>
RefutationReport refute(const TreatmentData<Scalar>& data, Estimator&& estimator, const EffectOptions& effect_options = {},
                        const RefutationOptions& options = {}) {
  options.validate();
  effect_options.validate();
  return refute_estimate(data, estimator, estimator(data, effect_options), effect_options, options);
}

}  // namespace causalattn
