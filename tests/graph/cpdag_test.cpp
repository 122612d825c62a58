#include <catch2/catch.hpp>

#include <vector>

#include "causalattn/graph/cpdag.hpp"
#include "random_graphs.hpp"

namespace ca = causalattn;
using ca::Index;
using ca::Mark;

namespace {

bool same_v_structures(const ca::Graph& x, const ca::Graph& y) {
  const Index p = x.size();
  for (Index c = 0; c < p; ++c)
    for (Index a = 0; a < p; ++a)
      for (Index b = a + 1; b < p; ++b)
        if (ca::is_v_structure(x, a, c, b) != ca::is_v_structure(y, a, c, b)) return false;
  return true;
}

// Oracle: enumerate every orientation of the skeleton, keep the DAGs Markov equivalent to `dag`
// (same skeleton and v-structures, Verma and Pearl 1990); an edge is directed in the CPDAG iff all
// of them orient it the same way.
ca::Graph brute_force_cpdag(const ca::Graph& dag) {
  const auto edges = dag.edges();
  const std::size_t m = edges.size();
  std::vector<int> forward(m, 0), backward(m, 0);
  for (std::uint64_t code = 0; code < (std::uint64_t{1} << m); ++code) {
    ca::Graph candidate(dag.names());
    for (std::size_t e = 0; e < m; ++e) {
      if (code >> e & 1U) candidate.add_directed(edges[e].b, edges[e].a);
      else candidate.add_directed(edges[e].a, edges[e].b);
    }
    if (!candidate.is_dag() || !same_v_structures(candidate, dag)) continue;
    for (std::size_t e = 0; e < m; ++e) (code >> e & 1U ? backward : forward)[e]++;
  }
  ca::Graph cpdag(dag.names());
  for (std::size_t e = 0; e < m; ++e) {
    if (backward[e] == 0) cpdag.add_directed(edges[e].a, edges[e].b);
    else if (forward[e] == 0) cpdag.add_directed(edges[e].b, edges[e].a);
    else cpdag.add_undirected(edges[e].a, edges[e].b);
  }
  return cpdag;
}

}  // namespace

TEST_CASE("textbook CPDAGs", "[graph][cpdag]") {
  SECTION("a chain is fully undirected") {
    ca::Graph dag(3);
    dag.add_directed(0, 1);
    dag.add_directed(1, 2);
    const auto cpdag = ca::dag_to_cpdag(dag);
    REQUIRE(cpdag.is_undirected(0, 1));
    REQUIRE(cpdag.is_undirected(1, 2));
  }
  SECTION("a collider and the edge it compels (Meek R1)") {
    ca::Graph dag(4);
    dag.add_directed(0, 2);
    dag.add_directed(1, 2);
    dag.add_directed(2, 3);
    const auto cpdag = ca::dag_to_cpdag(dag);
    REQUIRE(cpdag.is_directed(0, 2));
    REQUIRE(cpdag.is_directed(1, 2));
    REQUIRE(cpdag.is_directed(2, 3));
  }
  SECTION("a shielded collider stays undirected") {
    ca::Graph dag(3);
    dag.add_directed(0, 2);
    dag.add_directed(1, 2);
    dag.add_directed(0, 1);
    const auto cpdag = ca::dag_to_cpdag(dag);
    REQUIRE(cpdag.edge_count() == 3);
    for (const auto& e : cpdag.edges()) REQUIRE(cpdag.is_undirected(e.a, e.b));
  }
}

TEST_CASE("dag_to_cpdag equals the brute-force Markov equivalence class", "[graph][cpdag]") {
  const std::uint64_t seed = 20261122;
  INFO("seed " << seed);
  ca::Rng rng(seed);
  int checked = 0, with_directed = 0, with_undirected = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const Index p = 3 + static_cast<Index>(rng.uniform_int(4));  // 3..6 nodes
    const auto dag = ca::test::random_dag(p, 0.5, rng);
    if (dag.edge_count() > 12) continue;
    const auto expected = brute_force_cpdag(dag);
    const auto actual = ca::dag_to_cpdag(dag);
    INFO("trial " << trial);
    REQUIRE(actual == expected);
    ++checked;
    for (const auto& e : actual.edges()) {
      if (actual.is_undirected(e.a, e.b)) ++with_undirected;
      else ++with_directed;
    }
  }
  // The random sample must exercise both outcomes, or the comparison proves little.
  REQUIRE(checked > 250);
  REQUIRE(with_directed > 100);
  REQUIRE(with_undirected > 100);
}

TEST_CASE("dag_to_cpdag rejects graphs that are not DAGs", "[graph][cpdag]") {
  ca::Graph g(3);
  g.add_directed(0, 1);
  g.add_undirected(1, 2);
  REQUIRE_THROWS_AS(ca::dag_to_cpdag(g), ca::invalid_input);
  g.add_directed(1, 2);
  g.add_directed(2, 0);
  REQUIRE_THROWS_WITH(ca::dag_to_cpdag(g), Catch::Matchers::Contains("cycle"));
}

TEST_CASE("Meek rules orient their textbook patterns", "[graph][cpdag]") {
  SECTION("R2: a --> c --> b and a --- b") {
    ca::Graph g(3);
    g.add_directed(0, 2);
    g.add_directed(2, 1);
    g.add_undirected(0, 1);
    REQUIRE(ca::apply_meek_rules(g) == 1);
    REQUIRE(g.is_directed(0, 1));
  }
  SECTION("R3: two non-adjacent undirected neighbours pointing into b") {
    ca::Graph g(4);  // a = 0, b = 1, c = 2, d = 3
    g.add_undirected(0, 2);
    g.add_undirected(0, 3);
    g.add_directed(2, 1);
    g.add_directed(3, 1);
    g.add_undirected(0, 1);
    REQUIRE(ca::apply_meek_rules(g) == 1);
    REQUIRE(g.is_directed(0, 1));
  }
  SECTION("R4: a --- c --> d --> b, a adjacent d, c and b not adjacent") {
    ca::Graph g(4);  // a = 0, b = 1, c = 2, d = 3
    g.add_undirected(0, 2);
    g.add_directed(2, 3);
    g.add_directed(3, 1);
    g.add_undirected(0, 3);
    g.add_undirected(0, 1);
    ca::apply_meek_rules(g);
    REQUIRE(g.is_directed(0, 1));
  }
}
