// Hostile and malformed input through the causalattn tool, run as a separate process: every case
// must end with its exit code and one line on stderr naming the argument, within a time and memory
// bound, without touching the output file. One TEST_CASE per class of failure; each class has at
// least three cases. The inputs are generated here, under a fresh temporary directory.

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <system_error>
#include <unistd.h>
#include <vector>

#include "causalattn/effects/cina_zs_model.hpp"
#include "causalattn/nn/serialization.hpp"
#include "tool_runner.hpp"

namespace ca = causalattn;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

const std::string tool = CAUSALATTN_TOOL_PATH;
const std::string data_dir = CAUSALATTN_DATA_DIR;
const std::string nsw = data_dir + "/lalonde/lalonde_nsw_dw.csv";
const std::string sentinel_text = "sentinel: a failed run must leave this file as it was\n";

// Per-case bounds. Under the sanitizers the tool runs several times slower and its shadow memory
// counts towards the resident size, hence the wider bounds there.
constexpr double max_seconds = ca::test::sanitized() ? 60 : 20;
constexpr long max_rss_mb = ca::test::sanitized() ? 3072 : 1024;

// A fresh directory for this run's inputs, removed with them when the run ends.
const fs::path& scratch() {
  struct Directory {
    fs::path path;
    ~Directory() {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
  };
  static const Directory dir = [] {
    fs::path d = fs::temp_directory_path() / ("causalattn_hostile_" + std::to_string(::getpid()));
    fs::create_directories(d);
    return Directory{d};
  }();
  return dir.path;
}

std::string write(const std::string& name, const std::string& bytes) {
  const fs::path path = scratch() / name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path.string();
}

// n rows of p columns named X1..Xp that all depend on four shared factors (seeded): every pair
// stays dependent given any small set, the worst case of PC's skeleton.
std::string dependent_csv(const std::string& name, int n, int p, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::string text;
  for (int j = 0; j < p; ++j) text += (j ? ",X" : "X") + std::to_string(j + 1);
  text += "\n";
  for (int i = 0; i < n; ++i) {
    double factors[4];
    for (double& f : factors) f = normal(rng);
    for (int j = 0; j < p; ++j) {
      double v = normal(rng);
      for (int k = 0; k < 4; ++k) v += factors[k] * ((j * 7 + k * 3) % 5 - 1.5);
      text += (j ? "," : "") + std::to_string(v);
    }
    text += "\n";
  }
  return write(name, text);
}

// A dense n x n attention matrix (every weight positive, rows summing to 1), as CSV (seeded).
std::string dense_attention_csv(const std::string& name, int n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(0.1, 1.0);
  std::string text;
  for (int i = 0; i < n; ++i) {
    std::vector<double> row(static_cast<std::size_t>(n));
    double sum = 0;
    for (int j = 0; j < n; ++j) sum += row[std::size_t(j)] = uniform(rng) + (i == j ? 2.0 : 0.0);
    for (int j = 0; j < n; ++j) text += (j ? "," : "") + std::to_string(row[std::size_t(j)] / sum);
    text += "\n";
  }
  return write(name, text);
}

// Exit codes of the tool: 0 done, 2 bad input, 3 numerical failure, 5 stopped at a budget.
constexpr int done_or_stopped = -1;  // a case that may either finish (0) or stop at its budget (5)

struct Case {
  std::vector<std::string> args;
  int exit_code;  // or done_or_stopped
  std::string message;        // a part of the one-line message
  bool output_flag = false;   // the command takes --output: point it at a sentinel file
};

// Runs one case and checks everything the class promises: a refusal (one line, nothing written)
// or, for a case that may finish, a result within the bounds.
void require_contained(const Case& c) {
  std::vector<std::string> args = c.args;
  const std::string out_path = (scratch() / "out.txt").string();
  if (c.output_flag) {
    std::ofstream(out_path, std::ios::binary) << sentinel_text;
    args.push_back("--output");
    args.push_back(out_path);
  }
  std::string shown;
  for (const auto& a : args) shown += " " + a;
  INFO("causalattn" << shown);
  const auto run = ca::test::run_tool(tool, args, 2 * max_seconds);
  INFO("exit " << run.exit_code << " after " << run.seconds << " s, peak " << run.peak_rss_mb << " MB\nstderr: " << run.err);
  REQUIRE_FALSE(run.killed_at_limit);
  if (c.exit_code == done_or_stopped) {
    REQUIRE((run.exit_code == 0 || run.exit_code == 5));
  } else {
    REQUIRE(run.exit_code == c.exit_code);
  }
  REQUIRE(run.seconds < max_seconds);
  REQUIRE(run.peak_rss_mb < max_rss_mb);
  if (run.exit_code == 0) {  // finished within its bounds: a result, and a summary line at most
    REQUIRE((c.output_flag ? ca::test::slurp(out_path) != sentinel_text : !run.out.empty()));
    REQUIRE(std::count(run.err.begin(), run.err.end(), '\n') <= 1);
    return;
  }
  REQUIRE(run.out.empty());
  REQUIRE_THAT(run.err, StartsWith("causalattn: ") && Contains(c.message));
  REQUIRE(std::count(run.err.begin(), run.err.end(), '\n') == 1);
  if (c.output_flag) REQUIRE(ca::test::slurp(out_path) == sentinel_text);
}

// A parameter file of `tensors` (name, rows x cols filled with `fill`) with a valid checksum.
std::string parameter_file(const std::vector<std::pair<std::string, ca::Matrix<float>>>& tensors) {
  std::vector<ca::Parameter<float>> storage;
  storage.reserve(tensors.size());
  ca::ParameterRegistry<float> registry;
  for (const auto& [name, value] : tensors) {
    storage.push_back({value, ca::Matrix<float>()});
    registry.add(name, storage.back());
  }
  return ca::serialize_parameters(registry);
}

}  // namespace

TEST_CASE("hostile input: readers bound what they read before they allocate", "[hostile]") {
  const std::string zero_npy = (scratch() / "zero.npy").string();
  fs::remove(zero_npy);
  fs::create_symlink("/dev/zero", zero_npy);
  const std::string zero_bin = (scratch() / "zero.bin").string();
  fs::remove(zero_bin);
  fs::create_symlink("/dev/zero", zero_bin);
  // A model file of 8 values whose config declares width 4096 and 64 layers (valid checksum).
  ca::Matrix<float> config(1, 8);
  config << 1, 20, 4096, 16384, 64, 64, 0.2f, 0.1f;
  const std::string forged = write("forged.bin", parameter_file({{"cina_zs.config", config}}));
  // 150,000 tiny tensors: once a quadratic name check (59 s).
  std::vector<std::pair<std::string, ca::Matrix<float>>> many;
  for (int k = 0; k < 150000; ++k) many.push_back({"t" + std::to_string(k), ca::Matrix<float>::Constant(1, 1, 1.0f)});
  const std::string crowded = write("crowded.bin", parameter_file(many));
  // A .npy attention stack with a zero-length axis, shape (0, 2, 3, 3).
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 2, 3, 3), }";
  header += std::string(64 - (10 + header.size() + 1) % 64, ' ') + "\n";
  const std::string zero_layers =
      write("zero_layers.npy", std::string("\x93NUMPY\x01\x00", 8) + char(header.size() & 0xFF) + char(header.size() >> 8) + header);
  // A Tetrad graph naming 60,000 nodes in a few hundred KB (a dense table would need 3.6 GB).
  std::string tetrad = "Graph Nodes:\n";
  for (int k = 0; k < 60000; ++k) tetrad += (k ? ";N" : "N") + std::to_string(k);
  tetrad += "\n\nGraph Edges:\n1. N0 --> N1\n";
  const std::string huge_graph = write("huge_graph.txt", tetrad);
  // A DOT chain over 25,000 nodes (once a linear name search per reference: quadratic).
  std::string dot = "digraph {\n";
  for (int k = 0; k < 25000; ++k) dot += "n" + std::to_string(k) + " -> n" + std::to_string(k + 1) + ";\n";
  const std::string huge_dot = write("huge_graph.dot", dot + "}\n");
  // 3 attention labels after 5 MB of blank lines (once 5 million empty strings).
  const std::string blank_labels = write("blank_labels.txt", std::string(5 << 20, '\n') + "a\nb\nc\n");
  // A CSV of 20,001 columns and 3 rows: 200 KB that would need p x p correlation tables (3.2 GB).
  std::string wide;
  for (int row = 0; row < 4; ++row) {
    for (int j = 0; j <= 20000; ++j) wide += (j ? "," : "") + (row ? std::to_string((j * 7 + row) % 5) : "X" + std::to_string(j));
    wide += "\n";
  }
  const std::string wide_csv = write("wide.csv", wide);
  // A 9 MiB JSON array of zeros: a document tree of about 60 bytes per value (0.3 GB per 5 MiB).
  std::string zeros = "[0";
  for (int k = 0; k < (9 << 20) / 2; ++k) zeros += ",0";
  const std::string json_zeros = write("zeros.json", zeros + "]");
  // A header of 60,000 columns over 250,000 one-value lines: the table is sized by what the text
  // can hold (counted lines x width would be 120 GB).
  std::string short_rows;
  for (int j = 0; j < 60000; ++j) short_rows += (j ? ",c" : "c") + std::to_string(j);
  short_rows += "\n";
  for (int i = 0; i < 250000; ++i) short_rows += "1\n";
  const std::string short_rows_csv = write("short_rows.csv", short_rows);
  // One CSV line of 2 MB.
  const std::string long_line = write("long_line.csv", "a,b\n" + std::string(2 << 20, '1') + ",2\n");
  const std::vector<Case> cases = {
      {{"describe", "/dev/zero"}, 2, "NUL byte"},
      {{"pc", "--data", "/dev/zero"}, 2, "NUL byte", true},
      {{"ate", "--data", "/dev/zero", "--treatment", "t", "--outcome", "y", "--covariates", "all"}, 2, "NUL byte"},
      {{"lagged", "--data", "/dev/zero", "--max-lag", "2"}, 2, "NUL byte"},
      {{"attention-graph", "--attention", zero_npy}, 2, "is not a .npy file", true},
      {{"attention-graph", "--attention", zero_layers}, 2, "axis 0 (layers) has length 0", true},
      {{"ate", "--data", nsw, "--treatment", "treat", "--outcome", "re78", "--covariates", "age", "--method", "cina-zs",
        "--model", zero_bin},
       2,
       "is not a causalattn parameter file"},
      {{"ate", "--data", nsw, "--treatment", "treat", "--outcome", "re78", "--covariates", "age", "--method", "cina-zs",
        "--model", forged},
       2,
       "implies at least"},
      {{"ate", "--data", nsw, "--treatment", "treat", "--outcome", "re78", "--covariates", "age", "--method", "cina-zs",
        "--model", crowded},
       2,
       "no 'cina_zs.config' tensor"},
      {{"convert-graph", huge_graph, "--from", "tetrad", "--to", "dot"}, 2, "more than the 20000 a graph holds", true},
      {{"describe", long_line}, 2, "longer than 524288 bytes"},
      {{"convert-graph", huge_dot, "--from", "dot", "--to", "tetrad"}, 2, "more than the 20000 nodes a graph holds", true},
      {{"attention-graph", "--attention", zero_npy, "--labels", blank_labels}, 2, "labels, the most tokens a graph holds", true},
      {{"convert-graph", json_zeros, "--from", "json", "--to", "dot"}, 2, "more than the 8 MiB this reader accepts", true},
      {{"describe", short_rows_csv}, 2, "line 2 has 1 fields, the header has 60000"},
      {{"pc", "--data", wide_csv}, 2, "has 20001 columns, more than the 20000 nodes a graph holds", true},
  };
  for (const auto& c : cases) require_contained(c);
}

TEST_CASE("hostile input: no unbounded work without a bound or a word", "[hostile]") {
  const std::string dense30 = dependent_csv("dense30.csv", 2000, 30, 5);
  const std::string dense60 = dependent_csv("dense60.csv", 2000, 60, 6);
  const std::string attention60 = dense_attention_csv("attention60.csv", 60, 7);
  const std::vector<std::string> lalonde = {"ate", "--data", nsw, "--treatment", "treat", "--outcome", "re78", "--covariates",
                                            "age,educ,re74,re75"};
  auto with = [](std::vector<std::string> base, const std::vector<std::string>& more) {
    base.insert(base.end(), more.begin(), more.end());
    return base;
  };
  const std::vector<Case> cases = {
      // --max-depth bounds the collider search over neighbour subsets too (once 2 GB on 30 columns).
      {{"pc", "--data", dense30, "--max-depth", "0"}, 0, "", true},
      {{"pc", "--data", dense60, "--max-depth", "1", "--uc-rule", "1"}, 0, "", true},
      {{"pc", "--data", dense60, "--max-seconds", "0.01"}, 5, "stopped: pc stopped after", true},
      {{"fci", "--data", dense60, "--max-seconds", "0.01"}, 5, "stopped: fci stopped after", true},
      {{"attention-graph", "--attention", attention60, "--max-seconds", "2"}, done_or_stopped, "stopped after", true},
      {with(lalonde, {"--bootstrap", "1000000", "--max-seconds", "1"}), 5, "--max-seconds = 1 ran out"},
      {with(lalonde, {"--method", "cina", "--epochs", "1000000", "--max-seconds", "1"}), 5, "CInA's training stopped"},
  };
  for (const auto& c : cases) require_contained(c);
}

TEST_CASE("hostile input: no silent nonsense from extreme, duplicated or mistyped data", "[hostile]") {
  const std::string extreme = write("extreme.csv", "a,b,c\n1e308,-1e308,1\n-1e308,1e308,2\n1e308,1e308,3\n-1e308,-1e308,5\n");
  const std::string uniform = write("uniform.csv", "0.25,0.25,0.25,0.25\n0.25,0.25,0.25,0.25\n0.25,0.25,0.25,0.25\n0.25,0.25,0.25,0.25\n");
  const std::string negative = write("negative.csv", "0.9,0.2,-0.1\n0.1,0.8,0.1\n0.1,0.1,0.8\n");
  const std::string numeric_header = write("numeric.csv", "0,1,2\n1,2,3\n2,3,5\n4,1,1\n5,5,2\n");
  const std::string subnormal = write("subnormal.csv", "a,b,c\n1e-310,2e-310,1\n3e-310,1e-310,2\n2e-310,5e-310,3\n4e-310,4e-310,5\n");
  std::string duplicated = "a,b,a2\n", continuous = "a,b\n";
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal;
  for (int i = 0; i < 200; ++i) {
    const double a = normal(rng), b = normal(rng);
    duplicated += std::to_string(a) + "," + std::to_string(b) + "," + std::to_string(a) + "\n";
    continuous += std::to_string(a) + "," + std::to_string(int(b > 0)) + "\n";
  }
  const std::string duplicate_column = write("duplicate.csv", duplicated), continuous_column = write("continuous.csv", continuous);
  const std::string cyclic = write("cyclic.txt", "Graph Nodes:\nA;B;C\n\nGraph Edges:\n1. A --> B\n2. B --> C\n3. C --> A\n");
  const std::vector<Case> cases = {
      {{"pc", "--data", extreme}, 2, "column 'a', data row 1 holds 1e+308", true},
      {{"pc", "--data", subnormal}, 2, "rescale the column", true},
      {{"lagged", "--data", extreme, "--max-lag", "1", "--method", "granger"}, 2, "its square leaves double's range"},
      {{"pc", "--data", duplicate_column}, 2, "column 'a' and column 'a2' are perfectly correlated", true},
      {{"fci", "--data", duplicate_column}, 2, "perfectly correlated", true},
      {{"pc", "--data", continuous_column, "--test", "chisq"}, 2, "column 'a' has 200 distinct values", true},
      {{"pc", "--data", continuous_column, "--test", "gsq"}, 2, "continuous data?", true},
      {{"pc", "--data", nsw, "--tiers", "age,educ;educ,re78"}, 2, "variable 'educ' is already in tier 0", true},
      {{"pc", "--data", nsw, "--require", "age:educ,educ:re74,re74:age"}, 2, "requires the directed cycle variable 'age'", true},
      {{"fci", "--data", nsw, "--require", "age:educ,educ:age"}, 2, "and its reverse", true},
      {{"convert-graph", cyclic, "--from", "tetrad", "--to", "amat-cpdag"}, 2, "has a directed cycle", true},
      {{"attention-graph", "--attention", uniform}, 2, "singular", true},
      {{"attention-graph", "--attention", negative}, 2, "entry (0, 2) is -0.1", true},
      {{"pc", "--data", numeric_header}, 2, "--no-header", true},
      {{"ate", "--data", nsw, "--treatment", "re78", "--outcome", "re78", "--covariates", "age"}, 2, "name the same column"},
      {{"ate", "--data", nsw, "--treatment", "treat", "--outcome", "re78", "--covariates", "age,treat"}, 2, "which is the treatment"},
      {{"ate", "--data", nsw, "--treatment", "age", "--outcome", "re78", "--covariates", "educ"}, 2, "must be 0 or 1"},
  };
  for (const auto& c : cases) require_contained(c);
}

TEST_CASE("hostile input: defaults never guess silently, failures exit with their own code", "[hostile]") {
  const std::string ihdp = data_dir + "/ihdp/ihdp_npci_1.csv";
  std::string x25;
  for (int j = 1; j <= 25; ++j) x25 += (j > 1 ? ",x" : "x") + std::to_string(j);
  const std::vector<Case> cases = {
      {{"ate", "--data", ihdp, "--treatment", "treatment", "--outcome", "y_factual"}, 2, "ate needs --covariates"},
      {{"ate", "--data", ihdp, "--treatment", "treatment", "--outcome", "y_factual", "--covariates", x25, "--folds", "5"},
       3, "numerical failure: unit"},
      {{"ate", "--data", data_dir + "/lalonde/lalonde_dw_psid.csv", "--treatment", "treat", "--outcome", "re78", "--covariates",
        "age,educ,black,hisp,married,nodegree,re74,re75", "--method", "ipw"},
       3, "set --clip"},
      {{"pc", "--data", nsw, "--output", "/dev/full"}, 2, "write error"},
      {{"pc", "--data", nsw, "--output", scratch().string()}, 2, "is a directory"},
      {{"convert-graph", data_dir + "/causal-learn/graph.10.txt", "--from", "tetrad", "--to", "dot", "--output", "/dev/full"}, 2,
       "write error"},
  };
  for (const auto& c : cases) require_contained(c);
}
