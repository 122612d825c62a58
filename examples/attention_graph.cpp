// Causal structure read from a bundled attention matrix (ABCD): data/attention/scm_attention.npy
// is the 8-token attention head that examples/attention_scm.cpp learned on a known SCM. PC reads
// the CPDAG of all tokens; FCI, with token T1 hidden, reads the PAG of the other seven, where T1's
// children T2 and T3 become confounded (T2 <-> T3). Both are printed beside the truth, which
// `dag_to_cpdag` / `dag_to_pag` compute from the SCM's DAG.
// Usage: causalattn_attention_graph [examples/data]
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "causalattn/discovery/attention.hpp"
#include "causalattn/discovery/dag_to_pag.hpp"
#include "causalattn/graph/cpdag.hpp"
#include "causalattn/io/npy.hpp"
#include "causalattn/io/tetrad.hpp"
#include "causalattn/metrics/graph_metrics.hpp"

namespace ca = causalattn;

namespace {

// The graph with node i renamed to `names[i]`, so graphs over the same tokens compare by name.
ca::Graph renamed(const ca::Graph& g, const std::vector<std::string>& names) {
  ca::Graph out(names);
  for (const auto& e : g.edges()) out.set_edge(e.a, e.b, e.at_a, e.at_b);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string data = argc > 1 ? argv[1] : "examples/data";
  try {
    const ca::Matrix<double> attention = ca::read_npy_matrix(data + "/attention/scm_attention.npy");
    ca::Graph dag(std::vector<std::string>{"T0", "T1", "T2", "T3", "T4", "T5", "T6", "T7"});
    for (const auto& [from, to] : {std::pair<int, int>{0, 1}, {1, 2}, {1, 3}, {2, 4}, {3, 4}, {4, 5}, {5, 7}, {6, 7}})
      dag.add_directed(from, to);
    ca::AttentionGraphOptions options;
    options.sample_size = 10240;  // the training set size of attention_scm (see its comment)
    options.algorithm = ca::AttentionAlgorithm::pc;
    const auto cpdag = ca::attention_graph(attention, options);
    std::cout << "PC over all tokens (" << cpdag.tests << " tests):\n" << ca::to_tetrad_text(cpdag.graph);
    const auto all_shd = ca::structural_hamming_distance(renamed(cpdag.graph, dag.names()), ca::dag_to_cpdag(dag));
    std::cout << "vs the true CPDAG: SHD " << all_shd << "\n\n";

    options.algorithm = ca::AttentionAlgorithm::fci;
    options.nodes = {0, 2, 3, 4, 5, 6, 7};  // T1 is latent
    const auto pag = ca::attention_graph(attention, options);
    const ca::Graph truth = ca::dag_to_pag(dag, {1});
    std::cout << "FCI with T1 hidden (" << pag.tests << " tests):\n" << ca::to_tetrad_text(pag.graph);
    std::cout << "true PAG of the marginal:\n" << ca::to_tetrad_text(truth);
    std::cout << "vs the true PAG: SHD " << ca::structural_hamming_distance(renamed(pag.graph, truth.names()), truth) << "\n";
  } catch (const std::exception& e) {
    std::cerr << "attention_graph: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
