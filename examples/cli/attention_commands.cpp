// Subcommand attention-graph: the causal graph read from a saved attention matrix (ABCD).

#include <cstdio>
#include <string>
#include <vector>

#include "causalattn/discovery/attention.hpp"
#include "causalattn/io/csv.hpp"
#include "causalattn/io/graph_io.hpp"
#include "causalattn/io/graph_json.hpp"
#include "causalattn/io/json.hpp"
#include "causalattn/io/npy.hpp"
#include "cli.hpp"
#include "commands.hpp"

namespace causalattn_cli {
namespace {

/// One layer's attention heads read from FILE: a .npy array of shape [n, n], [heads, n, n] or
/// [layers, heads, n, n] (C order, as `numpy.save` of a PyTorch tensor writes it), or a text
/// matrix (CSV or whitespace, no header). `layer` -1 = the deepest. Sets `layer_used`.
std::vector<causalattn::Matrix<double>> read_attention_layer(const std::string& path, int layer, int& layer_used) {
  const bool npy = path.size() >= 4 && path.compare(path.size() - 4, 4, ".npy") == 0;
  if (!npy) {
    causalattn::CsvOptions options;
    options.has_header = false;
    layer_used = 0;
    if (layer > 0) throw usage_error("--layer " + std::to_string(layer) + ": a text file holds one layer");
    return {causalattn::read_csv<double>(path, options).data};
  }
  const auto array = causalattn::read_npy<double>(path);
  const auto& shape = array.shape;
  if (shape.size() < 2 || shape.size() > 4 || shape[shape.size() - 1] != shape[shape.size() - 2]) {
    throw usage_error(path + ": expected an array of shape [n, n], [heads, n, n] or [layers, heads, n, n]");
  }
  const std::size_t n = shape.back(), heads = shape.size() >= 3 ? shape[shape.size() - 3] : 1;
  const std::size_t layers = shape.size() == 4 ? shape[0] : 1;
  if (layer >= int(layers)) {
    throw usage_error("--layer " + std::to_string(layer) + " is out of range: the file has " + std::to_string(layers) + " layer(s)");
  }
  layer_used = layer < 0 ? int(layers) - 1 : layer;
  std::vector<causalattn::Matrix<double>> out;
  for (std::size_t h = 0; h < heads; ++h) {
    const auto size = static_cast<causalattn::Index>(n);
    causalattn::Matrix<double> a(size, size);
    const std::size_t offset = (std::size_t(layer_used) * heads + h) * n * n;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) a(causalattn::Index(i), causalattn::Index(j)) = array.data[offset + i * n + j];
    out.push_back(std::move(a));
  }
  return out;
}

/// The edge-frequency matrix as text rows with three decimals.
std::string format_frequencies(const causalattn::Matrix<double>& f) {
  std::string text;
  char buffer[32];
  for (causalattn::Index i = 0; i < f.rows(); ++i) {
    for (causalattn::Index j = 0; j < f.cols(); ++j) {
      std::snprintf(buffer, sizeof buffer, "%.3f", f(i, j));
      text += (j ? " " : "") + std::string(buffer);
    }
    text += "\n";
  }
  return text;
}


/// `causalattn attention-graph --attention FILE ...`.
int run_attention_graph(Invocation& call) {
  const ArgumentList args(call.args, {"--attention", "--samples", "--alpha", "--algorithm", "--nodes", "--layer", "--head",
                                      "--max-depth", "--threads", "--format", "--output"});
  args.expect_positional(0, 0, "causalattn attention-graph --attention FILE [options] (see causalattn attention-graph --help)");
  if (!args.has("--attention")) throw usage_error("attention-graph needs --attention FILE");
  causalattn::AttentionGraphOptions options;
  options.sample_size = number_option(args, "--samples", options.sample_size);
  options.alpha = number_option(args, "--alpha", options.alpha);
  options.algorithm = choice_option<causalattn::AttentionAlgorithm>(
      args, "--algorithm", {{"pc", causalattn::AttentionAlgorithm::pc}, {"fci", causalattn::AttentionAlgorithm::fci}}, "fci");
  for (const std::string& token : split_list(args.get("--nodes"))) options.nodes.push_back(parse_integer("--nodes", token, 0, 1 << 20));
  options.max_depth = integer_option(args, "--max-depth", -1, -1, 1000);
  options.threads = integer_option(args, "--threads", 0, 0, 4096);
  const int head = integer_option(args, "--head", -1, 0, 1 << 20);
  const auto format = graph_format_option(args, options.algorithm == causalattn::AttentionAlgorithm::pc ? "amat-cpdag" : "amat-pag");
  int layer = 0;
  auto heads = read_attention_layer(args.get("--attention"), integer_option(args, "--layer", -1, 0, 1 << 20), layer);
  if (head >= int(heads.size())) {
    throw usage_error("--head " + std::to_string(head) + " is out of range: the layer has " + std::to_string(heads.size()) + " head(s)");
  }
  if (head >= 0) heads = {heads[std::size_t(head)]};
  const auto consensus = causalattn::head_consensus(heads, options);
  std::string text;
  if (consensus.heads.size() == 1) {
    text = causalattn::format_graph(consensus.heads[0].graph, format);
  } else if (format == causalattn::GraphFormat::json) {
    causalattn::JsonValue v = causalattn::JsonValue::object();
    v.set("layer", double(layer));
    causalattn::JsonValue graphs = causalattn::JsonValue::array();
    for (const auto& h : consensus.heads) graphs.push_back(causalattn::graph_to_json(h.graph));
    v.set("heads", std::move(graphs));
    v.set("edge_frequency", matrix_json(consensus.edge_frequency));
    text = v.dump() + "\n";
  } else {
    for (std::size_t h = 0; h < consensus.heads.size(); ++h) {
      text += "# layer " + std::to_string(layer) + " head " + std::to_string(h) + "\n";
      text += causalattn::format_graph(consensus.heads[h].graph, format);
    }
    text += "# edge frequency across heads\n" + format_frequencies(consensus.edge_frequency);
  }
  emit_text(call, args, text);
  long long tests = 0;
  for (const auto& h : consensus.heads) tests += h.tests;
  call.err << "attention-graph: layer " << layer << ", " << consensus.heads.size() << " head(s), " << heads[0].rows() << " tokens, "
           << tests << " tests\n";
  return 0;
}

}  // namespace

/// Registers attention-graph.
void register_attention_commands(CommandRegistry& registry) {
  registry.add({"attention-graph", "causal graph over tokens read from a saved attention matrix (C = A A', PC or FCI)",
                "causalattn attention-graph --attention FILE [--samples 768] [--alpha 0.01] [--algorithm pc|fci]\n"
                "              [--nodes 2,3,6] [--layer L] [--head H] [--max-depth K] [--threads N]\n"
                "              [--format causal-learn|pcalg|tetrad|dot|json] [--output FILE]\n"
                "  FILE: .npy of shape [n, n], [heads, n, n] or [layers, heads, n, n] (deepest layer by\n"
                "  default), or an n x n text matrix (CSV or whitespace, no header). --samples is the\n"
                "  embedding width (Fisher z's sample size); --nodes picks the tokens of the graph, in that\n"
                "  order (the others are latent). Without --head every head of the layer gets a graph,\n"
                "  followed by the edge frequency across heads.",
                run_attention_graph});
}

}  // namespace causalattn_cli
