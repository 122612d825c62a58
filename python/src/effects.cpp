// Treatment effects for Python: every estimator of estimate_effect, its interval, weights and
// diagnostics, and the estimate's sensitivity to an omitted confounder and refutation tests.

#include <memory>
#include <pybind11/stl.h>
#include <string>
#include <vector>

#include "arrays.hpp"
#include "bindings.hpp"
#include "causalattn/effects/estimate_effect.hpp"
#include "causalattn/effects/refutation.hpp"
#include "causalattn/effects/sensitivity.hpp"

namespace causalattn::python {
namespace {

using namespace pybind11::literals;

/// An estimate with the data, options and model that produced it, so that `.sensitivity()` and
/// `.refute()` can be asked of it later.
struct AteResult : EffectEstimate {
  Matrix<double> x;                                 ///< the covariates (column-major copy)
  Vector<double> t, y;                              ///< treatment and outcome
  std::vector<std::string> names;                   ///< the covariates' names
  EffectOptions options;                            ///< the options of the estimate
  EffectMethod estimator = EffectMethod::aipw;      ///< the method, as an enum
  std::shared_ptr<const CinaZsModel<float>> model;  ///< cina-zs's model; null for the others

  /// A view of the stored data (valid while this result lives).
  TreatmentData<double> data() const { return {x, t, y}; }
  /// The estimator of this result on other data (a refutation's altered copies).
  EffectEstimate estimate_on(const TreatmentData<double>& d, const EffectOptions& o) const {
    return estimate_effect(estimator, d, o, model.get());
  }
};

/// The diagnostics as a dict of floats, ints and NumPy vectors.
py::dict diagnostics(const AteResult& r) {
  const auto& d = r.diagnostics;
  const auto optional = [](const std::optional<double>& v) { return v ? py::cast(*v) : py::none(); };
  py::dict out;
  out["smd_before"] = to_numpy(d.smd_before);
  out["smd_after"] = to_numpy(d.smd_after);
  out["variance_ratio_before"] = to_numpy(d.variance_ratio_before);
  out["variance_ratio_after"] = to_numpy(d.variance_ratio_after);
  out["ess_treated"] = optional(d.ess_treated);
  out["ess_control"] = optional(d.ess_control);
  out["max_weight"] = optional(d.max_weight);
  out["converged"] = r.status.converged;
  out["iterations"] = r.status.iterations;
  out["overlap_available"] = d.overlap.available;
  out["propensity_range_treated"] = py::make_tuple(d.overlap.min_treated, d.overlap.max_treated);
  out["propensity_range_control"] = py::make_tuple(d.overlap.min_control, d.overlap.max_control);
  out["share_outside_0.05_0.95"] = d.overlap.share_outside;
  out["crump_threshold"] = d.overlap.crump_threshold;
  return out;
}

/// Column `entry` (a name in `names` or a 0-based index) of the covariates, for `benchmarks`.
Index covariate_column(const py::handle& entry, const std::vector<std::string>& names) {
  if (py::isinstance<py::str>(entry)) {
    const std::string name = entry.cast<std::string>();
    for (std::size_t j = 0; j < names.size(); ++j)
      if (names[j] == name) return Index(j);
    throw invalid_input("benchmarks", "names '" + name + "', which is not one of the covariates");
  }
  if (!py::isinstance<py::int_>(entry) || py::isinstance<py::bool_>(entry)) {
    throw invalid_input("benchmarks", "has an entry of type " + std::string(py::str(py::type::of(entry).attr("__name__"))) +
                                          "; use a covariate's name, its index or a (label, [columns]) pair");
  }
  const auto j = entry.cast<long long>();
  if (j < 0 || j >= (long long)names.size()) {
    throw invalid_input("benchmarks",
                        "names column " + std::to_string(j) + "; the data have " + std::to_string(names.size()) + " covariates");
  }
  return Index(j);
}

/// The benchmarks of `sensitivity`: each entry a covariate (name or index) or a (label, [columns])
/// pair for a group of columns (a categorical variable's dummies) bounded together.
std::vector<BenchmarkCovariate> benchmark_covariates(const py::list& entries, const std::vector<std::string>& names) {
  std::vector<BenchmarkCovariate> out;
  for (const auto& entry : entries) {
    if (py::isinstance<py::tuple>(entry) && py::len(entry) == 2 && py::isinstance<py::str>(entry.cast<py::tuple>()[0])) {
      const auto pair = entry.cast<py::tuple>();
      BenchmarkCovariate group{pair[0].cast<std::string>(), {}};
      if (py::isinstance<py::str>(pair[1]) || py::isinstance<py::int_>(pair[1])) {
        group.columns.push_back(covariate_column(pair[1], names));
      } else {
        for (const auto& column : pair[1].cast<py::iterable>()) group.columns.push_back(covariate_column(column, names));
      }
      out.push_back(std::move(group));
    } else {
      const Index j = covariate_column(entry, names);
      out.push_back({names[std::size_t(j)], {j}});
    }
  }
  return out;
}

/// The Cinelli-Hazlett sensitivity of OLS Y ~ 1 + T + X and the estimate's E-values, as the CLI's
/// `ate --sensitivity --format json` reports them.
py::dict sensitivity(const AteResult& r, double q, const std::optional<double>& alpha, const py::list& benchmarks,
                     const std::vector<double>& multiples) {
  return python_names([&] {
    SensitivityOptions options;
    options.q = q;
    options.alpha = alpha ? *alpha : 1 - r.confidence;
    options.benchmarks = benchmark_covariates(benchmarks, r.names);
    options.multiples = multiples;
    const TreatmentData<double> data = r.data();
    std::optional<OmittedVariableSensitivity> fitted;
    std::optional<EValue> evalued;
    {
      py::gil_scoped_release release;
      fitted = omitted_variable_sensitivity(data, options);
      evalued = e_value(r, data);
    }
    const OmittedVariableSensitivity& s = *fitted;
    const EValue& e = *evalued;
    py::list bounds;
    for (const auto& b : s.bounds) {
      bounds.append(py::dict("benchmark"_a = b.benchmark, "k"_a = b.multiple, "r2_treatment"_a = b.r2_treatment,
                             "r2_outcome"_a = b.r2_outcome, "adjusted_estimate"_a = b.adjusted_estimate,
                             "adjusted_std_error"_a = b.adjusted_std_error, "adjusted_t"_a = b.adjusted_t, "ci_low"_a = b.ci_low,
                             "ci_high"_a = b.ci_high));
    }
    const py::dict regression("estimate"_a = s.estimate, "std_error"_a = s.std_error, "t"_a = s.t_statistic, "dof"_a = s.dof,
                              "partial_r2"_a = s.partial_r2, "rv_q"_a = s.robustness_value,
                              "rv_q_alpha"_a = s.robustness_value_alpha, "q"_a = s.q, "alpha"_a = s.alpha, "bounds"_a = bounds,
                              "warnings"_a = s.warnings);
    const py::dict evalue("scale"_a = e.scale, "risk_ratio"_a = e.risk_ratio, "point"_a = e.point, "interval"_a = e.interval);
    return py::dict("omitted_variable_bias"_a = regression, "e_value"_a = evalue);
  });
}

/// The refutation tests of the estimate, as the CLI's `ate --refute --format json` reports them
/// (estimates and standard errors as NumPy arrays).
py::dict refute(const AteResult& r, const std::optional<std::vector<std::string>>& tests, int simulations, double subset_fraction,
                double alpha, const std::optional<std::uint64_t>& seed, const std::optional<int>& threads,
                const std::optional<double>& max_seconds) {
  return python_names(
      [&] {
        RefutationOptions options;
        if (tests) {
          options.kinds.clear();
          for (const auto& name : *tests) options.kinds.push_back(refutation_kind_from_name(name, "tests"));
        }
        options.simulations = simulations;
        options.subset_fraction = subset_fraction;
        options.alpha = alpha;
        options.seed = seed ? *seed : r.options.seed;  // by default the estimate's, as the tool's ate --refute
        options.threads = threads ? *threads : r.options.threads;
        options.max_seconds = max_seconds ? *max_seconds : r.options.max_seconds;
        const RefutationReport report = [&] {
          py::gil_scoped_release release;
          return refute_estimate(
              r.data(), [&r](const TreatmentData<double>& d, const EffectOptions& o) { return r.estimate_on(d, o); }, r,
              r.options, options);
        }();
        py::list rows;
        for (const auto& test : report.tests) {
          rows.append(
              py::dict("test"_a = refutation_kind_name(test.kind), "requested"_a = test.requested,
                       "finished"_a = test.estimates.size(), "failed"_a = test.failed, "mean"_a = test.mean, "sd"_a = test.sd,
                       "zero_coverage"_a = test.zero_coverage, "p_value"_a = test.p_value ? py::cast(*test.p_value) : py::none(),
                       "passed"_a = test.passed, "verdict"_a = test.verdict,
                       "estimates"_a = py::array_t<double>(py::ssize_t(test.estimates.size()), test.estimates.data()),
                       "std_errors"_a = py::array_t<double>(py::ssize_t(test.std_errors.size()), test.std_errors.data())));
        }
        return py::dict("estimate"_a = report.estimate, "std_error"_a = report.std_error, "seed"_a = report.seed,
                        "seconds"_a = report.seconds, "budget_ran_out"_a = report.budget_ran_out, "tests"_a = rows);
      },
      {{"options.kinds", "tests"}});
}

/// `_ate`: the estimate of `method` on (X, t, y) with its data kept for `.sensitivity()` and `.refute()`.
AteResult run_ate(const py::array& x, const py::array& t, const py::array& y, const std::string& method,
                  const std::string& estimand, double confidence, double ridge, double clip, double trim, int folds,
                  int bootstrap, std::uint64_t seed, int threads, const std::string& model_path,
                  const std::optional<std::vector<std::string>>& names) {
  return python_names(
      [&] {
        AteResult r;
        r.options.estimand = choice<Estimand>("estimand", estimand, {{"ate", Estimand::ate}, {"att", Estimand::att}});
        r.options.confidence = confidence;
        r.options.ridge = ridge;
        r.options.clip = clip;
        r.options.trim = trim;
        r.options.folds = folds;
        r.options.bootstrap = bootstrap;
        r.options.seed = seed;
        r.options.threads = threads;
        r.estimator = effect_method_from_name(method);
        r.t = real_vector(t, "t");
        r.y = real_vector(y, "y");
        r.x = double_matrix(x, "X");
        if (names && Index(names->size()) != r.x.cols()) {
          throw invalid_input("covariates", "has " + std::to_string(names->size()) + " names for the " +
                                                std::to_string(r.x.cols()) + " columns of X");
        }
        r.names = names ? *names : std::vector<std::string>{};
        for (Index j = Index(r.names.size()); j < r.x.cols(); ++j) r.names.push_back("x" + std::to_string(j));
        const TreatmentData<double> data = r.data();
        py::gil_scoped_release release;
        if (r.estimator == EffectMethod::cina_zs && !model_path.empty()) {
          r.model = std::make_shared<const CinaZsModel<float>>(CinaZsModel<float>::load_default(model_path));
        }
        static_cast<EffectEstimate&>(r) = r.estimate_on(data, r.options);
        return r;
      },
      {{"x", "X"}, {"treatment", "t"}, {"outcome", "y"}});
}

}  // namespace

void bind_effects(py::module_& m) {
  py::class_<AteResult>(m, "EffectEstimate", "An estimated treatment effect with its uncertainty and diagnostics.")
      .def_readonly("method", &EffectEstimate::method)
      .def_property_readonly("estimand", [](const AteResult& r) { return r.estimand == Estimand::att ? "att" : "ate"; })
      .def_readonly("estimate", &EffectEstimate::estimate)
      .def_readonly("std_error", &EffectEstimate::std_error)
      .def_property_readonly(
          "ci", [](const AteResult& r) { return py::make_tuple(r.ci_low, r.ci_high); }, "(low, high) at .confidence")
      .def_readonly("confidence", &EffectEstimate::confidence)
      .def_readonly("n_treated", &EffectEstimate::n_treated)
      .def_readonly("n_control", &EffectEstimate::n_control)
      .def_property_readonly(
          "weights",
          [](const AteResult& r) -> py::object {
            if (r.weights.size() == 0) return py::none();
            return to_numpy(r.weights);
          },
          "per-unit weights (None for regression and AIPW)")
      .def_property_readonly("diagnostics", &diagnostics, "balance, effective sample sizes and overlap")
      .def_readonly("warnings", &EffectEstimate::warnings)
      .def_readonly("std_error_method", &EffectEstimate::std_error_method)
      .def_readonly("covariates", &AteResult::names, "the covariates' names (x0, x1, ... for arrays)")
      .def("sensitivity", &sensitivity, py::kw_only(), py::arg("q") = 1.0, py::arg("alpha") = py::none(),
           py::arg("benchmarks") = py::list(), py::arg("multiples") = std::vector<double>{1, 2, 3},
           R"doc(How strong an omitted confounder would have to be to explain the effect away.
Cinelli and Hazlett's omitted-variable bounds of OLS Y ~ 1 + T + X (whatever the method): the
robustness values RV_q and RV_{q,alpha} (alpha defaults to 1 - confidence), and for each benchmark
and multiple k the estimate once a confounder k times as strong as the benchmark is adjusted for;
with the E-values of this estimate. benchmarks: covariate names or indices, or (label, [columns])
pairs for a group bounded together. Returns {"omitted_variable_bias": {...}, "e_value": {...}}, the
CLI's `ate --sensitivity --format json` keys.

Example: r.sensitivity(benchmarks=["re74"])["omitted_variable_bias"]["rv_q"])doc")
      .def("refute", &refute, py::kw_only(), py::arg("tests") = py::none(), py::arg("simulations") = 100,
           py::arg("subset_fraction") = 0.8, py::arg("alpha") = 0.05, py::arg("seed") = py::none(),
           py::arg("threads") = py::none(), py::arg("max_seconds") = py::none(),
           R"doc(Refutation tests of the estimate: the same method on `simulations` altered copies of the data.
tests: any of "placebo-treatment", "random-common-cause", "data-subset", "dummy-outcome" (default
all). seed, threads and max_seconds default to the estimate's (as the tool's `ate --refute`);
results do not depend on threads. Returns {"estimate", "std_error", "seed", "seconds",
"budget_ran_out", "tests": [{"test", "p_value", "passed", "verdict", "estimates", ...}]}: the
tool's `ate --refute --format json` report, with the seed as an int and each test's estimates and
std_errors as NumPy arrays.

Example: [t["verdict"] for t in r.refute(simulations=50)["tests"]])doc")
      .def("__repr__", [](const AteResult& r) {
        return "<causalattn.EffectEstimate " + r.method + ": " + std::to_string(r.estimate) + " (s.e. " +
               std::to_string(r.std_error) + ")>";
      });

  m.def("_ate", &run_ate, py::arg("X"), py::arg("t"), py::arg("y"), py::kw_only(), py::arg("method") = "aipw",
        py::arg("estimand") = "ate", py::arg("confidence") = 0.95, py::arg("ridge") = 0.0, py::arg("clip") = 0.0,
        py::arg("trim") = 0.0, py::arg("folds") = 1, py::arg("bootstrap") = 0, py::arg("seed") = 20261122, py::arg("threads") = 0,
        py::arg("model_path") = "", py::arg("names") = py::none(),
        "The C++ estimate_effect on arrays (see causalattn.ate, which also reads DataFrames).");
}

}  // namespace causalattn::python
