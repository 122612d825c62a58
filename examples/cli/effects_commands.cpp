// Subcommands for treatment effects: ate.

#include <algorithm>
#include <cctype>
#include <iomanip>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "causalattn/effects/cina_zs.hpp"
#include "causalattn/effects/effect_summary.hpp"
#include "causalattn/effects/estimate_effect.hpp"
#include "causalattn/io/csv.hpp"
#include "causalattn/io/json.hpp"
#include "causalattn/io/text.hpp"
#include "cli.hpp"
#include "commands.hpp"

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

/// Per-covariate standardised mean differences as a JSON object {name: value}.
causalattn::JsonValue named_values(const std::vector<std::string>& names, const causalattn::Vector<double>& values) {
  causalattn::JsonValue out = causalattn::JsonValue::object();
  for (std::size_t j = 0; j < names.size() && causalattn::Index(j) < values.size(); ++j) out.set(names[j], values(causalattn::Index(j)));
  return out;
}

/// The result as one JSON object (method, estimand, estimate, std_error, ci_low, ci_high, n_treated,
/// n_control, diagnostics).
causalattn::JsonValue effect_json(const causalattn::EffectEstimate& r, const std::vector<std::string>& covariates) {
  using causalattn::JsonValue;
  const auto& d = r.diagnostics;
  JsonValue diagnostics = JsonValue::object();
  diagnostics.set("smd_before", named_values(covariates, d.smd_before)).set("smd_after", named_values(covariates, d.smd_after));
  if (d.ess_treated) diagnostics.set("ess_treated", *d.ess_treated).set("ess_control", *d.ess_control).set("max_weight", *d.max_weight);
  if (d.overlap.available) {
    JsonValue overlap = JsonValue::object();
    overlap.set("min_treated", d.overlap.min_treated).set("max_treated", d.overlap.max_treated);
    overlap.set("min_control", d.overlap.min_control).set("max_control", d.overlap.max_control);
    overlap.set("extreme", d.overlap.extreme).set("clipped", d.overlap.clipped).set("trimmed", d.overlap.trimmed);
    diagnostics.set("overlap", overlap);
  }
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

/// `causalattn ate --data FILE --treatment COL --outcome COL ...`: one treatment-effect estimate.
int run_ate(Invocation& call) {
  const ArgumentList args(call.args,
                          {"--data",      "--treatment",  "--outcome",   "--covariates",  "--method",      "--estimand",
                           "--format",    "--confidence", "--ridge",     "--clip",        "--trim",        "--folds",
                           "--bootstrap", "--seed",       "--threads",   "--max-seconds", "--ipw-form",    "--outcome-model",
                           "--kernel",    "--gamma",      "--degree",    "--lambda",      "--ate-weights", "--epochs",
                           "--key-map",   "--model",      "--calibrate", "--zs-estimate", "--cate"},
                          table_switches);
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
  if (!all_columns) {
    if (covariates.empty()) throw usage_error("--covariates is empty");
    for (const auto& name : covariates)
      if (name == treatment || name == outcome)
        throw usage_error("--covariates names '" + name + "', which is the " + (name == treatment ? "treatment" : "outcome"));
    csv.columns = {treatment, outcome};
    csv.columns.insert(csv.columns.end(), covariates.begin(), covariates.end());
  }
  causalattn::CsvTable<double> table;
  try {
    table = read_data_table(args, path, csv);
  } catch (const causalattn::invalid_input& e) {
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
  }

  if (covariates.empty()) throw usage_error("no covariates: the file has only the treatment and outcome columns");
  causalattn::Matrix<double> x(table.data.rows(), causalattn::Index(covariates.size()));
  for (std::size_t j = 0; j < covariates.size(); ++j) x.col(causalattn::Index(j)) = table.data.col(column(covariates[j], "--covariates"));
  const causalattn::Vector<double> t = table.data.col(t_column), y = table.data.col(y_column);
  const causalattn::TreatmentData<double> data =
      with_column_names(covariates, "--covariates", [&] { return causalattn::TreatmentData<double>(x, t, y); });
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
  const auto result = causalattn::estimate_effect(method, data, options, model ? &*model : nullptr);
  if (args.has("--cate")) {
    const causalattn::CateEstimate cate = zero_shot ? causalattn::cina_zs_cate(*model, data, options)
                                                    : causalattn::t_learner(data, options);
    causalattn::Matrix<double> rows(cate.effect.size(), 2);
    rows << cate.effect, cate.std_error;
    std::ostringstream text;
    causalattn::write_csv(text, {"effect", "std_error"}, rows);
    causalattn::io::write_file_bytes(args.get("--cate"), text.str());
  }
  if (format == OutputFormat::json) call.out << effect_json(result, covariates).dump() << "\n";
  else call.out << causalattn::effect_summary(result, covariates, path);
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
           "               [--max-seconds S] (a budget for --bootstrap and cina's training; exit code 5 when it runs out)\n"
           "               [--ipw-form hajek|ht] [--outcome-model per-arm|single] [--threads N] [--no-header|--numeric-header]\n"
           "               [--kernel rbf|linear|poly] [--gamma G] [--degree D] [--lambda L] [--ate-weights full-sample|svm-dual]\n"
           "               [--epochs E] [--key-map linear|mlp] (cina) [--model FILE] (cina-zs; default: the shipped model)\n"
           "               [--zs-estimate auto|head|weighting|dr] (cina-zs: the outcome head's estimate, the balancing\n"
           "               weights', or both; auto = the head when the model has one)\n"
           "               [--calibrate variances|means|no] (cina-zs weighting and dr ATE: tilt the weights to exact balance of\n"
           "               the means and second moments, of the means, or not at all; default variances)\n"
           "               [--cate FILE] (cina-zs or ols: per-unit effects and standard errors as CSV, rows in data order)\n"
           "  --covariates is required: a list, or 'all' for every column but the treatment and the outcome.\n"
           "  Defaults are the textbook specification: unpenalised logistic propensity, OLS per arm, no clipping\n"
           "  or trimming, method aipw. --folds 5 cross-fits AIPW (use it with --ridge or many covariates).\n"
           "  Exit codes: 0 done, 2 bad input, 3 numerical failure (e.g. separated arms: try --clip, --trim, --ridge).",
       run_ate});
}

}  // namespace causalattn_cli
