#pragma once
/// \file
/// The MPI collectives the distributed searches use: agreement on failure, gathering every rank's
/// bytes, and checking that every rank holds the same input. Only an MPI user includes this.

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <exception>
#include <mpi.h>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "causalattn/core/errors.hpp"

namespace causalattn {

/// The ranks of an MPI communicator, with the collectives the distributed searches use. Every
/// member function is collective: all ranks of the communicator call it, in the same order. MPI
/// must be initialised (MPI_Init or MPI_Init_thread) before one is made.
/// Example: `causalattn::MpiGroup group(MPI_COMM_WORLD); if (group.rank() == 0) print(result);`
class MpiGroup {
 public:
  /// \param comm the communicator (not duplicated: its lifetime must cover the group's use).
  explicit MpiGroup(MPI_Comm comm = MPI_COMM_WORLD) : comm_(comm) {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) throw invalid_input("comm", "MPI is not initialised: call MPI_Init or MPI_Init_thread first");
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
  }

  /// This process's rank, in [0, size()).
  int rank() const noexcept { return rank_; }
  /// The number of ranks.
  int size() const noexcept { return size_; }
  /// The communicator.
  MPI_Comm comm() const noexcept { return comm_; }
  /// The bytes this rank received from the others in each `all_gather` so far, one entry per call
  /// in call order (for a model of the communication; see examples/guides/cluster.md).
  const std::vector<long long>& traffic() const noexcept { return traffic_; }

  /// Runs `work`; when it throws on any rank, every rank throws the error of the lowest failing
  /// rank: `invalid_input`, `budget_exceeded` and `numerical_error` with their message ending in
  /// "(on MPI rank k)", `std::bad_alloc` as itself, anything else as `std::runtime_error` naming
  /// the rank. So no
  /// rank waits forever in a later collective for one that gave up. One MPI_Allreduce, plus two
  /// broadcasts on failure.
  template <class Work>
  void run(Work&& work) const {
    std::exception_ptr failure;
    try {
      work();
    } catch (...) {
      failure = std::current_exception();
    }
    agree(failure);
  }

  /// Every rank's `bytes`, concatenated in rank order; `offsets[k]` is where rank k's begin
  /// (offsets has size() + 1 entries). One MPI_Allgather of the sizes, then one broadcast per rank
  /// (in pieces of 1 GiB, so sizes beyond INT_MAX are fine); the buffer's allocation is agreed as
  /// `run` agrees. O(total bytes) memory.
  std::vector<char> all_gather(const std::vector<char>& bytes, std::vector<long long>& offsets) const {
    const long long mine = static_cast<long long>(bytes.size());
    std::vector<long long> sizes(static_cast<std::size_t>(size_));
    MPI_Allgather(&mine, 1, MPI_LONG_LONG, sizes.data(), 1, MPI_LONG_LONG, comm_);
    std::vector<char> all;
    run([&] {
      offsets.assign(std::size_t(size_) + 1, 0);
      for (int k = 0; k < size_; ++k) offsets[std::size_t(k) + 1] = offsets[std::size_t(k)] + sizes[std::size_t(k)];
      traffic_.push_back(offsets.back() - mine);
      all.resize(static_cast<std::size_t>(offsets.back()));
    });
    if (mine > 0) std::memcpy(all.data() + offsets[std::size_t(rank_)], bytes.data(), bytes.size());
    constexpr long long piece = 1LL << 30;
    for (int k = 0; k < size_; ++k) {
      for (long long done = 0; done < sizes[std::size_t(k)]; done += piece) {
        const int count = static_cast<int>(std::min(piece, sizes[std::size_t(k)] - done));
        MPI_Bcast(all.data() + offsets[std::size_t(k)] + done, count, MPI_BYTE, k, comm_);
      }
    }
    return all;
  }

  /// Throws `invalid_input(argument, ...)` on every rank when `fingerprint` is not the same on all
  /// ranks, naming the first rank that differs from rank 0. One MPI_Allgather.
  /// \param what what the fingerprint is of ("the data and options"), for the message.
  void check_same(std::uint64_t fingerprint, const std::string& argument, const std::string& what) const {
    std::vector<std::uint64_t> all(static_cast<std::size_t>(size_));
    MPI_Allgather(&fingerprint, 1, MPI_UINT64_T, all.data(), 1, MPI_UINT64_T, comm_);
    for (int k = 1; k < size_; ++k) {
      if (all[std::size_t(k)] == all[0]) continue;
      throw invalid_input(argument, what + " differ between MPI ranks: rank " + std::to_string(k) + "'s checksum " +
                                        hex(all[std::size_t(k)]) + " is not rank 0's " + hex(all[0]) +
                                        "; every rank must read the same input with the same options");
    }
  }

 private:
  static std::string hex(std::uint64_t value) {
    static const char digits[] = "0123456789abcdef";
    std::string text = "0x";
    for (int shift = 60; shift >= 0; shift -= 4) text += digits[(value >> shift) & 15];
    return text;
  }

  static std::string without_prefix(const std::string& what) {
    const std::string prefix = "causalattn: ";
    return what.compare(0, prefix.size(), prefix) == 0 ? what.substr(prefix.size()) : what;
  }

  // Broadcasts the lowest failing rank's error and throws it on every rank.
  void agree(const std::exception_ptr& failure) const {
    const int mine = failure ? rank_ : size_;
    int first = size_;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm_);
    if (first == size_) return;
    int kind = 0;  // 1 invalid_input, 2 budget_exceeded, 3 numerical_error, 4 bad_alloc, 5 anything else
    std::string argument, detail;
    if (rank_ == first) {
      try {
        std::rethrow_exception(failure);
      } catch (const invalid_input& e) {
        kind = 1, argument = e.argument(), detail = e.detail();
      } catch (const budget_exceeded& e) {
        kind = 2, detail = without_prefix(e.what());
      } catch (const numerical_error& e) {
        kind = 3, detail = without_prefix(e.what());
      } catch (const std::bad_alloc&) {
        kind = 4;
      } catch (const std::exception& e) {
        kind = 5, detail = without_prefix(e.what());
      } catch (...) {
        kind = 5, detail = "an exception that is not a std::exception";
      }
    }
    std::vector<char> message;
    if (rank_ == first) {
      message.push_back(char(kind));
      message.insert(message.end(), argument.begin(), argument.end());
      message.push_back('\0');
      message.insert(message.end(), detail.begin(), detail.end());
    }
    long long length = static_cast<long long>(message.size());
    MPI_Bcast(&length, 1, MPI_LONG_LONG, first, comm_);
    message.resize(static_cast<std::size_t>(std::min<long long>(length, INT_MAX)));
    MPI_Bcast(message.data(), int(message.size()), MPI_CHAR, first, comm_);
    kind = message[0];
    const auto split = std::find(message.begin() + 1, message.end(), '\0');
    argument.assign(message.begin() + 1, split);
    detail.assign(split == message.end() ? split : split + 1, message.end());
    detail += " (on MPI rank " + std::to_string(first) + ")";
    if (kind == 1) throw invalid_input(argument, detail);
    if (kind == 2) throw budget_exceeded(detail);
    if (kind == 3) throw numerical_error(detail);
    if (kind == 4) throw std::bad_alloc();
    throw std::runtime_error("causalattn: " + detail);
  }

  MPI_Comm comm_;
  mutable std::vector<long long> traffic_;
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace causalattn
