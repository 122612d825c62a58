#pragma once
/// \file
/// Bootstrap stability of a learned graph (`bootstrap_graphs`): the search rerun on resamples of the
/// rows, and for every pair the frequency of each edge type, with a consensus graph.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "causalattn/core/budget.hpp"
#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/core/names.hpp"
#include "causalattn/core/random.hpp"
#include "causalattn/core/threads.hpp"
#include "causalattn/discovery/bootstrap_result.hpp"
#include "causalattn/discovery/fci.hpp"
#include "causalattn/discovery/fisher_z.hpp"
#include "causalattn/discovery/pc.hpp"

namespace causalattn {

/// Which search `bootstrap_graphs` reruns.
enum class BootstrapAlgorithm {
  pc,  ///< PC: a CPDAG per resample
  fci  ///< FCI: a PAG per resample
};

/// Options of `bootstrap_graphs`.
/// Example: `causalattn::BootstrapOptions o; o.algorithm = causalattn::BootstrapAlgorithm::fci; o.fci.alpha = 0.01;`
struct BootstrapOptions {
  BootstrapAlgorithm algorithm = BootstrapAlgorithm::pc;  ///< the search (Fisher z) of the data-only overload
  PcOptions pc;    ///< PC's options (its `threads` is ignored: each resample runs on one thread)
  FciOptions fci;  ///< FCI's options (likewise)
  /// The consensus graph keeps a pair's most frequent edge type when its frequency is at least
  /// this, in (0, 1].
  double consensus_frequency = 0.5;
  std::uint64_t seed = 20261205;  ///< resample b draws its rows from substream b of this seed
  int threads = 0;                ///< resamples run in parallel on this many threads (0 = all); results never depend on it
  /// Called about once a second with (resamples done, resamples); empty = silent.
  std::function<void(long long, long long)> progress;

  /// Throws `invalid_input` naming the first bad option.
  void validate() const {
    if (!(consensus_frequency > 0 && consensus_frequency <= 1)) {
      throw invalid_input("options.consensus_frequency", "is " + detail::to_text(consensus_frequency) + ", must lie in (0, 1]");
    }
    if (threads < 0) throw invalid_input("options.threads", "is " + std::to_string(threads) + ", must be >= 0");
  }
};

namespace detail {

/// Row indices of resample `b`: n draws with replacement from substream b of `seed`. O(n).
template <typename = void>
std::vector<Index> bootstrap_rows(std::uint64_t seed, Index b, Index n) {
  Rng rng = Rng(seed).substream(std::uint64_t(b));
  std::vector<Index> rows(static_cast<std::size_t>(n));
  for (auto& r : rows) r = Index(rng.uniform_int(std::uint64_t(n)));
  return rows;
}

/// Counts the edge types over the resamples' edge lists into per-pair frequencies, and builds the
/// consensus graph. O(E log E) for E edges over all resamples.
template <typename = void>
void tally_bootstrap_edges(const std::vector<std::vector<Edge>>& graphs, BootstrapResult& result) {
  std::vector<std::tuple<Index, Index, Mark, Mark>> all;
  for (const auto& g : graphs)
    for (const auto& e : g) all.emplace_back(e.a, e.b, e.at_a, e.at_b);
  const int successful = result.resamples - result.failed;
  std::sort(all.begin(), all.end());
  result.consensus = Graph(result.names);
  const double total = double(successful);
  for (std::size_t i = 0; i < all.size();) {
    PairFrequencies pair;
    pair.a = std::get<0>(all[i]);
    pair.b = std::get<1>(all[i]);
    int with_edge = 0;
    while (i < all.size() && std::get<0>(all[i]) == pair.a && std::get<1>(all[i]) == pair.b) {
      std::size_t j = i;
      while (j < all.size() && all[j] == all[i]) ++j;
      pair.types.push_back({std::get<2>(all[i]), std::get<3>(all[i]), double(j - i) / total});
      with_edge += int(j - i);
      i = j;
    }
    pair.edge_frequency = double(with_edge) / total;
    if (with_edge < successful) pair.types.push_back({Mark::none, Mark::none, double(successful - with_edge) / total});
    std::stable_sort(pair.types.begin(), pair.types.end(), [](const EdgeTypeFrequency& x, const EdgeTypeFrequency& y) {
      if (x.frequency != y.frequency) return x.frequency > y.frequency;
      return std::make_pair(x.at_a, x.at_b) < std::make_pair(y.at_a, y.at_b);
    });
    const auto& top = pair.types.front();
    if (top.at_a != Mark::none && top.frequency >= result.consensus_frequency) {
      result.consensus.set_edge(pair.a, pair.b, top.at_a, top.at_b);
    }
    result.pairs.push_back(std::move(pair));
  }
}

/// The resamples one process runs, and how it learns the others' graphs: in one process, every
/// resample and nothing to learn. `mpi/discovery.hpp` shares them over MPI ranks.
struct AllResamples {
  /// True when resample `b` runs here.
  bool owns(Index) const noexcept { return true; }
  /// How many of `resamples` run here (for the progress report).
  Index owned(Index resamples) const noexcept { return resamples; }
  /// Runs a piece of work that may throw (this process's resamples).
  template <class Work>
  void run(Work&& work) const {
    work();
  }
  /// Fills in the other processes' resamples: their edge lists, failure flags and errors.
  void gather(std::vector<std::vector<Edge>>&, std::vector<char>&, std::vector<std::string>&, std::vector<std::string>&) const {}
};

/// Throws `invalid_input` for a bad option, resamples <= 0, empty or non-finite data, fewer than 2
/// rows, or names (when given) of the wrong count. O(n p).
template <class Derived>
void check_bootstrap_inputs(const Eigen::MatrixBase<Derived>& data, int resamples, const BootstrapOptions& options,
                            const std::vector<std::string>& names) {
  options.validate();
  if (resamples <= 0) throw invalid_input("resamples", "is " + std::to_string(resamples) + ", must be >= 1");
  check_not_empty("data", data);
  check_finite("data", data);
  if (data.rows() < 2) throw invalid_input("data", "has " + std::to_string(data.rows()) + " row; resampling needs >= 2");
  if (!names.empty() && Index(names.size()) != data.cols()) {
    throw invalid_input("names",
                        "has " + std::to_string(names.size()) + " names for " + std::to_string(data.cols()) + " columns");
  }
}

/// Bootstrap over the resamples `share` gives this process (`AllResamples`, or an MPI rank's share),
/// the others' graphs and failures gathered before the tally; see `bootstrap_graphs_with`.
template <class Derived, class Search, class Share>
BootstrapResult bootstrap_with(const Eigen::MatrixBase<Derived>& data, int resamples, Search&& search,
                               const BootstrapOptions& options, std::vector<std::string> names, const Share& share) {
  check_bootstrap_inputs(data, resamples, options, names);
  const Index n = data.rows(), p = data.cols();
  const auto start = std::chrono::steady_clock::now();
  BootstrapResult result;
  result.resamples = resamples;
  result.seed = options.seed;
  result.consensus_frequency = options.consensus_frequency;
  Matrix<double> x;
  std::vector<std::vector<Edge>> graphs;
  std::vector<std::string> failures, failed_arguments;
  std::vector<char> failed;
  const ThrottledProgress tick(options.progress, 1.0);
  std::atomic<long long> done{0};
  const auto run_resample = [&](Index b) {
    const Matrix<double> resample = x(bootstrap_rows(options.seed, b, n), Eigen::all);
    try {
      const Graph g = search(resample);
      if (g.size() != p) {
        throw invalid_input("search",
                            "returned a graph over " + std::to_string(g.size()) + " nodes for " + std::to_string(p) + " columns");
      }
      graphs[std::size_t(b)] = g.edges();
    } catch (const invalid_input& e) {
      if (e.argument() == "search") throw;
      failed[std::size_t(b)] = 1;
      failures[std::size_t(b)] = e.detail();
      failed_arguments[std::size_t(b)] = e.argument();
    }
    tick(++done, share.owned(resamples));
  };
  share.run([&] {
    result.names = names.empty() ? default_variable_names(p) : std::move(names);
    x = data.template cast<double>();
    graphs.resize(std::size_t(resamples));
    failures.resize(std::size_t(resamples));
    failed_arguments.resize(std::size_t(resamples));
    failed.assign(std::size_t(resamples), 0);
    parallel_for(Index(0), Index(resamples), options.threads, [&](Index b) {
      if (share.owns(b)) run_resample(b);
    });
  });
  share.gather(graphs, failed, failures, failed_arguments);
  share.run([&] {
    Index first_failed = -1;
    for (Index b = 0; b < resamples; ++b) {
      if (!failed[std::size_t(b)]) continue;
      if (result.failed++ == 0) first_failed = b;
    }
    if (first_failed >= 0) {
      const auto at = std::size_t(first_failed);
      result.first_failure = "resample " + std::to_string(first_failed) + ": " + failed_arguments[at] + " " + failures[at];
      if (result.failed == resamples) {
        throw invalid_input(failed_arguments[at],
                            failures[at] + " (in every resample; the first is resample " + std::to_string(first_failed) + ")");
      }
    }
    tally_bootstrap_edges(graphs, result);
  });
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace detail

/// Bootstrap stability of any search: `search(resample)` (a `Graph` over the data's columns from an
/// n x p matrix) runs on `resamples` resamples of the rows drawn with replacement, resample b from
/// substream b of `options.seed`, in parallel over `options.threads`; `search` is called from
/// several threads at once and must be thread-safe (and should run on one thread itself).
/// Returns, for every pair, the frequency of each edge type (Tetrad's bootstrapping table) and the
/// consensus graph at `options.consensus_frequency`; `names` (default X1..Xp) name the nodes. A
/// resample whose search throws `invalid_input` (say a column constant in it) is counted in
/// `failed` and left out of the frequencies; when every resample fails, the first failure's error
/// is thrown. A search's time budget applies per resample. The result is identical for any
/// thread count.
/// Throws `invalid_input` for resamples <= 0, a bad option, fewer than 2 rows, non-finite data,
/// names of the wrong count, or a search that returns a graph of the wrong size.
/// Complexity: `resamples` searches on n x p data.
/// Example:
/// \code
///   causalattn::PcOptions one_thread;
///   one_thread.threads = 1;
///   auto stability = causalattn::bootstrap_graphs_with(X, 100, [&](const causalattn::Matrix<double>& r) {
///     return causalattn::pc(causalattn::FisherZTest(r, causalattn::PValueConvention::accurate, 1), {}, one_thread).cpdag;
///   });
/// \endcode
template <class Derived, class Search>
BootstrapResult bootstrap_graphs_with(const Eigen::MatrixBase<Derived>& data, int resamples, Search&& search,
                                      const BootstrapOptions& options = {}, std::vector<std::string> names = {}) {
  return detail::bootstrap_with(data, resamples, std::forward<Search>(search), options, std::move(names), detail::AllResamples{});
}

namespace detail {

/// Throws `invalid_input` for a bad option of `options.algorithm`'s search, fewer than 2 columns, or
/// knowledge over another number of variables. O(1) beyond the options' own checks.
template <class Derived>
void check_search_options(const Eigen::MatrixBase<Derived>& data, const BootstrapOptions& options) {
  options.validate();
  if (options.algorithm == BootstrapAlgorithm::pc) options.pc.validate();
  else options.fci.validate();
  if (data.cols() < 2) throw invalid_input("data", "has " + std::to_string(data.cols()) + " column; a graph needs >= 2");
  const auto& knowledge = options.algorithm == BootstrapAlgorithm::pc ? options.pc.knowledge : options.fci.knowledge;
  if (knowledge.variables() != 0 && knowledge.variables() != data.cols()) {
    throw invalid_input("options.knowledge", "is over " + std::to_string(knowledge.variables()) + " variables, the data have " +
                                                 std::to_string(data.cols()) + " columns");
  }
}

/// `bootstrap_graphs` over the resamples `share` gives this process.
template <class Derived, class Share>
BootstrapResult bootstrap_fisher_z(const Eigen::MatrixBase<Derived>& data, int resamples, const BootstrapOptions& options,
                                   std::vector<std::string> names, const Share& share) {
  check_search_options(data, options);
  PcOptions pc_options;
  FciOptions fci_options;
  share.run([&] {  // copies of the knowledge: O(p^2) memory
    pc_options = options.pc;
    fci_options = options.fci;
    pc_options.threads = fci_options.threads = 1;
    pc_options.progress = fci_options.progress = nullptr;
    pc_options.search_progress = fci_options.search_progress = nullptr;
  });
  const auto search = [&](const Matrix<double>& resample) {
    const FisherZTest test(resample, PValueConvention::accurate, 1);
    return options.algorithm == BootstrapAlgorithm::pc ? pc(test, {}, pc_options).cpdag : fci(test, {}, fci_options).pag;
  };
  return bootstrap_with(data, resamples, search, options, std::move(names), share);
}

}  // namespace detail

/// Bootstrap stability of PC or FCI (`options.algorithm`) with Fisher z on `data` (n x p, rows =
/// samples), each resample's search on one thread; see `bootstrap_graphs_with`.
/// Example:
/// \code
///   causalattn::BootstrapOptions o;
///   o.pc.alpha = 0.01;
///   auto s = causalattn::bootstrap_graphs(X, 100, o, names);   // s.pairs, s.consensus
/// \endcode
template <class Derived>
BootstrapResult bootstrap_graphs(const Eigen::MatrixBase<Derived>& data, int resamples, const BootstrapOptions& options = {},
                                 std::vector<std::string> names = {}) {
  return detail::bootstrap_fisher_z(data, resamples, options, std::move(names), detail::AllResamples{});
}

}  // namespace causalattn
