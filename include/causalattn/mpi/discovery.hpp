#pragma once
/// \file
/// PC, FCI and the graph bootstrap over MPI ranks (`mpi_pc`, `mpi_fci`, `mpi_bootstrap_graphs`):
/// the same results as `pc`, `fci` and `bootstrap_graphs`, bit for bit (timings aside), for any number of ranks and
/// threads. Only an MPI user includes this header (build with CAUSALATTN_USE_MPI=ON or link MPI).

#include <cstdint>
#include <cstring>
#include <mpi.h>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "causalattn/core/fingerprint.hpp"
#include "causalattn/discovery/bootstrap.hpp"
#include "causalattn/discovery/fci.hpp"
#include "causalattn/discovery/pc.hpp"
#include "causalattn/mpi/group.hpp"

namespace causalattn {

namespace detail {

/// Appends plain values to an MPI message (native byte order: every rank runs the same binary).
struct MessageWriter {
  std::vector<char> bytes;
  template <class T>
  void put(T value) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto at = bytes.size();
    bytes.resize(at + sizeof(T));
    std::memcpy(bytes.data() + at, &value, sizeof(T));
  }
  void put_bytes(const void* data, std::size_t count) {
    if (count == 0) return;
    const char* from = static_cast<const char*>(data);
    bytes.insert(bytes.end(), from, from + count);
  }
  void put_text(const std::string& text) {
    put(static_cast<long long>(text.size()));
    bytes.insert(bytes.end(), text.begin(), text.end());
  }
};

/// Reads back what a `MessageWriter` wrote, refusing to read past the end of its segment (which would
/// mean the ranks disagree on what was sent: an internal error, agreed by the caller).
struct MessageReader {
  const char* at;
  const char* end;
  void need(long long bytes) const {
    if (bytes < 0 || bytes > end - at) throw numerical_error("MPI exchange: a rank's message is shorter than its contents say");
  }
  template <class T>
  T get() {
    need(sizeof(T));
    T value;
    std::memcpy(&value, at, sizeof(T));
    at += sizeof(T);
    return value;
  }
  void get_bytes(void* data, std::size_t count) {
    if (count == 0) return;
    need(static_cast<long long>(count));
    std::memcpy(data, at, count);
    at += count;
  }
  std::string get_text() {
    const auto length = get<long long>();
    need(length);
    std::string text(at, static_cast<std::size_t>(length));
    at += length;
    return text;
  }
};

/// The rows x with x mod ranks == rank, from the first at or after `from`.
inline Index first_row_of(Index rank, Index ranks, Index from) { return from + ((rank - from) % ranks + ranks) % ranks; }

/// An MPI rank's share of the stable skeleton: rows x with x mod size == rank (cyclic, so the
/// long rows of depth 0 and the dense rows of later depths spread evenly). After each depth every
/// rank sends one bit per candidate pair of its rows (removed or not, in the order all ranks can
/// enumerate) and its non-empty separating sets; after the last depth the columns of the p-value
/// table it wrote. Its packing and unpacking run inside `MpiGroup::run`. See `AllRows` for the calls.
class MpiRows {
 public:
  explicit MpiRows(const MpiGroup& group) : group_(group) {}
  Index count(Index p) const noexcept { return group_.rank() < p ? (p - group_.rank() + ranks() - 1) / ranks() : 0; }
  Index row(Index i) const noexcept { return group_.rank() + i * ranks(); }
  long long part(long long work) const noexcept { return (work + ranks() - 1) / ranks(); }
  template <class Work>
  void run(Work&& work) const {
    group_.run(std::forward<Work>(work));
  }
  template <class Candidates, class Staged>
  long long exchange(Index p, Candidates&& for_each_candidate, std::vector<char>& adjacent, char removed_mark, Staged& separated,
                     long long tests) const {
    MessageWriter out;
    group_.run([&] {
      out.put(tests);
      std::vector<unsigned char> bits;
      long long bit = 0;
      for (Index i = 0; i < count(p); ++i) {
        const Index x = row(i);
        for_each_candidate(x, [&](Index y) {
          if (bit % 8 == 0) bits.push_back(0);
          if (adjacent[std::size_t(x * p + y)] == removed_mark) bits.back() |= (unsigned char)(1u << (bit % 8));
          ++bit;
        });
      }
      out.put(static_cast<long long>(bits.size()));
      out.bytes.insert(out.bytes.end(), bits.begin(), bits.end());
      long long sets = 0;
      for (Index i = 0; i < count(p); ++i) sets += static_cast<long long>(separated[std::size_t(row(i))].size());
      out.put(sets);
      for (Index i = 0; i < count(p); ++i) {
        const Index x = row(i);
        for (const auto& [y, set] : separated[std::size_t(x)]) {
          out.put(static_cast<long long>(x));
          out.put(static_cast<long long>(y));
          out.put(static_cast<long long>(set.size()));
          for (Index v : set) out.put(static_cast<long long>(v));
        }
      }
    });
    std::vector<long long> offsets;
    const std::vector<char> all = group_.all_gather(out.bytes, offsets);
    long long total = 0;
    group_.run([&] {
      for (int k = 0; k < ranks(); ++k) {
        MessageReader in{all.data() + offsets[std::size_t(k)], all.data() + offsets[std::size_t(k) + 1]};
        total += in.get<long long>();
        if (k == group_.rank()) continue;
        const auto bytes = in.get<long long>();
        in.need(bytes);
        const auto* received = reinterpret_cast<const unsigned char*>(in.at);
        in.at += bytes;
        long long at = 0;
        for (Index x = k; x < p; x += ranks()) {
          for_each_candidate(x, [&](Index y) {
            if (at < 8 * bytes && (received[at / 8] & (1u << (at % 8)))) adjacent[std::size_t(x * p + y)] = removed_mark;
            ++at;
          });
        }
        if ((at + 7) / 8 != bytes)
          throw numerical_error("MPI exchange: rank " + std::to_string(k) + " sent removals for other pairs");
        for (long long s = in.get<long long>(); s > 0; --s) {
          const auto x = Index(in.get<long long>()), y = Index(in.get<long long>());
          const auto size = in.get<long long>();
          if (size < 0 || size > (in.end - in.at) / 8) in.need(-1);  // a corrupt count: refused before allocating
          std::vector<Index> set(static_cast<std::size_t>(size));
          for (auto& v : set) v = Index(in.get<long long>());
          if (x < 0 || x >= p)
            throw numerical_error("MPI exchange: rank " + std::to_string(k) + " sent a set for row " + std::to_string(x));
          separated[std::size_t(x)].emplace_back(y, std::move(set));
        }
      }
    });
    return total;
  }
  /// Gathers the columns of the lower triangle each rank wrote (8 bytes per pair), in pieces of
  /// about 2^24 entries so that the buffers stay small.
  void combine_max_p(Matrix<double>& max_p) const {
    const Index p = max_p.rows();
    if (ranks() == 1) return;
    for (Index begin = 0; begin < p;) {
      Index end = begin;
      for (long long entries = 0; end < p && entries < (1LL << 24); ++end) entries += p - end - 1;
      MessageWriter out;
      group_.run([&] {
        for (Index x = first_row_of(group_.rank(), ranks(), begin); x < end; x += ranks())
          out.put_bytes(max_p.col(x).data() + x + 1, sizeof(double) * std::size_t(p - x - 1));
      });
      std::vector<long long> offsets;
      const std::vector<char> all = group_.all_gather(out.bytes, offsets);
      group_.run([&] {
        for (int k = 0; k < ranks(); ++k) {
          if (k == group_.rank()) continue;
          MessageReader in{all.data() + offsets[std::size_t(k)], all.data() + offsets[std::size_t(k) + 1]};
          for (Index x = first_row_of(k, ranks(), begin); x < end; x += ranks())
            in.get_bytes(max_p.col(x).data() + x + 1, sizeof(double) * std::size_t(p - x - 1));
        }
      });
      begin = end;
    }
  }

 private:
  int ranks() const noexcept { return group_.size(); }
  const MpiGroup& group_;
};

/// An MPI rank's share of the bootstrap: resamples b with b mod size == rank; afterwards every
/// rank receives every resample's edges and failure. See `AllResamples` for the calls.
class MpiResamples {
 public:
  explicit MpiResamples(const MpiGroup& group) : group_(group) {}
  bool owns(Index b) const noexcept { return b % group_.size() == group_.rank(); }
  Index owned(Index resamples) const noexcept {
    return group_.rank() < resamples ? (resamples - group_.rank() + group_.size() - 1) / group_.size() : 0;
  }
  template <class Work>
  void run(Work&& work) const {
    group_.run(std::forward<Work>(work));
  }
  void gather(std::vector<std::vector<Edge>>& graphs, std::vector<char>& failed, std::vector<std::string>& failures,
              std::vector<std::string>& failed_arguments) const {
    const Index resamples = Index(graphs.size());
    MessageWriter out;
    group_.run([&] {
      for (Index b = group_.rank(); b < resamples; b += group_.size()) {
        const auto at = std::size_t(b);
        out.put(char(failed[at]));
        if (failed[at]) {
          out.put_text(failed_arguments[at]);
          out.put_text(failures[at]);
          continue;
        }
        out.put(static_cast<long long>(graphs[at].size()));
        for (const Edge& e : graphs[at]) {
          out.put(static_cast<long long>(e.a));
          out.put(static_cast<long long>(e.b));
          out.put(e.at_a);
          out.put(e.at_b);
        }
      }
    });
    std::vector<long long> offsets;
    const std::vector<char> all = group_.all_gather(out.bytes, offsets);
    group_.run([&] {
      for (int k = 0; k < group_.size(); ++k) {
        if (k == group_.rank()) continue;
        MessageReader in{all.data() + offsets[std::size_t(k)], all.data() + offsets[std::size_t(k) + 1]};
        for (Index b = k; b < resamples; b += group_.size()) {
          const auto at = std::size_t(b);
          failed[at] = in.get<char>();
          if (failed[at]) {
            failed_arguments[at] = in.get_text();
            failures[at] = in.get_text();
            continue;
          }
          const auto edges = in.get<long long>();
          if (edges < 0 || edges > (in.end - in.at) / 18) in.need(-1);
          graphs[at].resize(static_cast<std::size_t>(edges));
          for (Edge& e : graphs[at]) {
            e.a = Index(in.get<long long>());
            e.b = Index(in.get<long long>());
            e.at_a = in.get<Mark>();
            e.at_b = in.get<Mark>();
          }
        }
      }
    });
  }

 private:
  const MpiGroup& group_;
};

/// The test's own fingerprint when it has one (`FisherZTest::fingerprint`), else 0.
template <class Test>
auto test_fingerprint(const Test& test, int) -> decltype(std::uint64_t(test.fingerprint())) {
  return test.fingerprint();
}
template <class Test>
std::uint64_t test_fingerprint(const Test&, long) {
  return 0;
}

/// The fingerprint of a data matrix (its shape and every value).
template <class Derived>
Fingerprint data_fingerprint(const Eigen::MatrixBase<Derived>& data) {
  const Matrix<double> x = data.template cast<double>();
  Fingerprint f;
  f.add(std::int64_t(x.rows()));
  f.add(std::int64_t(x.cols()));
  f.add(x.data(), std::int64_t(x.size()));
  return f;
}

/// Adds the options every rank must share to `f`: alpha, stability, depth, separating sets and the
/// background knowledge's every rule (O(p^2) when there is knowledge).
inline void add_skeleton_options(Fingerprint& f, const SkeletonOptions& options) {
  f.add(options.alpha);
  f.add(std::int64_t(options.stable));
  f.add(std::int64_t(options.max_depth));
  f.add(std::int64_t(options.sepset_mode));
  const BackgroundKnowledge& knowledge = options.knowledge;
  f.add(std::int64_t(knowledge.variables()));
  if (knowledge.empty()) return;
  for (Index from = 0; from < knowledge.variables(); ++from)
    for (Index to = 0; to < knowledge.variables(); ++to)
      f.add(std::int64_t(knowledge.forbidden(from, to)) + 2 * std::int64_t(knowledge.required(from, to)));
}

/// Adds node names to `f`.
inline void add_names(Fingerprint& f, const std::vector<std::string>& names) {
  f.add(std::int64_t(names.size()));
  for (const auto& name : names) f.add(name);
}

/// Before any work: validates the options and names on every rank (an error on one is thrown on
/// all), refuses the original skeleton, and checks that every rank has the same test input (its
/// `fingerprint()` when it has one), names and options. Collective.
template <class Test, class Options>
void check_distributed_search(const MpiGroup& group, const Test& test, const std::vector<std::string>& names,
                              const Options& options, Fingerprint f) {
  group.run([&] {
    options.validate();
    std::vector<std::string> checked = names;  // (empty becomes X1..Xp)
    check_discovery_inputs(test.variables(), checked, options.knowledge);
    if (!options.stable) {
      throw invalid_input("options.stable", "is false: the original (order-dependent) skeleton cannot be shared over ranks");
    }
    f.add(std::int64_t(test.variables()));
    f.add(test_fingerprint(test, 0));
    add_skeleton_options(f, options);
    add_names(f, checked);
  });
  group.check_same(f.value(), "test", "the data and options");
}

/// Before any work: validates a bootstrap's arguments on every rank, then checks that every rank
/// has the same data, names, resample count and options (`search_options` checks and adds the
/// search's own, first).
template <class Derived, class AddSearchOptions>
void check_distributed_bootstrap(const MpiGroup& group, const Eigen::MatrixBase<Derived>& data, int resamples,
                                 const BootstrapOptions& options, const std::vector<std::string>& names,
                                 AddSearchOptions&& search_options) {
  Fingerprint f;
  group.run([&] {
    Fingerprint search;  // first, as the single-process bootstrap_graphs checks its search's options first
    search_options(search);
    check_bootstrap_inputs(data, resamples, options, names);
    f = data_fingerprint(data);
    f.add(std::int64_t(resamples));
    f.add(options.consensus_frequency);
    f.add(std::uint64_t(options.seed));
    add_names(f, names.empty() ? default_variable_names(data.cols()) : names);
    f.add(search.value());
  });
  group.check_same(f.value(), "data", "the data and options");
}

}  // namespace detail

/// PC (`pc`) with the skeleton's work shared over the ranks of `group` (default: MPI_COMM_WORLD's;
/// `causalattn::MpiGroup(comm)` for another communicator, whose `traffic()` then logs the bytes).
/// At each depth rank k tests the pairs of the rows x with x mod R == k, and the removals and
/// separating sets are exchanged after the depth, so every rank ends the skeleton with the same
/// graph; the orientation then runs on every rank (small beside the skeleton at large p). The
/// result equals `pc(test, names, options)` bit for bit on every rank (the `seconds_*` timings
/// aside), for any rank and thread counts. Collective: every rank calls it with the same test
/// input, names and options, which are validated on every rank and compared by checksum first
/// (`FisherZTest::fingerprint`; for a test without `fingerprint()`, p, names and options only).
/// Each rank holds its own test: a `FisherZTest` holds the whole correlation matrix, an
/// `MpiFisherZTest` (`mpi/fisher_z.hpp`) only its rank's rows (1/R of it). An error on any rank
/// (bad input, `max_seconds`, `std::bad_alloc`) is thrown on every rank, naming the lowest failing
/// rank. Throws `invalid_input` for differing inputs and for `options.stable == false`.
/// Communication per depth: one bit per candidate pair plus the non-empty separating sets (8 bytes
/// per index plus 24 per set), gathered by every rank; at the end the p-value table's columns,
/// 4 p^2 bytes in all (examples/guides/cluster.md has the model).
/// Example:
/// \code
///   MPI_Init(&argc, &argv);
///   causalattn::FisherZTest test(data);
///   auto result = causalattn::mpi_pc(test, names);   // on every rank
/// \endcode
template <class Test>
PcResult mpi_pc(const Test& test, std::vector<std::string> names = {}, const PcOptions& options = {},
                const MpiGroup& group = MpiGroup()) {
  Fingerprint f;
  f.add(std::int64_t(options.collider_rule));
  f.add(std::int64_t(options.priority));
  detail::check_distributed_search(group, test, names, options, f);
  return detail::pc_with(
      test, std::move(names), options, [](detail::EndpointGraph&) {}, detail::MpiRows(group));
}

/// FCI (`fci`) with the skeleton's work shared over the ranks of `group`, as `mpi_pc` shares PC's;
/// the possible-d-sep stage and the rules run on every rank. The result equals `fci(test, names,
/// options)` bit for bit on every rank (timings aside). FCI's possible-d-sep stage is not divided
/// over ranks. Collective; same checks and errors as `mpi_pc`.
/// Example: `auto result = causalattn::mpi_fci(causalattn::FisherZTest(data), names);`
template <class Test>
FciResult mpi_fci(const Test& test, std::vector<std::string> names = {}, const FciOptions& options = {},
                  const MpiGroup& group = MpiGroup()) {
  Fingerprint f;
  f.add(std::int64_t(options.possible_dsep));
  f.add(std::int64_t(options.max_path_length));
  detail::check_distributed_search(group, test, names, options, f);
  return detail::fci_with(test, std::move(names), options, detail::MpiRows(group));
}

/// `bootstrap_graphs_with` over the ranks of `group`: rank k runs the resamples b with b mod R == k,
/// then every rank receives every resample's graph (or failure) and returns the same
/// `BootstrapResult`, equal to `bootstrap_graphs_with(data, resamples, search, options, names)`
/// (the `seconds` field aside). Collective: every rank passes the same data, resample count, seed
/// and consensus frequency, which a checksum exchanged first verifies, and the same `search`.
/// An error on any rank is thrown on every rank. Communication: each resample's edge list
/// (18 bytes per edge) gathered by every rank.
/// Example: `auto s = causalattn::mpi_bootstrap_graphs_with(X, 100, my_search, options, names);`
template <class Derived, class Search>
BootstrapResult mpi_bootstrap_graphs_with(const Eigen::MatrixBase<Derived>& data, int resamples, Search&& search,
                                          const BootstrapOptions& options = {}, std::vector<std::string> names = {},
                                          const MpiGroup& group = MpiGroup()) {
  detail::check_distributed_bootstrap(group, data, resamples, options, names, [](Fingerprint&) {});
  return detail::bootstrap_with(data, resamples, std::forward<Search>(search), options, std::move(names),
                                detail::MpiResamples(group));
}

/// `bootstrap_graphs` (PC or FCI with Fisher z) over the ranks of `group`, as
/// `mpi_bootstrap_graphs_with` shares any search; the PC and FCI options are in the checksum too.
/// The result equals `bootstrap_graphs(data, resamples, options, names)` on every rank.
/// Example: `auto s = causalattn::mpi_bootstrap_graphs(X, 100, options, names);`
template <class Derived>
BootstrapResult mpi_bootstrap_graphs(const Eigen::MatrixBase<Derived>& data, int resamples, const BootstrapOptions& options = {},
                                     std::vector<std::string> names = {}, const MpiGroup& group = MpiGroup()) {
  detail::check_distributed_bootstrap(group, data, resamples, options, names, [&](Fingerprint& f) {
    detail::check_search_options(data, options);
    f.add(std::int64_t(options.algorithm));
    detail::add_skeleton_options(f, options.pc);
    f.add(std::int64_t(options.pc.collider_rule));
    f.add(std::int64_t(options.pc.priority));
    detail::add_skeleton_options(f, options.fci);
    f.add(std::int64_t(options.fci.possible_dsep));
    f.add(std::int64_t(options.fci.max_path_length));
  });
  return detail::bootstrap_fisher_z(data, resamples, options, std::move(names), detail::MpiResamples(group));
}

}  // namespace causalattn
