// Lagged (time-delayed) causal graphs for Python: the autoregressive transformer's attribution,
// PCMCI and Granger, as [lag, source, target] score arrays.

#include <optional>
#include <pybind11/stl.h>
#include <string>
#include <vector>

#include "arrays.hpp"
#include "bindings.hpp"
#include "causalattn/timeseries/ar_training.hpp"
#include "causalattn/timeseries/attribution.hpp"
#include "causalattn/timeseries/granger.hpp"
#include "causalattn/timeseries/pcmci.hpp"
#include "causalattn/timeseries/summary_graph.hpp"

namespace causalattn::python {
namespace {

/// What `lagged` returns: scores and, for the tests, p-values, each L x p x p, and the summary graph.
struct LaggedResult {
  LaggedScores scores;
  std::vector<Matrix<double>> p_value;  // per lag; empty for the transformer
  LaggedSummary summary;
};

/// L matrices p x p as one [L, p, p] array.
py::array_t<double> stacked(const std::vector<Matrix<double>>& lags) {
  const Index p = lags.empty() ? 0 : lags.front().rows();
  py::array_t<double> out({Index(lags.size()), p, p});
  auto view = out.mutable_unchecked<3>();
  for (std::size_t l = 0; l < lags.size(); ++l)
    for (Index s = 0; s < p; ++s)
      for (Index t = 0; t < p; ++t) view(Index(l), s, t) = lags[l](s, t);
  return out;
}

LaggedResult run_lagged(const py::array& x, Index max_lag, const std::string& method,
                        const std::optional<std::vector<std::string>>& names, int epochs, std::uint64_t seed, double pc_alpha,
                        int threads, const std::optional<double>& alpha, const std::optional<double>& threshold,
                        const std::optional<Index>& top_k) {
  SummaryGraphOptions rule;
  if (alpha) rule.alpha = *alpha;
  rule.threshold = threshold;
  rule.top_k = top_k;
  LaggedResult result = python_names([&]() -> LaggedResult {
    if (max_lag < 1) throw invalid_input("max_lag", "is " + std::to_string(max_lag) + ", must be >= 1");
    if (epochs < 0) throw invalid_input("epochs", "is " + std::to_string(epochs) + ", must be >= 0 (0 = the default)");
    const Matrix<double> series = double_matrix(x, "x");
    rule.validate(series.cols());
    const std::vector<std::string> labels = names ? *names : std::vector<std::string>{};
    enum class Method { transformer, pcmci, granger };
    const Method chosen = choice<Method>(
        "method", method, {{"transformer", Method::transformer}, {"pcmci", Method::pcmci}, {"granger", Method::granger}});
    if (alpha && (threshold || top_k)) throw invalid_input("alpha", "is set together with threshold or top_k; give one rule");
    if (alpha && chosen == Method::transformer) {
      throw invalid_input("alpha", "applies to method pcmci and granger (they have p-values); use threshold or top_k");
    }
    py::gil_scoped_release release;
    if (chosen == Method::granger) {
      GrangerResult r = granger(series, max_lag, labels);
      return {std::move(r.scores), std::vector<Matrix<double>>(std::size_t(max_lag), r.p_value), {}};
    }
    if (chosen == Method::pcmci) {
      PcmciOptions options;
      options.pc_alpha = pc_alpha;
      options.threads = threads;
      PcmciResult r = pcmci(series, max_lag, options, labels);
      return {std::move(r.scores), std::move(r.p_value), {}};
    }
    ArTrainingOptions options;
    options.model.max_lag = max_lag;
    options.model.threads = threads;
    if (epochs > 0) options.epochs = epochs;
    options.seed = options.model.seed = seed;
    return {lagged_attribution(fit_ar_transformer<float>(series, options), AttributionOptions{}, labels).scores, {}, {}};
  });
  result.summary = python_names([&] { return lagged_summary(result.scores, result.p_value, rule); });
  return result;
}

}  // namespace

void bind_timeseries(py::module_& m) {
  py::class_<LaggedResult>(m, "LaggedResult", "Lagged causal scores of a multivariate series.")
      .def_property_readonly(
          "scores", [](const LaggedResult& r) { return stacked(r.scores.lagged); },
          "[lag - 1, source, target]: the method's score of source(t - lag) -> target(t)")
      .def_property_readonly(
          "summary", [](const LaggedResult& r) { return to_numpy(r.summary.scores); },
          "[source, target]: the strongest score over the lags")
      .def_property_readonly(
          "graph", [](const LaggedResult& r) { return to_numpy(r.summary.graph); },
          "[source, target]: 1 for a link of the summary graph (see .rule), else 0")
      .def_property_readonly(
          "lag", [](const LaggedResult& r) { return to_numpy(r.summary.lag); },
          "[source, target]: the lag (1-based) of the strongest score")
      .def_property_readonly(
          "summary_p_values",
          [](const LaggedResult& r) -> py::object {
            if (r.summary.p_value.size() == 0) return py::none();
            return to_numpy(r.summary.p_value);
          },
          "[source, target]: the p-value at the strongest lag; None for the transformer")
      .def_property_readonly(
          "rule", [](const LaggedResult& r) { return r.summary.rule; }, "how .graph was decided, in words")
      .def_property_readonly(
          "p_values",
          [](const LaggedResult& r) -> py::object {
            if (r.p_value.empty()) return py::none();
            return stacked(r.p_value);
          },
          "[lag - 1, source, target] p-values (pcmci; granger's one F test per pair repeated over lags); None for the transformer")
      .def_property_readonly(
          "names", [](const LaggedResult& r) { return r.scores.names; }, "the variable names")
      .def_property_readonly(
          "method", [](const LaggedResult& r) { return r.scores.method; }, "transformer, pcmci or granger");

  m.def("lagged", &run_lagged, py::arg("x"), py::arg("max_lag"), py::kw_only(), py::arg("method") = "transformer",
        py::arg("names") = py::none(), py::arg("epochs") = 0, py::arg("seed") = 1, py::arg("pc_alpha") = 0.2,
        py::arg("threads") = 0, py::arg("alpha") = py::none(), py::arg("threshold") = py::none(), py::arg("top_k") = py::none(),
        R"doc(Time-delayed causal scores of the series `x` (T x p, rows in time order) up to `max_lag`.
method: "transformer" (an autoregressive transformer trained on x, seeded; its input-gradient
attribution; epochs 0 = the C++ default), "pcmci" (PC1 then MCI with partial correlation;
pc_alpha for PC1) or "granger" (VAR F tests). The summary graph's links: scores >= threshold, or
each target's top_k strongest sources, or (default) p < alpha (default 0.05) for pcmci and granger
and, for the transformer, sources scoring at least half the target's strongest. Returns a LaggedResult with
.scores [L, p, p], .p_values (None for the transformer), .summary [p, p] (the strongest lag's
score), .lag, .summary_p_values, .graph, .rule, .names. Raises ValueError naming a bad argument.

Example: causalattn.lagged(x, 3, method="pcmci").summary)doc");
}

}  // namespace causalattn::python
