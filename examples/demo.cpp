// causalattn demo: loads the bundled public datasets and prints what the library can say about them
// today. Run it with `cmake --workflow --preset demo`, or as `causalattn_demo <examples/data>`.
#include <cmath>
#include <iomanip>
#include <iostream>
#include <string>

#include "causalattn.hpp"

namespace ca = causalattn;

int main(int argc, char** argv) {
  const std::string data = argc > 1 ? argv[1] : "examples/data";
  try {
    std::cout << "causalattn " << ca::version_string() << " demo, data from " << data << "\n\n";

    // 1. The NSW job-training experiment (Dehejia-Wahba sample of LaLonde's data).
    ca::CsvOptions options;
    options.columns = {"treat", "re78"};
    const auto nsw = ca::read_csv<double>(data + "/lalonde/lalonde_nsw_dw.csv", options);
    const auto treat = nsw.data.col(0).array(), earnings = nsw.data.col(1).array();
    const double n1 = treat.sum(), n0 = static_cast<double>(nsw.data.rows()) - n1;
    const double mean1 = (treat * earnings).sum() / n1, mean0 = ((1 - treat) * earnings).sum() / n0;
    // Heteroskedasticity-robust (HC0) standard error of a difference in means.
    const double var1 = (treat * (earnings - mean1).square()).sum() / n1;
    const double var0 = ((1 - treat) * (earnings - mean0).square()).sum() / n0;
    const double se = std::sqrt(var1 / n1 + var0 / n0);
    std::cout << std::fixed << std::setprecision(2) << "LaLonde NSW experiment: " << static_cast<int>(n1)
              << " treated, " << static_cast<int>(n0) << " controls\n  1978 earnings: treated $" << mean1 << ", controls $" << mean0
              << "\n  experimental effect of job training: $" << mean1 - mean0 << " (HC0 s.e. $" << se << ")\n\n";

    // 2. The causal-learn benchmark graph and its Markov equivalence class.
    const auto truth = ca::read_tetrad(data + "/causal-learn/graph.10.txt");
    const auto cpdag = ca::dag_to_cpdag(truth);
    ca::Index undirected = 0;
    for (const auto& e : cpdag.edges()) undirected += cpdag.is_undirected(e.a, e.b) ? 1 : 0;
    std::cout << "causal-learn linear_10 true DAG: " << truth.size() << " variables, " << truth.edge_count()
              << " edges; its CPDAG leaves " << undirected << " edges undirected\n";
    const auto linear = ca::read_csv<double>(data + "/causal-learn/data_linear_10.txt");
    std::cout << "  samples: " << linear.data.rows() << " x " << linear.data.cols() << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "demo: " << e.what() << "\n";
    return 2;
  }
}
