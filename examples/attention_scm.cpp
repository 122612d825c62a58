// ABCD on a transformer layer trained here: one self-attention head learns a token task whose
// generating structural causal model is known, and the CPDAG read from its attention matrix is
// printed beside the truth (Rohekar, Gurwicz, Nisimov, NeurIPS 2023).
//
// The SCM: 8 tokens T0..T7 in topological order, a fixed DAG G whose CPDAG has undirected edges
// (T0 - T1 - T2, T1 - T3) and compelled ones (the v-structures at T4 and T7 and what follows from
// them), weights ~ U(0.5, 1.5), noise u ~ N(0, I) and x = G x + u, so x = M u with
// M = (I - G)^-1 = I + G + G^2 + ... (non-negative and lower triangular).
// The model: queries and keys see only the token positions, so one attention matrix A serves every
// sample; the value of token j is its own noise u_j; the output is scaled per position,
// x_hat_i = s_i sum_j A_ij u_j. The least-squares optimum is A = M with its rows normalised and s
// = M's row sums: A is the SEM reading Z = A U of the DAG, and `attention_graph` (C = A A', partial
// correlations, Fisher z, PC) reads the CPDAG back from A alone.
//
// Usage: causalattn_attention_scm [examples/data] [output .npy of the learned attention]
// Writes the learned A (bundled as data/attention/scm_attention.npy) and compares it with the
// bundled copy when the data directory holds one. Takes well under a second.
#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "causalattn/discovery/attention.hpp"
#include "causalattn/graph/cpdag.hpp"
#include "causalattn/io/npy.hpp"
#include "causalattn/io/tetrad.hpp"
#include "causalattn/kernels/attention_backward.hpp"
#include "causalattn/kernels/attention_forward.hpp"
#include "causalattn/metrics/graph_metrics.hpp"
#include "causalattn/nn/linear.hpp"
#include "causalattn/nn/optimizer.hpp"
#include "causalattn/nn/training.hpp"

namespace ca = causalattn;

namespace {

constexpr std::uint64_t seed = 2023;
constexpr ca::Index token_count = 8;

/// The data-generating SCM: its DAG over T0..T7 and M = (I - G)^-1, where G(i, j) is the weight
/// of the edge Tj --> Ti.
struct Scm {
  ca::Graph dag;
  ca::Matrix<double> mixing;
};

/// The fixed DAG T0 -> T1 -> {T2, T3} -> T4 -> T5 -> T7 <- T6 with weights drawn from U(0.5, 1.5).
Scm make_scm(ca::Rng& rng) {
  std::vector<std::string> names;
  for (ca::Index i = 0; i < token_count; ++i) names.push_back("T" + std::to_string(i));
  Scm scm{ca::Graph(names), ca::Matrix<double>()};
  const std::vector<std::pair<ca::Index, ca::Index>> edges{{0, 1}, {1, 2}, {1, 3}, {2, 4},
                                                           {3, 4}, {4, 5}, {5, 7}, {6, 7}};
  ca::Matrix<double> weights = ca::Matrix<double>::Zero(token_count, token_count);
  for (const auto& [from, to] : edges) {
    scm.dag.add_directed(from, to);
    weights(to, from) = rng.uniform(0.5, 1.5);
  }
  // G is nilpotent, so (I - G)^-1 = I + G + ... + G^(n-1), with exact zeros where no path runs.
  ca::Matrix<double> power = ca::Matrix<double>::Identity(token_count, token_count);
  scm.mixing = power;
  for (ca::Index k = 1; k < token_count; ++k) {
    power = weights * power;
    scm.mixing += power;
  }
  return scm;
}

/// One self-attention head whose queries and keys read only the token positions: Q = P Wq and
/// K = P Wk from the one-hot positions P, A = softmax(Q K' / sqrt(d)) under a causal mask, values
/// V = the tokens' noise with one column per sample (so one kernel call attends a whole batch),
/// and a learnable per-position output scale s. Built from the library's `Linear` (without bias),
/// `Parameter` and the tiled kernels `attention_forward` / `attention_backward`:
/// `MultiHeadSelfAttention` projects every input feature into Q, K and V, so it cannot keep the
/// queries and keys on the positions alone.
class PositionalAttention {
 public:
  /// Queries and keys of width `token_count` (enough for any score matrix); `rng` initialises them.
  explicit PositionalAttention(ca::Rng& rng)
      : query_(token_count, token_count, rng, false),
        key_(token_count, token_count, rng, false),
        scale_{ca::Matrix<double>::Ones(token_count, 1), ca::Matrix<double>::Zero(token_count, 1)} {
    kernel_.causal = true;  // M is lower triangular: no token depends on a later one
    kernel_.return_attention = true;
    kernel_.threads = 1;  // an 8 x 8 attention is too small to share out
  }

  /// Predictions s_i sum_j A_ij u_j for a token_count x samples matrix of noise; caches for backward.
  ca::Matrix<double> forward(const ca::Matrix<double>& noise) {
    const ca::Matrix<double> positions = ca::Matrix<double>::Identity(token_count, token_count);
    noise_ = noise;
    queries_ = query_.forward(positions);
    keys_ = key_.forward(positions);
    attended_ = ca::attention_forward<double>(queries_, keys_, noise_, kernel_);
    return scale_.value.col(0).asDiagonal() * attended_.output;
  }

  /// Accumulates every parameter's gradient from dLoss/dpredictions of the last forward pass.
  void backward(const ca::Matrix<double>& d_predictions) {
    scale_.grad.col(0) += d_predictions.cwiseProduct(attended_.output).rowwise().sum();
    const ca::Matrix<double> d_attended = scale_.value.col(0).asDiagonal() * d_predictions;
    const auto grads = ca::attention_backward<double>(queries_, keys_, noise_, attended_.output,
                                                      attended_.log_normalizer, d_attended, kernel_);
    query_.backward(grads.dq);
    key_.backward(grads.dk);
  }

  /// Adds "<prefix>.query.weight", "<prefix>.key.weight" and "<prefix>.scale".
  void register_parameters(ca::ParameterRegistry<double>& registry, const std::string& prefix) {
    query_.register_parameters(registry, prefix + ".query");
    key_.register_parameters(registry, prefix + ".key");
    registry.add(prefix + ".scale", scale_);
  }

  /// The token_count x token_count attention matrix of the last forward pass.
  const ca::Matrix<double>& attention() const noexcept { return attended_.attention; }

 private:
  ca::Linear<double> query_, key_;
  ca::Parameter<double> scale_;
  ca::AttentionOptions kernel_;
  ca::Matrix<double> noise_, queries_, keys_;
  ca::AttentionResult<double> attended_;
};

/// Mean squared error per token of the model's predictions of `tokens` from `noise` (one forward
/// pass, so the model's attention() is afterwards that of this pass).
double mean_squared_error(PositionalAttention& model, const ca::Matrix<double>& noise, const ca::Matrix<double>& tokens) {
  return (model.forward(noise) - tokens).squaredNorm() / double(tokens.size());
}

/// The rows of `m`, each as "T<i>" and its entries with 3 decimals.
std::vector<std::string> matrix_lines(const ca::Matrix<double>& m) {
  std::vector<std::string> lines;
  for (ca::Index i = 0; i < m.rows(); ++i) {
    std::ostringstream line;
    line << "T" << i << " " << std::fixed << std::setprecision(3);
    for (ca::Index j = 0; j < m.cols(); ++j) line << " " << m(i, j);
    lines.push_back(line.str());
  }
  return lines;
}

/// The edges of `g` as Tetrad text writes them ("T0 --> T2"), without the node list and numbers.
std::vector<std::string> edge_lines(const ca::Graph& g) {
  std::istringstream text(ca::to_tetrad_text(g));
  std::vector<std::string> lines;
  bool in_edges = false;
  for (std::string line; std::getline(text, line);) {
    if (in_edges && !line.empty()) lines.push_back(line.substr(line.find(". ") + 2));
    if (line == "Graph Edges:") in_edges = true;
  }
  return lines;
}

/// Prints two titled columns of lines side by side, the left one padded to its widest line.
void print_side_by_side(const std::string& left_title, const std::vector<std::string>& left,
                        const std::string& right_title, const std::vector<std::string>& right) {
  std::size_t width = left_title.size();
  for (const auto& line : left) width = std::max(width, line.size());
  const auto row = [&](std::string left_text, const std::string& right_text) {
    left_text.resize(width, ' ');
    std::cout << "  " << left_text << "  | " << right_text << "\n";
  };
  row(left_title, right_title);
  for (std::size_t i = 0; i < std::max(left.size(), right.size()); ++i) {
    row(i < left.size() ? left[i] : "", i < right.size() ? right[i] : "");
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string data = argc > 1 ? argv[1] : "examples/data";
  const std::string npy_path = argc > 2 ? argv[2] : "scm_attention.npy";
  try {
    ca::Rng rng(seed);
    std::cout << "seed " << rng.seed() << "\n";
    const Scm scm = make_scm(rng);
    const ca::Vector<double> row_sums = scm.mixing.rowwise().sum();
    const ca::Matrix<double> normalised_mixing = row_sums.cwiseInverse().asDiagonal() * scm.mixing;

    // The training set: T draws of the SCM, noise u (one column per sample) and tokens x = M u.
    const ca::Index sample_count = 10240, batch = 256, batches = sample_count / batch;
    const ca::Matrix<double> noise = ca::normal_matrix<double>(token_count, sample_count, rng);
    const ca::Matrix<double> tokens = scm.mixing * noise;

    PositionalAttention model(rng);
    ca::ParameterRegistry<double> params;
    model.register_parameters(params, "attention");
    ca::AdamW<double> optimizer(params, ca::AdamWOptions{});
    ca::TrainingOptions training;
    training.epochs = 250;
    const ca::LearningRateSchedule schedule{0.05, 100, training.epochs * batches, ca::LearningRateSchedule::Decay::cosine,
                                            0.01};
    const double initial_loss = mean_squared_error(model, noise, tokens);
    const auto report = ca::train(
        [&](long long epoch) {
          double loss = 0;
          for (ca::Index b = 0; b < batches; ++b) {
            const ca::Matrix<double> residual =
                model.forward(noise.middleCols(b * batch, batch)) - tokens.middleCols(b * batch, batch);
            const double per_entry = 1.0 / double(residual.size());
            params.zero_grad();
            model.backward(2 * per_entry * residual);
            optimizer.step(schedule.at(epoch * batches + b));
            loss += per_entry * residual.squaredNorm() / double(batches);
          }
          return loss;
        },
        training);
    std::cout << "trained " << report.epochs << " epochs of " << batches << " batches of " << batch << " samples in "
              << report.seconds << " s: mean squared error per token " << initial_loss << " -> "
              << mean_squared_error(model, noise, tokens) << "\n";

    const ca::Matrix<double> attention = model.attention();
    ca::check_attention_matrix(attention);
    print_side_by_side("learned attention A", matrix_lines(attention), "row-normalised M = (I - G)^-1",
                       matrix_lines(normalised_mixing));
    std::cout << "max |A - Mnorm| = " << (attention - normalised_mixing).cwiseAbs().maxCoeff() << "\n";

    // Fisher z's sample size is the number of SCM draws A was fitted to. At alpha = 0.01 it takes
    // a partial correlation below about 2.58 / sqrt(10240) = 0.025 for zero, which separates the
    // two scales that matter here: the fit leaves A within ~1e-3 of Mnorm (softmax reaches M's
    // zeros only in the limit), so the pairs that d-separation makes independent keep partial
    // correlations of ~1e-3, while the weakest dependence of this SEM, over every conditioning
    // set, is 0.22. Any sample size from about 150 to a few million gives the same graph;
    // ABCD's choice, the embedding width, would be 8 here (the query/key width), at which Fisher z
    // finds no edge at all.
    ca::AttentionGraphOptions options;
    options.algorithm = ca::AttentionAlgorithm::pc;
    options.sample_size = double(sample_count);
    const ca::Graph found = ca::attention_graph(attention, options).graph;
    const ca::Graph truth = ca::dag_to_cpdag(scm.dag);
    print_side_by_side("from the attention", edge_lines(found), "true CPDAG", edge_lines(truth));

    ca::write_npy(npy_path, attention);
    std::cout << "wrote " << npy_path << "\n";
    const std::string bundled = data + "/attention/scm_attention.npy";
    if (std::ifstream(bundled).good()) {
      std::cout << "max |A - bundled " << bundled << "| = "
                << (attention - ca::read_npy_matrix<double>(bundled)).cwiseAbs().maxCoeff() << "\n";
    }
    std::cout << "vs the true CPDAG: SHD " << ca::structural_hamming_distance(found, truth) << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "attention_scm: " << e.what() << "\n";
    return 2;
  }
}
