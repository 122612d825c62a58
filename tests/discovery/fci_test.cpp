#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <vector>

#include "causalattn/discovery/dag_to_pag.hpp"
#include "causalattn/discovery/d_separation.hpp"
#include "causalattn/discovery/fci.hpp"
#include "causalattn/discovery/pc.hpp"
#include "causalattn/io/csv.hpp"
#include "causalattn/io/endpoint_matrix.hpp"
#include "random_graphs.hpp"

namespace ca = causalattn;
using ca::Index;
using ca::Mark;
using Catch::Matchers::Contains;

namespace {

// Draws k distinct latent nodes out of p.
std::vector<Index> random_latents(Index p, Index k, ca::Rng& rng) {
  std::vector<Index> all(static_cast<std::size_t>(p));
  for (Index i = 0; i < p; ++i) all[std::size_t(i)] = i;
  rng.shuffle(all.begin(), all.end());
  std::vector<Index> out(all.begin(), all.begin() + k);
  std::sort(out.begin(), out.end());
  return out;
}

// A random DAG over q observed nodes plus k latent nodes q..q+k-1, each a common cause of two
// observed nodes: the setting FCI is for (bidirected edges, discriminating paths).
ca::Graph dag_with_confounders(Index q, Index k, double density, ca::Rng& rng) {
  const ca::Graph observed = ca::test::random_dag(q, density, rng);
  ca::Graph dag(q + k);
  for (const auto& e : observed.edges()) {
    if (observed.is_directed(e.a, e.b)) dag.add_directed(e.a, e.b);
    else dag.add_directed(e.b, e.a);
  }
  for (Index l = q; l < q + k; ++l) {
    const Index a = Index(rng.uniform_int(std::uint64_t(q)));
    const Index b = (a + 1 + Index(rng.uniform_int(std::uint64_t(q - 1)))) % q;
    dag.add_directed(l, a);
    dag.add_directed(l, b);
  }
  return dag;
}

std::vector<Index> observed_of(Index p, const std::vector<Index>& latent) {
  std::vector<Index> out;
  for (Index v = 0; v < p; ++v)
    if (!std::binary_search(latent.begin(), latent.end(), v)) out.push_back(v);
  return out;
}

}  // namespace

TEST_CASE("dag_to_pag on textbook examples", "[discovery][fci]") {
  SECTION("a hidden common cause: X1 -> X2 <- L -> X4 gives X1 o-> X2 <-o X4") {
    ca::Graph dag(4);
    dag.add_directed(0, 1);
    dag.add_directed(2, 1);
    dag.add_directed(2, 3);
    const ca::Graph mag = ca::dag_to_mag(dag, {2});
    REQUIRE(mag.is_directed(0, 1));
    REQUIRE(mag.mark_at(1, 2) == Mark::arrow);  // X2 <-> X4
    REQUIRE(mag.mark_at(2, 1) == Mark::arrow);
    const ca::Graph pag = ca::dag_to_pag(dag, {2});
    REQUIRE(pag.names() == std::vector<std::string>{"X1", "X2", "X4"});
    REQUIRE(pag.mark_at(0, 1) == Mark::circle);
    REQUIRE(pag.mark_at(1, 0) == Mark::arrow);
    REQUIRE(pag.mark_at(2, 1) == Mark::circle);
    REQUIRE(pag.mark_at(1, 2) == Mark::arrow);
    REQUIRE(!pag.adjacent(0, 2));
  }
  SECTION("a Y-structure: A -> C <- B, C -> D gives A o-> C <-o B and C -> D (R1)") {
    ca::Graph dag(4);
    dag.add_directed(0, 2);
    dag.add_directed(1, 2);
    dag.add_directed(2, 3);
    const ca::Graph pag = ca::dag_to_pag(dag, {});
    REQUIRE(pag.mark_at(0, 2) == Mark::circle);
    REQUIRE(pag.mark_at(2, 0) == Mark::arrow);
    REQUIRE(pag.is_directed(2, 3));
  }
  SECTION("a chain without latents stays undecided: X1 o-o X2 o-o X3") {
    ca::Graph dag(3);
    dag.add_directed(0, 1);
    dag.add_directed(1, 2);
    const ca::Graph pag = ca::dag_to_pag(dag, {});
    for (auto [a, b] : {std::pair<Index, Index>{0, 1}, {1, 0}, {1, 2}, {2, 1}}) REQUIRE(pag.mark_at(a, b) == Mark::circle);
  }
}

TEST_CASE("dag_to_pag is sound: every tail and arrowhead agrees with the MAG", "[discovery][fci]") {
  // Rules that fire wrongly put marks the true MAG contradicts; a circle is always allowed.
  const std::uint64_t seed = 20261123;
  std::printf("dag_to_pag soundness: seed %llu\n", static_cast<unsigned long long>(seed));
  ca::Rng rng(seed);
  long long decided = 0;
  for (int trial = 0; trial < 200; ++trial) {
    const ca::Graph dag = ca::test::random_sparse_dag(5, 10, rng);
    const auto latent = random_latents(dag.size(), Index(rng.uniform_int(4)), rng);
    const ca::Graph mag = ca::dag_to_mag(dag, latent);
    const ca::Graph pag = ca::dag_to_pag(dag, latent);
    for (Index a = 0; a < pag.size(); ++a)
      for (Index b = 0; b < pag.size(); ++b) {
        INFO("trial " << trial << " marks at " << a << " on " << a << "-" << b);
        REQUIRE(pag.adjacent(a, b) == mag.adjacent(a, b));
        if (!pag.adjacent(a, b) || pag.mark_at(a, b) == Mark::circle) continue;
        REQUIRE(pag.mark_at(a, b) == mag.mark_at(a, b));
        ++decided;
      }
  }
  REQUIRE(decided > 500);
}

TEST_CASE("FCI with a d-separation oracle returns exactly dag_to_pag on random DAGs with latents", "[discovery][fci]") {
  const std::uint64_t seed = 20261124;
  std::printf("FCI oracle: seed %llu\n", static_cast<unsigned long long>(seed));
  ca::Rng rng(seed);
  int trials_with_latents = 0;
  for (int trial = 0; trial < 240; ++trial) {
    // Half sparse DAGs with up to 3 hidden nodes anywhere, half observed DAGs with 1-4 hidden
    // common causes of two observed nodes each.
    ca::Graph dag;
    std::vector<Index> latent;
    if (trial % 2 == 0) {
      dag = ca::test::random_sparse_dag(6, 10, rng);
      latent = random_latents(dag.size(), Index(rng.uniform_int(4)), rng);
    } else {
      const Index q = 5 + Index(rng.uniform_int(5)), k = 1 + Index(rng.uniform_int(4));
      dag = dag_with_confounders(q, k, rng.uniform(0.1, 0.4), rng);
      for (Index l = q; l < q + k; ++l) latent.push_back(l);
    }
    trials_with_latents += latent.empty() ? 0 : 1;
    const ca::Graph truth = ca::dag_to_pag(dag, latent);
    const ca::DSeparationTest oracle(dag, observed_of(dag.size(), latent));
    ca::FciOptions options;
    options.threads = 1 + int(trial % 2);
    options.sepset_mode = trial % 3 == 0 ? ca::SepsetMode::first_found : ca::SepsetMode::causal_learn;
    INFO("trial " << trial << ", " << dag.size() << " nodes, " << latent.size() << " latent");
    REQUIRE(ca::fci(oracle, truth.names(), options).pag == truth);
  }
  REQUIRE(trials_with_latents > 150);
}

TEST_CASE("FCI's possible-d-sep stage removes an edge no adjacent set separates", "[discovery][fci]") {
  // Found by searching confounded DAGs: X2 and X5 are separated only by a set holding a node
  // adjacent to neither, so the skeleton keeps X2 - X5 and the possible-d-sep stage removes it.
  ca::Graph dag(11);  // X8..X11 (7..10) are hidden
  const std::pair<Index, Index> edges[] = {{0, 5}, {8, 0}, {1, 2}, {3, 1}, {7, 1}, {9, 1}, {3, 2}, {2, 6},
                                           {3, 6}, {8, 3}, {10, 3}, {5, 4}, {10, 4}, {7, 5}, {9, 5}};
  for (const auto& [from, to] : edges) dag.add_directed(from, to);
  const std::vector<Index> latent{7, 8, 9, 10};
  const ca::Graph truth = ca::dag_to_pag(dag, latent);
  REQUIRE(!truth.adjacent(1, 4));
  const ca::DSeparationTest oracle(dag, observed_of(11, latent));
  ca::FciOptions options;
  const auto with_stage = ca::fci(oracle, truth.names(), options);
  REQUIRE(with_stage.pag == truth);
  REQUIRE(with_stage.removed_possible_dsep == 1);
  REQUIRE(!with_stage.sepset[1][4].empty());
  options.possible_dsep = false;
  const auto without = ca::fci(oracle, truth.names(), options);
  REQUIRE(without.pag.adjacent(1, 4));
  REQUIRE(without.pag != truth);
}

TEST_CASE("FCI without latents has PC's adjacencies, and is thread-count invariant on data", "[discovery][fci]") {
  ca::Rng rng(20261125);
  for (int trial = 0; trial < 60; ++trial) {
    const ca::Graph dag = ca::test::random_sparse_dag(5, 15, rng);
    const ca::DSeparationTest oracle(dag);
    const auto fci_result = ca::fci(oracle);
    const auto pc_result = ca::pc(oracle);
    for (Index a = 0; a < dag.size(); ++a)
      for (Index b = 0; b < dag.size(); ++b) REQUIRE(fci_result.pag.adjacent(a, b) == pc_result.cpdag.adjacent(a, b));
  }
  const Index p = 40, n = 800;
  ca::Matrix<double> x = ca::normal_matrix<double>(n, p, rng);
  for (Index j = 0; j < p; ++j)
    for (Index i = 0; i < j; ++i)
      if (rng.bernoulli(2.5 / double(p - 1))) x.col(j) += rng.uniform(0.5, 2.0) * x.col(i);
  ca::Matrix<double> observed = x.leftCols(p - 5);  // the last 5 variables are hidden
  ca::FciOptions options;
  options.threads = 1;
  const auto one = ca::fci(ca::FisherZTest(observed), {}, options);
  options.threads = 2;
  const auto two = ca::fci(ca::FisherZTest(observed), {}, options);
  REQUIRE(one.pag == two.pag);
  REQUIRE(one.sepset == two.sepset);
  REQUIRE(one.max_p_value == two.max_p_value);
  REQUIRE(one.tests == two.tests);
}

TEST_CASE("FCI and dag_to_pag reject bad input clearly", "[discovery][fci]") {
  ca::Graph dag(3);
  dag.add_directed(0, 1);
  REQUIRE_THROWS_WITH(ca::dag_to_pag(dag, {3}), Contains("latent") && Contains("out of range"));
  REQUIRE_THROWS_WITH(ca::dag_to_pag(dag, {1, 1}), Contains("lists node 1 twice"));
  REQUIRE_THROWS_WITH(ca::dag_to_pag(dag, {0, 1}), Contains("fewer than 2 observed"));
  REQUIRE_THROWS_WITH(ca::DSeparationTest(dag, {0, 5}), Contains("observed") && Contains("out of range"));
  ca::Graph cyclic(3);
  cyclic.add_directed(0, 1);
  cyclic.add_directed(1, 2);
  cyclic.add_directed(2, 0);
  REQUIRE_THROWS_WITH(ca::dag_to_pag(cyclic, {}), Contains("not a DAG"));
  const ca::DSeparationTest oracle(dag);
  ca::FciOptions options;
  options.alpha = 1.5;
  REQUIRE_THROWS_WITH(ca::fci(oracle, {}, options), Contains("options.alpha"));
  options.alpha = 0.05;
  options.max_path_length = -2;
  REQUIRE_THROWS_WITH(ca::fci(oracle, {}, options), Contains("options.max_path_length"));
  REQUIRE_THROWS_WITH(ca::fci(oracle, {"a", "b"}), Contains("names"));
}

TEST_CASE("FCI on linear_10 against causal-learn's older expected output: every difference explained", "[discovery][fci]") {
  // The expected file was produced by a causal-learn older than its FCI fixes (rule 3 fix, PR #97,
  // 2023; rules 8-10, PR #168, 2024). We assert the exact set of differing entries, each explained
  // in examples/guides/design.md ("FCI on linear_10"):
  // - without the possible-d-sep stage the skeleton is the file's; the only differences are the
  //   tails the file puts at X8 on X8-X9, X8-X14, X8-X19. In that graph no mark points into X8, so
  //   R1 and R4 cannot put a tail there and R8-R10 find no path; we keep the circles.
  // - with it, three more edges go: X1-X9 (separated by {X3, X8, X13}, p = 0.083) and X1-X20
  //   ({X2, X3, X4}, p = 0.72), both absent from the true DAG, and X3-X10 ({X1, X2, X5, X20},
  //   p = 0.097), a true edge missed at alpha 0.05. Without X3 *-> X10, R1 no longer orients
  //   X10 -> X12 -> X15 and X10 -> X16 -> X20, which leaves circles at X10, X12 and X16.
  const std::string data_dir = CAUSALATTN_DATA_DIR;
  const auto table = ca::read_csv<double>(data_dir + "/causal-learn/data_linear_10.txt");
  const auto expected = ca::parse_int_matrix(ca::io::read_file_bytes(data_dir + "/causal-learn/expected/linear_10_fci_fisherz_0.05.txt"));
  const ca::FisherZTest test(table.data, ca::PValueConvention::causal_learn);
  const auto differences = [&](bool possible_dsep) {
    ca::FciOptions options;
    options.possible_dsep = possible_dsep;
    const auto mine = ca::to_causal_learn_matrix(ca::fci(test, table.names, options).pag);
    std::vector<std::array<int, 4>> out;  // row, column, ours, expected
    for (Index i = 0; i < mine.rows(); ++i)
      for (Index j = 0; j < mine.cols(); ++j)
        if (mine(i, j) != expected(i, j)) out.push_back({int(i), int(j), int(mine(i, j)), int(expected(i, j))});
    return out;
  };
  const std::vector<std::array<int, 4>> x8_tails{{7, 8, 2, -1}, {7, 13, 2, -1}, {7, 18, 2, -1}};
  REQUIRE(differences(false) == x8_tails);
  const std::vector<std::array<int, 4>> with_stage{
      {0, 8, 0, 2},    {0, 19, 0, 2},  {2, 9, 0, -1},  {7, 8, 2, -1},  {7, 13, 2, -1},
      {7, 18, 2, -1},  {8, 0, 0, 1},   {9, 2, 0, 1},   {9, 11, 2, -1}, {9, 15, 2, -1},
      {11, 9, 2, 1},   {11, 14, 2, -1}, {15, 9, 2, 1}, {15, 19, 2, -1}, {19, 0, 0, 1}};
  REQUIRE(differences(true) == with_stage);
}

TEST_CASE("FCI applies background knowledge as PAG marks", "[discovery][fci]") {
  ca::Graph dag(3);  // X1 -> X2 -> X3: without knowledge X1 o-o X2 o-o X3
  dag.add_directed(0, 1);
  dag.add_directed(1, 2);
  const ca::DSeparationTest oracle(dag);
  const auto plain = ca::fci(oracle).pag;
  REQUIRE(plain.mark_at(0, 1) == Mark::circle);
  REQUIRE(plain.mark_at(1, 0) == Mark::circle);
  // Tiers X1 < X2 < X3: X2 is not an ancestor of X1, so X1 *-> X2; R1 then gives X2 -> X3.
  ca::FciOptions options;
  options.knowledge = ca::BackgroundKnowledge(3);
  options.knowledge.set_tier(0, 0).set_tier(1, 1).set_tier(2, 2);
  const auto tiered = ca::fci(oracle, {}, options).pag;
  REQUIRE(tiered.mark_at(0, 1) == Mark::circle);
  REQUIRE(tiered.mark_at(1, 0) == Mark::arrow);
  REQUIRE(tiered.is_directed(1, 2));
  // A required X1 -> X2 is oriented so, and R1 again gives X2 -> X3.
  options.knowledge = ca::BackgroundKnowledge(3);
  options.knowledge.require(0, 1);
  const auto required = ca::fci(oracle, {}, options).pag;
  REQUIRE(required.is_directed(0, 1));
  REQUIRE(required.is_directed(1, 2));
}

TEST_CASE("knowledge that two variables cause neither one another: FCI keeps a confounded pair, no false collider",
          "[discovery][fci]") {
  // X <- L -> Y with L hidden, X and Y in one tier with edges inside tiers forbidden: true (neither
  // is an ancestor of the other), and the MAG has X <-> Y, which FCI must keep (PC would drop it).
  ca::Graph confounded(3);
  confounded.add_directed(2, 0);
  confounded.add_directed(2, 1);
  ca::FciOptions options;
  options.knowledge = ca::BackgroundKnowledge(2);
  options.knowledge.set_tier(0, 0).set_tier(1, 0).forbid_within_tiers();
  const auto pag = ca::fci(ca::DSeparationTest(confounded, {0, 1}), {}, options).pag;
  REQUIRE(pag.mark_at(0, 1) == Mark::arrow);
  REQUIRE(pag.mark_at(1, 0) == Mark::arrow);
  // X <- Y -> Z with X -> Z and Z -> X forbidden (true): the pair is tested and separated by Y, so
  // X - Y - Z is no collider. PC bans the pair untested and must not read a collider into it either.
  ca::Graph fork(3);
  fork.add_directed(1, 0);
  fork.add_directed(1, 2);
  const ca::DSeparationTest oracle(fork);
  options.knowledge = ca::BackgroundKnowledge(3);
  options.knowledge.forbid(0, 2).forbid(2, 0);
  REQUIRE(ca::fci(oracle, {}, options).pag == ca::fci(oracle).pag);
  ca::PcOptions pc_options;
  pc_options.knowledge = options.knowledge;
  const auto cpdag = ca::pc(oracle, {}, pc_options).cpdag;
  REQUIRE(cpdag.is_undirected(0, 1));
  REQUIRE(cpdag.is_undirected(1, 2));
}

TEST_CASE("biconnected blocks of a skeleton, as the possible-d-sep stage cuts its sets", "[discovery][fci]") {
  // Triangle 0-1-2, bridge 2-3, square 3-4-5-6, and an isolated edge 7-8.
  ca::detail::PagGraph g(9);
  for (const auto& [a, b] : {std::pair<Index, Index>{0, 1}, {1, 2}, {0, 2}, {2, 3}, {3, 4}, {4, 5}, {5, 6}, {6, 3}, {7, 8}})
    g.add_circle_edge(a, b);
  const ca::detail::EdgeBlocks blocks(g);
  REQUIRE(blocks.nodes_with(0, 1) == std::vector<Index>{0, 1, 2});
  REQUIRE(blocks.nodes_with(2, 0) == std::vector<Index>{0, 1, 2});
  REQUIRE(blocks.nodes_with(3, 2) == std::vector<Index>{2, 3});
  REQUIRE(blocks.nodes_with(5, 4) == std::vector<Index>{3, 4, 5, 6});
  REQUIRE(blocks.nodes_with(6, 3) == std::vector<Index>{3, 4, 5, 6});
  REQUIRE(blocks.nodes_with(8, 7) == std::vector<Index>{7, 8});
}
