#pragma once
/// \file
/// Tetrad's plain-text graph format ("Graph Nodes:" / "Graph Edges:"), as written by Tetrad and
/// causal-learn: reader and writer.

#include <string>
#include <string_view>
#include <vector>

#include "causalattn/core/errors.hpp"
#include "causalattn/graph/graph.hpp"
#include "causalattn/io/text.hpp"

namespace causalattn {
namespace detail {

/// True if `name` can stand in Tetrad text: non-empty, no blank, ';', ',' or control character.
inline bool is_tetrad_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name)
    if (static_cast<unsigned char>(c) < 0x20 || c == ' ' || c == ';' || c == ',' || c == 0x7f) return false;
  return true;
}

/// Tetrad's character for a mark on the left end of an edge ("<" for an arrow).
inline char tetrad_left_char(Mark m) { return m == Mark::arrow ? '<' : m == Mark::circle ? 'o' : '-'; }
/// Tetrad's character for a mark on the right end of an edge (">" for an arrow).
inline char tetrad_right_char(Mark m) { return m == Mark::arrow ? '>' : m == Mark::circle ? 'o' : '-'; }

}  // namespace detail

/// Writes `g` in Tetrad text: the node list separated by ';', then one numbered line per edge such
/// as "1. X1 --> X2", "2. X2 o-> X3", "3. X3 <-> X4", "4. X4 --- X5", "5. X5 o-o X6". Edges are
/// listed by node index, written with the arrow pointing right where there is a single arrow. Node
/// names containing blanks, ';', ',' or control characters cannot be written (`invalid_input`). O(p^2).
/// Example: `std::string text = causalattn::to_tetrad_text(cpdag);`
inline std::string to_tetrad_text(const Graph& g) {
  std::string out = "Graph Nodes:\n";
  for (Index i = 0; i < g.size(); ++i) {
    const std::string& name = g.name(i);
    if (!detail::is_tetrad_name(name)) {
      throw invalid_input("graph", "node name '" + name +
                                       "' contains a blank, ';', ',' or control character and cannot be written as Tetrad text");
    }
    out += (i ? ";" : "") + name;
  }
  out += "\n\nGraph Edges:\n";
  std::size_t number = 0;
  for (const Edge& e : g.edges()) {
    const bool flip = e.at_a == Mark::arrow && e.at_b != Mark::arrow;
    const Index left = flip ? e.b : e.a, right = flip ? e.a : e.b;
    const Mark at_left = flip ? e.at_b : e.at_a, at_right = flip ? e.at_a : e.at_b;
    out += std::to_string(++number) + ". " + g.name(left) + " " + detail::tetrad_left_char(at_left) + "-" +
           detail::tetrad_right_char(at_right) + " " + g.name(right) + "\n";
  }
  return out;
}

/// Parses Tetrad text. Expects "Graph Nodes:", a line of names separated by ';' (or ','), then
/// "Graph Edges:" and one edge per line ("[N.] A xyz B" where xyz is one of ---, -->, <--, <->,
/// o->, <-o, o-o, --o, o--); trailing edge properties (Tetrad's "dd nl" and the like) are ignored,
/// and so are later sections ("Graph Attributes:", ...) after a blank line; any other text after
/// a blank line is an error rather than a silently dropped edge. Every malformed line
/// throws `invalid_input` naming `source` and the line: a missing section, an unknown node, a bad
/// edge symbol, a self-loop or a pair with two edges. O(bytes + p^2).
/// Example: `auto g = causalattn::parse_tetrad_text(text);`
inline Graph parse_tetrad_text(std::string_view text, const std::string& source = "tetrad") {
  io::LineReader lines(io::strip_bom(text));
  auto fail = [&](const std::string& what) -> invalid_input {
    return invalid_input(source, "line " + std::to_string(lines.number()) + ": " + what);
  };
  auto next_nonblank = [&]() {
    while (lines.next())
      if (!io::trim(lines.line()).empty()) return true;
    return false;
  };
  if (!next_nonblank()) throw invalid_input(source, "is empty; expected 'Graph Nodes:'");
  if (io::trim(lines.line()) != "Graph Nodes:") throw fail("expected 'Graph Nodes:'");
  if (!next_nonblank()) throw fail("the node list is missing after 'Graph Nodes:'");

  std::vector<std::string> names;
  const std::string_view node_line = io::trim(lines.line());
  if (node_line == "Graph Edges:") throw fail("the node list is missing after 'Graph Nodes:'");
  const char separator = node_line.find(';') != std::string_view::npos ? ';' : ',';
  std::size_t pos = 0;
  while (pos <= node_line.size()) {
    std::size_t end = node_line.find(separator, pos);
    if (end == std::string_view::npos) end = node_line.size();
    const std::string_view name = io::trim(node_line.substr(pos, end - pos));
    if (name.empty()) throw fail("empty node name in the node list");
    if (!detail::is_tetrad_name(name)) {
      throw fail("node name '" + io::excerpt(name) + "' contains a blank, ';', ',' or control character");
    }
    names.emplace_back(name);
    pos = end + 1;
  }
  Graph g = [&] {
    try {
      return Graph(names);
    } catch (const invalid_input& e) {
      throw fail(std::string("bad node list: ") + e.what());
    }
  }();

  if (!next_nonblank() || io::trim(lines.line()) != "Graph Edges:") throw fail("expected 'Graph Edges:'");
  while (lines.next()) {
    const std::string_view line = io::trim(lines.line());
    if (line.empty()) {
      // After the edge list only other sections ("Graph Attributes:", ...) may follow; an edge after
      // a blank line would otherwise be dropped silently.
      if (!next_nonblank()) break;
      if (io::trim(lines.line()).back() != ':') throw fail("text after a blank line that is not a section header such as 'Graph Attributes:'");
      break;
    }
    auto words = io::split_words(line);
    if (!words.empty() && words.front().back() == '.') words.erase(words.begin());
    if (words.size() < 3) throw fail("expected an edge such as '1. X1 --> X2', got '" + io::excerpt(line) + "'");
    const std::string_view symbol = words[1];
    auto mark = [&](char c, bool left) {
      if (c == 'o') return Mark::circle;
      if (c == '-') return Mark::tail;
      if (c == (left ? '<' : '>')) return Mark::arrow;
      throw fail("unknown edge symbol '" + std::string(symbol) + "'");
    };
    if (symbol.size() != 3 || symbol[1] != '-') throw fail("unknown edge symbol '" + std::string(symbol) + "'");
    const std::string a(words[0]), b(words[2]);
    if (!g.contains(a)) throw fail("edge names unknown node '" + a + "'");
    if (!g.contains(b)) throw fail("edge names unknown node '" + b + "'");
    const Index ia = g.index_of(a), ib = g.index_of(b);
    if (ia == ib) throw fail("self-loop at node '" + a + "'");
    if (g.adjacent(ia, ib)) throw fail("second edge between '" + a + "' and '" + b + "'");
    g.set_edge(ia, ib, mark(symbol[0], true), mark(symbol[2], false));
  }
  return g;
}

/// Reads a Tetrad text file (`parse_tetrad_text`, errors name `path`).
inline Graph read_tetrad(const std::string& path) { return parse_tetrad_text(io::read_file_bytes(path, io::text_limits("a Tetrad graph file")), path); }

/// Writes `g` as a Tetrad text file (`to_tetrad_text`).
inline void write_tetrad(const std::string& path, const Graph& g) { io::write_file_bytes(path, to_tetrad_text(g)); }

}  // namespace causalattn
