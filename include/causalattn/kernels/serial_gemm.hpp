#pragma once
/// \file
/// Single-threaded GEMM on raw strided blocks through Eigen's own blocked kernel, public because the
/// attention kernels, the correlation matrix, the Gram matrices and the attention adapter all use
/// it. It is for callers that parallelise over tiles themselves: Eigen's product dispatcher, called
/// per tile, would spawn nested OpenMP teams and pick blocking sizes that depend on the thread count.

#include <Eigen/Core>

namespace causalattn {

/// C += alpha * A * B with A m x k, B k x n and C m x n column-major (leading dimension ldc).
/// `LhsOrder` / `RhsOrder` say how A and B are stored: ColMajor means element (r, c) at
/// p[r + c * ld], RowMajor at p[r * ld + c] (so a transposed column-major block is RowMajor).
/// Deterministic: the summation order depends only on the sizes. O(m n k).
/// Example: `causalattn::serial_gemm<Eigen::ColMajor, Eigen::ColMajor>(m, n, k, a, m, b, k, c, m, 1.0);`
template <int LhsOrder, int RhsOrder, class Scalar>
void serial_gemm(Eigen::Index m, Eigen::Index n, Eigen::Index k, const Scalar* a, Eigen::Index lda, const Scalar* b,
                 Eigen::Index ldb, Scalar* c, Eigen::Index ldc, Scalar alpha) {
  if (m == 0 || n == 0 || k == 0) return;
  using Eigen::internal::general_matrix_matrix_product;
  Eigen::internal::gemm_blocking_space<Eigen::ColMajor, Scalar, Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::Dynamic>
      blocking(m, n, k, 1, true);
#if EIGEN_VERSION_AT_LEAST(3, 3, 90)
  general_matrix_matrix_product<Eigen::Index, Scalar, LhsOrder, false, Scalar, RhsOrder, false, Eigen::ColMajor, 1>::run(
      m, n, k, a, lda, b, ldb, c, 1, ldc, alpha, blocking, nullptr);
#else
  general_matrix_matrix_product<Eigen::Index, Scalar, LhsOrder, false, Scalar, RhsOrder, false, Eigen::ColMajor>::run(
      m, n, k, a, lda, b, ldb, c, ldc, alpha, blocking, nullptr);
#endif
}

}  // namespace causalattn
