// Subcommand attention-graph: the causal graph read from a saved attention matrix (ABCD).

#include <cstdio>
#include <string>
#include <vector>

#include "causalattn/discovery/attention.hpp"
#include "causalattn/io/attention_stack.hpp"
#include "causalattn/io/csv.hpp"
#include "causalattn/io/graph_io.hpp"
#include "causalattn/io/graph_json.hpp"
#include "causalattn/io/json.hpp"
#include "causalattn/io/npy.hpp"
#include "cli.hpp"
#include "commands.hpp"

namespace causalattn_cli {
namespace {

/// One layer's attention heads read from FILE: a .npy array (float16, float32 or float64) of shape
/// [n, n], [heads, n, n], [layers, heads, n, n] or [layers, batch, heads, n, n] (C order, as
/// `numpy.save` of a PyTorch tensor writes it; `batch` -1 averages the batch), or a text matrix
/// (CSV or whitespace, no header). `layer` -1 = the deepest. Sets `layer_used`.
std::vector<causalattn::Matrix<double>> read_attention_layer(const std::string& path, int layer, int batch, int& layer_used,
                                                             double& row_sum_tolerance) {
  const bool npy = path.size() >= 4 && path.compare(path.size() - 4, 4, ".npy") == 0;
  if (!npy) {
    causalattn::CsvOptions options;
    options.has_header = false;
    layer_used = 0;
    if (layer > 0) throw usage_error("--layer " + std::to_string(layer) + ": a text file holds one layer");
    return {causalattn::read_csv<double>(path, options).data};
  }
  causalattn::AttentionStackOptions stack_options;
  stack_options.batch = batch;
  const auto array = causalattn::read_npy<double>(path);
  auto stack = causalattn::attention_stack(array, stack_options, path);
  row_sum_tolerance = causalattn::attention_row_sum_tolerance(stack[0][0].rows(), array.file_item_size);
  if (layer >= int(stack.size())) {
    throw usage_error("--layer " + std::to_string(layer) + " is out of range: the file has " + std::to_string(stack.size()) +
                      " layer(s)");
  }
  layer_used = layer < 0 ? int(stack.size()) - 1 : layer;
  return std::move(stack[std::size_t(layer_used)]);
}

/// Token names from --labels FILE (one per line) or --names a,b,c; empty when neither is given.
std::vector<std::string> token_labels(const ArgumentList& args) {
  if (args.has("--labels") && args.has("--names")) throw usage_error("give --labels or --names, not both");
  if (args.has("--names")) return split_list(args.get("--names"));
  if (!args.has("--labels")) return {};
  std::vector<std::string> labels;
  const std::string text = causalattn::io::read_file_bytes(args.get("--labels"), causalattn::io::text_limits("a labels file", 64 << 20));
  causalattn::io::LineReader lines(causalattn::io::strip_bom(text));
  std::size_t blank_lines = 0;  // trailing blank lines are dropped; inner ones stay (and are refused as names)
  while (lines.next()) {
    std::string label(causalattn::io::trim(lines.line()));
    if (label.empty()) {
      ++blank_lines;
      continue;
    }
    if (labels.size() + blank_lines >= std::size_t(causalattn::max_graph_nodes)) {  // bounded before it grows
      throw causalattn::invalid_input(args.get("--labels"), "has more than " + std::to_string(causalattn::max_graph_nodes) +
                                                                " labels, the most tokens a graph holds");
    }
    labels.insert(labels.end(), blank_lines, std::string());
    blank_lines = 0;
    labels.push_back(std::move(label));
  }
  return labels;
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
                                      "--batch", "--labels", "--names", "--max-depth", "--max-seconds", "--threads", "--format",
                                      "--output"});
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
  options.max_seconds = number_option(args, "--max-seconds", 0);
  options.progress = progress_reporter(call.err, "attention-graph");
  const int head = integer_option(args, "--head", -1, 0, 1 << 20);
  const auto format = graph_format_option(args, options.algorithm == causalattn::AttentionAlgorithm::pc ? "amat-cpdag" : "amat-pag", call.format);
  int layer = 0;
  options.labels = token_labels(args);
  auto heads = read_attention_layer(args.get("--attention"), integer_option(args, "--layer", -1, 0, 1 << 20),
                                    integer_option(args, "--batch", -1, 0, 1 << 20), layer, options.row_sum_tolerance);
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
                "causalattn attention-graph --attention FILE [--samples 768] [--alpha 0.01] [--algorithm fci|pc]\n"
                "              [--nodes 2,3,6] [--layer L] [--head H] [--batch B] [--labels FILE | --names a,b,...]\n"
                "              [--max-depth K] [--max-seconds S] [--threads N] [--format causal-learn|pcalg|tetrad|dot|json]\n"
                "              [--output FILE]\n"
                "  The default algorithm is FCI (tokens left out are latent: a PAG); --algorithm pc gives a CPDAG.\n"
                "  FILE: .npy (float16/32/64) of shape [n, n], [heads, n, n], [layers, heads, n, n] or\n"
                "  [layers, batch, heads, n, n] as saved from PyTorch (deepest layer by default; the batch averaged\n"
                "  unless --batch picks one), or an n x n text matrix (CSV or whitespace, no header). --labels\n"
                "  names the tokens, one per line (or --names a,b,...). --samples is the\n"
                "  embedding width (Fisher z's sample size); --nodes picks the tokens of the graph, in that\n"
                "  order (the others are latent). Without --head every head of the layer gets a graph,\n"
                "  followed by the edge frequency across heads.",
                run_attention_graph});
}

}  // namespace causalattn_cli
