#include "causalattn/discovery/bootstrap.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "causalattn/io/bootstrap_io.hpp"

namespace ca = causalattn;
using ca::Index;
using Catch::Matchers::Contains;

namespace {

/// n samples of the chain X1 -> X2 -> X3 -> X4 (coefficients 0.8) plus an independent X5.
ca::Matrix<double> chain_data(Index n, std::uint64_t seed) {
  ca::Rng rng(seed);
  ca::Matrix<double> x = ca::normal_matrix<double>(n, 5, rng);
  for (Index j = 1; j < 4; ++j) x.col(j) += 0.8 * x.col(j - 1);
  return x;
}

const ca::PairFrequencies* find_pair(const ca::BootstrapResult& r, Index a, Index b) {
  for (const auto& pair : r.pairs)
    if (pair.a == a && pair.b == b) return &pair;
  return nullptr;
}

}  // namespace

TEST_CASE("bootstrap_graphs: the chain's edges in nearly every resample, frequencies that add up", "[discovery][bootstrap]") {
  std::printf("bootstrap chain: data seed 20261205, resample seed 7\n");
  const auto x = chain_data(600, 20261205);
  ca::BootstrapOptions options;
  options.seed = 7;
  options.pc.alpha = 0.01;
  const auto result = ca::bootstrap_graphs(x, 60, options);
  REQUIRE(result.resamples == 60);
  REQUIRE(result.failed == 0);
  REQUIRE(result.seed == 7);
  for (Index j = 0; j < 3; ++j) {
    const auto* pair = find_pair(result, j, j + 1);
    REQUIRE(pair != nullptr);
    REQUIRE(pair->edge_frequency >= 0.95);
    REQUIRE(result.consensus.adjacent(j, j + 1));
  }
  for (Index j = 0; j < 4; ++j) REQUIRE(!result.consensus.adjacent(j, 4));  // X5 stands alone
  REQUIRE(!result.consensus.adjacent(0, 3));
  for (const auto& pair : result.pairs) {
    REQUIRE(pair.a < pair.b);
    double total = 0, edges = 0;
    for (const auto& t : pair.types) {
      total += t.frequency;
      if (t.at_a != ca::Mark::none) edges += t.frequency;
    }
    REQUIRE(total == Approx(1.0).epsilon(1e-12));
    REQUIRE(edges == Approx(pair.edge_frequency).epsilon(1e-12));
    for (std::size_t k = 1; k < pair.types.size(); ++k) REQUIRE(pair.types[k - 1].frequency >= pair.types[k].frequency);
  }
  // A chain has no collider: PC leaves its edges undirected in (nearly) every resample.
  REQUIRE(find_pair(result, 1, 2)->types.front().at_a == ca::Mark::tail);
  REQUIRE(find_pair(result, 1, 2)->types.front().at_b == ca::Mark::tail);
}

TEST_CASE("bootstrap_graphs: frequencies are the share of resamples, the same for any thread count", "[discovery][bootstrap]") {
  // A search that says X1 - X2 exactly when the resample drew row 0: the frequency must be the
  // share of resamples whose rows (substream b of the seed) contain row 0.
  const auto x = chain_data(30, 3);
  ca::BootstrapOptions options;
  options.seed = 11;
  const auto search = [&](const ca::Matrix<double>& resample) {
    ca::Graph g(5);
    for (Index i = 0; i < resample.rows(); ++i)
      if (resample.row(i) == x.row(0)) {
        g.add_undirected(0, 1);
        break;
      }
    return g;
  };
  options.threads = 1;
  const auto one = ca::bootstrap_graphs_with(x, 40, search, options);
  options.threads = 2;
  const auto two = ca::bootstrap_graphs_with(x, 40, search, options);
  int with_row_0 = 0;
  for (Index b = 0; b < 40; ++b) {
    const auto rows = ca::detail::bootstrap_rows(11, b, 30);
    with_row_0 += std::find(rows.begin(), rows.end(), Index(0)) != rows.end();
  }
  REQUIRE(with_row_0 > 0);
  REQUIRE(with_row_0 < 40);
  REQUIRE(one.pairs.size() == 1);
  REQUIRE(one.pairs[0].edge_frequency == double(with_row_0) / 40);
  REQUIRE(one.consensus.adjacent(0, 1) == (with_row_0 > 20));  // a tie at 20 goes to "no edge"
  REQUIRE(two.pairs.size() == 1);
  REQUIRE(two.pairs[0].edge_frequency == one.pairs[0].edge_frequency);
  REQUIRE(ca::bootstrap_to_json(one).dump(0) == ca::bootstrap_to_json(two).dump(0));
  // PC through the data-only overload: 1 and 2 threads agree on every frequency.
  const auto chain = chain_data(300, 5);
  ca::BootstrapOptions pc_options;
  pc_options.threads = 1;
  const auto pc_one = ca::bootstrap_graphs(chain, 20, pc_options);
  pc_options.threads = 2;
  const auto pc_two = ca::bootstrap_graphs(chain, 20, pc_options);
  REQUIRE(ca::bootstrap_to_json(pc_one).dump(0) == ca::bootstrap_to_json(pc_two).dump(0));
}

TEST_CASE("bootstrap_graphs with FCI, and the JSON and DOT forms", "[discovery][bootstrap]") {
  // X1 -> X3 <- X2: FCI finds the collider, X1 o-> X3 <-o X2.
  ca::Rng rng(20261205);
  ca::Matrix<double> x = ca::normal_matrix<double>(800, 3, rng);
  x.col(2) += x.col(0) + x.col(1);
  ca::BootstrapOptions options;
  options.algorithm = ca::BootstrapAlgorithm::fci;
  const auto result = ca::bootstrap_graphs(x, 30, options, {"A", "B", "C"});
  REQUIRE(result.consensus.adjacent(0, 2));
  REQUIRE(result.consensus.mark_at(0, 2) == ca::Mark::circle);
  REQUIRE(result.consensus.mark_at(2, 0) == ca::Mark::arrow);
  REQUIRE(!result.consensus.adjacent(0, 1));
  const auto json = ca::JsonValue::parse(ca::bootstrap_to_json(result).dump(2));
  REQUIRE(json.at("resamples").as_number("resamples") == 30);
  REQUIRE(json.at("nodes").as_array("nodes").size() == 3);
  bool found = false;
  for (const auto& pair : json.at("pairs").as_array("pairs"))
    if (pair.at("a").as_string("a") == "A" && pair.at("b").as_string("b") == "C") {
      found = true;
      REQUIRE(pair.at("types").as_array("types")[0].at("edge").as_string("edge") == "o->");
    }
  REQUIRE(found);
  const std::string dot = ca::bootstrap_to_dot(result);
  REQUIRE_THAT(dot, Contains("\"A\" -> \"C\" [dir=both, arrowtail=odot, arrowhead=normal, label=\""));
  REQUIRE_THAT(dot, Contains("tooltip=\"o-> "));
  REQUIRE(ca::edge_type_text(ca::Mark::arrow, ca::Mark::circle) == "<-o");
  REQUIRE(ca::edge_type_text(ca::Mark::none, ca::Mark::none).empty());
}

TEST_CASE("bootstrap_graphs refuses bad arguments and counts failed resamples", "[discovery][bootstrap]") {
  const auto x = chain_data(50, 1);
  ca::BootstrapOptions options;
  REQUIRE_THROWS_WITH(ca::bootstrap_graphs(x, 0, options), Contains("resamples") && Contains("must be >= 1"));
  options.consensus_frequency = 0;
  REQUIRE_THROWS_WITH(ca::bootstrap_graphs(x, 10, options), Contains("options.consensus_frequency"));
  options.consensus_frequency = 1.5;
  REQUIRE_THROWS_AS(ca::bootstrap_graphs(x, 10, options), ca::invalid_input);
  options.consensus_frequency = 1;  // allowed: only edges seen in every resample
  REQUIRE_NOTHROW(ca::bootstrap_graphs(x, 5, options));
  options.consensus_frequency = 0.5;
  ca::Matrix<double> bad = x;
  bad(3, 2) = std::nan("");
  REQUIRE_THROWS_WITH(ca::bootstrap_graphs(bad, 10, options), Contains("data"));
  REQUIRE_THROWS_WITH(ca::bootstrap_graphs(x, 10, options, {"a", "b"}), Contains("names"));
  // A column with a single non-zero entry is constant in the resamples that miss that row: those
  // are counted as failed and left out, with the first failure named.
  ca::Matrix<double> rare = x;
  rare.col(4).setZero();
  rare(7, 4) = 1;
  const auto result = ca::bootstrap_graphs(rare, 40, options);
  REQUIRE(result.failed > 0);
  REQUIRE(result.failed < 40);
  REQUIRE_THAT(result.first_failure, Contains("resample ") && Contains("constant"));
  for (const auto& pair : result.pairs) {
    double total = 0;
    for (const auto& t : pair.types) total += t.frequency;
    REQUIRE(total == Approx(1.0).epsilon(1e-12));
  }
  // Every resample failing throws the first failure, naming what failed.
  ca::Matrix<double> constant = x;
  constant.col(1).setConstant(2.0);
  REQUIRE_THROWS_WITH(ca::bootstrap_graphs(constant, 5, options), Contains("column 1") && Contains("in every resample"));
  // Bad search options are named before any resample runs; so is a search giving the wrong graph.
  options.pc.alpha = 2;
  REQUIRE_THROWS_WITH(ca::bootstrap_graphs(x, 5, options), Contains("options.alpha"));
  options.pc.alpha = 0.05;
  options.pc.knowledge = ca::BackgroundKnowledge(3);
  REQUIRE_THROWS_WITH(ca::bootstrap_graphs(x, 5, options), Contains("options.knowledge"));
  options.pc.knowledge = ca::BackgroundKnowledge();
  REQUIRE_THROWS_WITH(ca::bootstrap_graphs_with(
                          x, 5, [](const ca::Matrix<double>&) { return ca::Graph(3); }, options),
                      Contains("search") && Contains("3 nodes for 5 columns"));
  // A seed a JSON number cannot hold exactly is written as a string.
  options.seed = (std::uint64_t(1) << 60) + 1;
  const auto big = ca::bootstrap_graphs(x, 2, options);
  REQUIRE(ca::bootstrap_to_json(big).at("seed").as_string("seed") == std::to_string(options.seed));
}
