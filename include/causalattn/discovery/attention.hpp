#pragma once
/// \file
/// Causal structure read from self-attention (ABCD; Rohekar, Gurwicz, Nisimov, NeurIPS 2023): one
/// head's attention A computes Z = A V, read as the linear SEM Z = (I - G)^-1 U, so the tokens'
/// covariance is C = A A' (unit exogenous variance) or A S A' (value covariance S). Conditional
/// independence between tokens comes from partial correlations of C, with Fisher z at an effective
/// sample size equal to the embedding width; PC (causal sufficiency) or FCI (the tokens left out
/// are latent) then give the graph.

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/core/scalar.hpp"
#include "causalattn/discovery/correlation.hpp"
#include "causalattn/discovery/fci.hpp"
#include "causalattn/discovery/fisher_z.hpp"
#include "causalattn/discovery/pc.hpp"
#include "causalattn/graph/graph.hpp"
#include "causalattn/kernels/serial_gemm.hpp"

namespace causalattn {

namespace detail {

/// X Y' for column-major X (m x k) and Y (n x k) on one thread, so the result never depends on
/// Eigen's own thread count. O(m n k).
template <typename Defer = void>
Matrix<double> times_transpose(const Matrix<detail::deferred_t<Defer, double>>& x,
                               const Matrix<detail::deferred_t<Defer, double>>& y) {
  using Real = detail::deferred_t<Defer, double>;
  Matrix<Real> out = Matrix<Real>::Zero(x.rows(), y.rows());
  serial_gemm<Eigen::ColMajor, Eigen::RowMajor>(x.rows(), y.rows(), x.cols(), x.data(), x.rows(), y.data(), y.rows(), out.data(),
                                                out.rows(), 1.0);
  return out;
}

/// A A' of an attention matrix already validated, exactly symmetric. O(n^3).
template <typename Defer = void>
Matrix<double> unit_noise_covariance(const Matrix<detail::deferred_t<Defer, double>>& a) {
  using Real = detail::deferred_t<Defer, double>;
  const Matrix<Real> clean = a.cwiseMax(0.0);  // rounding's tiny negatives as 0 (see attention_negative_tolerance)
  Matrix<Real> c = times_transpose(clean, clean);
  c.template triangularView<Eigen::StrictlyUpper>() = c.transpose();
  return c;
}

}  // namespace detail

/// Tiny negative entries that rounding leaves in an attention matrix (a numerical inverse, a
/// float16 round trip) are read as 0: entries in [-attention_negative_tolerance, 0). Larger
/// negative entries are rejected; real attention weights are never negative.
inline constexpr double attention_negative_tolerance = 1e-9;

/// Checks that `a` is an attention matrix: square, non-empty, finite, non-negative (up to
/// `attention_negative_tolerance`, read as 0), every row summing to 1 within `row_sum_tolerance`,
/// and a positive diagonal (A = (I - G)^-1 has a unit diagonal before row normalisation: a token
/// without its own exogenous term has no SEM reading). Throws `invalid_input` naming `argument` and
/// the offending entry or row. O(n^2).
/// Example: `causalattn::check_attention_matrix(A);`
template <class Derived>
void check_attention_matrix(const Eigen::MatrixBase<Derived>& a, const std::string& argument = "attention",
                            double row_sum_tolerance = 1e-4) {
  check_not_empty(argument, a);
  check_square(argument, a);
  check_finite(argument, a);
  for (Index i = 0; i < a.rows(); ++i) {
    double sum = 0;
    for (Index j = 0; j < a.cols(); ++j) {
      const double v = double(a(i, j));
      if (v < -attention_negative_tolerance) {
        throw invalid_input(argument, "entry (" + std::to_string(i) + ", " + std::to_string(j) + ") is " + detail::to_text(v) +
                                          "; attention weights are non-negative");
      }
      sum += std::max(v, 0.0);
    }
    if (!(std::abs(sum - 1) <= row_sum_tolerance)) {
      throw invalid_input(argument, "row " + std::to_string(i) + " sums to " + detail::to_text(sum) +
                                        ", not 1: not a row-stochastic attention matrix");
    }
    if (!(double(a(i, i)) > 0)) {
      throw invalid_input(argument, "diagonal entry (" + std::to_string(i) + ", " + std::to_string(i) +
                                        ") is 0: the token carries none of its own exogenous noise");
    }
  }
}

/// The SEM covariance of the tokens, C = A A' (unit-variance exogenous noise), in double. `a` is
/// validated by `check_attention_matrix`. O(n^3).
/// Example: `Matrix<double> C = causalattn::attention_covariance(A);`
template <class Derived>
Matrix<double> attention_covariance(const Eigen::MatrixBase<Derived>& a) {
  check_attention_matrix(a);
  return detail::unit_noise_covariance(a.template cast<double>());
}

/// The SEM covariance with a value covariance S (n x n, symmetric positive semi-definite): C = A S A'.
/// Throws `invalid_input` if S is not square of A's size, not finite or not symmetric. O(n^3).
/// Example: `Matrix<double> C = causalattn::attention_covariance(A, V * V.transpose() / d);`
template <class DerivedA, class DerivedS>
Matrix<double> attention_covariance(const Eigen::MatrixBase<DerivedA>& a, const Eigen::MatrixBase<DerivedS>& value_covariance) {
  check_attention_matrix(a);
  check_shape("value_covariance", value_covariance, a.rows(), a.rows());
  check_finite("value_covariance", value_covariance);
  const Matrix<double> s = value_covariance.template cast<double>();
  for (Index j = 0; j < s.cols(); ++j)
    for (Index i = j + 1; i < s.rows(); ++i)
      if (std::abs(s(i, j) - s(j, i)) > 1e-8 * std::max(1.0, std::sqrt(std::abs(s(i, i) * s(j, j))))) {
        throw invalid_input("value_covariance", "is not symmetric at (" + std::to_string(i) + ", " + std::to_string(j) + ")");
      }
  const Matrix<double> ad = a.template cast<double>().cwiseMax(0.0);
  const Matrix<double> as = detail::times_transpose(ad, s);  // A S' = A S (S symmetric)
  Matrix<double> c = detail::times_transpose(as, ad);
  c.template triangularView<Eigen::StrictlyUpper>() = c.transpose();
  return c;
}

/// Which search `attention_graph` runs.
enum class AttentionAlgorithm {
  pc,  ///< causal sufficiency over the chosen tokens: a CPDAG
  fci  ///< the tokens left out act as latent variables: a PAG (the default)
};

/// Options of `attention_graph`.
struct AttentionGraphOptions {
  double sample_size = 768;  ///< effective sample size of Fisher z: the embedding width (768 for BERT-base)
  double alpha = 0.01;       ///< significance level (the reference code's threshold)
  AttentionAlgorithm algorithm = AttentionAlgorithm::fci;
  /// Tokens the graph covers, in this order (empty = all). The correlation uses all tokens; the
  /// others are latent.
  std::vector<Index> nodes;
  int max_depth = -1;  ///< largest conditioning set; -1 = unlimited
  int threads = 0;     ///< threads for the tests; 0 = all; results never depend on it
  double max_seconds = 0;  ///< stop each head's search with `budget_exceeded` after this long; 0 = no limit
  std::function<void(long long tests, double seconds)> progress;  ///< see `SkeletonOptions::progress`
  /// Token labels, one per token of the matrix (empty = "T0", "T1", ...); the graph's nodes carry them.
  std::vector<std::string> labels;
  /// How far a row may sum from 1 (`check_attention_matrix`); matrices saved in float16 need about
  /// n x 2^-11 (`attention_row_sum_tolerance`).
  double row_sum_tolerance = 1e-4;
};

/// The row-sum tolerance for n x n attention stored with `bytes_per_value` (2 float16, 4 float32,
/// 8 float64): n units of the format's rounding, and at least the default 1e-4. O(1).
/// Example: `options.row_sum_tolerance = causalattn::attention_row_sum_tolerance(n, array.file_item_size);`
inline double attention_row_sum_tolerance(Index n, std::size_t bytes_per_value) {
  const double unit = bytes_per_value == 2 ? 0x1p-11 : bytes_per_value == 4 ? 0x1p-24 : 0x1p-53;
  return std::max(1e-4, double(n) * unit);
}

/// The graph read from one attention matrix, with the tests it took.
struct AttentionGraph {
  Graph graph;                ///< CPDAG (PC) or PAG (FCI) over the chosen tokens
  std::vector<Index> nodes;   ///< the token each graph node stands for
  long long tests = 0;        ///< CI tests run
};

namespace detail {

/// The chosen tokens (all when empty), validated against n tokens.
template <typename = void>
std::vector<Index> attention_nodes(Index n, const std::vector<Index>& requested) {
  if (requested.empty()) {
    std::vector<Index> all(static_cast<std::size_t>(n));
    for (Index i = 0; i < n; ++i) all[std::size_t(i)] = i;
    return all;
  }
  check_distinct_indices("options.nodes", requested, n, "token");
  if (requested.size() < 2) throw invalid_input("options.nodes", "names fewer than 2 tokens");
  return requested;
}

}  // namespace detail

/// Runs PC or FCI on the tokens' SEM covariance `covariance` (from `attention_covariance`): the
/// correlation of all tokens, restricted to `options.nodes`, tested by Fisher z at
/// `options.sample_size`. Node names are `options.labels` or "T<i>" for token i. Throws
/// `invalid_input` for bad options, a covariance with a diagonal below 1e-8, or a singular one (an
/// attention matrix with linearly dependent rows, e.g. uniform attention, has no SEM reading).
/// Complexity: O(n^2) plus the search (see `pc`, `fci`).
/// Example:
/// \code
///   auto g = causalattn::attention_graph_from_covariance(causalattn::attention_covariance(A));
/// \endcode
template <typename Defer = void>
AttentionGraph attention_graph_from_covariance(const Matrix<detail::deferred_t<Defer, double>>& covariance,
                                               const AttentionGraphOptions& options = {}) {
  using Real = detail::deferred_t<Defer, double>;
  const Matrix<Real> correlation = correlation_from_covariance(covariance);
  AttentionGraph out{Graph(), detail::attention_nodes(correlation.rows(), options.nodes), 0};
  const auto k = Index(out.nodes.size());
  Matrix<Real> sub(k, k);
  std::vector<std::string> names;
  if (!options.labels.empty() && Index(options.labels.size()) != correlation.rows()) {
    throw invalid_input("options.labels", "has " + std::to_string(options.labels.size()) + " labels for " +
                                              std::to_string(correlation.rows()) + " tokens");
  }
  for (Index i = 0; i < k; ++i) {
    const std::size_t token = std::size_t(out.nodes[std::size_t(i)]);
    names.push_back(options.labels.empty() ? "T" + std::to_string(token) : options.labels[token]);
    for (Index j = 0; j < k; ++j) sub(i, j) = correlation(out.nodes[std::size_t(i)], out.nodes[std::size_t(j)]);
  }
  const Eigen::LDLT<Matrix<Real>> factor(correlation);
  const Vector<Real> pivots = factor.vectorD().cwiseAbs();
  if (factor.info() != Eigen::Success || !(pivots.minCoeff() > 1e-10 * pivots.maxCoeff())) {
    throw invalid_input("attention", "is singular (linearly dependent rows, e.g. uniform attention): C = A A' has rank below " +
                                         std::to_string(correlation.rows()) + ", so A = (I - G)^-1 has no SEM reading");
  }
  const FisherZTest test(std::move(sub), options.sample_size);
  FciOptions search;
  search.alpha = options.alpha;
  search.max_depth = options.max_depth;
  search.threads = options.threads;
  search.max_seconds = options.max_seconds;
  search.progress = options.progress;
  if (options.algorithm == AttentionAlgorithm::pc) {
    auto result = pc(test, names, search.skeleton_options());
    out.graph = std::move(result.cpdag);
    out.tests = result.tests;
  } else {
    auto result = fci(test, names, search);
    out.graph = std::move(result.pag);
    out.tests = result.tests;
  }
  return out;
}

/// The graph of one head's attention matrix `a` (validated): `attention_graph_from_covariance` on
/// C = A A'.
/// Example:
/// \code
///   causalattn::AttentionGraphOptions options;
///   options.nodes = {2, 3, 6};                      // the other tokens are latent
///   auto pag = causalattn::attention_graph(A, options).graph;
/// \endcode
template <class Derived>
AttentionGraph attention_graph(const Eigen::MatrixBase<Derived>& a, const AttentionGraphOptions& options = {}) {
  return attention_graph_from_covariance(attention_covariance(a), options);
}

/// Per-head graphs of one layer and how often the heads agree.
struct HeadConsensus {
  std::vector<AttentionGraph> heads;  ///< one graph per head, in head order
  /// edge_frequency(i, j): fraction of heads whose graph joins nodes i and j (symmetric).
  Matrix<double> edge_frequency;
  /// arrowhead_frequency(i, j): fraction of heads with an arrowhead at j on the edge i - j.
  Matrix<double> arrowhead_frequency;
};

/// Graphs of every head of the deepest layer (`layer_heads[h]` = head h's attention matrix, as
/// in [layers][heads] stacks: pass the last layer), one per head as the reference code does,
/// plus the edge and arrowhead frequencies across heads. Throws `invalid_input` for no heads,
/// heads of different sizes, or an invalid or singular attention matrix (naming "layer_heads[h]");
/// every head is validated before any graph is computed.
/// Complexity: heads x `attention_graph`.
/// Example: `auto consensus = causalattn::head_consensus(stack.back(), options);`
template <typename Defer = void>
HeadConsensus head_consensus(const std::vector<Matrix<detail::deferred_t<Defer, double>>>& layer_heads,
                             const AttentionGraphOptions& options = {}) {
  using Real = detail::deferred_t<Defer, double>;
  if (layer_heads.empty()) throw invalid_input("layer_heads", "is empty; at least one head is needed");
  HeadConsensus out;
  for (std::size_t h = 0; h < layer_heads.size(); ++h) {
    const std::string argument = "layer_heads[" + std::to_string(h) + "]";
    if (layer_heads[h].rows() != layer_heads[0].rows() || layer_heads[h].cols() != layer_heads[0].cols()) {
      throw invalid_input(argument, "is " + std::to_string(layer_heads[h].rows()) + " x " + std::to_string(layer_heads[h].cols()) +
                                        ", head 0 is " + std::to_string(layer_heads[0].rows()) + " x " +
                                        std::to_string(layer_heads[0].cols()));
    }
    check_attention_matrix(layer_heads[h], argument, options.row_sum_tolerance);
  }
  for (std::size_t h = 0; h < layer_heads.size(); ++h) {
    try {
      out.heads.push_back(attention_graph_from_covariance(detail::unit_noise_covariance(layer_heads[h]), options));
    } catch (const invalid_input& e) {
      if (e.argument() != "attention") throw;
      throw invalid_input("layer_heads[" + std::to_string(h) + "]", e.detail());
    }
  }
  const Index k = out.heads[0].graph.size();
  out.edge_frequency = Matrix<Real>::Zero(k, k);
  out.arrowhead_frequency = Matrix<Real>::Zero(k, k);
  const double share = 1.0 / double(out.heads.size());
  for (const auto& head : out.heads)
    for (Index i = 0; i < k; ++i)
      for (Index j = 0; j < k; ++j) {
        if (!head.graph.adjacent(i, j)) continue;
        out.edge_frequency(i, j) += share;
        if (head.graph.mark_at(j, i) == Mark::arrow) out.arrowhead_frequency(i, j) += share;
      }
  return out;
}

/// `head_consensus` of the deepest layer of a stack indexed [layer][head] (the reference code
/// reads only the deepest layer). Throws `invalid_input` for an empty stack or an empty last layer.
/// Example: `auto consensus = causalattn::deepest_layer_consensus(stack, options);`
template <typename Defer = void>
HeadConsensus deepest_layer_consensus(const std::vector<std::vector<Matrix<detail::deferred_t<Defer, double>>>>& stack,
                                      const AttentionGraphOptions& options = {}) {
  if (stack.empty()) throw invalid_input("stack", "has no layers");
  return head_consensus(stack.back(), options);
}

}  // namespace causalattn
