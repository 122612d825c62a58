#include <catch2/catch.hpp>

#include "causalattn/graph/graph.hpp"
#include "causalattn/graph/lagged_graph.hpp"

namespace ca = causalattn;
using ca::Mark;
using Catch::Matchers::Contains;

TEST_CASE("marks are read at the node named first", "[graph]") {
  ca::Graph g({"a", "b", "c"});
  g.add_directed(0, 1);
  g.set_edge(1, 2, Mark::circle, Mark::arrow);
  REQUIRE(g.mark_at(0, 1) == Mark::tail);
  REQUIRE(g.mark_at(1, 0) == Mark::arrow);
  REQUIRE(g.is_directed(0, 1));
  REQUIRE_FALSE(g.is_directed(1, 0));
  REQUIRE(g.mark_at(1, 2) == Mark::circle);
  REQUIRE(g.mark_at(2, 1) == Mark::arrow);
  REQUIRE_FALSE(g.adjacent(0, 2));
  REQUIRE(g.mark_at(0, 2) == Mark::none);
  REQUIRE(g.edge_count() == 2);
  REQUIRE(g.adjacents(1) == std::vector<ca::Index>{0, 2});
  REQUIRE(g.parents(1) == std::vector<ca::Index>{0});
  REQUIRE(g.children(0) == std::vector<ca::Index>{1});
  REQUIRE(g.parents(2).empty());  // o-> is not a directed edge
  REQUIRE(g.index_of("c") == 2);
  REQUIRE(std::string(ca::to_string(Mark::circle)) == "circle");
  g.remove_edge(2, 1);
  REQUIRE_FALSE(g.adjacent(1, 2));
  REQUIRE(g.edges() == std::vector<ca::Edge>{{0, 1, Mark::tail, Mark::arrow}});
}

TEST_CASE("graph construction and edits reject bad input", "[graph]") {
  REQUIRE_THROWS_WITH(ca::Graph(std::vector<std::string>{"a", "b", "a"}),
                      Contains("'a' appears twice") && Contains("nodes 0 and 2"));
  REQUIRE_THROWS_WITH(ca::Graph(std::vector<std::string>{"a", ""}), Contains("node 1 has an empty name"));
  REQUIRE_THROWS_AS(ca::Graph(-1), ca::invalid_input);
  ca::Graph g(3);
  REQUIRE(g.names() == std::vector<std::string>{"X1", "X2", "X3"});
  REQUIRE_THROWS_WITH(g.add_directed(1, 1), Contains("self-loop"));
  REQUIRE_THROWS_WITH(g.add_directed(0, 3), Contains("index 3 is out of range [0, 3)"));
  REQUIRE_THROWS_WITH(g.mark_at(-1, 0), Contains("index -1"));
  REQUIRE_THROWS_WITH(g.set_edge(0, 1, Mark::none, Mark::arrow), Contains("none"));
  REQUIRE_THROWS_WITH(g.set_mark_at(0, 1, Mark::arrow), Contains("no edge between X1 and X2"));
  REQUIRE_THROWS_WITH(g.index_of("Y"), Contains("no node named 'Y'"));
}

TEST_CASE("DAG detection and topological order", "[graph]") {
  ca::Graph g(4);
  g.add_directed(2, 0);
  g.add_directed(0, 1);
  g.add_directed(2, 3);
  REQUIRE(g.is_dag());
  const auto order = g.topological_order();
  REQUIRE(order.size() == 4);
  auto pos = [&](ca::Index v) { return std::find(order.begin(), order.end(), v) - order.begin(); };
  for (const auto& e : g.edges()) {
    const auto from = e.at_a == Mark::tail ? e.a : e.b;
    const auto to = e.at_a == Mark::tail ? e.b : e.a;
    REQUIRE(pos(from) < pos(to));
  }
  g.add_directed(1, 2);  // cycle 2 -> 0 -> 1 -> 2
  REQUIRE_FALSE(g.is_dag());
  g.add_undirected(1, 2);
  REQUIRE_FALSE(g.is_dag());
}

TEST_CASE("lagged graph: links, summary and bounds", "[graph]") {
  ca::LaggedGraph g(3, 2);
  REQUIRE(g.link_count() == 0);
  g.set_link(0, 1, 2);
  g.set_link(1, 1, 1);  // autoregression
  g.set_link(2, 0, 1);
  g.set_link(0, 2, 1);
  REQUIRE(g.has_link(0, 1, 2));
  REQUIRE_FALSE(g.has_link(0, 1, 1));
  REQUIRE(g.link_count() == 4);
  const auto s = g.summary();
  REQUIRE(s.is_directed(0, 1));
  REQUIRE(s.mark_at(0, 2) == Mark::arrow);  // linked both ways: <->
  REQUIRE(s.mark_at(2, 0) == Mark::arrow);
  REQUIRE(s.edge_count() == 2);
  g.set_link(0, 1, 2, false);
  REQUIRE(g.link_count() == 3);
  REQUIRE_THROWS_WITH(g.set_link(0, 1, 3), Contains("lag") && Contains("[1, 2]"));
  REQUIRE_THROWS_WITH(g.has_link(0, 1, 0), Contains("lag"));
  REQUIRE_THROWS_WITH(g.has_link(0, 5, 1), Contains("index 5"));
  REQUIRE_THROWS_WITH(ca::LaggedGraph(3, 0), Contains("max_lag"));
  REQUIRE(g != ca::LaggedGraph(3, 2));
}

TEST_CASE("review regressions: invalid mark values and oversized graphs are rejected", "[graph]") {
  ca::Graph g(2);
  REQUIRE_THROWS_WITH(g.set_edge(0, 1, static_cast<Mark>(7), Mark::arrow), Contains("value 7 is not a Mark"));
  g.add_directed(0, 1);
  REQUIRE_THROWS_WITH(g.set_mark_at(0, 1, static_cast<Mark>(9)), Contains("value 9"));
  REQUIRE_THROWS_WITH(ca::LaggedGraph(3, ca::Index(1) << 62), Contains("max_lag") && Contains("2^40"));
  REQUIRE_THROWS_WITH(ca::LaggedGraph(2000, 1000000), Contains("max_lag"));
}
