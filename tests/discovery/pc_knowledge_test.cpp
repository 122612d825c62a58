// PC with background knowledge (forbidden / required edges, tiers) and the conservative and
// majority collider rules.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "causalattn/discovery/background_knowledge.hpp"
#include "causalattn/discovery/d_separation.hpp"
#include "causalattn/discovery/pc.hpp"
#include "causalattn/graph/cpdag.hpp"
#include "causalattn/io/csv.hpp"
#include "random_graphs.hpp"

namespace ca = causalattn;
using ca::Index;
using Catch::Matchers::Contains;

namespace {

/// A CI test given as a table of p-values keyed by (min(x, y), max(x, y), sorted S); pairs and sets
/// not listed are dependent (p = 0).
class TableTest {
 public:
  explicit TableTest(Index p) : p_(p) {}
  void set(Index x, Index y, std::vector<Index> s, double p) {
    std::sort(s.begin(), s.end());
    table_[{std::min(x, y), std::max(x, y), s}] = p;
  }
  Index variables() const { return p_; }
  ca::CiTestResult test(Index x, Index y, const std::vector<Index>& s) const {
    std::vector<Index> sorted = s;
    std::sort(sorted.begin(), sorted.end());
    const auto it = table_.find({std::min(x, y), std::max(x, y), sorted});
    ca::CiTestResult result;
    result.p_value = it == table_.end() ? 0.0 : it->second;
    return result;
  }

 private:
  Index p_;
  std::map<std::tuple<Index, Index, std::vector<Index>>, double> table_;
};

/// Four variables, skeleton 0 - 1 - 2 and 0 - 3. Separating sets of (0, 2) over the subsets of
/// adj(0) = {1, 3} and adj(2) = {1}: {}, {3} and {1, 3}, so 1 lies in one of three (a collider by
/// majority and by the first-found sepset {}, ambiguous for the conservative rule). With
/// `definite_non_collider`, only {1, 3} separates: 1 lies in all of them. (1, 3) is separated by {0}
/// and {0, 2}: the triple 1 - 0 - 3 is a non-collider under every rule.
TableTest four_variable_table(bool definite_non_collider) {
  TableTest t(4);
  if (!definite_non_collider) {
    t.set(0, 2, {}, 0.5);
    t.set(0, 2, {3}, 0.5);
  } else {
    t.set(0, 2, {1}, 0.5);  // removes the edge at depth 1 with sepset {1}
  }
  t.set(0, 2, {1, 3}, 0.5);
  t.set(2, 3, {}, 0.5);
  t.set(1, 3, {0}, 0.5);
  t.set(1, 3, {0, 2}, 0.5);
  return t;
}

ca::PcOptions with_rule(ca::ColliderRule rule, int priority = -1) {
  ca::PcOptions options;
  options.collider_rule = rule;
  options.priority = priority;
  return options;
}

/// Rank of every node in a topological order of `dag`.
std::vector<Index> topological_rank(const ca::Graph& dag) {
  const auto order = dag.topological_order();
  std::vector<Index> rank(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) rank[std::size_t(order[i])] = Index(i);
  return rank;
}

}  // namespace

TEST_CASE("conservative and majority rules: collider, non-collider and ambiguous triples", "[discovery][pc]") {
  const TableTest mixed = four_variable_table(false);
  // Skeleton: 0 - 1, 1 - 2, 0 - 3.
  const auto sepset_rule = ca::pc(mixed, {}, with_rule(ca::ColliderRule::sepset));
  REQUIRE(sepset_rule.skeleton.edge_count() == 3);
  REQUIRE(sepset_rule.cpdag.is_directed(0, 1));
  REQUIRE(sepset_rule.cpdag.is_directed(2, 1));
  REQUIRE(sepset_rule.ambiguous_triples.empty());

  const auto majority = ca::pc(mixed, {}, with_rule(ca::ColliderRule::majority));
  REQUIRE(majority.cpdag == sepset_rule.cpdag);  // 1 in one separating set of three: a collider
  REQUIRE(majority.ambiguous_triples.empty());
  REQUIRE(majority.cpdag.is_undirected(0, 3));

  const auto conservative = ca::pc(mixed, {}, with_rule(ca::ColliderRule::conservative));
  REQUIRE(conservative.ambiguous_triples == std::vector<std::array<Index, 3>>{{0, 1, 2}});
  REQUIRE(conservative.cpdag.is_undirected(0, 1));
  REQUIRE(conservative.cpdag.is_undirected(1, 2));
  REQUIRE(conservative.cpdag.is_undirected(0, 3));

  // Meek's R1 does not propagate through an ambiguous triple: with 0 -> 1 required, 1 - 2 stays
  // undirected; when the triple is a definite non-collider, R1 orients 1 -> 2.
  auto required = with_rule(ca::ColliderRule::conservative);
  required.knowledge = ca::BackgroundKnowledge(4).require(0, 1);
  const auto blocked = ca::pc(mixed, {}, required);
  REQUIRE(blocked.cpdag.is_directed(0, 1));
  REQUIRE(blocked.cpdag.is_undirected(1, 2));
  const auto propagated = ca::pc(four_variable_table(true), {}, required);
  REQUIRE(propagated.ambiguous_triples.empty());
  REQUIRE(propagated.cpdag.is_directed(0, 1));
  REQUIRE(propagated.cpdag.is_directed(1, 2));

  // Exactly half of the separating sets contain y: ambiguous for the majority rule too.
  TableTest half = four_variable_table(false);
  half.set(0, 2, {3}, 0.0);  // separating sets {} and {1, 3}
  const auto tie = ca::pc(half, {}, with_rule(ca::ColliderRule::majority));
  REQUIRE(tie.ambiguous_triples == std::vector<std::array<Index, 3>>{{0, 1, 2}});
  REQUIRE(tie.cpdag.is_undirected(0, 1));
}

TEST_CASE("with a d-separation oracle the conservative and majority rules return the true CPDAG", "[discovery][pc]") {
  // Under a perfect oracle every unshielded triple is unambiguous (Ramsey et al. 2006), so both rules
  // must return the CPDAG and report no ambiguous triple. Each triple tests every subset of two
  // neighbourhoods, so the graphs have at most 14 nodes.
  const std::uint64_t seed = 5150;
  INFO("seed " << seed);
  ca::Rng rng(seed);
  for (int trial = 0; trial < 80; ++trial) {
    const auto dag = ca::test::random_sparse_dag(4, 11, rng);
    const Index p = dag.size();
    const auto truth = ca::dag_to_cpdag(dag);
    const ca::DSeparationTest oracle(dag);
    for (auto rule : {ca::ColliderRule::conservative, ca::ColliderRule::majority}) {
      for (int priority : {-1, 0, 1, 2, 4}) {
        INFO("trial " << trial << ", p " << p << ", rule " << int(rule) << ", priority " << priority);
        const auto result = ca::pc(oracle, {}, with_rule(rule, priority));
        REQUIRE(result.ambiguous_triples.empty());
        REQUIRE(result.cpdag == truth);
      }
    }
  }
}

TEST_CASE("background knowledge consistent with the truth only adds correct orientations", "[discovery][pc]") {
  // Oracle PC with tiers taken from the true DAG's topological order: the skeleton stays the true
  // one and every directed edge points the true way. With one tier per node the tiers decide every
  // edge and the output is the DAG itself.
  const std::uint64_t seed = 8080;
  INFO("seed " << seed);
  ca::Rng rng(seed);
  for (int trial = 0; trial < 60; ++trial) {
    const auto dag = ca::test::random_sparse_dag(5, 26, rng);
    const Index p = dag.size();
    const ca::DSeparationTest oracle(dag);
    const auto rank = topological_rank(dag);
    INFO("trial " << trial << ", p " << p);

    ca::PcOptions full;
    full.knowledge = ca::BackgroundKnowledge(p);
    for (Index v = 0; v < p; ++v) full.knowledge.set_tier(v, int(rank[std::size_t(v)]));
    REQUIRE(ca::pc(oracle, {}, full).cpdag == dag);

    ca::PcOptions two_tiers;
    two_tiers.knowledge = ca::BackgroundKnowledge(p);
    for (Index v = 0; v < p; ++v) two_tiers.knowledge.set_tier(v, rank[std::size_t(v)] < p / 2 ? 0 : 1);
    const auto result = ca::pc(oracle, {}, two_tiers);
    for (Index a = 0; a < p; ++a)
      for (Index b = 0; b < p; ++b) {
        REQUIRE(result.cpdag.adjacent(a, b) == dag.adjacent(a, b));
        if (result.cpdag.is_directed(a, b)) REQUIRE(dag.is_directed(a, b));
        // Every edge across the two tiers is oriented forward.
        if (dag.is_directed(a, b) && (rank[std::size_t(a)] < p / 2) != (rank[std::size_t(b)] < p / 2)) {
          REQUIRE(result.cpdag.is_directed(a, b));
        }
      }
  }
}

TEST_CASE("forbidden pairs leave the skeleton untested, required edges stay and point their way", "[discovery][pc]") {
  const auto table = ca::read_csv<double>(std::string(CAUSALATTN_DATA_DIR) + "/causal-learn/data_linear_10.txt");
  const ca::FisherZTest test(table.data);
  const auto plain = ca::pc(test, table.names);
  const Index p = table.data.cols();
  // An adjacent pair and a non-adjacent pair of the unconstrained result.
  std::pair<Index, Index> kept{-1, -1}, removed{-1, -1};
  for (Index a = 0; a < p && (kept.first < 0 || removed.first < 0); ++a)
    for (Index b = a + 1; b < p; ++b) {
      if (plain.cpdag.adjacent(a, b) && kept.first < 0) kept = {a, b};
      if (!plain.cpdag.adjacent(a, b) && removed.first < 0) removed = {a, b};
    }
  REQUIRE(kept.first >= 0);
  REQUIRE(removed.first >= 0);
  ca::PcOptions options;
  options.knowledge = ca::BackgroundKnowledge(p);
  options.knowledge.forbid(kept.first, kept.second).forbid(kept.second, kept.first);
  options.knowledge.require(removed.second, removed.first);
  const auto constrained = ca::pc(test, table.names, options);
  REQUIRE_FALSE(constrained.cpdag.adjacent(kept.first, kept.second));
  REQUIRE(constrained.sepset[std::size_t(kept.first)][std::size_t(kept.second)].empty());
  REQUIRE(constrained.max_p_value(kept.first, kept.second) == 0.0);  // never tested
  REQUIRE(constrained.cpdag.is_directed(removed.second, removed.first));
  REQUIRE(constrained.max_p_value(removed.first, removed.second) == 0.0);
  // Same answer for any thread count.
  options.threads = 1;
  REQUIRE(ca::pc(test, table.names, options).cpdag == constrained.cpdag);
}

TEST_CASE("a collider that contradicts the knowledge is not oriented", "[discovery][pc]") {
  const TableTest mixed = four_variable_table(false);
  ca::PcOptions options;
  options.knowledge = ca::BackgroundKnowledge(4).forbid(0, 1);
  const auto result = ca::pc(mixed, {}, options);
  REQUIRE(result.cpdag.is_directed(1, 0));    // the knowledge orients 0 - 1 the only allowed way
  REQUIRE(result.cpdag.is_undirected(1, 2));  // the collider 0 -> 1 <- 2 is skipped
  // Tiers with forbid_within_tiers ban pairs inside a tier, as causal-learn's tiers do.
  ca::PcOptions tiers;
  tiers.knowledge = ca::BackgroundKnowledge(4);
  tiers.knowledge.set_tier(0, 0).set_tier(1, 0).set_tier(2, 1).set_tier(3, 1).forbid_within_tiers();
  const auto tiered = ca::pc(mixed, {}, tiers);
  REQUIRE_FALSE(tiered.cpdag.adjacent(0, 1));
  REQUIRE(tiered.cpdag.is_directed(0, 3));
  REQUIRE(tiered.cpdag.is_directed(1, 2));
}

TEST_CASE("contradictory or mis-sized background knowledge is rejected clearly", "[discovery][pc]") {
  ca::BackgroundKnowledge bk(3);
  REQUIRE_THROWS_WITH(bk.forbid(0, 3), Contains("to: is 3, must lie in [0, 3)"));
  REQUIRE_THROWS_WITH(bk.require(1, 1), Contains("self-loop on variable 1"));
  REQUIRE_THROWS_WITH(bk.set_tier(2, -1), Contains("tier: is -1 for variable 2"));
  const TableTest t(3);
  ca::PcOptions options;
  options.knowledge = ca::BackgroundKnowledge(3).require(0, 1).forbid(0, 1);
  REQUIRE_THROWS_WITH(ca::pc(t, {}, options), Contains("requires and forbids the edge 0 -> 1"));
  options.knowledge = ca::BackgroundKnowledge(3).require(0, 1).require(1, 0);
  REQUIRE_THROWS_WITH(ca::pc(t, {}, options), Contains("requires both 0 -> 1 and its reverse"));
  options.knowledge = ca::BackgroundKnowledge(3).set_tier(0, 1).set_tier(1, 0).require(0, 1);
  REQUIRE_THROWS_WITH(ca::pc(t, {}, options), Contains("requires and forbids the edge 0 -> 1"));
  options.knowledge = ca::BackgroundKnowledge(4);
  REQUIRE_THROWS_WITH(ca::pc(t, {}, options), Contains("options.knowledge: covers 4 variables, the test 3"));
}
