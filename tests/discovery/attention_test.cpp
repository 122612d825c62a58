#include <catch2/catch.hpp>

#include <cstdio>
#include <vector>

#include <Eigen/Dense>

#include "causalattn/core/random.hpp"
#include "causalattn/discovery/attention.hpp"
#include "causalattn/discovery/dag_to_pag.hpp"
#include "causalattn/graph/cpdag.hpp"
#include "random_graphs.hpp"

namespace ca = causalattn;
using ca::Index;
using ca::Mark;
using Catch::Matchers::Contains;

namespace {

// The SEM attention of a DAG: G(i, j) = weight of j -> i, drawn from U(0.5, 2); A = (I - G)^-1,
// summed as I + G + G^2 + ... (G is nilpotent), so no rounding makes an entry negative.
ca::Matrix<double> sem_attention(const ca::Graph& dag, ca::Rng& rng, bool normalise_rows = true) {
  const Index n = dag.size();
  ca::Matrix<double> g = ca::Matrix<double>::Zero(n, n);
  for (Index i = 0; i < n; ++i)
    for (Index j : dag.parents(i)) g(i, j) = rng.uniform(0.5, 2.0);
  ca::Matrix<double> a = ca::Matrix<double>::Identity(n, n), power = a;
  for (Index k = 1; k < n; ++k) {
    power = power * g;
    a += power;
  }
  if (normalise_rows) a = a.array().colwise() / a.rowwise().sum().array();
  return a;
}

// True if two graphs over the same number of nodes have the same marks, ignoring names.
bool same_marks(const ca::Graph& x, const ca::Graph& y) {
  if (x.size() != y.size()) return false;
  for (Index i = 0; i < x.size(); ++i)
    for (Index j = 0; j < x.size(); ++j)
      if (x.mark_at(i, j) != y.mark_at(i, j)) return false;
  return true;
}

}  // namespace

TEST_CASE("SEM attention of a positive DAG is a valid attention matrix whose row scaling keeps the correlation",
          "[discovery][attention]") {
  ca::Rng rng(20261126);
  for (int trial = 0; trial < 20; ++trial) {
    const ca::Graph dag = ca::test::random_sparse_dag(5, 15, rng);
    ca::Rng weights(rng.substream(std::uint64_t(trial)));
    ca::Rng same_weights = weights;
    const ca::Matrix<double> raw = sem_attention(dag, weights, false);
    const ca::Matrix<double> a = sem_attention(dag, same_weights, true);
    REQUIRE(raw.minCoeff() >= 0);
    REQUIRE_NOTHROW(ca::check_attention_matrix(a));
    const ca::Matrix<double> r_raw = ca::correlation_from_covariance(ca::Matrix<double>(raw * raw.transpose()));
    const ca::Matrix<double> r = ca::correlation_from_covariance(ca::attention_covariance(a));
    REQUIRE((r - r_raw).cwiseAbs().maxCoeff() < 1e-12);
    REQUIRE(r.diagonal().isOnes(0));
  }
}

TEST_CASE("attention adapter + PC at a large effective n returns the DAG's CPDAG; FCI over a subset the marginal's PAG",
          "[discovery][attention]") {
  const std::uint64_t seed = 20261127;
  std::printf("attention adapter: seed %llu\n", static_cast<unsigned long long>(seed));
  ca::Rng rng(seed);
  ca::AttentionGraphOptions options;
  // Variances compound along chains (weights up to 2), so a true edge's partial correlation can be
  // ~1e-3; n = 1e10 resolves |r| > 3e-5, while the rounding of exact zeros (~1e-13) stays far below.
  options.sample_size = 1e10;
  for (int trial = 0; trial < 40; ++trial) {
    const ca::Graph dag = ca::test::random_sparse_dag(5, 12, rng);
    const ca::Matrix<double> a = sem_attention(dag, rng);
    INFO("trial " << trial << ", " << dag.size() << " tokens");
    options.algorithm = ca::AttentionAlgorithm::pc;
    options.nodes.clear();
    REQUIRE(same_marks(ca::attention_graph(a, options).graph, ca::dag_to_cpdag(dag)));
    // Hide up to 3 tokens: FCI over the rest is the PAG of the marginal.
    std::vector<Index> hidden, shown;
    for (Index v = 0; v < dag.size(); ++v) (rng.bernoulli(0.2) && hidden.size() < 3 ? hidden : shown).push_back(v);
    if (shown.size() < 2) continue;
    options.algorithm = ca::AttentionAlgorithm::fci;
    options.nodes = shown;
    const auto result = ca::attention_graph(a, options);
    REQUIRE(result.nodes == shown);
    REQUIRE(result.graph.name(0) == "T" + std::to_string(shown[0]));
    REQUIRE(same_marks(result.graph, ca::dag_to_pag(dag, hidden)));
  }
}

TEST_CASE("attention adapter: token order, value covariance, head consensus", "[discovery][attention]") {
  ca::Rng rng(20261128);
  ca::Graph chain(4);  // T0 -> T1 -> T2 <- T3
  chain.add_directed(0, 1);
  chain.add_directed(1, 2);
  chain.add_directed(3, 2);
  const ca::Matrix<double> a = sem_attention(chain, rng);
  ca::AttentionGraphOptions options;
  options.sample_size = 1e6;
  options.algorithm = ca::AttentionAlgorithm::pc;
  // Nodes in a given order: the graph follows that order.
  options.nodes = {2, 0, 1};
  const auto ordered = ca::attention_graph(a, options).graph;
  REQUIRE(ordered.names() == std::vector<std::string>{"T2", "T0", "T1"});
  REQUIRE(ordered.adjacent(1, 2));   // T0 - T1
  REQUIRE(ordered.adjacent(0, 2));   // T1 - T2
  REQUIRE(!ordered.adjacent(0, 1));  // T2 and T0 separated by T1
  // A diagonal value covariance rescales each token's noise: same independences, same graph.
  options.nodes.clear();
  ca::Matrix<double> s = ca::Matrix<double>::Zero(4, 4);
  s.diagonal() << 1.0, 4.0, 0.25, 2.0;
  const auto plain = ca::attention_graph(a, options).graph;
  REQUIRE(ca::attention_graph_from_covariance(ca::attention_covariance(a, s), options).graph == plain);
  REQUIRE(plain.is_directed(1, 2));
  REQUIRE(plain.is_directed(3, 2));
  // Two heads from the chain and one from an empty graph: frequencies 2/3 on the chain's edges.
  const ca::Matrix<double> identity = ca::Matrix<double>::Identity(4, 4);
  const auto consensus = ca::head_consensus({a, a, identity}, options);
  REQUIRE(consensus.heads.size() == 3);
  REQUIRE(consensus.edge_frequency(0, 1) == Approx(2.0 / 3));
  REQUIRE(consensus.edge_frequency(1, 0) == Approx(2.0 / 3));
  REQUIRE(consensus.edge_frequency(0, 2) == 0);
  REQUIRE(consensus.arrowhead_frequency(1, 2) == Approx(2.0 / 3));  // arrowhead at T2 on T1 -> T2
  REQUIRE(consensus.arrowhead_frequency(2, 1) == 0);
  // A [layer][head] stack: only the deepest layer counts.
  const auto deepest = ca::deepest_layer_consensus({{identity}, {a, a, identity}}, options);
  REQUIRE(deepest.edge_frequency == consensus.edge_frequency);
  REQUIRE_THROWS_WITH(ca::deepest_layer_consensus({}, options), Contains("stack"));
}

TEST_CASE("attention adapter rejects degenerate input clearly", "[discovery][attention]") {
  ca::Matrix<double> a = ca::Matrix<double>::Constant(3, 3, 1.0 / 3);
  REQUIRE_NOTHROW(ca::check_attention_matrix(a));
  ca::Matrix<double> bad = a;
  bad(1, 2) = std::nan("");
  REQUIRE_THROWS_WITH(ca::attention_covariance(bad), Contains("attention") && Contains("row 1, column 2"));
  bad = a;
  bad(0, 1) = 0.5;
  REQUIRE_THROWS_WITH(ca::attention_covariance(bad), Contains("row 0 sums to"));
  bad = a;
  bad(2, 2) = 0;
  bad(2, 0) = 2.0 / 3;
  REQUIRE_THROWS_WITH(ca::attention_covariance(bad), Contains("diagonal entry (2, 2) is 0"));
  bad = a;
  bad(1, 0) = -0.1;
  bad(1, 1) = 1.0 / 3 + 0.1;
  REQUIRE_THROWS_WITH(ca::attention_covariance(bad), Contains("entry (1, 0)") && Contains("non-negative"));
  REQUIRE_THROWS_WITH(ca::attention_covariance(ca::Matrix<double>::Constant(2, 3, 0.5)), Contains("square"));
  REQUIRE_THROWS_WITH(ca::attention_covariance(a, ca::Matrix<double>::Identity(2, 2)), Contains("value_covariance"));
  ca::AttentionGraphOptions options;
  options.nodes = {0, 3};
  REQUIRE_THROWS_WITH(ca::attention_graph(a, options), Contains("options.nodes") && Contains("out of range"));
  options.nodes = {1, 1};
  REQUIRE_THROWS_WITH(ca::attention_graph(a, options), Contains("twice"));
  REQUIRE_THROWS_WITH(ca::head_consensus({}), Contains("layer_heads"));
  REQUIRE_THROWS_WITH(ca::head_consensus({a, ca::Matrix<double>::Identity(2, 2)}), Contains("layer_heads[1]"));
  bad = a;
  bad(0, 0) = 0.5;
  REQUIRE_THROWS_WITH(ca::head_consensus({a, bad}), Contains("layer_heads[1]") && Contains("row 0"));
  // A value covariance that zeroes a token's variance: the correlation is undefined.
  ca::Matrix<double> s = ca::Matrix<double>::Zero(3, 3);
  REQUIRE_THROWS_WITH(ca::attention_graph_from_covariance(ca::attention_covariance(a, s)), Contains("diagonal"));
  // Uniform attention (identical rows) is singular: no SEM reading, refused rather than a graph.
  REQUIRE_THROWS_WITH(ca::attention_graph(a), Contains("singular"));
  REQUIRE_THROWS_WITH(ca::head_consensus({a}), Contains("layer_heads[0]") && Contains("singular"));
}

TEST_CASE("rounding's tiny negative attention weights read as 0, real negative weights are refused", "[discovery][attention]") {
  ca::Matrix<double> a(3, 3);
  a << 0.6, 0.3, 0.1, 0.2, 0.7, 0.1, 0.1, 0.2, 0.7;
  ca::Matrix<double> rounded = a;
  rounded(0, 2) = -1e-17;  // e.g. what a numerical inverse leaves where the weight is 0
  rounded(0, 0) = 0.7;
  ca::Matrix<double> zeroed = rounded;
  zeroed(0, 2) = 0;
  REQUIRE(ca::attention_covariance(rounded) == ca::attention_covariance(zeroed));
  REQUIRE(ca::attention_graph(rounded).graph == ca::attention_graph(zeroed).graph);
  ca::Matrix<double> negative = zeroed;
  negative(0, 2) = -10 * ca::attention_negative_tolerance;
  negative(0, 0) += 10 * ca::attention_negative_tolerance;
  REQUIRE_THROWS_WITH(ca::attention_covariance(negative), Contains("entry (0, 2)") && Contains("non-negative"));
  // A float16 matrix's rows sum to 1 only to ~n 2^-11; the tolerance follows the stored precision.
  REQUIRE(ca::attention_row_sum_tolerance(3, 8) == 1e-4);
  REQUIRE(ca::attention_row_sum_tolerance(1000, 2) == Approx(1000 * std::ldexp(1.0, -11)));
}
