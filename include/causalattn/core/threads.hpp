#pragma once
/// \file
/// The `threads` option: resolving 0 to "all cores", a scoped cap on every parallel region, and a
/// deterministic parallel loop.

#include <exception>
#include <mutex>
#include <string>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "causalattn/core/errors.hpp"

namespace causalattn {

/// True when the library was compiled with OpenMP, so `threads > 1` runs in parallel.
constexpr bool has_openmp() noexcept {
#ifdef _OPENMP
  return true;
#else
  return false;
#endif
}

/// Resolves a `threads` option: 0 means all available threads (OpenMP's maximum, else the hardware
/// concurrency), a positive value is used as given, a negative value throws `invalid_input`.
/// Without OpenMP the result is always 1. O(1).
/// Example: `int t = causalattn::resolve_threads(options.threads);`
inline int resolve_threads(int requested, const std::string& argument = "threads") {
  if (requested < 0) {
    throw invalid_input(argument, "is " + std::to_string(requested) + ", must be >= 0 (0 = all available)");
  }
#ifdef _OPENMP
  if (requested == 0) return omp_get_max_threads();
  return requested;
#else
  return 1;
#endif
}

/// While alive, caps every OpenMP region the calling thread starts, Eigen's own parallel matrix
/// products included (Eigen follows OpenMP's thread limit unless `Eigen::setNbThreads` was called),
/// at `threads` (0 = leave the limit as it is). Restores the previous limit on destruction. The
/// limit is OpenMP's per-thread setting, so concurrent callers do not affect each other. O(1).
/// Example: `causalattn::ThreadLimit limit(options.threads);  // then train, multiply, ...`
class ThreadLimit {
 public:
  /// \param threads the cap (>= 1), or 0 for none; negative throws `invalid_input`.
  explicit ThreadLimit(int threads) {
    if (threads < 0) throw invalid_input("threads", "is " + std::to_string(threads) + ", must be >= 0 (0 = all available)");
#ifdef _OPENMP
    if (threads > 0) {
      previous_ = omp_get_max_threads();
      omp_set_num_threads(threads);
    }
#endif
  }
  ~ThreadLimit() {
#ifdef _OPENMP
    if (previous_ > 0) omp_set_num_threads(previous_);
#endif
  }
  ThreadLimit(const ThreadLimit&) = delete;
  ThreadLimit& operator=(const ThreadLimit&) = delete;

 private:
  [[maybe_unused]] int previous_ = 0;  ///< unused without OpenMP
};

/// Returns `product()` computed with Eigen's own products single-threaded on the calling thread (a
/// scoped `ThreadLimit(1)`). Eigen's threaded GEMM blocks a long inner dimension by the thread
/// count, so a product such as X' dY over thousands of rows rounds differently with 1 and 2
/// threads; products whose result must not depend on the thread count go through here. O(1) overhead.
/// Example: `weight_grad.noalias() += causalattn::serial_product([&] { return (x.transpose() * dy).eval(); });`
template <class Product>
auto serial_product(Product&& product) {
  const ThreadLimit one(1);
  return product();
}

/// Calls `body(i, worker)` for every i in [begin, end) on up to `threads` threads (0 = all), where
/// `worker` in [0, resolve_threads(threads)) identifies the thread running the call, for picking a
/// per-thread scratch buffer (results must never depend on it). Iterations must be independent;
/// results are deterministic as long as each iteration writes only its own outputs and draws
/// randomness from `rng.substream(i)`. If iterations throw, the exception of the lowest failing
/// index is rethrown on the calling thread after the loop, whatever the thread count.
/// Work per iteration: O(body).
/// Example: `causalattn::parallel_for_workers(0, n, 2, [&](Index i, int w) { out[i] = f(i, scratch[w]); });`
template <class IndexT, class Body>
void parallel_for_workers(IndexT begin, IndexT end, int threads, Body&& body) {
  const int used = resolve_threads(threads);
  if (used <= 1 || end - begin <= 1) {
    for (IndexT i = begin; i < end; ++i) body(i, 0);
    return;
  }
#ifdef _OPENMP
  std::exception_ptr failure;
  IndexT failed_at = end;
  std::mutex failure_mutex;
#pragma omp parallel for num_threads(used) schedule(dynamic)
  for (IndexT i = begin; i < end; ++i) {
    try {
      body(i, omp_get_thread_num());
    } catch (...) {
      std::lock_guard<std::mutex> lock(failure_mutex);
      if (i < failed_at) {
        failed_at = i;
        failure = std::current_exception();
      }
    }
  }
  if (failure) std::rethrow_exception(failure);
#endif
}

/// Calls `body(i)` for every i in [begin, end) on up to `threads` threads (0 = all); see
/// `parallel_for_workers` for the guarantees (determinism, exceptions).
/// Example: `causalattn::parallel_for(0, n, opts.threads, [&](Index i) { out[i] = f(i); });`
template <class IndexT, class Body>
void parallel_for(IndexT begin, IndexT end, int threads, Body&& body) {
  parallel_for_workers(begin, end, threads, [&](IndexT i, int) { body(i); });
}

}  // namespace causalattn
