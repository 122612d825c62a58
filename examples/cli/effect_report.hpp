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

}  // namespace causalattn_cli
