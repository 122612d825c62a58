#pragma once
/// \file
/// Tile-level pieces shared by the tiled attention forward and backward kernels.

#include <algorithm>
#include <limits>

#include <Eigen/Core>

#include "causalattn/kernels/attention_options.hpp"
#include "causalattn/kernels/serial_gemm.hpp"
#include "causalattn/kernels/softmax.hpp"

namespace causalattn::detail {

/// Column-major tile buffer with a fixed leading dimension, reused across tiles by one thread.
template <class Scalar>
using TileBuffer = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;

/// One past the last key that any of the queries [i0, i0 + rows) may see.
template <typename = void>
Index visible_key_end(Index i0, Index rows, Index n_keys, bool causal) {
  return causal ? std::min(n_keys, i0 + rows) : n_keys;
}

/// S = scale * Q[i0:i0+rows] K[j0:j0+cols]^T into `s` (leading dimension `lds`), then -inf where
/// the causal mask or the key padding hides a key. `kt` is K transposed (d x n_k), so the GEMM packs
/// contiguous columns instead of gathering a strided row-major view. One serial GEMM plus
/// O(rows * cols) masking.
template <class Scalar>
void score_tile(const Eigen::Ref<const Matrix<Scalar>>& q, const Matrix<Scalar>& kt, Index i0, Index rows, Index j0,
                Index cols, Scalar scale, bool causal, const KeyPaddingMask& key_padding, Scalar* s, Index lds) {
  Eigen::Map<Matrix<Scalar>, 0, Eigen::OuterStride<>> tile(s, rows, cols, Eigen::OuterStride<>(lds));
  tile.setZero();
  serial_gemm<Eigen::ColMajor, Eigen::ColMajor>(rows, cols, q.cols(), q.data() + i0, q.outerStride(),
                                                kt.data() + j0 * kt.rows(), kt.rows(), s, lds, scale);
  const Scalar minus_inf = -std::numeric_limits<Scalar>::infinity();
  if (key_padding.size() != 0) {
    for (Index c = 0; c < cols; ++c)
      if (key_padding(j0 + c)) tile.col(c).setConstant(minus_inf);
  }
  if (causal) {
    for (Index c = 0; c < cols; ++c) {
      const Index hidden = std::min(rows, j0 + c - i0);  // rows r with query i0 + r before key j0 + c
      if (hidden > 0) tile.col(c).head(hidden).setConstant(minus_inf);
    }
  }
}

/// p(i, j) = exp(s(i, j) - lse(i)) in place, column by column; rows with lse = -inf (no visible key)
/// and masked entries become exactly 0.
template <class Scalar, class Tile>
void normalise_with_log_normalizer(Tile&& s, const Eigen::Ref<const Vector<Scalar>>& lse) {
  const Vector<Scalar> shift =
      (lse.array() == -std::numeric_limits<Scalar>::infinity()).select(std::numeric_limits<Scalar>::infinity(), lse);
  Vector<Scalar> scratch;
  for (Index c = 0; c < s.cols(); ++c) exp_shifted_column(s.col(c), shift, scratch);
}

}  // namespace causalattn::detail
