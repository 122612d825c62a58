#pragma once
/// \file
/// An `EffectEstimate` as the table an analyst reads (estimate, interval, solver, weights,
/// overlap, balance per covariate, warnings).

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "causalattn/core/scalar.hpp"
#include "causalattn/effects/effect_estimate.hpp"
#include "causalattn/effects/treatment_data.hpp"

namespace causalattn {

/// The estimate as a table: a title line ("<title>: ate by aipw, 185 treated, 260 control"), the
/// covariates, estimate, standard error (and how it was obtained), interval, solver status,
/// effective sample sizes, propensity overlap with Crump et al.'s trimming suggestion, standardised
/// mean differences and variance ratios (treated / control) before / after per covariate (`covariates` names them; X1, X2, ... when empty) and the warnings. O(p).
/// Example: `std::cout << causalattn::effect_summary(causalattn::aipw(data), {"age", "educ"}, "NSW");`
template <typename Defer = void>
std::string effect_summary(const detail::deferred_t<Defer, EffectEstimate>& r, const std::vector<std::string>& covariates = {},
                           const std::string& title = "") {
  const auto& d = r.diagnostics;
  auto name = [&](std::size_t j) { return j < covariates.size() ? covariates[j] : "X" + std::to_string(j + 1); };
  auto padded = [](std::string s, std::size_t width, bool left) {
    if (s.size() < width) s = left ? s + std::string(width - s.size(), ' ') : std::string(width - s.size(), ' ') + s;
    return s;
  };
  auto fixed3 = [](double v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.3f", v);
    return std::string(buffer);
  };
  std::ostringstream out;
  out.precision(6);
  out << (title.empty() ? std::string() : title + ": ") << estimand_name(r.estimand) << " by " << r.method << ", " << r.n_treated
      << " treated, " << r.n_control << " control\n";
  const std::size_t p = std::size_t(d.smd_before.size());
  out << "  covariates  ";
  for (std::size_t j = 0; j < p; ++j) out << (j ? ", " : "") << name(j);
  out << "\n  estimate    " << r.estimate << "\n";
  out << "  std. error  " << r.std_error << "  (" << r.std_error_method << ")\n";
  std::ostringstream level;
  level.precision(3);
  level << 100 * r.confidence;
  out << "  " << level.str() << "% CI      [" << r.ci_low << ", " << r.ci_high << "]\n";
  if (r.status.iterations > 0) {
    out << "  solver      " << (r.status.converged ? "converged" : "NOT converged") << " after " << r.status.iterations
        << " iterations (residual " << r.status.residual << ")\n";
  }
  if (d.ess_treated && d.ess_control && d.max_weight) {
    out << "  weights     effective sample size treated " << *d.ess_treated << ", control " << *d.ess_control
        << "; largest share of an arm " << *d.max_weight << (r.method == "aipw" ? " (inverse-propensity weights)" : "") << "\n";
  }
  if (d.overlap.available) {
    out << "  propensity  treated [" << d.overlap.min_treated << ", " << d.overlap.max_treated << "], control ["
        << d.overlap.min_control << ", " << d.overlap.max_control << "]; " << d.overlap.extreme << " below 0.01 or above 0.99, "
        << 100 * d.overlap.share_outside << "% outside [0.05, 0.95]\n";
    out << "  trimming    "
        << (d.overlap.crump_threshold > 0
                ? "Crump et al. (2009) suggest keeping propensities in [" + fixed3(d.overlap.crump_threshold) + ", " +
                      fixed3(1 - d.overlap.crump_threshold) + "] (drops " + std::to_string(d.overlap.crump_dropped) + " units)"
                : std::string("Crump et al. (2009) suggest no trimming"))
        << "\n";
  }
  const bool after = d.smd_after.size() > 0, ratios = d.variance_ratio_before.size() > 0;
  out << "  balance     " << padded("covariate", 14, true) << padded("SMD before", 12, false)
      << (after ? padded("SMD after", 12, false) : "") << (ratios ? padded("VR before", 12, false) : "")
      << (ratios && after ? padded("VR after", 12, false) : "") << "\n";
  for (std::size_t j = 0; j < p; ++j) {
    out << "              " << padded(name(j), 14, true) << padded(fixed3(d.smd_before(Index(j))), 12, false);
    if (after) out << padded(fixed3(d.smd_after(Index(j))), 12, false);
    if (ratios) out << padded(fixed3(d.variance_ratio_before(Index(j))), 12, false);
    if (ratios && after) out << padded(fixed3(d.variance_ratio_after(Index(j))), 12, false);
    out << "\n";
  }
  for (const auto& w : r.warnings) out << "  warning: " << w << "\n";
  return out.str();
}

}  // namespace causalattn
