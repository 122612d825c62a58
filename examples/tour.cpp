// The README's module tour as one program: every snippet in the README is compiled and run here
// (ctest runs it as the test "tour"), so the documentation cannot drift from the API.
#include <algorithm>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

#include "causalattn.hpp"

namespace ca = causalattn;

int main(int argc, char** argv) {
  const std::string data = argc > 1 ? argv[1] : "examples/data";

  // --- core: errors that name the argument and the offending entry
  ca::Matrix<double> x = ca::Matrix<double>::Ones(3, 2);
  x(2, 1) = std::numeric_limits<double>::quiet_NaN();
  try {
    ca::check_finite("x", x);
  } catch (const ca::invalid_input& e) {
    std::cout << e.what() << "\n";  // causalattn: x: non-finite value nan at row 2, column 1
  }
  ca::Rng rng(42);  // portable: the same draws on every platform
  ca::Matrix<float> noise = ca::normal_matrix<float>(100, 3, rng);

  // --- io: tables
  ca::CsvOptions options;
  options.columns = {"treat", "re78"};
  auto nsw = ca::read_csv<double>(data + "/lalonde/lalonde_nsw_dw.csv", options);
  std::cout << nsw.data.rows() << " rows, columns " << nsw.names[0] << ", " << nsw.names[1] << "\n";

  // --- graph: marks, CPDAGs, lagged graphs
  ca::Graph dag({"smoking", "tar", "cancer", "genes"});
  dag.add_directed(0, 1);  // smoking --> tar
  dag.add_directed(1, 2);  // tar --> cancer
  dag.add_directed(3, 2);  // genes --> cancer: a v-structure at cancer
  ca::Graph cpdag = ca::dag_to_cpdag(dag);
  std::cout << ca::to_tetrad_text(cpdag);  // smoking --- tar, tar --> cancer, genes --> cancer
  ca::LaggedGraph lagged(3, 2);
  lagged.set_link(0, 1, 2);  // X1(t-2) --> X2(t)

  // --- io: graph files in every peer's format
  ca::Graph truth = ca::read_tetrad(data + "/causal-learn/graph.10.txt");
  ca::IntMatrix cl = ca::to_causal_learn_matrix(truth);            // causal-learn G.graph
  ca::IntMatrix amat = ca::to_pcalg_amat(truth, ca::AmatType::pag);  // pcalg amat
  std::string dot = ca::format_graph(truth, ca::GraphFormat::dot);   // Graphviz
  std::cout << cl.rows() << "x" << amat.cols() << " matrices, " << dot.size() << " bytes of DOT\n";

  // --- io: NumPy arrays (attention matrices and data from Python)
  ca::Matrix<double> a = ca::normal_matrix<double>(4, 4, rng);
  std::string bytes = ca::to_npy(a);
  ca::Matrix<double> back = ca::npy_to_matrix(ca::parse_npy<double>(bytes));

  // --- metrics: compare an estimate with the truth
  ca::Graph estimate = ca::dag_to_cpdag(truth);
  std::cout << "SHD(CPDAG, DAG) = " << ca::structural_hamming_distance(estimate, truth)
            << ", arrowhead precision = " << ca::arrowhead_confusion(estimate, truth).precision() << "\n";
  std::vector<double> scores{0.1, 0.4, 0.35, 0.8};
  std::vector<int> labels{0, 0, 1, 1};
  std::cout << "AUROC " << ca::auroc(scores, labels) << ", AUPRC " << ca::auprc(scores, labels) << "\n";
  // --- kernels: attention without the n x n matrix
  ca::Matrix<float> tokens = ca::normal_matrix<float>(4096, 64, rng);
  ca::AttentionOptions attention;
  attention.causal = true;
  auto forward = ca::attention_forward<float>(tokens, tokens, tokens, attention);
  ca::Matrix<float> d_output = ca::Matrix<float>::Ones(4096, 64);
  auto grads = ca::attention_backward<float>(tokens, tokens, tokens, forward.output,
                                             forward.log_normalizer, d_output, attention);

  // --- nn: trainable transformer layers
  ca::EncoderOptions encoder_options;
  encoder_options.width = 16;
  encoder_options.hidden = 32;
  encoder_options.attention.heads = 2;
  ca::Encoder<double> encoder(encoder_options, rng);
  ca::ParameterRegistry<double> params;
  encoder.register_parameters(params, "encoder");
  ca::AdamW<double> optimizer(params, ca::AdamWOptions{});
  auto layout = ca::SequenceLayout::from_lengths({5, 3});  // two sequences, no padding needed
  ca::Matrix<double> batch = ca::normal_matrix<double>(layout.tokens(), 16, rng);
  ca::Matrix<double> y = encoder.forward(batch, layout);
  params.zero_grad();
  encoder.backward(y);  // gradient of 0.5 * |y|^2
  ca::clip_gradient_norm(params, 1.0);
  optimizer.step();
  std::string saved = ca::serialize_parameters(params);  // versioned, checksummed
  ca::load_parameters(saved, params);
  std::cout << "attention output " << forward.output.rows() << "x" << forward.output.cols() << ", |dQ| "
            << grads.dq.norm() << "; encoder with " << params.scalar_count() << " parameters\n";

  // --- discovery: conditional independence, PC, FCI, graphs from attention
  auto linear = ca::read_csv<double>(data + "/causal-learn/data_linear_10.txt");
  ca::FisherZTest fisher(linear.data, ca::PValueConvention::causal_learn);
  ca::PcOptions pc_options;
  pc_options.collider_rule = ca::ColliderRule::max_p;  // causal-learn's uc_rule = 1
  ca::PcResult found = ca::pc(fisher, linear.names, pc_options);
  std::cout << ca::format_graph(found.cpdag, ca::GraphFormat::causal_learn);  // == causal-learn's pc()
  // Background knowledge and pcalg's majority rule: X1 precedes X2 and X3, X4 -> X5 is forbidden.
  ca::PcOptions informed;
  informed.collider_rule = ca::ColliderRule::majority;
  informed.knowledge = ca::BackgroundKnowledge(linear.data.cols());
  informed.knowledge.set_tier(0, 0).set_tier(1, 1).set_tier(2, 1).forbid(3, 4);
  ca::PcResult guided = ca::pc(fisher, linear.names, informed);  // guided.ambiguous_triples
  // FCI allows latent confounders: a PAG (o-> marks what the data cannot decide).
  ca::FciResult latent_aware = ca::fci(fisher, linear.names);  // latent_aware.pag
  // The PAG FCI must find with a perfect oracle: X1 -> X2 <- L -> X3, L hidden.
  ca::Graph confounded(4);
  confounded.add_directed(0, 1);
  confounded.add_directed(2, 1);
  confounded.add_directed(2, 3);
  ca::Graph marginal_pag = ca::dag_to_pag(confounded, {2});  // X1 o-> X2 <-o X4
  // Structure read from one attention head: C = A A', Fisher z at the embedding width.
  ca::Matrix<double> head = ca::Matrix<double>::Identity(4, 4);
  head.row(1) << 0.4, 0.6, 0.0, 0.0;  // token 1 reads token 0
  ca::AttentionGraphOptions reading;
  reading.algorithm = ca::AttentionAlgorithm::pc;
  ca::AttentionGraph token_graph = ca::attention_graph(head, reading);  // T0 - T1
  // CLEANN: the smallest token sets whose masking changes a prediction, nearest first.
  ca::Explanation why = ca::explain(token_graph.graph, 1, [](const std::vector<ca::Index>& masked) {
    return std::find(masked.begin(), masked.end(), 0) != masked.end();  // your model call here
  });  // why.minimal_sets == {{0}}
  std::cout << "fci: " << latent_aware.pag.edge_count() << " edges; marginal PAG: " << marginal_pag.edge_count()
            << " edges; attention graph: " << token_graph.graph.edge_count() << " edge; explanation: {T"
            << why.minimal_sets.at(0).at(0) << "}\n";

  // --- effects: treatment effects with honest uncertainty
  ca::CsvOptions lalonde_columns;
  lalonde_columns.columns = {"treat", "re78", "age", "educ", "black", "hisp", "married", "nodegree", "re74", "re75"};
  auto psid = ca::read_csv<double>(data + "/lalonde/lalonde_dw_psid.csv", lalonde_columns);
  const ca::Matrix<double> psid_x = psid.data.rightCols(8);
  const ca::Vector<double> treat = psid.data.col(0), earnings = psid.data.col(1);
  ca::TreatmentData<double> units(psid_x, treat, earnings);  // validated views
  ca::EffectOptions att;
  att.estimand = ca::Estimand::att;
  ca::EffectEstimate ebal = ca::entropy_balancing(units, att);  // $2058 +- 910, exact mean balance
  ca::EffectEstimate dr = ca::aipw(units, att);                 // $2053; att.folds = 5 cross-fits
  ca::EffectEstimate svm = ca::kernel_balancing(units, att);    // RBF kernel, exact SMO solution
  std::cout << "PSID ATT: entropy balancing " << ebal.estimate << ", AIPW " << dr.estimate << ", kernel balancing "
            << svm.estimate << "\n";
  // CInA: attention trained on one data set's balancing objective, and the shipped zero-shot model.
  const ca::SimulatedDataset sim = ca::simulate_dataset(ca::in_family(), 7);  // confounded, true ATE known
  const ca::TreatmentData<double> simulated(sim.x, sim.t, sim.y);
  const ca::CinaFit cina = ca::cina_fit(simulated);             // objective within 0.1% of the exact dual
  const auto zero_shot = ca::CinaZsModel<float>::load_default();  // $CAUSALATTN_MODEL_DIR, CMake's or beside the headers
  const ca::EffectEstimate zs = ca::cina_zs(zero_shot, simulated);           // in-context outcome head, no training
  const ca::CateEstimate per_unit = ca::cina_zs_cate(zero_shot, simulated);  // mu1 - mu0 per unit, with SEs
  std::cout << "true ATE " << sim.ate << ": CInA " << cina.estimate.estimate << " +- " << cina.estimate.std_error << ", CInA-ZS "
            << zs.estimate << " (first unit's effect " << per_unit.effect(0) << " +- " << per_unit.std_error(0) << ")\n";

  // --- timeseries: time-delayed causal graphs
  ca::Lorenz96Options system;                                   // dx_i/dt = (x_i+1 - x_i-2) x_i-1 - x_i + F
  system.length = 500;
  const ca::LaggedSeries series = ca::simulate_lorenz96(system);  // series.x (T x p), series.truth
  ca::ArTrainingOptions training;                               // decoder-only transformer, next-step MSE
  training.model.max_lag = 3;
  training.epochs = 20;
  const auto fit = ca::fit_ar_transformer<float>(series.x, training);
  const ca::AttributionResult attribution = ca::lagged_attribution(fit, series.x);  // squared input gradients, ranked per window
  const ca::SummaryGraphAccuracy accuracy = ca::summary_graph_accuracy(attribution.scores.summary(), series.truth, false);
  const ca::PcmciResult baseline = ca::pcmci(series.x, 3);      // and ca::granger(series.x, 3)
  std::cout << "Lorenz-96 AUROC: transformer " << accuracy.auroc << ", PCMCI "
            << ca::summary_graph_accuracy(baseline.scores.summary(), series.truth, false).auroc << "\n";

  return back == a && noise.rows() == 100 && lagged.link_count() == 1 ? 0 : 1;
}
