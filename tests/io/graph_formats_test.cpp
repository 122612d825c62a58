#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "causalattn/graph/cpdag.hpp"
#include "causalattn/io/graph_io.hpp"
#include "random_graphs.hpp"

namespace ca = causalattn;
using ca::GraphFormat;
using ca::Mark;
using Catch::Matchers::Contains;

namespace {
const std::string data_dir = CAUSALATTN_DATA_DIR;

// Every pair of endpoint marks the formats must carry.
ca::Graph all_nine_edge_kinds() {
  ca::Graph g(10);
  const Mark marks[3] = {Mark::tail, Mark::arrow, Mark::circle};
  ca::Index k = 0;
  for (Mark x : marks)
    for (Mark y : marks) {
      g.set_edge(k, k + 1, x, y);
      ++k;
    }
  return g;
}
}  // namespace

TEST_CASE("every mark-carrying format round-trips random graphs with all four marks", "[io][graph]") {
  const std::uint64_t seed = 777;
  INFO("seed " << seed);
  ca::Rng rng(seed);
  for (GraphFormat format : {GraphFormat::tetrad, GraphFormat::dot, GraphFormat::json, GraphFormat::causal_learn,
                             GraphFormat::amat_pag}) {
    INFO("format " << ca::graph_format_names[static_cast<int>(format)]);
    const auto nine = all_nine_edge_kinds();
    REQUIRE(ca::parse_graph(ca::format_graph(nine, format), format) == nine);
    for (int trial = 0; trial < 40; ++trial) {
      const auto g = ca::test::random_marked_graph(1 + static_cast<ca::Index>(rng.uniform_int(15)), 0.4, rng);
      const std::string text = ca::format_graph(g, format);
      INFO(text);
      REQUIRE(ca::parse_graph(text, format) == g);
    }
  }
}

TEST_CASE("CPDAG amat round-trips CPDAGs and refuses PAG marks", "[io][graph]") {
  ca::Rng rng(4242);
  for (int trial = 0; trial < 40; ++trial) {
    const auto cpdag = ca::dag_to_cpdag(ca::test::random_dag(8, 0.35, rng));
    REQUIRE(ca::parse_graph(ca::format_graph(cpdag, GraphFormat::amat_cpdag), GraphFormat::amat_cpdag) == cpdag);
  }
  ca::Graph g(2);
  g.set_edge(0, 1, Mark::circle, Mark::arrow);
  REQUIRE_THROWS_WITH(ca::to_pcalg_amat(g, ca::AmatType::cpdag), Contains("X1 - X2") && Contains("circle"));
  // A directed cycle is no CPDAG: refused when written and when read (found by the fuzzer).
  ca::Graph cycle(3);
  cycle.add_directed(0, 1);
  cycle.add_directed(1, 2);
  cycle.add_directed(2, 0);
  REQUIRE_THROWS_WITH(ca::to_pcalg_amat(cycle, ca::AmatType::cpdag), Contains("directed cycle"));
  REQUIRE_THROWS_WITH(ca::parse_graph("0 1 0\n0 0 1\n1 0 0\n", GraphFormat::amat_cpdag), Contains("form a cycle"));
  REQUIRE_FALSE(ca::dag_to_cpdag(ca::test::random_dag(8, 0.35, rng)).has_directed_cycle());
}

TEST_CASE("matrix encodings follow the peers' conventions", "[io][graph]") {
  ca::Graph g(3);
  g.add_directed(0, 1);                         // X1 --> X2
  g.set_edge(1, 2, Mark::circle, Mark::arrow);  // X2 o-> X3
  const auto cl = ca::to_causal_learn_matrix(g);
  REQUIRE(cl(0, 1) == -1);  // mark at X1 (tail)
  REQUIRE(cl(1, 0) == 1);   // mark at X2 (arrow)
  REQUIRE(cl(1, 2) == 2);   // circle at X2
  REQUIRE(cl(2, 1) == 1);
  const auto amat = ca::to_pcalg_amat(g, ca::AmatType::pag);
  REQUIRE(amat(0, 1) == 2);  // mark at X2: arrow
  REQUIRE(amat(1, 0) == 3);  // mark at X1: tail
  REQUIRE(amat(1, 2) == 2);
  REQUIRE(amat(2, 1) == 1);  // circle at X2
  ca::Graph d(2);
  d.add_directed(0, 1);
  const auto cp = ca::to_pcalg_amat(d, ca::AmatType::cpdag);
  REQUIRE(cp(0, 1) == 0);
  REQUIRE(cp(1, 0) == 1);
}

TEST_CASE("Tetrad text matches the documented layout", "[io][graph]") {
  ca::Graph g({"A", "B", "C"});
  g.add_directed(1, 0);
  g.set_edge(1, 2, Mark::arrow, Mark::circle);
  REQUIRE(ca::to_tetrad_text(g) == "Graph Nodes:\nA;B;C\n\nGraph Edges:\n1. B --> A\n2. C o-> B\n");
}

TEST_CASE("causal-learn's true graph and expected outputs parse and survive a Tetrad round trip", "[io][graph]") {
  const auto truth = ca::read_tetrad(data_dir + "/causal-learn/graph.10.txt");
  REQUIRE(truth.size() == 20);
  REQUIRE(truth.edge_count() == 30);
  REQUIRE(truth.is_dag());
  REQUIRE(truth.is_directed(truth.index_of("X1"), truth.index_of("X13")));
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir + "/causal-learn/expected")) {
    INFO(entry.path().string());
    const auto matrix = ca::parse_int_matrix(ca::io::read_file_bytes(entry.path().string()));
    REQUIRE(matrix.rows() == 20);
    const auto g = ca::from_causal_learn_matrix(matrix, truth.names());
    REQUIRE(g.edge_count() > 0);
    const auto back = ca::parse_tetrad_text(ca::to_tetrad_text(g));
    REQUIRE(back == g);
    REQUIRE(ca::to_causal_learn_matrix(back) == matrix);
    ++files;
  }
  REQUIRE(files == 10);
}

TEST_CASE("Tetrad reader accepts peer variations and rejects malformed text", "[io][graph]") {
  const auto g = ca::parse_tetrad_text(
      "\r\nGraph Nodes:\r\nA,B,C\r\n\r\nGraph Edges:\r\nA --> B dd nl\r\n2. B <-o C\r\n\r\nGraph Attributes:\r\nScore: 1\r\n");
  REQUIRE(g.is_directed(0, 1));
  REQUIRE(g.mark_at(1, 2) == Mark::arrow);
  REQUIRE(g.mark_at(2, 1) == Mark::circle);
  auto fails = [](const std::string& text, const std::string& expected) {
    INFO(text);
    REQUIRE_THROWS_WITH(ca::parse_tetrad_text(text, "g.txt"), Contains("g.txt") && Contains(expected));
  };
  fails("", "is empty");
  fails("Nodes:\nA;B\n", "line 1: expected 'Graph Nodes:'");
  fails("Graph Nodes:\n", "node list is missing");
  fails("Graph Nodes:\nA;;B\n", "empty node name");
  fails("Graph Nodes:\nA;B;A\n\nGraph Edges:\n", "appears twice");
  fails("Graph Nodes:\nA;B\n\nEdges:\n", "line 4: expected 'Graph Edges:'");
  fails("Graph Nodes:\nA;B\n\nGraph Edges:\n1. A --> Z\n", "line 5: edge names unknown node 'Z'");
  fails("Graph Nodes:\nA;B\n\nGraph Edges:\n1. A ==> B\n", "unknown edge symbol '==>'");
  fails("Graph Nodes:\nA;B\n\nGraph Edges:\n1. A x-> B\n", "unknown edge symbol 'x->'");
  fails("Graph Nodes:\nA;B\n\nGraph Edges:\n1. A --> A\n", "self-loop");
  fails("Graph Nodes:\nA;B\n\nGraph Edges:\n1. A --> B\n2. B --> A\n", "line 6: second edge");
  fails("Graph Nodes:\nA;B\n\nGraph Edges:\n1. A -->\n", "expected an edge");
  REQUIRE_THROWS_WITH(ca::to_tetrad_text(ca::Graph(std::vector<std::string>{"a b"})), Contains("'a b'"));
}

TEST_CASE("DOT reader handles what drawing tools write", "[io][graph]") {
  const auto g = ca::parse_dot(R"(/* comment */ strict digraph "G" {
    rankdir = LR; node [shape=box]
    a -> b -> c; // chain
    d [label="D"];
    edge [dir=both, arrowtail=odot]
    c -> d [arrowhead=normal];
    "e \"quoted\"" -> a [dir=none];
  })");
  REQUIRE(g.names() == std::vector<std::string>{"a", "b", "c", "d", "e \"quoted\""});
  REQUIRE(g.is_directed(0, 1));
  REQUIRE(g.is_directed(1, 2));
  REQUIRE(g.mark_at(2, 3) == Mark::circle);
  REQUIRE(g.mark_at(3, 2) == Mark::arrow);
  REQUIRE(g.is_undirected(4, 0));
  const auto u = ca::parse_dot("graph { x -- y }");
  REQUIRE(u.is_undirected(0, 1));
  auto fails = [](const std::string& text, const std::string& expected) {
    INFO(text);
    REQUIRE_THROWS_WITH(ca::parse_dot(text, "g.dot"), Contains("g.dot") && Contains(expected));
  };
  fails("", "is empty");
  fails("tree { }", "expected 'graph' or 'digraph'");
  fails("digraph { a -> b", "expected '}' before the end");
  fails("digraph { a -- b }", "use '->' in a digraph");
  fails("digraph {\n subgraph s { a } }", "line 2: subgraphs are not supported");
  fails("digraph { a -> b; b -> a }", "second edge");
  fails("digraph { a -> a }", "self-loop");
  fails("digraph { a:p -> b }", "ports");
  fails("digraph { a -> b [dir=sideways] }", "unknown dir 'sideways'");
  fails("digraph { \"a -> b }", "unterminated quoted string");
  fails("digraph { } extra", "after the closing '}'");
}

TEST_CASE("integer matrices and endpoint matrices reject bad entries with their position", "[io][graph]") {
  REQUIRE_THROWS_WITH(ca::parse_int_matrix("0 1\n1 x\n", "m.txt"), Contains("m.txt") && Contains("line 2, column 2: 'x'"));
  REQUIRE_THROWS_WITH(ca::parse_int_matrix("0 1\n1\n"), Contains("line 2 has 1 entries"));
  REQUIRE_THROWS_WITH(ca::parse_int_matrix("\n\n"), Contains("is empty"));
  ca::IntMatrix m(2, 2);
  m << 0, -1, 0, 0;
  REQUIRE_THROWS_WITH(ca::from_causal_learn_matrix(m), Contains("(0, 1) = -1") && Contains("disagree"));
  m << 0, 5, 1, 0;
  REQUIRE_THROWS_WITH(ca::from_causal_learn_matrix(m), Contains("entry (0, 1) is 5"));
  m << 1, 0, 0, 0;
  REQUIRE_THROWS_WITH(ca::from_causal_learn_matrix(m), Contains("diagonal"));
  m << 0, 4, 2, 0;
  REQUIRE_THROWS_WITH(ca::from_pcalg_amat(m, ca::AmatType::pag), Contains("entry (0, 1) is 4"));
  m << 0, 2, 1, 0;
  REQUIRE_THROWS_WITH(ca::from_pcalg_amat(m, ca::AmatType::cpdag), Contains("entry (0, 1) is 2"));
  REQUIRE_THROWS_WITH(ca::from_causal_learn_matrix(ca::IntMatrix::Zero(2, 3)), Contains("square"));
  REQUIRE_THROWS_WITH(ca::from_causal_learn_matrix(ca::IntMatrix::Zero(2, 2), {"a"}), Contains("names"));
}

TEST_CASE("graph JSON rejects malformed documents naming the edge", "[io][graph]") {
  REQUIRE_THROWS_WITH(ca::parse_graph_json("{\"nodes\": [\"a\"]}"), Contains("missing key 'edges'"));
  REQUIRE_THROWS_WITH(ca::parse_graph_json(R"({"nodes": ["a", "b"], "edges": [{"from": "a", "to": "c",
      "mark_from": "tail", "mark_to": "arrow"}]})"), Contains("edge 0") && Contains("no node named 'c'"));
  REQUIRE_THROWS_WITH(ca::parse_graph_json(R"({"nodes": ["a", "b"], "edges": [{"from": "a", "to": "b",
      "mark_from": "tail", "mark_to": "star"}]})"), Contains("'star'"));
  REQUIRE_THROWS_WITH(ca::parse_graph_json(R"({"nodes": [1], "edges": []})"), Contains("wrong type"));
}

TEST_CASE("graph files: format by name and extension, write then read", "[io][graph]") {
  REQUIRE(ca::graph_format_from_name("amat-pag") == GraphFormat::amat_pag);
  REQUIRE_THROWS_WITH(ca::graph_format_from_name("gml"), Contains("'gml'") && Contains("tetrad"));
  REQUIRE(ca::graph_format_from_path("x.gv") == GraphFormat::dot);
  REQUIRE(ca::graph_format_from_path("x.json") == GraphFormat::json);
  REQUIRE(ca::graph_format_from_path("x.txt") == GraphFormat::tetrad);
  const auto g = all_nine_edge_kinds();
  const std::string path = (std::filesystem::temp_directory_path() / "causalattn_graph_test.dot").string();
  ca::write_graph(path, g, GraphFormat::dot);
  REQUIRE(ca::read_graph(path, GraphFormat::dot) == g);
  std::filesystem::remove(path);
}

TEST_CASE("review regressions: keyword-named nodes, text after the edge list, matrix errors name the file", "[io][graph]") {
  ca::Graph g({"node", "graph", "edge", "strict"});
  g.add_directed(0, 1);
  g.set_edge(2, 3, Mark::circle, Mark::arrow);
  REQUIRE(ca::parse_dot(ca::to_dot(g)) == g);
  REQUIRE_THROWS_WITH(ca::parse_tetrad_text("Graph Nodes:\nA;B;C\n\nGraph Edges:\n1. A --> B\n\n2. B --> C\n", "t.txt"),
                      Contains("t.txt") && Contains("line 7") && Contains("not a section header"));
  REQUIRE_THROWS_WITH(ca::parse_tetrad_text("Graph Nodes:\nA B;C\n\nGraph Edges:\n"), Contains("'A B'"));
  REQUIRE_THROWS_WITH(ca::parse_graph("0 7\n1 0\n", GraphFormat::causal_learn, "m.txt"),
                      Contains("m.txt") && Contains("entry (0, 1) is 7"));
}

TEST_CASE("fuzzer regression: Tetrad names with control characters are rejected by reader and writer", "[io][graph]") {
  REQUIRE_THROWS_WITH(ca::parse_tetrad_text(std::string("Graph Nodes:\nX1;X2\r\x01;X3\n\nGraph Edges:\n")),
                      Contains("control character"));
  REQUIRE_THROWS_WITH(ca::to_tetrad_text(ca::Graph(std::vector<std::string>{"a\tb"})), Contains("control character"));
}
