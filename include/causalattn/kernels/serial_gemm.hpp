#pragma once
/// \file
/// Single-threaded GEMM on raw strided blocks through Eigen's own blocked kernel, public because the
/// attention kernels, the correlation matrix, the Gram matrices and the attention adapter all use
/// it. It is for callers that parallelise over tiles themselves: Eigen's product dispatcher, called
/// per tile, would spawn nested OpenMP teams and pick blocking sizes that depend on the thread count.

#include <memory>

#include <Eigen/Core>

namespace causalattn {

namespace detail {

/// A thread's GEMM blocking and packing buffers, kept for its next `serial_gemm` of the same sizes
/// (a product called per tile would otherwise allocate and page in fresh buffers at every call:
/// at k = 2000 the correlation matrix's 128 x 128 blocks spent more time in page faults than in
/// arithmetic on one thread). Buffers Eigen would put on the stack, and pairs above 16 MiB, are
/// not kept.
template <class Scalar>
struct SerialGemmBuffers {
  using Blocking =
      Eigen::internal::gemm_blocking_space<Eigen::ColMajor, Scalar, Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::Dynamic>;
  Eigen::Index m = -1, n = -1, k = -1;
  std::unique_ptr<Blocking> blocking;

  /// The blocking for an m x n x k product (Eigen's single-threaded sizes, so the summation order
  /// depends on the sizes only), with its buffers allocated when small enough to keep.
  Blocking& for_sizes(Eigen::Index rows, Eigen::Index cols, Eigen::Index depth) {
    if (blocking && rows == m && cols == n && depth == k) return *blocking;
    blocking.reset();
    blocking = std::make_unique<Blocking>(rows, cols, depth, 1, true);
    m = rows, n = cols, k = depth;
    // Eigen packs a buffer up to EIGEN_STACK_ALLOCATION_LIMIT bytes on the stack, which costs
    // nothing to renew; only the larger ones are kept.
    const auto bytes_a = blocking->mc() * blocking->kc() * Eigen::Index(sizeof(Scalar));
    const auto bytes_b = blocking->kc() * blocking->nc() * Eigen::Index(sizeof(Scalar));
    if (bytes_a + bytes_b > (Eigen::Index(1) << 24)) return *blocking;
    if (bytes_a > EIGEN_STACK_ALLOCATION_LIMIT) blocking->allocateA();
    if (bytes_b > EIGEN_STACK_ALLOCATION_LIMIT) blocking->allocateB();
    return *blocking;
  }
};

}  // namespace detail

/// C += alpha * A * B with A m x k, B k x n and C m x n column-major (leading dimension ldc).
/// `LhsOrder` / `RhsOrder` say how A and B are stored: ColMajor means element (r, c) at
/// p[r + c * ld], RowMajor at p[r * ld + c] (so a transposed column-major block is RowMajor).
/// Deterministic: the summation order depends only on the sizes. Each thread keeps the packing
/// buffers of its last sizes (at most 16 MiB per scalar type and pair of storage orders) for its
/// next call. O(m n k).
/// Example: `causalattn::serial_gemm<Eigen::ColMajor, Eigen::ColMajor>(m, n, k, a, m, b, k, c, m, 1.0);`
template <int LhsOrder, int RhsOrder, class Scalar>
void serial_gemm(Eigen::Index m, Eigen::Index n, Eigen::Index k, const Scalar* a, Eigen::Index lda, const Scalar* b,
                 Eigen::Index ldb, Scalar* c, Eigen::Index ldc, Scalar alpha) {
  if (m == 0 || n == 0 || k == 0) return;
  using Eigen::internal::general_matrix_matrix_product;
  thread_local detail::SerialGemmBuffers<Scalar> buffers;
  auto& blocking = buffers.for_sizes(m, n, k);
#if EIGEN_VERSION_AT_LEAST(3, 3, 90)
  general_matrix_matrix_product<Eigen::Index, Scalar, LhsOrder, false, Scalar, RhsOrder, false, Eigen::ColMajor, 1>::run(
      m, n, k, a, lda, b, ldb, c, 1, ldc, alpha, blocking, nullptr);
#else
  general_matrix_matrix_product<Eigen::Index, Scalar, LhsOrder, false, Scalar, RhsOrder, false, Eigen::ColMajor>::run(
      m, n, k, a, lda, b, ldb, c, ldc, alpha, blocking, nullptr);
#endif
}

}  // namespace causalattn
