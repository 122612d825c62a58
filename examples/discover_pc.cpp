// PC on the bundled causal-learn linear_10 sample: prints the CPDAG, compares it with the true
// DAG's CPDAG, writes pc.dot, and renders pc.png when Graphviz's `dot` is on the PATH.
// Usage: causalattn_discover_pc [examples/data] [output directory]
#include <cstdlib>
#include <iostream>
#include <string>

#include "causalattn/discovery/pc.hpp"
#include "causalattn/graph/cpdag.hpp"
#include "causalattn/io/csv.hpp"
#include "causalattn/io/dot.hpp"
#include "causalattn/io/tetrad.hpp"
#include "causalattn/metrics/graph_metrics.hpp"

namespace ca = causalattn;

int main(int argc, char** argv) {
  const std::string data = argc > 1 ? argv[1] : "examples/data";
  const std::string out = argc > 2 ? argv[2] : ".";
  try {
    const auto table = ca::read_csv<double>(data + "/causal-learn/data_linear_10.txt");
    const ca::FisherZTest test(table.data);
    ca::PcOptions options;
    options.alpha = 0.05;
    const auto result = ca::pc(test, table.names, options);
    std::cout << ca::to_tetrad_text(result.cpdag);
    const auto truth = ca::dag_to_cpdag(ca::read_tetrad(data + "/causal-learn/graph.10.txt"));
    const auto adjacency = ca::adjacency_confusion(result.cpdag, truth);
    const auto arrows = ca::arrowhead_confusion(result.cpdag, truth);
    std::cout << "\n" << result.tests << " CI tests in " << result.seconds_skeleton + result.seconds_orientation << " s\n"
              << "vs the true CPDAG: SHD " << ca::structural_hamming_distance(result.cpdag, truth) << ", adjacency precision "
              << adjacency.precision() << " recall " << adjacency.recall() << ", arrowhead precision " << arrows.precision()
              << " recall " << arrows.recall() << "\n";
    const std::string dot_path = out + "/pc.dot";
    ca::write_dot(dot_path, result.cpdag);
    std::cout << "wrote " << dot_path << "\n";
    if (std::system("command -v dot >/dev/null 2>&1") == 0) {
      const std::string png = out + "/pc.png";
      if (std::system(("dot -Tpng '" + dot_path + "' -o '" + png + "'").c_str()) == 0) std::cout << "rendered " << png << "\n";
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "discover_pc: " << e.what() << "\n";
    return 2;
  }
}
