#pragma once
/// \file
/// Graphs as integer endpoint matrices: causal-learn's `G.graph` and pcalg's `amat` (PAG and CPDAG
/// types), with a plain-text reader and writer for such matrices.

#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include "causalattn/core/errors.hpp"
#include "causalattn/core/names.hpp"
#include "causalattn/graph/graph.hpp"
#include "causalattn/io/text.hpp"

namespace causalattn {

/// Integer matrix type used for endpoint matrices.
using IntMatrix = Eigen::Matrix<int, Eigen::Dynamic, Eigen::Dynamic>;

namespace detail {

/// Throws unless `m` is square with `names.size()` rows (when names are given).
inline std::vector<std::string> matrix_node_names(const IntMatrix& m, std::vector<std::string> names,
                                                  const std::string& argument) {
  if (m.rows() != m.cols()) {
    throw invalid_input(argument, "must be square, got " + std::to_string(m.rows()) + " x " + std::to_string(m.cols()));
  }
  if (names.empty()) return default_variable_names(m.rows());
  if (static_cast<Index>(names.size()) != m.rows()) {
    throw invalid_input("names", "has " + std::to_string(names.size()) + " entries for a " +
                                     std::to_string(m.rows()) + " x " + std::to_string(m.rows()) + " matrix");
  }
  return names;
}

/// Builds a graph from a matrix whose entry (i, j) codes, through `decode(code, i, j)`, the mark at
/// node i (`mark_at_row`) or node j on edge i - j; 0 means no edge, and both entries of a pair must
/// agree on that.
template <class Decode>
Graph graph_from_mark_matrix(const IntMatrix& m, std::vector<std::string> names, const std::string& argument,
                             bool mark_at_row, Decode decode) {
  Graph g(matrix_node_names(m, std::move(names), argument));
  for (Index i = 0; i < m.rows(); ++i) {
    if (m(i, i) != 0) {
      throw invalid_input(argument, "diagonal entry (" + std::to_string(i) + ", " + std::to_string(i) + ") is " +
                                        std::to_string(m(i, i)) + ", must be 0");
    }
    for (Index j = i + 1; j < m.cols(); ++j) {
      const int ij = m(i, j), ji = m(j, i);
      if ((ij == 0) != (ji == 0)) {
        throw invalid_input(argument, "entries (" + std::to_string(i) + ", " + std::to_string(j) + ") = " +
                                          std::to_string(ij) + " and (" + std::to_string(j) + ", " +
                                          std::to_string(i) + ") = " + std::to_string(ji) +
                                          " disagree on whether there is an edge");
      }
      if (ij == 0) continue;
      const Index row = mark_at_row ? i : j, col = mark_at_row ? j : i;  // the entry holding the mark at i
      const Mark at_i = decode(m(row, col), row, col);
      const Mark at_j = decode(m(col, row), col, row);
      g.set_edge(i, j, at_i, at_j);
    }
  }
  return g;
}

}  // namespace detail

/// causal-learn's encoding (`cg.G.graph`): entry (i, j) is the mark at node i on edge i - j:
/// -1 tail, 1 arrow, 2 circle, 0 no edge. So i --> j is (i, j) = -1, (j, i) = 1. O(p^2).
/// Example: `IntMatrix m = causalattn::to_causal_learn_matrix(g);`
inline IntMatrix to_causal_learn_matrix(const Graph& g) {
  IntMatrix m = IntMatrix::Zero(g.size(), g.size());
  for (Index i = 0; i < g.size(); ++i)
    for (Index j = 0; j < g.size(); ++j) {
      const Mark mark = g.mark_at(i, j);
      m(i, j) = mark == Mark::tail ? -1 : mark == Mark::arrow ? 1 : mark == Mark::circle ? 2 : 0;
    }
  return m;
}

/// Inverse of `to_causal_learn_matrix`. `names` defaults to X1..Xp. Throws `invalid_input` naming the
/// entry for a non-square matrix, a code outside {-1, 0, 1, 2}, a non-zero diagonal or a pair whose
/// two entries disagree on adjacency. O(p^2).
/// Example: `Graph g = causalattn::from_causal_learn_matrix(m);`
inline Graph from_causal_learn_matrix(const IntMatrix& m, std::vector<std::string> names = {}) {
  return detail::graph_from_mark_matrix(m, std::move(names), "causal-learn matrix", true, [](int code, Index i, Index j) {
    switch (code) {
      case -1: return Mark::tail;
      case 1: return Mark::arrow;
      case 2: return Mark::circle;
      default:
        throw invalid_input("causal-learn matrix", "entry (" + std::to_string(i) + ", " + std::to_string(j) + ") is " +
                                                       std::to_string(code) + ", must be -1, 0, 1 or 2");
    }
  });
}

/// The two `amat` types of R's pcalg.
enum class AmatType {
  pag,   ///< amat[a, b] is the mark at b: 0 none, 1 circle, 2 arrow, 3 tail (also causality-lab PAGs)
  cpdag  ///< amat[a, b] = 0, amat[b, a] = 1 means a --> b; both 1 means a --- b
};

/// pcalg's adjacency matrix of the given type. Note the PAG type is transposed relative to
/// causal-learn's matrix. A graph with circles or bi-directed edges, or a directed cycle, has no
/// CPDAG-type amat (`invalid_input` naming the edge or the cycle). O(p^2).
/// Example: `IntMatrix amat = causalattn::to_pcalg_amat(pag, causalattn::AmatType::pag);`
inline IntMatrix to_pcalg_amat(const Graph& g, AmatType type = AmatType::pag) {
  if (type == AmatType::cpdag && g.has_directed_cycle()) {
    throw invalid_input("graph", "has a directed cycle, so it is not a CPDAG and has no CPDAG-type amat");
  }
  IntMatrix m = IntMatrix::Zero(g.size(), g.size());
  for (const Edge& e : g.edges()) {
    if (type == AmatType::pag) {
      auto code = [](Mark mark) { return mark == Mark::circle ? 1 : mark == Mark::arrow ? 2 : 3; };
      m(e.a, e.b) = code(e.at_b);
      m(e.b, e.a) = code(e.at_a);
    } else if (g.is_directed(e.a, e.b)) {
      m(e.b, e.a) = 1;
    } else if (g.is_directed(e.b, e.a)) {
      m(e.a, e.b) = 1;
    } else if (g.is_undirected(e.a, e.b)) {
      m(e.a, e.b) = m(e.b, e.a) = 1;
    } else {
      throw invalid_input("graph", "edge " + g.name(e.a) + " - " + g.name(e.b) +
                                       " has circle or bi-directed marks and cannot be written as a CPDAG amat");
    }
  }
  return m;
}

/// Inverse of `to_pcalg_amat`, with the same validation as `from_causal_learn_matrix`; a CPDAG amat
/// whose directed edges form a cycle is refused. O(p^2).
/// Example: `Graph g = causalattn::from_pcalg_amat(amat, causalattn::AmatType::cpdag);`
inline Graph from_pcalg_amat(const IntMatrix& m, AmatType type, std::vector<std::string> names = {}) {
  if (type == AmatType::pag) {
    return detail::graph_from_mark_matrix(m, std::move(names), "pcalg amat", false, [](int code, Index i, Index j) {
      switch (code) {
        case 1: return Mark::circle;
        case 2: return Mark::arrow;
        case 3: return Mark::tail;
        default:
          throw invalid_input("pcalg amat", "entry (" + std::to_string(i) + ", " + std::to_string(j) + ") is " +
                                                std::to_string(code) + ", must be 0, 1, 2 or 3");
      }
    });
  }
  Graph g(detail::matrix_node_names(m, std::move(names), "pcalg amat"));
  for (Index a = 0; a < m.rows(); ++a) {
    for (Index b = 0; b < m.cols(); ++b) {
      const int ab = m(a, b);
      if (ab != 0 && ab != 1) {
        throw invalid_input("pcalg amat", "entry (" + std::to_string(a) + ", " + std::to_string(b) + ") is " +
                                              std::to_string(ab) + ", a CPDAG amat holds only 0 and 1");
      }
      if (a == b && ab != 0) throw invalid_input("pcalg amat", "diagonal entry (" + std::to_string(a) + ", " + std::to_string(a) + ") is 1, must be 0");
      if (b <= a) continue;
      const int ba = m(b, a);
      if (ab == 1 && ba == 1) g.add_undirected(a, b);
      else if (ba == 1) g.add_directed(a, b);
      else if (ab == 1) g.add_directed(b, a);
    }
  }
  if (g.has_directed_cycle()) throw invalid_input("pcalg amat", "its directed edges form a cycle: not a CPDAG");
  return g;
}

/// Parses a matrix of integers, one row per line, separated by blanks or commas; blank lines are
/// skipped. Throws `invalid_input(source, ...)` naming the line and column of a non-integer entry or
/// a row of the wrong length. O(bytes).
/// Example: `IntMatrix m = causalattn::parse_int_matrix("0 -1\n1 0\n");`
inline IntMatrix parse_int_matrix(std::string_view text, const std::string& source = "matrix") {
  std::vector<int> values;
  Index cols = -1, rows = 0;
  io::LineReader lines(io::strip_bom(text));
  while (lines.next()) {
    std::string line(lines.line());
    for (char& c : line)
      if (c == ',') c = ' ';
    const auto words = io::split_words(line);
    if (words.empty()) continue;
    if (cols < 0) cols = static_cast<Index>(words.size());
    if (static_cast<Index>(words.size()) != cols) {
      throw invalid_input(source, "line " + std::to_string(lines.number()) + " has " + std::to_string(words.size()) +
                                      " entries, the first row has " + std::to_string(cols));
    }
    for (std::size_t k = 0; k < words.size(); ++k) {
      int v = 0;
      if (io::parse_number(words[k], v) != io::NumberStatus::ok) {
        throw invalid_input(source, "line " + std::to_string(lines.number()) + ", column " + std::to_string(k + 1) +
                                        ": '" + io::excerpt(words[k]) + "' is not an integer");
      }
      values.push_back(v);
    }
    ++rows;
  }
  if (rows == 0) throw invalid_input(source, "is empty; expected a matrix of integers");
  IntMatrix m(rows, cols);
  for (Index i = 0; i < rows; ++i)
    for (Index j = 0; j < cols; ++j) m(i, j) = values[static_cast<std::size_t>(i * cols + j)];
  return m;
}

/// Writes a matrix of integers, one row per line, entries separated by a space (the layout of
/// causal-learn's expected-output files). O(rows * cols).
inline std::string format_int_matrix(const IntMatrix& m) {
  std::string out;
  for (Index i = 0; i < m.rows(); ++i) {
    for (Index j = 0; j < m.cols(); ++j) out += (j ? " " : "") + std::to_string(m(i, j));
    out += '\n';
  }
  return out;
}

}  // namespace causalattn
