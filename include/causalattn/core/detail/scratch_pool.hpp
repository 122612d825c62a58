#pragma once
/// \file
/// Scratch objects kept by their owner between calls, so repeated work reuses memory already
/// touched instead of asking the operating system for fresh pages each time.

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace causalattn::detail {

/// A thread-safe pool of `T` (default-constructible): `acquire()` lends one out, a new one when
/// none is free, and the lease returns it when it ends. The pool holds at most as many objects as
/// were ever lent at once (one per thread that used it concurrently), freed with the pool.
/// O(1) per lease (a mutex, no allocation once the pool is warm).
/// Example:
/// \code
///   ScratchPool<Matrix<double>> pool;
///   { auto lease = pool.acquire(); lease->resize(100, 10); }   // the matrix returns to the pool
/// \endcode
template <class T>
class ScratchPool {
 public:
  /// Exclusive use of one pooled object until the lease is destroyed.
  class Lease {
   public:
    Lease(ScratchPool& pool, std::unique_ptr<T> object) : pool_(&pool), object_(std::move(object)) {}
    Lease(Lease&& other) noexcept = default;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (object_) pool_->give_back(std::move(object_));
    }
    /// The lent object.
    T& operator*() const noexcept { return *object_; }
    /// Member access on the lent object.
    T* operator->() const noexcept { return object_.get(); }

   private:
    ScratchPool* pool_;
    std::unique_ptr<T> object_;
  };

  /// A free object of the pool, or a new one.
  Lease acquire() {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (!free_.empty()) {
        std::unique_ptr<T> object = std::move(free_.back());
        free_.pop_back();
        return Lease(*this, std::move(object));
      }
    }
    return Lease(*this, std::make_unique<T>());
  }

 private:
  // noexcept: a mutex that cannot lock (std::system_error) ends the program, as it would anyway.
  void give_back(std::unique_ptr<T> object) noexcept {
    const std::lock_guard<std::mutex> lock(mutex_);
    try {
      free_.push_back(std::move(object));
    } catch (...) {  // no room to keep it: let it go
    }
  }

  std::mutex mutex_;
  std::vector<std::unique_ptr<T>> free_;
};

}  // namespace causalattn::detail
