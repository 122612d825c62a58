// Graphs from attention matrices for Python: one head [n, n], a layer's heads [heads, n, n] or a
// whole stack [layers, heads, n, n] (its deepest layer), as PyTorch hands them over.

#include "causalattn/discovery/attention.hpp"

#include <optional>
#include <pybind11/stl.h>
#include <string>
#include <vector>

#include "arrays.hpp"
#include "bindings.hpp"
#include "graph_properties.hpp"

namespace causalattn::python {
namespace {

/// The heads of a [heads, n, n] array, or of the deepest layer of a [layers, heads, n, n] stack
/// (only that layer is converted), as double matrices, named `attn` in errors. O(heads n^2).
std::vector<Matrix<double>> head_matrices(const py::array& attn) {
  if (attn.dtype().kind() != 'f')
    throw invalid_input("attn", "has dtype " + std::string(py::str(attn.dtype())) + "; floating point is needed");
  if (attn.ndim() == 4 && attn.shape(0) == 0) throw invalid_input("attn", "has no layers");
  const py::array layer = attn.ndim() == 4 ? py::array(attn.attr("__getitem__")(-1)) : attn;
  const auto values = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(layer);
  const Index heads = Index(values.shape(0)), rows = Index(values.shape(1)), n = Index(values.shape(2));
  if (n == 0 || heads == 0 || rows != n) {
    throw invalid_input("attn", "has heads of shape (" + std::to_string(rows) + ", " + std::to_string(n) + ") and " +
                                    std::to_string(heads) + " heads; square heads are needed");
  }
  std::vector<Matrix<double>> out;
  for (Index h = 0; h < heads; ++h) {
    out.push_back(
        Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(values.data() + h * n * n, n,
                                                                                                 n));
  }
  return out;
}

/// Runs `f()`, reporting the C++ arguments under the Python names: "attention" is attn, head h
/// ("layer_heads[h]") attn[h] or, in a stack, attn[-1, h]; sample_size is samples.
template <class F>
auto naming_attn(F&& f, bool stack) {
  try {
    return f();
  } catch (const invalid_input& e) {
    if (e.argument().rfind("layer_heads[", 0) == 0) {
      throw invalid_input((stack ? "attn[-1, " : "attn[") + e.argument().substr(12), e.detail());
    }
    throw with_python_name(e, {{"attention", "attn"}, {"sample_size", "samples"}});
  }
}

py::object run_attention_graph(const py::array& attn, const std::optional<std::vector<Index>>& nodes,
                               const std::string& algorithm, double samples, double alpha, int max_depth,
                               const std::optional<std::vector<std::string>>& labels, int threads, double row_sum_tolerance) {
  AttentionGraphOptions options;
  options.algorithm = choice<AttentionAlgorithm>("algorithm", algorithm,
                                                 {{"fci", AttentionAlgorithm::fci}, {"pc", AttentionAlgorithm::pc}});
  options.sample_size = samples;
  options.alpha = alpha;
  options.max_depth = max_depth;
  options.threads = threads;
  options.row_sum_tolerance = row_sum_tolerance;
  if (nodes) options.nodes = *nodes;
  if (labels) options.labels = *labels;
  if (attn.ndim() == 2) {
    return with_matrix(attn, "attn", [&](const auto& a) {
      const AttentionGraph g = naming_attn(
          [&] {
            py::gil_scoped_release release;
            return attention_graph(a, options);
          },
          false);
      return py::cast(g);
    });
  }
  if (attn.ndim() != 3 && attn.ndim() != 4) {
    throw invalid_input("attn",
                        "has " + std::to_string(attn.ndim()) + " dimensions; use [n, n], [heads, n, n] or [layers, heads, n, n]");
  }
  const std::vector<Matrix<double>> heads = head_matrices(attn);
  HeadConsensus consensus = naming_attn(
      [&] {
        py::gil_scoped_release release;
        return head_consensus(heads, options);
      },
      attn.ndim() == 4);
  return py::cast(std::move(consensus));
}

}  // namespace

void bind_attention(py::module_& m) {
  py::class_<AttentionGraph> graph(m, "AttentionGraph", "The graph one attention head implies over the chosen tokens.");
  def_graph_properties(graph, &AttentionGraph::graph)
      .def_readonly("nodes", &AttentionGraph::nodes, "the token each node stands for")
      .def_readonly("tests", &AttentionGraph::tests, "CI tests run");
  py::class_<HeadConsensus>(m, "HeadConsensus", "One graph per head of the deepest layer, and how often heads agree.")
      .def_readonly("heads", &HeadConsensus::heads, "an AttentionGraph per head")
      .def_property_readonly(
          "edge_frequency", [](const HeadConsensus& c) { return to_numpy(c.edge_frequency); },
          "[i, j]: share of heads joining nodes i and j")
      .def_property_readonly(
          "arrowhead_frequency", [](const HeadConsensus& c) { return to_numpy(c.arrowhead_frequency); },
          "[i, j]: share of heads with an arrowhead at j on the edge i - j");

  m.def("attention_graph", &run_attention_graph, py::arg("attn"), py::kw_only(), py::arg("nodes") = py::none(),
        py::arg("algorithm") = "fci", py::arg("samples") = 768.0, py::arg("alpha") = 0.01, py::arg("max_depth") = -1,
        py::arg("labels") = py::none(), py::arg("threads") = 0, py::arg("row_sum_tolerance") = 1e-4,
        R"doc(The causal graph an attention matrix implies (A = (I - G)^-1 read as a linear SEM, Fisher z on
C = A A' with `samples` as the sample size, the embedding width). attn: [n, n] gives an
AttentionGraph; [heads, n, n] or [layers, heads, n, n] (a torch tensor's .numpy(); the deepest
layer is used) give a HeadConsensus with one graph per head and the edge and arrowhead
frequencies. nodes: the tokens the graph covers (the others are latent; default all);
algorithm: "fci" (a PAG, default) or "pc" (a CPDAG). Raises ValueError naming a bad argument
(rows not summing to 1, a singular matrix, ...).

Example: causalattn.attention_graph(attn[-1], nodes=[1, 2, 5], algorithm="pc").graph)doc");
}

}  // namespace causalattn::python
