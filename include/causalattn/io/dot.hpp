#pragma once
/// \file
/// Graphviz DOT: a writer that encodes all four endpoint marks, a writer of weighted adjacency
/// matrices (summary graphs) and a reader for the DOT subset that graph-drawing and causal-discovery
/// tools write.

#include <cctype>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "causalattn/core/errors.hpp"
#include "causalattn/graph/graph.hpp"
#include "causalattn/io/text.hpp"

namespace causalattn {
namespace detail {

/// Quotes a DOT identifier, escaping '"' and '\'.
inline std::string dot_quote(const std::string& id) {
  std::string out = "\"";
  for (char c : id) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

/// A DOT identifier: `id` itself when it is a bare identifier ([A-Za-z_][A-Za-z0-9_]*), else quoted.
inline std::string dot_id(const std::string& id) {
  bool bare = !id.empty() && !std::isdigit(static_cast<unsigned char>(id[0]));
  for (char c : id) bare = bare && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  return bare ? id : dot_quote(id);
}

/// Graphviz arrow shape drawn for a mark: none for a tail, normal for an arrow, odot for a circle.
inline const char* dot_arrow_shape(Mark m) { return m == Mark::arrow ? "normal" : m == Mark::circle ? "odot" : "none"; }

/// The mark an arrow shape stands for: "none" a tail, shapes with "dot" a circle, any other an arrow.
inline Mark dot_mark_of_shape(std::string shape) {
  for (char& c : shape) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (shape == "none") return Mark::tail;
  if (shape.find("dot") != std::string::npos) return Mark::circle;
  return Mark::arrow;
}

/// One DOT token with its line.
struct DotToken {
  enum class Kind { id, symbol, end } kind = Kind::end;
  std::string text;
  std::size_t line = 0;
  bool quoted = false;  ///< a quoted identifier is never a keyword
};

/// Splits DOT text into identifiers (bare or quoted) and symbols ({ } [ ] ; , = -> --).
class DotLexer {
 public:
  DotLexer(std::string_view text, const std::string& source) : text_(text), source_(source) {}

  DotToken next() {
    skip_space_and_comments();
    DotToken t;
    t.line = line_;
    if (pos_ >= text_.size()) return t;
    const char c = text_[pos_];
    if (c == '"') {
      t.kind = DotToken::Kind::id;
      t.text = quoted();
      t.quoted = true;
      return t;
    }
    if (c == '-' && pos_ + 1 < text_.size() && (text_[pos_ + 1] == '>' || text_[pos_ + 1] == '-')) {
      t.kind = DotToken::Kind::symbol;
      t.text = std::string(text_.substr(pos_, 2));
      pos_ += 2;
      return t;
    }
    if (std::string_view("{}[];,=").find(c) != std::string_view::npos) {
      t.kind = DotToken::Kind::symbol;
      t.text = std::string(1, c);
      ++pos_;
      return t;
    }
    if (c == '<') fail("HTML strings are not supported");
    if (c == ':') fail("node ports are not supported");
    if (is_id_char(c) || c == '-' || c == '.') {
      const std::size_t start = pos_;
      ++pos_;
      while (pos_ < text_.size() && (is_id_char(text_[pos_]) || text_[pos_] == '.')) ++pos_;
      t.kind = DotToken::Kind::id;
      t.text = std::string(text_.substr(start, pos_ - start));
      return t;
    }
    fail(std::string("unexpected character '") + c + "'");
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw invalid_input(source_, "line " + std::to_string(line_) + ": " + what);
  }

 private:
  static bool is_id_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) || c == '_' || u >= 0x80;
  }
  void skip_space_and_comments() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      const bool line_start = pos_ == 0 || text_[pos_ - 1] == '\n';
      if (c == '\n') {
        ++line_;
        ++pos_;
      } else if (std::isspace(static_cast<unsigned char>(c))) {
        ++pos_;
      } else if ((c == '#' && line_start) || text_.substr(pos_, 2) == "//") {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (text_.substr(pos_, 2) == "/*") {
        const std::size_t end = text_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) fail("unterminated comment");
        for (std::size_t i = pos_; i < end; ++i) line_ += text_[i] == '\n' ? 1 : 0;
        pos_ = end + 2;
      } else {
        return;
      }
    }
  }
  std::string quoted() {
    std::string out;
    for (++pos_; pos_ < text_.size(); ++pos_) {
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c == '\\' && pos_ + 1 < text_.size() && (text_[pos_ + 1] == '"' || text_[pos_ + 1] == '\\')) {
        out += text_[++pos_];
        continue;
      }
      if (c == '\n') ++line_;
      out += c;
    }
    fail("unterminated quoted string");
  }

  std::string_view text_;
  const std::string& source_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
};

/// Case-insensitive keyword comparison (DOT keywords ignore case; quoted identifiers are names).
inline bool dot_keyword(const DotToken& t, std::string_view word) {
  if (t.kind != DotToken::Kind::id || t.quoted || t.text.size() != word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(t.text[i])) != word[i]) return false;
  return true;
}

}  // namespace detail

/// Writes `g` as a Graphviz digraph. Every edge is drawn with `dir=both` and the mark at each end as
/// an arrow shape (tail: none, arrow: normal, circle: odot), so `dot -Tpng` shows PAGs faithfully
/// and `parse_dot` reads the graph back exactly. O(p^2).
/// Example: `std::string text = causalattn::to_dot(pag);`
inline std::string to_dot(const Graph& g) {
  std::string out = "digraph causalattn {\n";
  for (Index i = 0; i < g.size(); ++i) out += "  " + detail::dot_quote(g.name(i)) + ";\n";
  for (const Edge& e : g.edges()) {
    out += "  " + detail::dot_quote(g.name(e.a)) + " -> " + detail::dot_quote(g.name(e.b)) +
           " [dir=both, arrowtail=" + detail::dot_arrow_shape(e.at_a) + ", arrowhead=" + detail::dot_arrow_shape(e.at_b) +
           "];\n";
  }
  return out + "}\n";
}

/// Writes the directed graph whose edges are the nonzero entries of `adjacency` (source row, target
/// column; self-loops and both directions allowed, as in a summary graph of lagged links) as a
/// Graphviz digraph called `name`, each edge labelled with `weights(source, target)` to 3
/// significant digits. `names` has one entry per row; else `invalid_input` naming "names" (or
/// "weights" for a shape that differs from `adjacency`). O(p^2).
/// Example: `std::string text = causalattn::adjacency_to_dot(graph, names, scores, "lagged");`
inline std::string adjacency_to_dot(const Matrix<double>& adjacency, const std::vector<std::string>& names, const Matrix<double>& weights,
                                    const std::string& name = "causalattn") {
  if (adjacency.rows() != adjacency.cols() || Index(names.size()) != adjacency.rows()) {
    throw invalid_input("names", "has " + std::to_string(names.size()) + " entries for a " + std::to_string(adjacency.rows()) + " x " +
                                     std::to_string(adjacency.cols()) + " adjacency matrix");
  }
  if (weights.rows() != adjacency.rows() || weights.cols() != adjacency.cols()) {
    throw invalid_input("weights", "is " + std::to_string(weights.rows()) + " x " + std::to_string(weights.cols()) + ", the adjacency " +
                                       std::to_string(adjacency.rows()) + " x " + std::to_string(adjacency.cols()));
  }
  std::ostringstream out;
  out.precision(3);
  out << "digraph " << detail::dot_id(name) << " {\n";
  for (Index s = 0; s < adjacency.rows(); ++s)
    for (Index t = 0; t < adjacency.cols(); ++t)
      if (adjacency(s, t) != 0) {
        out << "  " << detail::dot_quote(names[std::size_t(s)]) << " -> " << detail::dot_quote(names[std::size_t(t)]) << " [label=\""
            << weights(s, t) << "\"];\n";
      }
  out << "}\n";
  return out.str();
}

/// Parses a DOT graph: `[strict] graph|digraph [name] { ... }` with node statements, edge chains
/// (`a -> b -> c`, or `a -- b` in an undirected graph), attribute lists, `edge [...]` defaults and
/// `name = value` graph attributes. Edge marks come from `dir` (forward by default in a digraph,
/// none in a graph) and `arrowhead`/`arrowtail` shapes: "none" a tail, shapes containing "dot" a
/// circle, others an arrow. Nodes are numbered in order of first appearance. Subgraphs, ports, HTML
/// labels, a second edge between the same pair and self-loops throw `invalid_input` naming `source`
/// and the line. O(bytes + p^2).
/// Example: `auto g = causalattn::parse_dot("digraph { a -> b; b -> c [arrowtail=odot, dir=both]; }");`
inline Graph parse_dot(std::string_view text, const std::string& source = "dot") {
  using detail::DotToken;
  detail::DotLexer lexer(io::strip_bom(text), source);
  DotToken t = lexer.next();
  auto advance = [&] { t = lexer.next(); };
  auto is_symbol = [&](const char* s) { return t.kind == DotToken::Kind::symbol && t.text == s; };
  auto expect_symbol = [&](const char* s) {
    if (!is_symbol(s)) lexer.fail(std::string("expected '") + s + "'" + (t.kind == DotToken::Kind::end ? " before the end" : ", got '" + t.text + "'"));
    advance();
  };

  if (t.kind == DotToken::Kind::end) throw invalid_input(source, "is empty; expected 'graph' or 'digraph'");
  if (detail::dot_keyword(t, "strict")) advance();
  const bool directed = detail::dot_keyword(t, "digraph");
  if (!directed && !detail::dot_keyword(t, "graph")) lexer.fail("expected 'graph' or 'digraph'");
  advance();
  if (t.kind == DotToken::Kind::id) advance();  // graph name
  expect_symbol("{");

  struct Attributes {
    std::string dir, arrowhead, arrowtail;
  };
  auto read_attributes = [&](Attributes& into) {
    while (is_symbol("[")) {
      advance();
      while (!is_symbol("]")) {
        if (t.kind != DotToken::Kind::id) lexer.fail("expected an attribute name");
        const std::string key = t.text;
        advance();
        std::string value = "true";
        if (is_symbol("=")) {
          advance();
          if (t.kind != DotToken::Kind::id) lexer.fail("expected a value for attribute '" + key + "'");
          value = t.text;
          advance();
        }
        if (key == "dir") into.dir = value;
        if (key == "arrowhead") into.arrowhead = value;
        if (key == "arrowtail") into.arrowtail = value;
        if (is_symbol(",") || is_symbol(";")) advance();
      }
      advance();
    }
  };

  std::vector<std::string> names;
  struct PendingEdge {
    std::size_t from, to, line;
    Attributes attributes;
  };
  std::vector<PendingEdge> pending;
  Attributes edge_defaults;
  std::unordered_map<std::string, std::size_t> index_of;
  auto node = [&](const std::string& name) {
    const auto [it, added] = index_of.emplace(name, names.size());
    if (added) {
      if (names.size() == std::size_t(max_graph_nodes)) {
        lexer.fail("more than the " + std::to_string(max_graph_nodes) + " nodes a graph holds");
      }
      names.push_back(name);
    }
    return it->second;
  };

  while (!is_symbol("}")) {
    if (t.kind == DotToken::Kind::end) lexer.fail("expected '}' before the end");
    if (is_symbol(";")) {
      advance();
      continue;
    }
    if (is_symbol("{") || detail::dot_keyword(t, "subgraph")) lexer.fail("subgraphs are not supported");
    if (t.kind != DotToken::Kind::id) lexer.fail("expected a statement, got '" + t.text + "'");
    if (detail::dot_keyword(t, "edge") || detail::dot_keyword(t, "node") || detail::dot_keyword(t, "graph")) {
      const bool edge = detail::dot_keyword(t, "edge");
      advance();
      Attributes ignored;
      read_attributes(edge ? edge_defaults : ignored);
      continue;
    }
    const std::string first = t.text;
    const std::size_t line = t.line;
    advance();
    if (is_symbol("=")) {  // graph attribute
      advance();
      if (t.kind != DotToken::Kind::id) lexer.fail("expected a value after '='");
      advance();
      continue;
    }
    std::vector<std::size_t> chain{node(first)};
    while (is_symbol("->") || is_symbol("--")) {
      if ((t.text == "->") != directed) lexer.fail(directed ? "use '->' in a digraph" : "use '--' in a graph");
      advance();
      if (is_symbol("{") || detail::dot_keyword(t, "subgraph")) lexer.fail("subgraphs are not supported");
      if (t.kind != DotToken::Kind::id) lexer.fail("expected a node after an edge operator");
      chain.push_back(node(t.text));
      advance();
    }
    Attributes attributes = edge_defaults;
    read_attributes(attributes);
    for (std::size_t k = 0; k + 1 < chain.size(); ++k) pending.push_back({chain[k], chain[k + 1], line, attributes});
  }
  advance();
  if (t.kind != DotToken::Kind::end) lexer.fail("unexpected text after the closing '}'");

  Graph g = [&] {
    try {
      return Graph(names);
    } catch (const invalid_input& e) {
      throw invalid_input(source, std::string("bad node names: ") + e.what());
    }
  }();
  for (const auto& e : pending) {
    auto fail = [&](const std::string& what) { throw invalid_input(source, "line " + std::to_string(e.line) + ": " + what); };
    const std::string dir = e.attributes.dir.empty() ? (directed ? "forward" : "none") : e.attributes.dir;
    const std::string head = e.attributes.arrowhead.empty() ? "normal" : e.attributes.arrowhead;
    const std::string tail = e.attributes.arrowtail.empty() ? "normal" : e.attributes.arrowtail;
    Mark at_from = Mark::tail, at_to = Mark::tail;
    if (dir == "forward" || dir == "both") at_to = detail::dot_mark_of_shape(head);
    if (dir == "back" || dir == "both") at_from = detail::dot_mark_of_shape(tail);
    if (dir != "forward" && dir != "both" && dir != "back" && dir != "none") fail("unknown dir '" + dir + "'");
    if (e.from == e.to) fail("self-loop at node '" + names[e.from] + "'");
    const auto a = static_cast<Index>(e.from), b = static_cast<Index>(e.to);
    if (g.adjacent(a, b)) fail("second edge between '" + names[e.from] + "' and '" + names[e.to] + "'");
    g.set_edge(a, b, at_from, at_to);
  }
  return g;
}

/// Reads a DOT file (`parse_dot`, errors name `path`).
inline Graph read_dot(const std::string& path) { return parse_dot(io::read_file_bytes(path, io::text_limits("a DOT file")), path); }

/// Writes `g` as a DOT file (`to_dot`).
inline void write_dot(const std::string& path, const Graph& g) { io::write_file_bytes(path, to_dot(g)); }

}  // namespace causalattn
