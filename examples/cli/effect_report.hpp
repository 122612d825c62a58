#pragma once
// The parts of `causalattn ate`'s report beyond the estimate: propensity overlap, refutations and
// the balance and overlap pictures (effect_report.cpp).

#include <string>
#include <vector>

#include "causalattn/effects/effect_estimate.hpp"
#include "causalattn/effects/overlap.hpp"
#include "causalattn/effects/refutation.hpp"
#include "causalattn/io/json.hpp"

namespace causalattn_cli {

/// An overlap summary as JSON (ranges per arm, extremes, share outside [0.05, 0.95], Crump's suggestion).
causalattn::JsonValue overlap_summary_json(const causalattn::OverlapSummary& o);
/// The propensity overlap of any estimator as JSON: the summary, the solver and the warnings.
causalattn::JsonValue propensity_overlap_json(const causalattn::PropensityOverlap& o);
/// The propensity overlap as text lines.
std::string propensity_overlap_text(const causalattn::PropensityOverlap& o);
/// The refutation tests as JSON: seed, seconds, budget, and per test its simulations and verdict.
causalattn::JsonValue refutation_json(const causalattn::RefutationReport& r);
/// The refutation tests as text lines, one verdict per test.
std::string refutation_text(const causalattn::RefutationReport& r);
/// Throws `invalid_input` naming --plot-dir unless `dir` is an existing, writable directory (checked
/// before any work, so a bad directory leaves nothing written).
void check_plot_dir(const std::string& dir);
/// Writes `dir`/love.svg (SMD before and after weighting per covariate) and `dir`/overlap.svg (the
/// propensity histograms per arm, with Crump et al.'s trimming range when it trims); both are
/// rendered before either is written. Returns the two paths.
std::vector<std::string> write_effect_plots(const std::string& dir, const std::vector<std::string>& covariates,
                                            const causalattn::EffectEstimate& result,
                                            const causalattn::PropensityOverlap& overlap,
                                            const causalattn::Vector<double>& treatment);

}  // namespace causalattn_cli
