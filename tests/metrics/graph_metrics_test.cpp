#include <catch2/catch.hpp>

#include "invalid_input_message.hpp"

#include <cstdint>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "causalattn/core/random.hpp"
#include "random_graphs.hpp"
#include "causalattn/graph/graph.hpp"
#include "causalattn/graph/lagged_graph.hpp"
#include "causalattn/metrics/graph_metrics.hpp"

namespace ca = causalattn;
using ca::Index;
using ca::Mark;
using Catch::Matchers::Contains;

namespace {

// `g` with each pair redrawn with probability `rate`: removed, added, or given new marks, so the
// result is close to `g` and differs from it in every possible way.
ca::Graph perturb(const ca::Graph& g, double rate, ca::Rng& rng) {
  ca::Graph out = g;
  for (Index i = 0; i < g.size(); ++i) {
    for (Index j = i + 1; j < g.size(); ++j) {
      if (!rng.bernoulli(rate)) continue;
      switch (rng.uniform_int(4)) {
        case 0: out.remove_edge(i, j); break;
        case 1: out.set_edge(i, j, ca::test::random_mark(rng), ca::test::random_mark(rng)); break;
        case 2: if (out.adjacent(i, j)) out.set_mark_at(i, j, ca::test::random_mark(rng)); break;
        default: if (out.adjacent(i, j)) out.set_edge(i, j, out.mark_at(j, i), out.mark_at(i, j)); break;  // reverse
      }
    }
  }
  return out;
}

// Brute-force SHD from the edge lists: the pairs {a, b} in the symmetric difference of the two
// sets of (a, b, mark at a, mark at b) edges.
Index brute_force_shd(const ca::Graph& x, const ca::Graph& y) {
  auto as_set = [](const ca::Graph& g) {
    std::set<std::tuple<Index, Index, int, int>> s;
    for (const auto& e : g.edges()) s.emplace(e.a, e.b, static_cast<int>(e.at_a), static_cast<int>(e.at_b));
    return s;
  };
  const auto sx = as_set(x), sy = as_set(y);
  std::set<std::pair<Index, Index>> differing;
  for (const auto& e : sx)
    if (!sy.count(e)) differing.emplace(std::get<0>(e), std::get<1>(e));
  for (const auto& e : sy)
    if (!sx.count(e)) differing.emplace(std::get<0>(e), std::get<1>(e));
  return static_cast<Index>(differing.size());
}

// Brute-force confusion of two sets of items.
template <class T>
ca::ConfusionCounts brute_force_confusion(const std::set<T>& estimate, const std::set<T>& truth) {
  ca::ConfusionCounts c;
  for (const auto& x : estimate) ++(truth.count(x) ? c.true_positives : c.false_positives);
  for (const auto& x : truth) c.false_negatives += estimate.count(x) ? 0 : 1;
  return c;
}

std::set<std::pair<Index, Index>> adjacency_set(const ca::Graph& g) {
  std::set<std::pair<Index, Index>> s;
  for (const auto& e : g.edges()) s.emplace(e.a, e.b);
  return s;
}

// Arrowheads as (other end, node with the arrow), read from the edge list.
std::set<std::pair<Index, Index>> arrowhead_set(const ca::Graph& g) {
  std::set<std::pair<Index, Index>> s;
  for (const auto& e : g.edges()) {
    if (e.at_a == Mark::arrow) s.emplace(e.b, e.a);
    if (e.at_b == Mark::arrow) s.emplace(e.a, e.b);
  }
  return s;
}

}  // namespace

TEST_CASE("structural Hamming distance counts each differing pair once", "[metrics][shd]") {
  ca::Graph truth({"a", "b", "c"});
  truth.add_directed(0, 1);                     // a --> b
  truth.set_edge(1, 2, Mark::circle, Mark::arrow);  // b o-> c

  REQUIRE(ca::structural_hamming_distance(truth, truth) == 0);

  ca::Graph estimate = truth;
  SECTION("reversed edge") { estimate.add_directed(1, 0); }
  SECTION("missing edge") { estimate.remove_edge(0, 1); }
  SECTION("extra edge") { estimate.add_undirected(0, 2); }
  SECTION("o-> against -->") { estimate.add_directed(1, 2); }
  SECTION("one end differs: --- against -->") { estimate.add_undirected(0, 1); }
  SECTION("both ends differ: <-> against o-> still counts 1") { estimate.add_bidirected(1, 2); }
  SECTION("both ends differ: o-o against -->") { estimate.set_edge(0, 1, Mark::circle, Mark::circle); }

  REQUIRE(estimate != truth);
  REQUIRE(ca::structural_hamming_distance(estimate, truth) == 1);
  REQUIRE(ca::structural_hamming_distance(truth, estimate) == 1);
}

TEST_CASE("structural Hamming distance adds up over pairs", "[metrics][shd]") {
  ca::Graph truth(4), estimate(4);
  truth.add_directed(0, 1);
  truth.add_directed(1, 2);
  truth.add_undirected(2, 3);
  estimate.add_directed(1, 0);                       // reversed
  estimate.add_directed(1, 2);                       // same
  estimate.set_edge(2, 3, Mark::circle, Mark::tail);  // one mark differs
  estimate.add_bidirected(0, 3);                     // extra
  REQUIRE(ca::structural_hamming_distance(estimate, truth) == 3);
  REQUIRE(ca::structural_hamming_distance(ca::Graph(0), ca::Graph(0)) == 0);
  // An empty estimate misses every true edge.
  REQUIRE(ca::structural_hamming_distance(ca::Graph(4), truth) == 3);
}

TEST_CASE("structural Hamming distance equals a brute-force count on random marked graphs", "[metrics][shd]") {
  const std::uint64_t seed = 20260511;
  INFO("seed " << seed);
  ca::Rng rng(seed);
  Index total = 0, mark_only = 0;
  for (int trial = 0; trial < 300; ++trial) {
    INFO("trial " << trial);
    const Index p = 2 + static_cast<Index>(rng.uniform_int(7));  // 2..8 nodes
    const auto truth = ca::test::random_marked_graph(p, 0.5, rng);
    const auto estimate = perturb(truth, 0.3, rng);
    const Index shd = ca::structural_hamming_distance(estimate, truth);
    REQUIRE(shd == brute_force_shd(estimate, truth));
    REQUIRE(shd == ca::structural_hamming_distance(truth, estimate));
    REQUIRE(ca::structural_hamming_distance(estimate, estimate) == 0);
    total += shd;
    for (const auto& e : truth.edges())
      if (estimate.adjacent(e.a, e.b) && (estimate.mark_at(e.a, e.b) != e.at_a || estimate.mark_at(e.b, e.a) != e.at_b))
        ++mark_only;

    const auto adj = ca::adjacency_confusion(estimate, truth);
    REQUIRE(adj == brute_force_confusion(adjacency_set(estimate), adjacency_set(truth)));
    REQUIRE(adj.true_positives + adj.false_positives == estimate.edge_count());
    REQUIRE(adj.true_positives + adj.false_negatives == truth.edge_count());
    // Every adjacency error is a structural difference, but not every difference is an adjacency error.
    REQUIRE(adj.false_positives + adj.false_negatives <= shd);

    REQUIRE(ca::arrowhead_confusion(estimate, truth) ==
            brute_force_confusion(arrowhead_set(estimate), arrowhead_set(truth)));
  }
  // The sample must contain many differences, including mark-only ones, or the comparison proves little.
  REQUIRE(total > 300);
  REQUIRE(mark_only > 100);
}

TEST_CASE("ConfusionCounts precision, recall, F1 and their 0/0 conventions", "[metrics][confusion]") {
  const ca::ConfusionCounts c{3, 1, 2};
  REQUIRE(c.precision() == Approx(0.75));
  REQUIRE(c.recall() == Approx(0.6));
  REQUIRE(c.f1() == Approx(2.0 / 3.0));

  const ca::ConfusionCounts nothing{0, 0, 0};  // nothing claimed, nothing to find: perfect
  REQUIRE(nothing.precision() == 1.0);
  REQUIRE(nothing.recall() == 1.0);
  REQUIRE(nothing.f1() == 1.0);

  const ca::ConfusionCounts missed_all{0, 0, 5};  // empty estimate of a non-empty truth
  REQUIRE(missed_all.precision() == 1.0);
  REQUIRE(missed_all.recall() == 0.0);
  REQUIRE(missed_all.f1() == 0.0);

  const ca::ConfusionCounts all_false{0, 4, 0};  // claims against an empty truth
  REQUIRE(all_false.precision() == 0.0);
  REQUIRE(all_false.recall() == 1.0);
  REQUIRE(all_false.f1() == 0.0);

  const ca::ConfusionCounts all_wrong{0, 2, 3};  // P + R == 0
  REQUIRE(all_wrong.precision() == 0.0);
  REQUIRE(all_wrong.recall() == 0.0);
  REQUIRE(all_wrong.f1() == 0.0);
}

TEST_CASE("adjacency and arrowhead confusion on a hand-made PAG", "[metrics][confusion]") {
  // truth:    a --> b,  b <-> c,  c o-> d,  d --- e
  // estimate: a <-- b,  b o-> c,  c o-o d,  a --> e,  b --> e
  ca::Graph truth({"a", "b", "c", "d", "e"});
  truth.add_directed(0, 1);
  truth.add_bidirected(1, 2);
  truth.set_edge(2, 3, Mark::circle, Mark::arrow);
  truth.add_undirected(3, 4);
  ca::Graph estimate({"a", "b", "c", "d", "e"});
  estimate.add_directed(1, 0);
  estimate.set_edge(1, 2, Mark::circle, Mark::arrow);
  estimate.set_edge(2, 3, Mark::circle, Mark::circle);
  estimate.add_directed(0, 4);
  estimate.add_directed(1, 4);

  // Adjacencies: a-b, b-c, c-d in both; a-e, b-e extra; d-e missing.
  const auto adj = ca::adjacency_confusion(estimate, truth);
  REQUIRE(adj == ca::ConfusionCounts{3, 2, 1});
  REQUIRE(adj.precision() == Approx(0.6));
  REQUIRE(adj.recall() == Approx(0.75));
  REQUIRE(adj.f1() == Approx(2.0 / 3.0));

  // Arrowheads (arrow at the second node): truth {a>b, b>c, c>b, c>d}; estimate {b>a, b>c, a>e, b>e}.
  const auto arrows = ca::arrowhead_confusion(estimate, truth);
  REQUIRE(arrows == ca::ConfusionCounts{1, 3, 3});
  REQUIRE(arrows.precision() == Approx(0.25));
  REQUIRE(arrows.recall() == Approx(0.25));
  REQUIRE(arrows.f1() == Approx(0.25));

  // Swapping the roles swaps false positives and false negatives.
  REQUIRE(ca::adjacency_confusion(truth, estimate) == ca::ConfusionCounts{3, 1, 2});
  REQUIRE(ca::arrowhead_confusion(truth, estimate) == ca::ConfusionCounts{1, 3, 3});

  // Six pairs differ: a-b (reversed), b-c and c-d (marks), d-e (missing), a-e and b-e (extra).
  REQUIRE(ca::structural_hamming_distance(estimate, truth) == 6);
}

TEST_CASE("arrowhead confusion counts both ends of a bidirected edge", "[metrics][confusion]") {
  ca::Graph truth(2), estimate(2);
  truth.add_directed(0, 1);
  estimate.add_bidirected(0, 1);
  REQUIRE(ca::arrowhead_confusion(estimate, truth) == ca::ConfusionCounts{1, 1, 0});
  // An undirected or circle-circle estimate has no arrowheads: precision by convention 1, recall 0.
  estimate.add_undirected(0, 1);
  const auto c = ca::arrowhead_confusion(estimate, truth);
  REQUIRE(c == ca::ConfusionCounts{0, 0, 1});
  REQUIRE(c.precision() == 1.0);
  REQUIRE(c.recall() == 0.0);
  REQUIRE(c.f1() == 0.0);
}

TEST_CASE("confusion of empty graphs follows the 0/0 conventions", "[metrics][confusion]") {
  const ca::Graph empty(3);
  const auto adj = ca::adjacency_confusion(empty, empty);
  REQUIRE(adj == ca::ConfusionCounts{0, 0, 0});
  REQUIRE(adj.f1() == 1.0);
  ca::Graph truth(3);
  truth.add_directed(0, 2);
  const auto miss = ca::adjacency_confusion(empty, truth);
  REQUIRE(miss == ca::ConfusionCounts{0, 0, 1});
  REQUIRE(miss.precision() == 1.0);
  REQUIRE(miss.recall() == 0.0);
}

TEST_CASE("lagged link confusion compares (source, target, lag) triples", "[metrics][confusion][lagged]") {
  ca::LaggedGraph truth(3, 2), estimate(3, 2);
  truth.set_link(0, 1, 1);
  truth.set_link(1, 1, 2);  // self-link (autoregression)
  truth.set_link(2, 0, 1);
  estimate.set_link(0, 1, 2);  // right pair, wrong lag: one FP and one FN
  estimate.set_link(1, 1, 2);
  estimate.set_link(2, 0, 1);
  estimate.set_link(0, 2, 1);  // reversed direction of 2 --> 0: FP
  const auto c = ca::lagged_link_confusion(estimate, truth);
  REQUIRE(c == ca::ConfusionCounts{2, 2, 1});
  REQUIRE(c.precision() == Approx(0.5));
  REQUIRE(c.recall() == Approx(2.0 / 3.0));
  REQUIRE(ca::lagged_link_confusion(truth, truth) == ca::ConfusionCounts{3, 0, 0});
  REQUIRE(ca::lagged_link_confusion(ca::LaggedGraph(3, 2), truth) == ca::ConfusionCounts{0, 0, 3});
}

TEST_CASE("graph metrics reject graphs over different nodes", "[metrics][errors]") {
  const ca::Graph abc({"a", "b", "c"});
  const ca::Graph axc({"a", "x", "c"});
  const ca::Graph four(4);
  const ca::Graph three(3);
  for (const auto& message : {ca::test::invalid_input_message([&] { ca::structural_hamming_distance(axc, abc); }),
                              ca::test::invalid_input_message([&] { ca::adjacency_confusion(axc, abc); }),
                              ca::test::invalid_input_message([&] { ca::arrowhead_confusion(axc, abc); })}) {
    REQUIRE_THAT(message, Contains("estimate") && Contains("node 1") && Contains("'x'") && Contains("'b'"));
  }
  for (const auto& message : {ca::test::invalid_input_message([&] { ca::structural_hamming_distance(four, three); }),
                              ca::test::invalid_input_message([&] { ca::adjacency_confusion(three, four); }),
                              ca::test::invalid_input_message([&] { ca::arrowhead_confusion(four, three); })}) {
    REQUIRE_THAT(message, Contains("4 nodes") || Contains("3 nodes"));
    REQUIRE_THAT(message, Contains("truth has"));
  }
  // Same names in another order is a different graph layout, not silently re-matched.
  REQUIRE_THAT(ca::test::invalid_input_message([&] { ca::adjacency_confusion(ca::Graph({"b", "a"}), ca::Graph({"a", "b"})); }),
               Contains("node 0 is named 'b'") && Contains("'a'"));

  const ca::LaggedGraph lagged({"a", "b"}, 2);
  REQUIRE_THAT(ca::test::invalid_input_message([&] { ca::lagged_link_confusion(ca::LaggedGraph({"a", "y"}, 2), lagged); }),
               Contains("node 1") && Contains("'y'") && Contains("'b'"));
  REQUIRE_THAT(ca::test::invalid_input_message([&] { ca::lagged_link_confusion(ca::LaggedGraph({"a", "b"}, 3), lagged); }),
               Contains("max_lag 3") && Contains("max_lag 2"));
  REQUIRE_THAT(ca::test::invalid_input_message([&] { ca::lagged_link_confusion(ca::LaggedGraph(3, 2), lagged); }),
               Contains("3 nodes") && Contains("truth has 2"));
}
