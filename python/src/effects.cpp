// Treatment effects for Python: every estimator of estimate_effect, its interval, weights and
// diagnostics.

#include <pybind11/stl.h>
#include <string>

#include "arrays.hpp"
#include "bindings.hpp"
#include "causalattn/effects/estimate_effect.hpp"

namespace causalattn::python {
namespace {

/// The diagnostics as a dict of floats, ints and NumPy vectors.
py::dict diagnostics(const EffectEstimate& r) {
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

EffectEstimate run_ate(const py::array& x, const py::array& t, const py::array& y, const std::string& method,
                       const std::string& estimand, double confidence, double ridge, double clip, double trim, int folds,
                       int bootstrap, std::uint64_t seed, int threads, const std::string& model_path) {
  return python_names(
      [&] {
        EffectOptions options;
        options.estimand = choice<Estimand>("estimand", estimand, {{"ate", Estimand::ate}, {"att", Estimand::att}});
        options.confidence = confidence;
        options.ridge = ridge;
        options.clip = clip;
        options.trim = trim;
        options.folds = folds;
        options.bootstrap = bootstrap;
        options.seed = seed;
        options.threads = threads;
        const EffectMethod chosen = effect_method_from_name(method);
        const Vector<double> treatment = real_vector(t, "t"), outcome = real_vector(y, "y");
        // TreatmentData keeps views: the covariates are materialised first (column-major doubles), since a
        // view of a temporary evaluated for a row-major or float array would dangle.
        const Matrix<double> covariates = double_matrix(x, "X");
        const TreatmentData<double> data(covariates, treatment, outcome);
        py::gil_scoped_release release;
        if (chosen != EffectMethod::cina_zs || model_path.empty()) return estimate_effect(chosen, data, options);
        const auto model = CinaZsModel<float>::load_default(model_path);
        return estimate_effect(chosen, data, options, &model);
      },
      {{"x", "X"}, {"treatment", "t"}, {"outcome", "y"}});
}

}  // namespace

void bind_effects(py::module_& m) {
  py::class_<EffectEstimate>(m, "EffectEstimate", "An estimated treatment effect with its uncertainty and diagnostics.")
      .def_readonly("method", &EffectEstimate::method)
      .def_property_readonly("estimand", [](const EffectEstimate& r) { return r.estimand == Estimand::att ? "att" : "ate"; })
      .def_readonly("estimate", &EffectEstimate::estimate)
      .def_readonly("std_error", &EffectEstimate::std_error)
      .def_property_readonly(
          "ci", [](const EffectEstimate& r) { return py::make_tuple(r.ci_low, r.ci_high); }, "(low, high) at .confidence")
      .def_readonly("confidence", &EffectEstimate::confidence)
      .def_readonly("n_treated", &EffectEstimate::n_treated)
      .def_readonly("n_control", &EffectEstimate::n_control)
      .def_property_readonly(
          "weights",
          [](const EffectEstimate& r) -> py::object {
            if (r.weights.size() == 0) return py::none();
            return to_numpy(r.weights);
          },
          "per-unit weights (None for regression and AIPW)")
      .def_property_readonly("diagnostics", &diagnostics, "balance, effective sample sizes and overlap")
      .def_readonly("warnings", &EffectEstimate::warnings)
      .def_readonly("std_error_method", &EffectEstimate::std_error_method)
      .def("__repr__", [](const EffectEstimate& r) {
        return "<causalattn.EffectEstimate " + r.method + ": " + std::to_string(r.estimate) + " (s.e. " +
               std::to_string(r.std_error) + ")>";
      });

  m.def("_ate", &run_ate, py::arg("X"), py::arg("t"), py::arg("y"), py::kw_only(), py::arg("method") = "aipw",
        py::arg("estimand") = "ate", py::arg("confidence") = 0.95, py::arg("ridge") = 0.0, py::arg("clip") = 0.0,
        py::arg("trim") = 0.0, py::arg("folds") = 1, py::arg("bootstrap") = 0, py::arg("seed") = 20261122, py::arg("threads") = 0,
        py::arg("model_path") = "", "The C++ estimate_effect on arrays (see causalattn.ate, which also reads DataFrames).");
}

}  // namespace causalattn::python
