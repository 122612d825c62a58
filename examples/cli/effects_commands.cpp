// Subcommands for treatment effects: ate.

#include <algorithm>
#include <cctype>
#include <cmath>
#include <iomanip>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "causalattn/effects/categorical.hpp"
#include "causalattn/effects/cina_zs.hpp"
#include "causalattn/effects/effect_summary.hpp"
#include "causalattn/effects/estimate_effect.hpp"
#include "causalattn/effects/missing_values.hpp"
#include "causalattn/effects/sensitivity.hpp"
#include "causalattn/io/csv.hpp"
#include "causalattn/io/json.hpp"
#include "causalattn/io/text.hpp"
#include "cli.hpp"
#include "commands.hpp"
#include "effect_report.hpp"

namespace causalattn_cli {
namespace {

/// Effect options from the command line (see the ate usage text).
causalattn::EffectOptions effect_options_from(const ArgumentList& args) {
  causalattn::EffectOptions options;
  options.estimand = choice_option<causalattn::Estimand>(args, "--estimand", {{"ate", causalattn::Estimand::ate}, {"att", causalattn::Estimand::att}}, "ate");
  options.confidence = number_option(args, "--confidence", options.confidence);
  options.ridge = number_option(args, "--ridge", options.ridge);
  options.clip = number_option(args, "--clip", options.clip);
  options.trim = number_option(args, "--trim", options.trim);
  options.lambda = number_option(args, "--lambda", options.lambda);
  options.folds = integer_option(args, "--folds", 1, 1, 1000);
  options.bootstrap = integer_option(args, "--bootstrap", 0, 0, 1000000);
  options.threads = integer_option(args, "--threads", 0, 0, 4096);
  options.max_seconds = number_option(args, "--max-seconds", 0);
  options.seed = std::uint64_t(integer_option(args, "--seed", int(options.seed % 2000000000), 0, 2000000000));
  options.ipw_form = choice_option<causalattn::IpwForm>(
      args, "--ipw-form", {{"hajek", causalattn::IpwForm::hajek}, {"ht", causalattn::IpwForm::horvitz_thompson}}, "hajek");
  options.outcome_model = choice_option<causalattn::OutcomeModel>(
      args, "--outcome-model", {{"per-arm", causalattn::OutcomeModel::per_arm}, {"single", causalattn::OutcomeModel::single}}, "per-arm");
  options.kernel.type = choice_option<causalattn::KernelType>(
      args, "--kernel",
      {{"rbf", causalattn::KernelType::rbf}, {"linear", causalattn::KernelType::linear}, {"poly", causalattn::KernelType::polynomial}},
      "rbf");
  options.kernel.gamma = number_option(args, "--gamma", 0);
  options.kernel_ate_weights = choice_option<causalattn::KernelAteWeights>(
      args, "--ate-weights", {{"full-sample", causalattn::KernelAteWeights::full_sample}, {"svm-dual", causalattn::KernelAteWeights::svm_dual}},
      "full-sample");
  options.kernel.degree = integer_option(args, "--degree", 3, 1, 20);
  options.cina.epochs = integer_option(args, "--epochs", options.cina.epochs, 1, 1000000);
  options.cina.key_map =
      choice_option<causalattn::KeyMap>(args, "--key-map", {{"linear", causalattn::KeyMap::linear}, {"mlp", causalattn::KeyMap::mlp}}, "linear");
  return options;
}

/// Per-covariate values as a JSON object {name: value}; a non-finite value (a variance ratio over
/// a constant control column) as null.
causalattn::JsonValue named_values(const std::vector<std::string>& names, const causalattn::Vector<double>& values) {
  causalattn::JsonValue out = causalattn::JsonValue::object();
  for (std::size_t j = 0; j < names.size() && causalattn::Index(j) < values.size(); ++j) {
    const double v = values(causalattn::Index(j));
    out.set(names[j], std::isfinite(v) ? causalattn::JsonValue(v) : causalattn::JsonValue());
  }
  return out;
}

/// The result as one JSON object (method, estimand, estimate, std_error, ci_low, ci_high, n_treated,
/// n_control, diagnostics).
causalattn::JsonValue effect_json(const causalattn::EffectEstimate& r, const std::vector<std::string>& covariates) {
  using causalattn::JsonValue;
  const auto& d = r.diagnostics;
  JsonValue diagnostics = JsonValue::object();
  diagnostics.set("smd_before", named_values(covariates, d.smd_before)).set("smd_after", named_values(covariates, d.smd_after));
  diagnostics.set("variance_ratio_before", named_values(covariates, d.variance_ratio_before))
      .set("variance_ratio_after", named_values(covariates, d.variance_ratio_after));
  if (d.ess_treated) diagnostics.set("ess_treated", *d.ess_treated).set("ess_control", *d.ess_control).set("max_weight", *d.max_weight);
  if (d.overlap.available) diagnostics.set("overlap", overlap_summary_json(d.overlap));
  diagnostics.set("converged", r.status.converged).set("iterations", r.status.iterations).set("residual", r.status.residual);
  diagnostics.set("std_error_method", r.std_error_method);
  JsonValue warnings = JsonValue::array();
  for (const auto& w : r.warnings) warnings.push_back(w);
  diagnostics.set("warnings", warnings);
  JsonValue out = JsonValue::object();
  out.set("method", r.method).set("estimand", causalattn::estimand_name(r.estimand)).set("estimate", r.estimate);
  out.set("std_error", r.std_error).set("ci_low", r.ci_low).set("ci_high", r.ci_high).set("confidence", r.confidence);
  out.set("n_treated", r.n_treated).set("n_control", r.n_control);
  JsonValue names = JsonValue::array();
  for (const auto& name : covariates) names.push_back(name);
  out.set("covariates", names).set("diagnostics", diagnostics);
  return out;
}

/// The covariate matrix of `ate`: numeric covariates as read, each categorical one as its dummy
/// columns in its place; `groups[k]` lists the columns of `covariates[k]`.
struct Design {
  causalattn::Matrix<double> x;
  std::vector<std::string> names;                      ///< one per column of x
  std::vector<std::vector<causalattn::Index>> groups;  ///< per requested covariate, its columns
  std::vector<std::string> requested;                  ///< the covariates as named on the command line
  std::vector<causalattn::CategoricalCoding> codings;  ///< the categorical covariates' codings
};

template <class ColumnOf>
Design design_matrix(const causalattn::CsvTable<double>& table, const std::vector<std::string>& covariates,
                     const std::vector<std::string>& categorical, ColumnOf column) {
  Design d;
  d.requested = covariates;
  std::vector<causalattn::Matrix<double>> blocks;
  causalattn::Index width = 0;
  for (const auto& name : covariates) {
    const auto k = std::find(categorical.begin(), categorical.end(), name) - categorical.begin();
    std::vector<causalattn::Index> group;
    if (std::size_t(k) < categorical.size()) {
      d.codings.push_back(causalattn::dummy_code(table.text[std::size_t(k)]));
      blocks.push_back(d.codings.back().dummies);
      d.names.insert(d.names.end(), d.codings.back().names.begin(), d.codings.back().names.end());
    } else {
      blocks.push_back(table.data.col(column(name, "--covariates")));
      d.names.push_back(name);
    }
    for (causalattn::Index j = 0; j < blocks.back().cols(); ++j) group.push_back(width + j);
    width += blocks.back().cols();
    d.groups.push_back(group);
  }
  d.x.resize(table.data.rows(), width);
  causalattn::Index at = 0;
  for (const auto& block : blocks) {
    d.x.middleCols(at, block.cols()) = block;
    at += block.cols();
  }
  return d;
}

/// Sensitivity options from --benchmark (covariate names; a categorical one benchmarks all its
/// dummies together), --k and --confidence (alpha = 1 - confidence).
causalattn::SensitivityOptions sensitivity_options(const ArgumentList& args, const causalattn::EffectOptions& effect,
                                                   const Design& design) {
  causalattn::SensitivityOptions o;
  o.alpha = 1 - effect.confidence;
  if (args.has("--k")) {
    o.multiples.clear();
    for (const auto& k : split_list(args.get("--k"))) o.multiples.push_back(parse_number_argument("--k", k));
  }
  if (args.has("--benchmark")) {
    for (const auto& name : split_list(args.get("--benchmark"))) {
      const auto it = std::find(design.requested.begin(), design.requested.end(), name);
      if (it == design.requested.end()) throw usage_error("--benchmark names '" + name + "', which is not one of --covariates");
      o.benchmarks.push_back({name, design.groups[std::size_t(it - design.requested.begin())]});
    }
  }
  return o;
}

/// What the missing-value policy did, as JSON: the policy, the units read and kept, the missing
/// cells per covariate (of `names`, the design's columns), treatment and outcome, and the indicator
/// columns added.
causalattn::JsonValue missing_json(const causalattn::CompleteTreatmentData<double>& c, causalattn::MissingPolicy policy,
                                   const std::vector<std::string>& names, causalattn::Index units) {
  causalattn::JsonValue cells = causalattn::JsonValue::object(), indicators = causalattn::JsonValue::array();
  for (std::size_t j = 0; j < names.size(); ++j)
    if (c.missing[j] > 0) cells.set(names[j], c.missing[j]);
  cells.set("treatment", c.missing_treatment).set("outcome", c.missing_outcome);
  for (std::size_t j = names.size(); j < c.names.size(); ++j) indicators.push_back(c.names[j]);
  causalattn::JsonValue out = causalattn::JsonValue::object();
  out.set("policy", causalattn::name_in_table(causalattn::missing_policy_names, policy, "--missing"));
  out.set("units_read", units).set("units_kept", long(c.rows.size())).set("cells", cells).set("indicators", indicators);
  return out;
}

/// The categorical codings as JSON: {name: {"reference": level, "levels": [...]}}.
causalattn::JsonValue categorical_json(const std::vector<causalattn::CategoricalCoding>& codings) {
  causalattn::JsonValue out = causalattn::JsonValue::object();
  for (const auto& c : codings) {
    causalattn::JsonValue levels = causalattn::JsonValue::array();
    for (const auto& level : c.levels) levels.push_back(level);
    causalattn::JsonValue entry = causalattn::JsonValue::object();
    entry.set("reference", c.levels[0]).set("levels", levels);
    out.set(c.name, entry);
  }
  return out;
}

/// The sensitivity statistics and E-values as JSON.
causalattn::JsonValue sensitivity_json(const causalattn::OmittedVariableSensitivity& s, const causalattn::EValue& e) {
  using causalattn::JsonValue;
  JsonValue bounds = JsonValue::array();
  for (const auto& b : s.bounds) {
    JsonValue row = JsonValue::object();
    row.set("benchmark", b.benchmark).set("k", b.multiple).set("r2_treatment", b.r2_treatment).set("r2_outcome", b.r2_outcome);
    row.set("adjusted_estimate", b.adjusted_estimate)
        .set("adjusted_std_error", b.adjusted_std_error)
        .set("adjusted_t", b.adjusted_t);
    row.set("ci_low", b.ci_low).set("ci_high", b.ci_high);
    bounds.push_back(row);
  }
  JsonValue regression = JsonValue::object();
  regression.set("estimate", s.estimate).set("std_error", s.std_error).set("t", s.t_statistic).set("dof", s.dof);
  regression.set("partial_r2", s.partial_r2).set("rv_q", s.robustness_value).set("rv_q_alpha", s.robustness_value_alpha);
  JsonValue warnings = JsonValue::array();
  for (const auto& w : s.warnings) warnings.push_back(w);
  regression.set("q", s.q).set("alpha", s.alpha).set("bounds", bounds).set("warnings", warnings);
  JsonValue evalue = JsonValue::object();
  evalue.set("scale", e.scale).set("risk_ratio", e.risk_ratio).set("point", e.point).set("interval", e.interval);
  JsonValue out = JsonValue::object();
  out.set("omitted_variable_bias", regression).set("e_value", evalue);
  return out;
}

/// The sensitivity statistics and E-values as text lines.
std::string sensitivity_text(const causalattn::OmittedVariableSensitivity& s, const causalattn::EValue& e) {
  std::ostringstream out;
  out << std::setprecision(4);
  out << "sensitivity (Cinelli-Hazlett, OLS Y ~ 1 + T + X): estimate " << s.estimate << ", s.e. " << s.std_error << ", t "
      << s.t_statistic << ", dof " << s.dof << "\n";
  out << "  partial R2 of T with Y " << s.partial_r2 << "; RV(q = " << s.q << ") " << s.robustness_value << "; RV(q = " << s.q
      << ", alpha = " << s.alpha << ") " << s.robustness_value_alpha << "\n";
  for (const auto& b : s.bounds) {
    out << "  " << b.multiple << "x " << b.benchmark << ": R2 with T " << b.r2_treatment << ", with Y " << b.r2_outcome
        << " -> adjusted " << b.adjusted_estimate << " (s.e. " << b.adjusted_std_error << ", interval " << b.ci_low << " to "
        << b.ci_high << ")\n";
  }
  for (const auto& w : s.warnings) out << "  warning: " << w << "\n";
  out << "E-value (" << e.scale << ", RR " << e.risk_ratio << "): " << e.point << " for the estimate, " << e.interval
      << " for the interval\n";
  return out.str();
}

/// Refutation options from --refute / --report, --simulations, --refute-tests, --seed, --threads and
/// --max-seconds (the budget: no simulation starts after it); none without --refute or --report.
std::optional<causalattn::RefutationOptions> refutation_options(const ArgumentList& args, const causalattn::EffectOptions& effect,
                                                                std::ostream& err) {
  if (!args.has("--refute") && !args.has("--report")) {
    if (args.has("--simulations") || args.has("--refute-tests")) {
      throw usage_error("--simulations and --refute-tests apply with --refute or --report");
    }
    return std::nullopt;
  }
  causalattn::RefutationOptions o;
  o.simulations = integer_option(args, "--simulations", o.simulations, 2, 1000000);
  if (args.has("--refute-tests")) {
    o.kinds.clear();
    for (const auto& name : split_list(args.get("--refute-tests")))
      o.kinds.push_back(causalattn::refutation_kind_from_name(name, "--refute-tests"));
  }
  o.seed = effect.seed;
  o.threads = effect.threads;
  o.max_seconds = effect.max_seconds;
  o.progress = [report = stage_reporter(err)](long long done, long long total) { report("refutation", done, total); };
  try {
    o.validate();
  } catch (const causalattn::invalid_input& e) {
    throw causalattn::invalid_input(e.argument() == "options.kinds" ? "--refute-tests" : e.argument(), e.detail());
  }
  return o;
}

/// `causalattn ate --data FILE --treatment COL --outcome COL ...`: one treatment-effect estimate.
int run_ate(Invocation& call) {
  std::vector<std::string> switches = table_switches;
  switches.insert(switches.end(), {"--sensitivity", "--refute", "--report"});
  const ArgumentList args(call.args,
                          {"--data",      "--treatment",  "--outcome",     "--covariates",   "--method",      "--estimand",
                           "--format",    "--confidence", "--ridge",       "--clip",         "--trim",        "--folds",
                           "--bootstrap", "--seed",       "--threads",     "--max-seconds",  "--ipw-form",    "--outcome-model",
                           "--kernel",    "--gamma",      "--degree",      "--lambda",       "--ate-weights", "--epochs",
                           "--key-map",   "--model",      "--calibrate",   "--zs-estimate",  "--cate",        "--categorical",
                           "--benchmark", "--k",          "--simulations", "--refute-tests", "--missing",     "--plot-dir"},
                          switches);
  args.expect_positional(0, 0, "causalattn ate --data FILE --treatment COL --outcome COL [options] (see causalattn ate --help)");
  for (const char* required : {"--data", "--treatment", "--outcome"})
    if (!args.has(required)) throw usage_error(std::string("ate needs ") + required);
  const OutputFormat format = format_option(args, call.format);
  const auto method = causalattn::effect_method_from_name(args.get("--method", "aipw"));
  const bool zero_shot = method == causalattn::EffectMethod::cina_zs;
  if (args.has("--model") && !zero_shot) throw usage_error("--model applies to --method cina-zs only");
  causalattn::EffectOptions options = effect_options_from(args);
  options.progress = stage_reporter(call.err);
  if (args.has("--calibrate") && !zero_shot) throw usage_error("--calibrate applies to --method cina-zs only");
  if (args.has("--zs-estimate") && !zero_shot) throw usage_error("--zs-estimate applies to --method cina-zs only");
  if (args.has("--cate") && !zero_shot && method != causalattn::EffectMethod::ols) {
    throw usage_error("--cate applies to --method cina-zs (its outcome head) and ols (the T-learner)");
  }
  options.cina_zs_calibration = choice_option<causalattn::CinaZsCalibration>(args, "--calibrate",
                                                                           {{"variances", causalattn::CinaZsCalibration::means_and_variances},
                                                                            {"means", causalattn::CinaZsCalibration::means},
                                                                            {"no", causalattn::CinaZsCalibration::none}},
                                                                           "variances");
  const std::string path = args.get("--data"), treatment = args.get("--treatment"), outcome = args.get("--outcome");
  if (treatment == outcome) throw usage_error("--treatment and --outcome name the same column '" + treatment + "'");
  if (!args.has("--covariates")) {
    throw usage_error("ate needs --covariates a,b,... (the adjustment set is a causal assumption: name it), or --covariates all "
                      "for every column but the treatment and the outcome");
  }
  causalattn::CsvOptions csv;
  const bool all_columns = args.get("--covariates") == "all";
  std::vector<std::string> covariates = all_columns ? std::vector<std::string>{} : split_list(args.get("--covariates"));
  const std::vector<std::string> categorical = args.has("--categorical") ? split_list(args.get("--categorical"))
                                                                         : std::vector<std::string>{};
  auto is_categorical = [&](const std::string& name) {
    return std::find(categorical.begin(), categorical.end(), name) != categorical.end();
  };
  for (const auto& name : categorical) {
    if (name == treatment || name == outcome)
      throw usage_error("--categorical names '" + name + "', which is the " + (name == treatment ? "treatment" : "outcome"));
    if (!all_columns && std::find(covariates.begin(), covariates.end(), name) == covariates.end())
      throw usage_error("--categorical names '" + name + "', which is not in --covariates");
  }
  csv.text_columns = categorical;
  const auto missing_policy = causalattn::value_in_table(causalattn::missing_policy_names, args.get("--missing", "error"),
                                                         "--missing");
  csv.allow_missing = missing_policy != causalattn::MissingPolicy::error;
  if (!all_columns) {
    if (covariates.empty()) throw usage_error("--covariates is empty");
    for (std::size_t k = 0; k < covariates.size(); ++k)
      if (std::find(covariates.begin(), covariates.begin() + std::ptrdiff_t(k), covariates[k]) !=
          covariates.begin() + std::ptrdiff_t(k))
        throw usage_error("--covariates names '" + covariates[k] + "' twice");
    for (const auto& name : covariates)
      if (name == treatment || name == outcome)
        throw usage_error("--covariates names '" + name + "', which is the " + (name == treatment ? "treatment" : "outcome"));
    csv.columns = {treatment, outcome};
    for (const auto& name : covariates)
      if (!is_categorical(name)) csv.columns.push_back(name);
  }
  causalattn::CsvTable<double> table;
  try {
    table = read_data_table(args, path, csv);
  } catch (const causalattn::invalid_input& e) {
    if (e.argument() == "options.text_columns") throw causalattn::invalid_input("--categorical", e.detail());
    const std::string hint = " (read as NaN with options.allow_missing)";
    if (const auto at = e.detail().find(hint); at != std::string::npos) {  // name this command's option
      throw causalattn::invalid_input(e.argument(), e.detail().substr(0, at) + " (see --missing complete-cases|indicator)");
    }
    if (e.argument() == "options.columns") {  // say which of this command's flags named the column
      const std::string flag = e.detail().find("'" + treatment + "'") != std::string::npos ? "--treatment"
                               : e.detail().find("'" + outcome + "'") != std::string::npos ? "--outcome"
                                                                                            : "--covariates";
      throw causalattn::invalid_input(flag, e.detail());
    }
    if (!all_columns) throw;
    throw usage_error(std::string(e.what()) + " (--covariates all reads every column; choose numeric ones with --covariates a,b,...)");
  }
  auto column = [&](const std::string& name, const std::string& option) {
    const auto it = std::find(table.names.begin(), table.names.end(), name);
    if (it == table.names.end()) throw usage_error(option + " names '" + name + "', which is not a column of " + path);
    return causalattn::Index(it - table.names.begin());
  };
  const causalattn::Index t_column = column(treatment, "--treatment"), y_column = column(outcome, "--outcome");
  if (all_columns) {
    for (const auto& name : table.names)
      if (name != treatment && name != outcome) covariates.push_back(name);
    covariates.insert(covariates.end(), categorical.begin(), categorical.end());
  }

  if (covariates.empty()) throw usage_error("no covariates: the file has only the treatment and outcome columns");
  Design design = design_matrix(table, covariates, categorical, column);
  const causalattn::CompleteTreatmentData<double> complete = [&] {
    try {  // the library's messages name the covariates already
      return causalattn::apply_missing_policy<double>(design.x, table.data.col(t_column), table.data.col(y_column),
                                                      missing_policy, design.names);
    } catch (const causalattn::invalid_input& e) {
      throw causalattn::invalid_input(e.argument() == "x"           ? "--covariates"
                                      : e.argument() == "treatment" ? "--treatment"
                                                                    : "--outcome",
                                      e.detail());
    }
  }();
  const causalattn::Index units_read = table.data.rows();
  design.x.resize(0, 0);  // complete.x holds the covariates now
  table.data.resize(0, 0);
  covariates = complete.names;
  const causalattn::TreatmentData<double> data = with_column_names(covariates, "--covariates", [&] { return complete.data(); });
  std::optional<causalattn::OmittedVariableSensitivity> sensitivity;
  const bool report = args.has("--report");
  if (args.has("--sensitivity") || report) {
    try {
      sensitivity = causalattn::omitted_variable_sensitivity(data, sensitivity_options(args, options, design));
    } catch (const causalattn::invalid_input& e) {  // name this command's flags
      const std::string flag = e.argument() == "options.multiples"    ? "--k"
                               : e.argument() == "options.benchmarks" ? "--benchmark"
                               : e.argument() == "options.alpha"      ? "--confidence"
                                                                      : e.argument();
      throw causalattn::invalid_input(flag, e.detail());
    }
  } else if (args.has("--benchmark") || args.has("--k"))
    throw usage_error("--benchmark and --k apply with --sensitivity or --report");
  const std::optional<causalattn::RefutationOptions> refutation = refutation_options(args, options, call.err);
  if (args.has("--plot-dir")) check_plot_dir(args.get("--plot-dir"));
  std::optional<causalattn::CinaZsModel<float>> model;
  if (zero_shot) model = causalattn::CinaZsModel<float>::load_default(args.get("--model", ""));
  options.cina_zs_estimate = choice_option<causalattn::CinaZsEstimate>(args, "--zs-estimate",
                                                                       {{"auto", causalattn::CinaZsEstimate::automatic},
                                                                        {"head", causalattn::CinaZsEstimate::outcome_head},
                                                                        {"weighting", causalattn::CinaZsEstimate::weighting},
                                                                        {"dr", causalattn::CinaZsEstimate::doubly_robust}},
                                                                       "auto");
  const bool head_estimate = options.cina_zs_estimate == causalattn::CinaZsEstimate::outcome_head ||
                             (options.cina_zs_estimate == causalattn::CinaZsEstimate::automatic && model &&
                              model->outcome_head());
  if (zero_shot && args.has("--calibrate") && head_estimate) {
    throw usage_error(
        "--calibrate tilts the weights of --zs-estimate weighting or dr; the outcome head's estimate has no weights");
  }
  auto result = causalattn::estimate_effect(method, data, options, model ? &*model : nullptr);
  result.warnings.insert(result.warnings.begin(), complete.warnings.begin(), complete.warnings.end());
  if (args.has("--cate")) {
    const causalattn::CateEstimate cate = zero_shot ? causalattn::cina_zs_cate(*model, data, options)
                                                    : causalattn::t_learner(data, options);
    causalattn::Matrix<double> rows(cate.effect.size(), 2);
    rows << cate.effect, cate.std_error;
    std::ostringstream text;
    causalattn::write_csv(text, {"effect", "std_error"}, rows);
    causalattn::io::write_file_bytes(args.get("--cate"), text.str());
  }
  std::optional<causalattn::PropensityOverlap> overlap;
  if ((report && !result.diagnostics.overlap.available) || args.has("--plot-dir"))
    overlap = causalattn::propensity_overlap(data, options);
  const bool overlap_section = report && !result.diagnostics.overlap.available;
  std::optional<causalattn::RefutationReport> refuted;
  if (refutation) {
    refuted = causalattn::refute_estimate(
        data,
        [&](const causalattn::TreatmentData<double>& d, const causalattn::EffectOptions& o) {
          return causalattn::estimate_effect(method, d, o, model ? &*model : nullptr);
        },
        result, options, *refutation);
  }
  std::vector<std::string> plots;
  if (args.has("--plot-dir")) plots = write_effect_plots(args.get("--plot-dir"), covariates, result, *overlap, complete.t);
  if (format == OutputFormat::json) {
    causalattn::JsonValue out = effect_json(result, covariates);
    if (!plots.empty()) out.set("plots", causalattn::JsonValue(causalattn::JsonValue::Array(plots.begin(), plots.end())));
    if (!design.codings.empty()) out.set("categorical", categorical_json(design.codings));
    if (csv.allow_missing) out.set("missing", missing_json(complete, missing_policy, design.names, units_read));
    if (overlap_section) out.set("propensity_overlap", propensity_overlap_json(*overlap));
    if (sensitivity) out.set("sensitivity", sensitivity_json(*sensitivity, causalattn::e_value(result, data)));
    if (refuted) out.set("refutation", refutation_json(*refuted));
    call.out << out.dump() << "\n";
  } else {
    call.out << causalattn::effect_summary(result, covariates, path);
    for (const auto& coding : design.codings) {
      call.out << coding.name << ": categorical, " << coding.levels.size() << " levels, reference '" << coding.levels[0] << "' ("
               << coding.names.size() << " dummy columns)\n";
    }
    if (overlap_section) call.out << propensity_overlap_text(*overlap);
    if (sensitivity) call.out << sensitivity_text(*sensitivity, causalattn::e_value(result, data));
    if (refuted) call.out << refutation_text(*refuted);
    for (const auto& plot : plots) call.out << "wrote " << plot << "\n";
  }
  return 0;
}

/// The method names of `--method`, joined by '|'.
std::string effect_method_list() {
  std::string list;
  for (const auto& entry : causalattn::effect_method_names) list += (list.empty() ? "" : "|") + std::string(entry.first);
  return list;
}

}  // namespace

/// Registers ate.
void register_effects_commands(CommandRegistry& registry) {
  registry.add(
      {"ate", "treatment effect (ATE or ATT) by difference in means, OLS, IPW, AIPW, entropy or kernel balancing, CInA",
       "causalattn ate --data FILE --treatment COL --outcome COL --covariates a,b,...|all\n"
       "               [--method " +
           effect_method_list() +
           "] [--estimand ate|att] [--format text|json]\n"
           "               [--confidence 0.95] [--ridge R] [--clip C] [--trim C] [--folds K] [--bootstrap B] [--seed S]\n"
           "               [--max-seconds S] (a budget: --bootstrap and cina's training stop with exit\n"
           "               code 5; --refute stops starting simulations and reports those finished)\n"
           "               [--ipw-form hajek|ht] [--outcome-model per-arm|single] [--threads N] [--no-header|--numeric-header]\n"
           "               [--kernel rbf|linear|poly] [--gamma G] [--degree D] [--lambda L] [--ate-weights full-sample|svm-dual]\n"
           "               [--epochs E] [--key-map linear|mlp] (cina) [--model FILE] (cina-zs; default: the shipped model)\n"
           "               [--zs-estimate auto|head|weighting|dr] (cina-zs: the outcome head's estimate, the balancing\n"
           "               weights', or both; auto = the head when the model has one)\n"
           "               [--calibrate variances|means|no] (cina-zs weighting and dr ATE: tilt the weights to exact balance of\n"
           "               the means and second moments, of the means, or not at all; default variances)\n"
           "               [--cate FILE] (cina-zs or ols: per-unit effects and standard errors as CSV, rows in data order)\n"
           "               [--categorical a,b] (text covariates entered as dummies, the first level in byte order dropped)\n"
           "               [--sensitivity [--benchmark a,b] [--k 1,2,3]] (omitted-variable bounds of OLS Y ~ 1 + T + X\n"
           "               with confounders k times as strong as each benchmark covariate, and the estimate's E-value)\n"
           "               [--refute [--simulations 100] [--refute-tests placebo-treatment,random-common-cause,data-subset,\n"
           "               dummy-outcome]] (seeded refutation tests in parallel; --max-seconds stops them early)\n"
           "               [--missing error|complete-cases|indicator] (empty or NA cells: refuse (default), drop those units,\n"
           "               or mean-impute each covariate and add its missingness indicator; units missing T or Y are dropped)\n"
           "               [--plot-dir DIR] (writes DIR/love.svg, SMD per covariate before and after weighting, and\n"
           "               DIR/overlap.svg, the propensity histograms per arm)\n"
           "               [--report] (one page: estimate, balance, propensity overlap with a trimming suggestion,\n"
           "               sensitivity and refutations)\n"
           "  --covariates is required: a list, or 'all' for every column but the treatment and the outcome.\n"
           "  Defaults are the textbook specification: unpenalised logistic propensity, OLS per arm, no clipping\n"
           "  or trimming, method aipw. --folds 5 cross-fits AIPW (use it with --ridge or many covariates).\n"
           "  Exit codes: 0 done, 2 bad input, 3 numerical failure (e.g. separated arms: try --clip, --trim, --ridge).",
       run_ate});
}

}  // namespace causalattn_cli
