#pragma once
/// \file
/// Fisher z over MPI ranks with the correlation matrix spread over them (`MpiFisherZTest`): each
/// rank holds the rows of its own variables, about 1/R of the matrix, and reads the others' entries
/// through one-sided MPI. Only an MPI user includes this header.

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <mpi.h>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "causalattn/core/fingerprint.hpp"
#include "causalattn/discovery/correlation.hpp"
#include "causalattn/discovery/fisher_z.hpp"
#include "causalattn/discovery/partial_correlation.hpp"
#include "causalattn/mpi/group.hpp"

namespace causalattn {

namespace detail {

/// Correlation entries keyed by a non-negative integer: open addressing with linear probing in a
/// power-of-two table at most half full; `clear` resets only the slots in use. O(1) per operation.
class EntryTable {
 public:
  std::size_t size() const noexcept { return used_.size(); }
  /// The value under `key`, or nullptr.
  const double* find(long long key) const noexcept {
    if (keys_.empty()) return nullptr;
    for (std::size_t at = slot(key);; at = (at + 1) & (keys_.size() - 1)) {
      if (keys_[at] == key) return &values_[at];
      if (keys_[at] < 0) return nullptr;
    }
  }
  /// Stores `value` under `key` (replacing an earlier one).
  void insert(long long key, double value) {
    if (2 * (used_.size() + 1) > keys_.size()) grow();
    std::size_t at = slot(key);
    while (keys_[at] >= 0 && keys_[at] != key) at = (at + 1) & (keys_.size() - 1);
    if (keys_[at] < 0) used_.push_back(at);
    keys_[at] = key;
    values_[at] = value;
  }
  void clear() noexcept {
    for (std::size_t at : used_) keys_[at] = -1;
    used_.clear();
  }

 private:
  std::size_t slot(long long key) const noexcept { return std::size_t((std::uint64_t(key) * 0x9E3779B97F4A7C15ull) >> shift_); }
  void grow() {
    std::vector<long long> keys = std::move(keys_);
    std::vector<double> values = std::move(values_);
    const std::vector<std::size_t> used = std::move(used_);
    const std::size_t capacity = keys.empty() ? 1024 : 2 * keys.size();
    keys_.assign(capacity, -1);
    values_.resize(capacity);
    used_.clear();
    shift_ = 64;
    for (std::size_t c = capacity; c > 1; c >>= 1) --shift_;
    for (std::size_t at : used) insert(keys[at], values[at]);
  }
  std::vector<long long> keys_;
  std::vector<double> values_;
  std::vector<std::size_t> used_;
  int shift_ = 64;
};

}  // namespace detail

/// Fisher z (`FisherZTest`) for `mpi_pc` and `mpi_fci` when the p x p correlation matrix should not
/// sit whole on every rank: rank k computes and keeps the rows x with x mod R == k (the rows whose
/// pairs it tests in the skeleton), 8 p^2 / R bytes, in an MPI window; an entry of two other ranks'
/// variables is read from its owner with MPI_Get. Before the skeleton tests a pair it fetches the
/// entries that the pair's conditioning sets can touch (`prepare`: one get per row, at most one flush
/// per pair); any other test (the orientation's, FCI's possible-d-sep stage) fetches what it misses
/// one entry at a time.
/// Every entry equals `correlation_matrix`'s bit for bit, so `mpi_pc(MpiFisherZTest(data))` equals
/// `pc(FisherZTest(data))` for any rank and thread counts. Each rank computes the whole lower block
/// triangle (O(n p^2 / 2), as `FisherZTest` does) but keeps only its rows.
/// Requirements: MPI initialised with at least MPI_THREAD_SERIALIZED (the search's threads fetch;
/// one mutex, shared by all objects, serialises their MPI calls; no other thread may call MPI
/// while a search runs), and every rank constructing it with the same data. Construction and
/// destruction are collective (the window): an error thrown on one rank only, outside the
/// searches, leaves the others waiting in the destructor. Errors inside it and the searches (bad
/// data on any rank) are thrown on every rank, as `MpiGroup::run` throws them. Memory per rank:
/// 8 p^2 / R bytes of rows, the n x p centred data while constructing, and for each thread that
/// tests, 16 p bytes for the pair's row y plus the entries among neighbour lists of its current row
/// and those read one at a time (at most 2^16 of them before they are dropped), and the keys of
/// its largest round of reads; a thread keeps these buffers until it ends.
/// Example:
/// \code
///   MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
///   causalattn::MpiFisherZTest test(data);              // on every rank, the same data
///   auto result = causalattn::mpi_pc(test, names);     // equals pc(FisherZTest(data), names)
/// \endcode
class MpiFisherZTest {
 public:
  /// \param data       n x p samples (the same on every rank; see `correlation_matrix` for what is refused).
  /// \param group      the ranks (default MPI_COMM_WORLD's).
  /// \param convention how p-values are evaluated.
  /// \param threads    threads for the correlation rows (0 = all).
  template <class Derived>
  explicit MpiFisherZTest(const Eigen::MatrixBase<Derived>& data, const MpiGroup& group = MpiGroup(),
                          PValueConvention convention = PValueConvention::accurate, int threads = 0)
      : group_(group),
        p_(data.cols()),
        ranks_(group.size()),
        rank_(group.rank()),
        sample_size_(double(data.rows())),
        convention_(convention),
        generation_(next_generation()),
        owner_(std::size_t(p_)),
        row_offset_(std::size_t(p_)) {
    for (Index v = 0; v < p_; ++v) {
      owner_[std::size_t(v)] = int(v % ranks_);
      row_offset_[std::size_t(v)] = (v / ranks_) * p_;
    }
    Matrix<double> centred;
    group_.run([&] {
      int level = MPI_THREAD_SINGLE;
      MPI_Query_thread(&level);
      if (level < MPI_THREAD_SERIALIZED) {
        throw invalid_input("MPI", "was initialised with thread level " + std::to_string(level) +
                                       ": MpiFisherZTest fetches entries from the search's threads; call "
                                       "MPI_Init_thread with MPI_THREAD_SERIALIZED or higher");
      }
      check_not_empty("data", data);
      if (data.rows() < 2) throw invalid_input("data", "has " + std::to_string(data.rows()) + " row; correlations need >= 2");
      centred = detail::centred_copy<Eigen::ColMajor, double>(data, threads);
      Fingerprint f;
      f.add(std::int64_t(centred.rows()));
      f.add(std::int64_t(p_));
      f.add(centred.data(), std::int64_t(centred.size()));
      f.add(std::int64_t(convention_));
      fingerprint_ = f.value();
    });
    const Index rows = rank_ < p_ ? (p_ - rank_ + ranks_ - 1) / ranks_ : 0;
    double* base = nullptr;
    MPI_Win_allocate(MPI_Aint(rows * p_) * MPI_Aint(sizeof(double)), int(sizeof(double)), MPI_INFO_NULL, group_.comm(), &base,
                     &window_);
    try {
      group_.run([&] {
        if (rows > 0 && base == nullptr) throw std::bad_alloc();
        rows_ = base;
        detail::correlation_rows(centred, Index(rank_), Index(ranks_), threads, rows_);
      });
    } catch (...) {
      MPI_Win_free(&window_);
      throw;
    }
    // The rows were written by plain stores: make them visible to the other ranks' gets
    // (required under MPI's separate memory model) before any rank reads.
    MPI_Win_lock_all(MPI_MODE_NOCHECK, window_);
    MPI_Win_sync(window_);
    MPI_Barrier(group_.comm());
  }

  MpiFisherZTest(const MpiFisherZTest&) = delete;
  MpiFisherZTest& operator=(const MpiFisherZTest&) = delete;

  /// Collective: every rank's reads end before the window is freed (destroy it before
  /// MPI_Finalize; after it, the window can no longer be freed and is left to the process's end).
  ~MpiFisherZTest() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (finalized) return;
    MPI_Win_unlock_all(window_);
    MPI_Barrier(group_.comm());
    MPI_Win_free(&window_);
  }

  /// Number of variables.
  Index variables() const noexcept { return p_; }
  /// The effective sample size (the data's rows).
  double sample_size() const noexcept { return sample_size_; }
  /// Bytes of correlation rows this rank holds: 8 p ceil((p - rank) / R).
  long long row_bytes() const noexcept {
    return (rank_ < p_ ? (p_ - rank_ + ranks_ - 1) / ranks_ : 0) * p_ * (long long)sizeof(double);
  }
  /// Bytes this rank has read from other ranks' rows so far (8 per entry), for a model of the
  /// communication. O(1).
  long long fetched_bytes() const noexcept { return fetched_bytes_.load(std::memory_order_relaxed); }
  /// A fingerprint of the centred data, the sample size and the convention, for `mpi_pc`'s check
  /// that every rank tests the same data. O(1) (computed once).
  std::uint64_t fingerprint() const noexcept { return fingerprint_; }

  /// As `FisherZTest::check_no_perfect_correlation`, naming the same first pair (in column order),
  /// on every rank. Collective: each rank scans its rows, the lowest pair is agreed. O(p^2 / R).
  void check_no_perfect_correlation() const {
    long long first = std::numeric_limits<long long>::max();
    for (Index x = rank_; x < p_; x += ranks_) {
      const double* row = local_row(x);
      for (Index j = 0; j < p_; ++j)
        if (j != x && std::abs(row[j]) >= 1 - 1e-12) first = std::min(first, key(x, j));
    }
    long long lowest = first;
    MPI_Allreduce(&first, &lowest, 1, MPI_LONG_LONG, MPI_MIN, group_.comm());
    group_.run([&] {
      if (lowest == std::numeric_limits<long long>::max() || first != lowest) return;
      const Index j = Index(lowest / p_), i = Index(lowest % p_);
      throw invalid_input("data", "column " + std::to_string(j) + " and column " + std::to_string(i) +
                                      " are perfectly correlated (r = " + detail::to_text(entry(i, j, fetched())) +
                                      "): a duplicated or rescaled column; drop one");
    });
  }

  /// Fetches the entries that the skeleton's tests of x _||_ y | S, S drawn from `x_neighbours` or
  /// `y_neighbours`, read and this rank does not hold: row y's entries over both lists and, from
  /// depth 2, the entries among each list. Kept for the calling thread (row y's until its next
  /// pair, the others until its next row x). Called
  /// by the skeleton through `detail::prepare_test`. O(d^2) entries per pair for lists of length d.
  void prepare(Index x, Index y, const std::vector<Index>& x_neighbours, const std::vector<Index>& y_neighbours,
               Index depth) const {
    Fetched& mine = fetched();
    Request request;  // everything the pair needs, read in one round (one flush)
    mine.requested.clear();
    if (mine.x != x || mine.depth != depth) {
      mine.entries.clear();
      mine.x = x;
      mine.depth = depth;
      if (depth >= 2) request_among(x_neighbours, mine, request);
    }
    mine.y = -1;
    const std::size_t y_row_index = request.size();
    const bool remote_y = !owns(y);
    if (remote_y) {  // row y over both lists, held ones too: the tests then read it as a contiguous column
      std::vector<Index> columns;
      columns.reserve(x_neighbours.size() + y_neighbours.size() + 1);
      for (const auto* list : {&x_neighbours, &y_neighbours})
        for (Index v : *list)
          if (v != y) columns.push_back(v);
      columns.push_back(x);
      std::sort(columns.begin(), columns.end());
      columns.erase(std::unique(columns.begin(), columns.end()), columns.end());
      request.emplace_back(y, std::move(columns));
    }
    if (depth >= 2) request_among(y_neighbours, mine, request);
    const auto values = fetch(request);
    for (std::size_t r = 0; r < request.size(); ++r) {
      if (remote_y && r == y_row_index) continue;
      for (std::size_t c = 0; c < values[r].size(); ++c)
        mine.entries.insert(key(request[r].first, request[r].second[c]), values[r][c]);
    }
    if (!remote_y) return;
    if (mine.y_row.size() != std::size_t(p_)) {  // (the thread's previous object may have had another p)
      mine.y_row.assign(std::size_t(p_), 0.0);
      mine.y_stamp.assign(std::size_t(p_), 0);
    }
    ++mine.stamp;
    mine.y = y;
    for (std::size_t c = 0; c < values[y_row_index].size(); ++c) {
      const auto v = std::size_t(request[y_row_index].second[c]);
      mine.y_row[v] = values[y_row_index][c];
      mine.y_stamp[v] = mine.stamp;
    }
  }

  /// Tests x _||_ y | s as `FisherZTest::test` does (the same bits). Indices are trusted.
  /// O(|s|^3), plus one MPI_Get per entry neither prepared nor held here.
  /// (A template only so that a program that never tests compiles no solver.)
  template <typename = void>
  CiTestResult test(Index x, Index y, const std::vector<Index>& s) const {
    FisherZTest::degrees_of_freedom(sample_size_, s.size());
    const Index k = Index(s.size()) + 2;
    const auto index = [&](Index a) { return a == 0 ? x : a == 1 ? y : s[std::size_t(a - 2)]; };
    std::vector<Index>& positions = fetched().positions;
    positions.resize(std::size_t(k - 2));
    for (Index a = 2; a < k; ++a) positions[std::size_t(a - 2)] = a;
    double r;
    if (k <= 16) {
      Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, 0, 16, 16> m(k, k);
      fill(m, k, index);
      r = partial_correlation(m, 0, 1, positions).value;
    } else {
      Matrix<double> m(k, k);
      fill(m, k, index);
      r = partial_correlation(m, 0, 1, positions).value;
    }
    return FisherZTest::from_partial_correlation(r, sample_size_, s.size(), convention_);
  }

 private:
  /// Entries to read: for each row u, the columns v of the entries (u, v).
  using Request = std::vector<std::pair<Index, std::vector<Index>>>;

  /// A thread's fetched entries for the object `generation`: those among neighbours, keyed by
  /// `key(min, max)`, and the entries (y, v) of the pair's y with y_stamp[v] == stamp.
  struct Fetched {
    std::uint64_t generation = 0;
    Index x = -1, depth = -1, y = -1;
    detail::EntryTable entries;
    detail::EntryTable requested;  // the keys `prepare` is about to read (values unused)
    std::uint64_t stamp = 0;
    std::vector<double> y_row;
    std::vector<std::uint64_t> y_stamp;
    std::vector<Index> positions;  // 2, 3, ..., |S| + 1: the conditioning set's rows in a test's submatrix
  };

  /// The mutex that serialises every object's MPI calls (MPI_THREAD_SERIALIZED allows one thread
  /// in MPI at a time across the process).
  static std::mutex& mpi_calls() {
    static std::mutex shared;
    return shared;
  }

  static std::uint64_t next_generation() {
    static std::atomic<std::uint64_t> counter{0};
    return ++counter;
  }

  /// The calling thread's entries, emptied when they belong to another object.
  Fetched& fetched() const {
    thread_local Fetched mine;
    if (mine.generation != generation_) {
      mine.entries.clear();
      mine.generation = generation_;
      mine.x = mine.depth = mine.y = -1;
    }
    return mine;
  }

  bool owns(Index v) const noexcept { return owner_[std::size_t(v)] == rank_; }
  const double* local_row(Index v) const noexcept { return rows_ + row_offset_[std::size_t(v)]; }
  long long key(Index a, Index b) const noexcept { return (long long)std::min(a, b) * p_ + std::max(a, b); }

  /// Entry (a, b) of the correlation matrix: held, fetched, or read now from its owner. A test
  /// asks for (s, x) and (s, y) with s varying, so b's row is tried first: a contiguous read.
  /// `mine` is the calling thread's `fetched()`.
  double entry(Index a, Index b, Fetched& mine) const {
    if (a == b) return 1.0;
    if (owns(b)) return local_row(b)[a];
    if (b == mine.y && mine.y_stamp[std::size_t(a)] == mine.stamp) return mine.y_row[std::size_t(a)];
    if (owns(a)) return local_row(a)[b];
    if (a == mine.y && mine.y_stamp[std::size_t(b)] == mine.stamp) return mine.y_row[std::size_t(b)];
    if (const double* held = mine.entries.find(key(a, b))) return *held;
    if (mine.entries.size() >= (std::size_t(1) << 16)) mine.entries.clear();  // on-demand reads stay bounded
    Request request;
    request.emplace_back(a, std::vector<Index>{b});
    const double value = fetch(request)[0][0];
    mine.entries.insert(key(a, b), value);
    return value;
  }

  template <class Square, class IndexOf>
  void fill(Square& m, Index k, const IndexOf& index) const {
    Fetched& mine = fetched();
    for (Index a = 0; a < k; ++a) {
      m(a, a) = 1.0;
      for (Index b = 0; b < a; ++b) m(a, b) = m(b, a) = entry(index(a), index(b), mine);
    }
  }

  /// Adds to `request` the entries among `list` that this rank does not hold and the thread neither
  /// has nor has requested in this round (`mine.requested`, which it marks).
  void request_among(const std::vector<Index>& list, Fetched& mine, Request& request) const {
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (owns(list[i])) continue;
      std::vector<Index> columns;
      for (std::size_t j = i + 1; j < list.size(); ++j) {
        const long long k = key(list[i], list[j]);
        if (owns(list[j]) || mine.entries.find(k) || mine.requested.find(k)) continue;
        mine.requested.insert(k, 0.0);
        columns.push_back(list[j]);
      }
      if (!columns.empty()) request.emplace_back(list[i], std::move(columns));
    }
  }

  /// Reads, for each (row u, columns), entries (u, v) from u's owner: one MPI_Get with an indexed
  /// type per row, then one flush, under the mutex that serialises the threads' MPI calls. Returns
  /// the values in request order.
  std::vector<std::vector<double>> fetch(const Request& request) const {
    std::vector<std::vector<double>> values(request.size());
    if (request.empty()) return values;
    // Every buffer exists before the first get, so nothing can throw while a get is in flight.
    std::vector<std::vector<int>> displacements(request.size());
    for (std::size_t r = 0; r < request.size(); ++r) {
      values[r].resize(request[r].second.size());
      displacements[r].assign(request[r].second.begin(), request[r].second.end());
    }
    std::vector<MPI_Datatype> types(request.size(), MPI_DATATYPE_NULL);
    std::lock_guard<std::mutex> lock(mpi_calls());
    for (std::size_t r = 0; r < request.size(); ++r) {
      const Index u = request[r].first;
      const int count = int(displacements[r].size());
      MPI_Type_create_indexed_block(count, 1, displacements[r].data(), MPI_DOUBLE, &types[r]);
      MPI_Type_commit(&types[r]);
      MPI_Get(values[r].data(), count, MPI_DOUBLE, owner_[std::size_t(u)], MPI_Aint(row_offset_[std::size_t(u)]), 1, types[r],
              window_);
      fetched_bytes_.fetch_add(8 * (long long)count, std::memory_order_relaxed);
    }
    MPI_Win_flush_all(window_);
    for (auto& type : types) MPI_Type_free(&type);
    return values;
  }

  MpiGroup group_;
  Index p_;
  int ranks_, rank_;
  double sample_size_;
  PValueConvention convention_;
  std::uint64_t generation_;
  std::uint64_t fingerprint_ = 0;
  double* rows_ = nullptr;
  MPI_Win window_ = MPI_WIN_NULL;
  std::vector<int> owner_;         // variable v's rank, v mod R
  std::vector<Index> row_offset_;  // where row v starts on its owner: (v / R) p
  mutable std::atomic<long long> fetched_bytes_{0};
};

}  // namespace causalattn
