// causalattn demo: the four jobs on bundled public data, in well under a minute.
//  1. Treatment effects on LaLonde's PSID sample: the classic estimators and the zero-shot model,
//     with intervals and balance, against the experimental benchmark ($1794).
//  2. PC on two causal-learn benchmarks (chi-square on bnlearn's ASIA, Fisher z on linear_10),
//     against the true graphs.
//  3. A PAG read from a bundled attention head with one token hidden, against the true PAG.
//  4. A lagged graph of a bundled Lorenz-96 series by Granger, PCMCI and the AR transformer, with
//     each method's AUROC against the known links.
// Run it with `cmake --workflow --preset demo`, or as `causalattn_demo <examples/data>`.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "causalattn.hpp"

namespace ca = causalattn;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The graph with node i renamed to `names[i]`, so graphs over the same nodes compare by name.
ca::Graph renamed(const ca::Graph& g, const std::vector<std::string>& names) {
  ca::Graph out(names);
  for (const auto& e : g.edges()) out.set_edge(e.a, e.b, e.at_a, e.at_b);
  return out;
}

void treatment_effects(const std::string& data) {
  const double experimental = 1794.34;  // NSW experiment: treated minus randomised controls
  const std::vector<std::string> covariates = {"age", "educ", "black", "hisp", "married", "nodegree", "re74", "re75"};
  ca::CsvOptions columns;
  columns.columns = {"treat", "re78"};
  columns.columns.insert(columns.columns.end(), covariates.begin(), covariates.end());
  const auto psid = ca::read_csv<double>(data + "/lalonde/lalonde_dw_psid.csv", columns);
  const ca::Matrix<double> x = psid.data.rightCols(8);
  const ca::Vector<double> t = psid.data.col(0), y = psid.data.col(1);
  const ca::TreatmentData<double> units(x, t, y);
  ca::EffectOptions att;
  att.estimand = ca::Estimand::att;
  std::printf("1. Job training (LaLonde, PSID controls): effect on the treated's 1978 earnings, 8 covariates\n");
  std::printf("   the randomised experiment says $%.0f\n", experimental);
  std::printf("   %-20s %9s %23s %9s %12s\n", "method", "estimate", "95% interval", "|SMD|max", "error");
  const auto model = ca::CinaZsModel<float>::load_default();
  const std::pair<const char*, ca::EffectMethod> methods[] = {
      {"difference in means", ca::EffectMethod::naive}, {"OLS", ca::EffectMethod::ols},
      {"IPW", ca::EffectMethod::ipw},                   {"AIPW", ca::EffectMethod::aipw},
      {"entropy balancing", ca::EffectMethod::ebal},    {"kernel balancing", ca::EffectMethod::balance},
      {"CInA-ZS (zero-shot)", ca::EffectMethod::cina_zs}};
  for (const auto& [label, method] : methods) {
    const auto r = ca::estimate_effect(method, units, att, &model);
    const auto& smd = r.diagnostics.smd_after.size() ? r.diagnostics.smd_after : r.diagnostics.smd_before;
    std::printf("   %-20s %9.0f [%9.0f, %9.0f] %9.3f %12.0f\n", label, r.estimate, r.ci_low, r.ci_high, smd.cwiseAbs().maxCoeff(),
                r.estimate - experimental);
  }
  std::printf("   (|SMD|max: largest standardised mean difference after weighting; before, for OLS and AIPW)\n\n");
  std::cout << ca::effect_summary(ca::entropy_balancing(units, att), covariates, "   entropy balancing in full") << "\n";
}

void discovery(const std::string& data) {
  std::printf("2. PC on causal-learn's benchmarks, against the true graphs\n");
  const auto asia = ca::read_csv<double>(data + "/causal-learn/bnlearn/data/asia.txt");
  const ca::DiscreteCiTest chi_square(asia.data, ca::DiscreteStatistic::chi_square);
  const auto asia_pc = ca::pc(chi_square, asia.names);
  const ca::Graph asia_truth = ca::read_tetrad(data + "/causal-learn/bnlearn/truth/asia.graph.txt");
  std::printf("   ASIA (8 variables, 10000 samples, chi-square): %lld edges, SHD %lld to the true CPDAG; the same matrix\n"
              "   as causal-learn's pc()\n",
              static_cast<long long>(asia_pc.cpdag.edge_count()),
              static_cast<long long>(ca::structural_hamming_distance(renamed(asia_pc.cpdag, asia_truth.names()), ca::dag_to_cpdag(asia_truth))));
  std::cout << ca::to_tetrad_text(asia_pc.cpdag);
  const auto linear = ca::read_csv<double>(data + "/causal-learn/data_linear_10.txt");
  const ca::FisherZTest fisher(linear.data, ca::PValueConvention::causal_learn);
  const auto start = std::chrono::steady_clock::now();
  const auto linear_pc = ca::pc(fisher, linear.names);
  const double took = seconds_since(start);
  const ca::Graph truth = ca::read_tetrad(data + "/causal-learn/graph.10.txt");
  const auto accuracy = ca::adjacency_confusion(renamed(linear_pc.cpdag, truth.names()), ca::dag_to_cpdag(truth));
  std::printf("   linear_10 (20 variables, 10000 samples, Fisher z): %lld edges in %.1f ms, SHD %lld to the true CPDAG,\n"
              "   adjacency precision %.2f, recall %.2f\n\n",
              static_cast<long long>(linear_pc.cpdag.edge_count()), 1000 * took,
              static_cast<long long>(ca::structural_hamming_distance(renamed(linear_pc.cpdag, truth.names()), ca::dag_to_cpdag(truth))),
              accuracy.precision(), accuracy.recall());
}

void attention(const std::string& data) {
  std::printf("3. A PAG read from an attention head (examples/data/attention: 8 tokens learned on a known SCM)\n");
  const auto stack = ca::attention_stack(ca::read_npy<double>(data + "/attention/scm_attention.npy"));
  ca::Graph dag(std::vector<std::string>{"T0", "T1", "T2", "T3", "T4", "T5", "T6", "T7"});
  for (const auto& [from, to] : {std::pair<int, int>{0, 1}, {1, 2}, {1, 3}, {2, 4}, {3, 4}, {4, 5}, {5, 7}, {6, 7}})
    dag.add_directed(from, to);
  ca::AttentionGraphOptions options;
  options.sample_size = 10240;  // the training set size of examples/attention_scm.cpp
  options.nodes = {0, 2, 3, 4, 5, 6, 7};  // token T1 hidden: its children T2, T3 become confounded
  const auto pag = ca::attention_graph(stack.back().front(), options);
  const ca::Graph truth = ca::dag_to_pag(dag, {1});
  std::printf("   FCI with T1 latent (%lld tests), SHD %lld to the true PAG of the other seven tokens:\n", pag.tests,
              static_cast<long long>(ca::structural_hamming_distance(renamed(pag.graph, truth.names()), truth)));
  std::cout << ca::to_tetrad_text(pag.graph) << "\n";
}

void lagged(const std::string& data) {
  std::printf("4. Time-delayed links of a Lorenz-96 series (examples/data/lorenz96: p = 6, T = 400)\n");
  const auto series = ca::read_csv<double>(data + "/lorenz96/lorenz96_p6_T400.csv");
  const ca::Index p = series.data.cols(), max_lag = 2;
  ca::LaggedGraph truth(series.names, max_lag);  // x_i(t) depends on x_i-2, x_i-1, x_i+1 and itself at t - 1
  for (ca::Index i = 0; i < p; ++i)
    for (ca::Index source : {(i + p - 2) % p, (i + p - 1) % p, (i + 1) % p, i}) truth.set_link(source, i, 1);
  ca::ArTrainingOptions training;
  training.model.max_lag = max_lag;
  training.epochs = 20;
  std::printf("   %-26s %7s %8s\n", "method", "AUROC", "seconds");
  auto report = [&](const char* label, const ca::LaggedScores& scores, double seconds) {
    std::printf("   %-26s %7.3f %8.2f\n", label, ca::summary_graph_accuracy(scores.summary(), truth, true).auroc, seconds);
  };
  auto start = std::chrono::steady_clock::now();
  const auto granger = ca::granger(series.data, max_lag, series.names);
  report("Granger", granger.scores, seconds_since(start));
  start = std::chrono::steady_clock::now();
  const auto pcmci = ca::pcmci(series.data, max_lag, {}, series.names);
  report("PCMCI", pcmci.scores, seconds_since(start));
  start = std::chrono::steady_clock::now();
  const auto fit = ca::fit_ar_transformer<float>(series.data, training);
  report("AR transformer (gradients)", ca::lagged_attribution(fit, {}, series.names).scores, seconds_since(start));
  std::printf("   (AUROC of the summary graph over all source-target pairs, self-links included; seeds fixed)\n");
}

}  // namespace

int main(int argc, char** argv) {
  const std::string data = argc > 1 ? argv[1] : "examples/data";
  try {
    const auto start = std::chrono::steady_clock::now();
    std::cout << "causalattn " << ca::version_string() << " demo, data from " << data << "\n\n";
    treatment_effects(data);
    discovery(data);
    attention(data);
    lagged(data);
    std::printf("\ndemo done in %.1f s\n", seconds_since(start));
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "demo: " << e.what() << "\n";
    return 2;
  }
}
