#pragma once
/// \file
/// Tile-level pieces shared by the tiled attention forward and backward kernels.

#include <algorithm>
#include <limits>

#include <Eigen/Core>

#include "causalattn/kernels/attention_options.hpp"
#include "causalattn/kernels/detail/serial_gemm.hpp"

namespace causalattn::detail {

/// Column-major tile buffer with a fixed leading dimension, reused across tiles by one thread.
template <class Scalar>
using TileBuffer = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;

/// One past the last key that any of the queries [i0, i0 + rows) may see.
inline Index visible_key_end(Index i0, Index rows, Index n_keys, bool causal) {
  return causal ? std::min(n_keys, i0 + rows) : n_keys;
}

/// S = scale * Q[i0:i0+rows] K[j0:j0+cols]^T into `s` (leading dimension `lds`), then -inf where
/// the causal mask or the key padding hides a key. One serial GEMM plus O(rows * cols) masking.
template <class Scalar>
void score_tile(const Eigen::Ref<const Matrix<Scalar>>& q, const Eigen::Ref<const Matrix<Scalar>>& k, Index i0,
                Index rows, Index j0, Index cols, Scalar scale, bool causal, const KeyPaddingMask& key_padding,
                Scalar* s, Index lds) {
  Eigen::Map<Matrix<Scalar>, 0, Eigen::OuterStride<>> tile(s, rows, cols, Eigen::OuterStride<>(lds));
  tile.setZero();
  // K^T of a column-major block is a row-major d x cols block with the same leading dimension.
  serial_gemm<Eigen::ColMajor, Eigen::RowMajor>(rows, cols, q.cols(), q.data() + i0, q.outerStride(), k.data() + j0,
                                                k.outerStride(), s, lds, scale);
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

/// Row shift used to exponentiate scores: the row maximum, or 0 where the row is entirely -inf.
template <class Scalar>
Vector<Scalar> safe_shift(const Vector<Scalar>& row_max) {
  const Scalar minus_inf = -std::numeric_limits<Scalar>::infinity();
  return (row_max.array() == minus_inf).select(Scalar(0), row_max);
}

}  // namespace causalattn::detail
