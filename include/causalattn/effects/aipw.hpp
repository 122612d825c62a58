#pragma once
/// \file
/// Augmented IPW (doubly robust), optionally cross-fitted.

#include <algorithm>
#include <cmath>
#include <vector>

#include "causalattn/core/random.hpp"
#include <utility>

#include "causalattn/effects/detail/arm_models.hpp"
#include "causalattn/effects/detail/propensity.hpp"
#include "causalattn/effects/detail/estimator_opening.hpp"
#include "causalattn/effects/detail/diagnostics.hpp"
#include "causalattn/effects/effect_options.hpp"
#include "causalattn/effects/inference.hpp"

namespace causalattn {
namespace detail {

/// Fold of every unit for K-fold cross-fitting: each arm shuffled with `seed` and dealt round-robin,
/// so every fold holds treated and control units in proportion.
template <typename Defer = void>
std::vector<int> stratified_folds(const detail::deferred_t<Defer, Sample>& s, int folds, std::uint64_t seed) {
  std::vector<int> fold(std::size_t(s.units()), 0);
  Rng rng(seed);
  for (const auto* arm : {&s.treated, &s.control}) {
    std::vector<Index> order = *arm;
    rng.shuffle(order.begin(), order.end());
    for (std::size_t k = 0; k < order.size(); ++k) fold[std::size_t(order[k])] = int(k % std::size_t(folds));
  }
  return fold;
}

}  // namespace detail

/// AIPW with a logistic propensity and per-arm OLS / ridge outcome models.
/// ATE = mean of m_1 - m_0 + T (Y - m_1) / e - (1 - T) (Y - m_0) / (1 - e);
/// ATT = mean over treated of Y - m_0 minus the odds-weighted (normalised) mean of the control
/// residuals Y - m_0. Consistent if either model is right. With `options.folds = K > 1` the models of
/// each fold are fitted on the other K - 1 folds (stratified by arm, seeded), which removes the
/// own-observation bias of flexible or penalised models; with the default OLS models K = 1 is the
/// textbook estimator, and 5 folds are the usual choice with ridge or many covariates. The standard
/// error is the empirical influence function (Neyman-orthogonal: the nuisance fits do not enter to
/// first order). The diagnostics' effective sample sizes are those of the inverse-propensity weights
/// on the residuals; when one unit would carry more than half of its arm's weight (near-separated
/// arms, which cross-fitting with unpenalised models on many covariates easily produces) it throws
/// `numerical_error` instead of returning an estimate that rests on that unit. O(K x (iterations x n p^2)).
/// Example: `options.folds = 5; auto r = causalattn::aipw(data, options);`
template <class Scalar>
EffectEstimate aipw(const TreatmentData<Scalar>& data, const EffectOptions& options = {}) {
  using Real = detail::deferred_t<Scalar, double>;
  return detail::run_estimator(
      data, options, [](const auto& d, const auto& o) { return aipw(d, o); },
      [&](auto full) {
        auto r = detail::start_estimate("aipw", full, options);
        const auto s = detail::trim_sample(std::move(full), options, r);
        const Index n = s.units();
        Vector<Real> e(n), m1(n), m0(n);
        const int folds = std::min<int>(options.folds, int(std::min(s.treated.size(), s.control.size())) / 2);
        if (folds < options.folds)
          r.warnings.push_back("too few units per arm for " + std::to_string(options.folds) + " folds; used " +
                               std::to_string(std::max(folds, 1)));
        const std::vector<int> fold = folds > 1 ? detail::stratified_folds(s, folds, options.seed)
                                                : std::vector<int>(std::size_t(n), 0);
        r.status = SolverStatus{};
        bool rank_deficient = false;
        for (int k = 0; k < std::max(folds, 1); ++k) {
          std::vector<Index> train_treated, train_control, test;
          for (Index i = 0; i < n; ++i) {
            if (folds > 1 && fold[std::size_t(i)] == k) test.push_back(i);
            if (folds <= 1 || fold[std::size_t(i)] != k) (s.t(i) == 1 ? train_treated : train_control).push_back(i);
          }
          if (folds <= 1) test = train_treated, test.insert(test.end(), train_control.begin(), train_control.end());
          std::vector<Index> train = train_treated;
          train.insert(train.end(), train_control.begin(), train_control.end());
          const auto ps = fit_logistic(detail::Sample::take(s.x, train), detail::Sample::take(s.t, train), options.ridge,
                                       options.max_iterations, options.tolerance);
          r.status.converged = r.status.converged && ps.status.converged;
          r.status.iterations = std::max(r.status.iterations, ps.status.iterations);
          r.status.residual = std::max(r.status.residual, ps.status.residual);
          const auto models = detail::fit_arm_models(s, options.ridge, train_treated, train_control);
          rank_deficient = rank_deficient || models.treated.rank_deficient || models.control.rank_deficient;
          const Matrix<Real> x_test = detail::Sample::take(s.x, test);
          const Vector<Real> e_test = ps.predict(x_test);
          for (std::size_t j = 0; j < test.size(); ++j) {
            e(test[j]) = e_test(Index(j));
            m1(test[j]) = models.m1(test[j]);
            m0(test[j]) = models.m0(test[j]);
          }
        }
        detail::warn_unconverged(r.status, options, r);
        if (rank_deficient)
          r.warnings.push_back("collinear covariates within an arm: an outcome model used the minimum-norm solution");
        detail::fill_overlap(r, s, e, false);
        Vector<Real> slope = e.array() * (1 - e.array());
        detail::clip_propensities(e, slope, options, r);
        Vector<Real> inverse_weights(n);
        for (Index i = 0; i < n; ++i) {
          const bool att = options.estimand == Estimand::att;
          inverse_weights(i) = s.t(i) == 1 ? (att ? 1.0 : 1 / e(i)) : (att ? e(i) / (1 - e(i)) : 1 / (1 - e(i)));
        }
        detail::refuse_dominant_weight(s, inverse_weights, e, folds > 1 ? ", estimated without its fold" : "");
        detail::fill_weight_summary(r, s, inverse_weights);
        Vector<Real> influence(n);
        if (options.estimand == Estimand::ate) {
          Vector<Real> psi(n);
          for (Index i = 0; i < n; ++i) {
            psi(i) = m1(i) - m0(i) + (s.t(i) == 1 ? (s.y(i) - m1(i)) / e(i) : -(s.y(i) - m0(i)) / (1 - e(i)));
          }
          r.estimate = psi.mean();
          influence = (psi.array() - r.estimate) / double(n);
        } else {
          const double n1 = double(s.treated.size());
          double a = 0, b = 0, odds_sum = 0;
          for (Index i : s.treated) a += (s.y(i) - m0(i)) / n1;
          for (Index i : s.control) {
            const double odds = e(i) / (1 - e(i));
            odds_sum += odds;
            b += odds * (s.y(i) - m0(i));
          }
          b /= odds_sum;
          r.estimate = a - b;
          for (Index i : s.treated) influence(i) = (s.y(i) - m0(i) - a) / n1;
          for (Index i : s.control) influence(i) = -e(i) / (1 - e(i)) * (s.y(i) - m0(i) - b) / odds_sum;
        }
        if (!std::isfinite(r.estimate) || !influence.allFinite()) {
          throw numerical_error("AIPW's estimate is " + detail::rounded(r.estimate) +
                                ": a propensity is 0 or 1 to double precision "
                                "(the logistic fit separates the arms), so an inverse weight is infinite; set options.clip (e.g. "
                                "0.01), options.trim or options.ridge");
        }
        detail::set_influence_interval(r, influence);
        detail::fill_balance(r, s, {});
        return r;
      });
}

}  // namespace causalattn
