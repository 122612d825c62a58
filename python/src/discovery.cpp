// pc and fci for Python: causal-learn's endpoint matrix out, the GIL released during the search.

#include <pybind11/stl.h>

#include "bindings.hpp"
#include "discovery_search.hpp"
#include "graph_properties.hpp"

namespace causalattn::python {
namespace {

/// {(x, y): [separating set]} over the non-adjacent pairs x < y.
py::dict sepsets(const DiscoveryResult& r) {
  py::dict out;
  for (Index x = 0; x < r.graph.size(); ++x)
    for (Index y = x + 1; y < r.graph.size(); ++y)
      if (!r.graph.adjacent(x, y)) out[py::make_tuple(x, y)] = py::cast(r.sepset(x, y));
  return out;
}

}  // namespace

void bind_discovery(py::module_& m) {
  py::class_<DiscoveryResult> result(m, "DiscoveryResult", "The graph a search returned, with its separating sets and p-values.");
  def_graph_properties(result, &DiscoveryResult::graph)
      .def_property_readonly("sepsets", &sepsets, "{(x, y): separating set} for every non-adjacent pair x < y")
      .def_property_readonly(
          "max_p_value", [](const DiscoveryResult& r) { return to_numpy(r.max_p_value); },
          "the largest p-value each pair's tests gave (0 where never tested)")
      .def_readonly("tests", &DiscoveryResult::tests, "CI tests run")
      .def_readonly("changing", &DiscoveryResult::changing,
                    "cdnod: the variables adjacent to the context, whose mechanism changes (empty for pc and fci)")
      .def("__repr__", [](const DiscoveryResult& r) {
        return "<causalattn.DiscoveryResult: " + std::to_string(r.graph.size()) + " nodes, " + std::to_string(r.tests) +
               " tests>";
      });

  m.def("pc", &run_pc, py::arg("data"), py::kw_only(), py::arg("alpha") = 0.05, py::arg("test") = "fisherz",
        py::arg("stable") = true, py::arg("uc_rule") = 0, py::arg("uc_priority") = -1, py::arg("max_depth") = -1,
        py::arg("names") = py::none(), py::arg("kci_width") = "empirical", py::arg("seed") = 0, py::arg("threads") = 0,
        R"doc(The PC algorithm on the columns of `data` (n x p, float64 or float32, any layout; read in
place by Fisher z). test: fisherz, gsq, chisq, kci, rcit or rcot; uc_rule / uc_priority as causal-learn's
(priority -1 = the rule's default); max_depth -1 = unlimited; seed for rcit/rcot; threads 0 = all
(results never depend on it). Returns a DiscoveryResult whose .graph equals causal-learn's
pc(data, alpha, test).G.graph. Raises ValueError naming a bad argument.

Example: causalattn.pc(x, alpha=0.01).graph)doc");

  m.def("cdnod", &run_cdnod, py::arg("data"), py::arg("context"), py::kw_only(), py::arg("alpha") = 0.05,
        py::arg("test") = "fisherz", py::arg("stable") = true, py::arg("uc_rule") = 0, py::arg("uc_priority") = -1,
        py::arg("max_depth") = -1, py::arg("names") = py::none(), py::arg("context_name") = "C",
        py::arg("kci_width") = "empirical", py::arg("seed") = 0, py::arg("threads") = 0,
        R"doc(CD-NOD on the columns of `data` (n x p) with `context` (n domain labels or time stamps) as the
exogenous node C, the last node of the graph: PC's skeleton over V u {C}, C -> V on every C - V
edge, then colliders and Meek's rules as pc. Options as pc; names are V's (C is context_name).
Returns a DiscoveryResult whose .graph equals causal-learn's cdnod(data, context, alpha, test).G.graph
and whose .changing lists the variables whose mechanism changes. Raises ValueError naming a bad
argument (a context with a single value, a row mismatch, ...).

Example: causalattn.cdnod(x, domain, test="kci").changing)doc");

  m.def("fci", &run_fci, py::arg("data"), py::kw_only(), py::arg("alpha") = 0.05, py::arg("test") = "fisherz",
        py::arg("stable") = true, py::arg("max_depth") = -1, py::arg("max_path_length") = -1, py::arg("names") = py::none(),
        py::arg("kci_width") = "empirical", py::arg("seed") = 0, py::arg("threads") = 0,
        R"doc(FCI on the columns of `data` (as pc). Returns a DiscoveryResult whose .graph is the PAG as
causal-learn's fci(data, fisherz, alpha)[0].graph. Raises ValueError naming a bad argument.

Example: causalattn.fci(x).graph)doc");
}

}  // namespace causalattn::python
