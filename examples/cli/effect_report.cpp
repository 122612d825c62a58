// The overlap, refutation and picture parts of `causalattn ate`'s report.
#include "effect_report.hpp"

#include <iomanip>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include "causalattn/io/svg_plots.hpp"
#include "causalattn/io/text.hpp"

namespace causalattn_cli {

causalattn::JsonValue overlap_summary_json(const causalattn::OverlapSummary& o) {
  causalattn::JsonValue out = causalattn::JsonValue::object();
  out.set("min_treated", o.min_treated).set("max_treated", o.max_treated);
  out.set("min_control", o.min_control).set("max_control", o.max_control);
  out.set("extreme", o.extreme).set("clipped", o.clipped).set("trimmed", o.trimmed);
  out.set("share_outside_0.05_0.95", o.share_outside);
  out.set("crump_threshold", o.crump_threshold).set("crump_dropped", o.crump_dropped);
  return out;
}

causalattn::JsonValue propensity_overlap_json(const causalattn::PropensityOverlap& o) {
  causalattn::JsonValue out = overlap_summary_json(o.summary);
  out.set("converged", o.status.converged).set("iterations", o.status.iterations);
  causalattn::JsonValue warnings = causalattn::JsonValue::array();
  for (const auto& w : o.warnings) warnings.push_back(w);
  out.set("warnings", warnings);
  return out;
}

std::string propensity_overlap_text(const causalattn::PropensityOverlap& o) {
  const auto& s = o.summary;
  std::ostringstream out;
  out << std::setprecision(4);
  out << "overlap (logistic propensity of T on X): treated [" << s.min_treated << ", " << s.max_treated << "], control ["
      << s.min_control << ", " << s.max_control << "]; " << 100 * s.share_outside << "% of units outside [0.05, 0.95]\n";
  if (s.crump_threshold > 0) {
    out << "  Crump et al. (2009) suggest keeping propensities in [" << s.crump_threshold << ", " << 1 - s.crump_threshold
        << "] (--trim " << s.crump_threshold << " drops " << s.crump_dropped
        << " units; the estimand becomes the effect on those kept)\n";
  } else {
    out << "  Crump et al. (2009) suggest no trimming\n";
  }
  for (const auto& w : o.warnings) out << "  warning: " << w << "\n";
  return out.str();
}

causalattn::JsonValue refutation_json(const causalattn::RefutationReport& r) {
  using causalattn::JsonValue;
  JsonValue tests = JsonValue::array();
  for (const auto& test : r.tests) {
    JsonValue estimates = JsonValue::array();
    for (double e : test.estimates) estimates.push_back(e);
    JsonValue row = JsonValue::object();
    row.set("test", causalattn::refutation_kind_name(test.kind)).set("requested", test.requested);
    row.set("finished", long(test.estimates.size())).set("failed", test.failed);
    row.set("mean", test.mean).set("sd", test.sd).set("zero_coverage", test.zero_coverage);
    row.set("p_value", test.p_value ? JsonValue(*test.p_value) : JsonValue());
    row.set("passed", test.passed).set("verdict", test.verdict).set("estimates", estimates);
    tests.push_back(row);
  }
  JsonValue out = JsonValue::object();
  out.set("estimate", r.estimate).set("std_error", r.std_error).set("seed", std::to_string(r.seed));
  out.set("seconds", r.seconds).set("budget_ran_out", r.budget_ran_out).set("tests", tests);
  return out;
}

std::string refutation_text(const causalattn::RefutationReport& r) {
  std::ostringstream out;
  out << std::setprecision(3);
  const int requested = r.tests.empty() ? 0 : r.tests.front().requested;
  out << "refutation (" << requested << " simulations per test, seed " << r.seed << ", " << r.seconds << " s"
      << (r.budget_ran_out ? "; the budget --max-seconds stopped it early" : "") << ")\n";
  for (const auto& test : r.tests) {
    std::string name = causalattn::refutation_kind_name(test.kind);
    name.resize(std::max<std::size_t>(name.size(), 20), ' ');
    out << "  " << name << " " << test.verdict;
    if (test.failed > 0) out << " [" << test.failed << " simulations refused by the estimator]";
    out << "\n";
  }
  return out.str();
}

void check_plot_dir(const std::string& dir) {
  struct stat status {};
  if (dir.empty()) throw causalattn::invalid_input("--plot-dir", "is empty");
  if (::stat(dir.c_str(), &status) != 0) throw causalattn::invalid_input("--plot-dir", "'" + dir + "' does not exist");
  if ((status.st_mode & S_IFMT) != S_IFDIR) throw causalattn::invalid_input("--plot-dir", "'" + dir + "' is not a directory");
  if (::access(dir.c_str(), W_OK | X_OK) != 0) throw causalattn::invalid_input("--plot-dir", "'" + dir + "' is not writable");
}

std::vector<std::string> write_effect_plots(const std::string& dir, const std::vector<std::string>& covariates,
                                            const causalattn::EffectEstimate& result,
                                            const causalattn::PropensityOverlap& overlap,
                                            const causalattn::Vector<double>& treatment) {
  causalattn::LovePlotOptions love;
  love.title = "Covariate balance: " + result.method + " (" + causalattn::estimand_name(result.estimand) + ")";
  const auto& d = result.diagnostics;
  const std::string love_svg = causalattn::love_plot_svg(covariates, d.smd_before, d.smd_after, love);
  causalattn::OverlapPlotOptions histogram;
  if (overlap.summary.crump_threshold > 0) {
    histogram.trim_low = overlap.summary.crump_threshold;
    histogram.trim_high = 1 - overlap.summary.crump_threshold;
  }
  const std::string overlap_svg = causalattn::overlap_plot_svg(overlap.propensity, treatment, histogram);
  const std::string base = dir.back() == '/' ? dir : dir + "/";
  std::vector<std::string> paths = {base + "love.svg", base + "overlap.svg"};
  causalattn::io::write_file_bytes(paths[0], love_svg);
  causalattn::io::write_file_bytes(paths[1], overlap_svg);
  return paths;
}

}  // namespace causalattn_cli
