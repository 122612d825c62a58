#pragma once
/// \file
/// Scaled dot-product attention, forward: tiled with an online softmax so memory stays O(n d).

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "causalattn/core/threads.hpp"
#include "causalattn/kernels/attention_options.hpp"
#include "causalattn/kernels/detail/attention_tiles.hpp"
#include "causalattn/kernels/serial_gemm.hpp"

namespace causalattn {
namespace detail {

/// The scalar reference: one query at a time, plain loops and std::exp.
template <class Scalar>
AttentionResult<Scalar> attention_forward_scalar(const Eigen::Ref<const Matrix<Scalar>>& q,
                                                 const Eigen::Ref<const Matrix<Scalar>>& k,
                                                 const Eigen::Ref<const Matrix<Scalar>>& v, Scalar scale,
                                                 const AttentionOptions& options, const KeyPaddingMask& key_padding) {
  const Index nq = q.rows(), nk = k.rows(), d = q.cols(), dv = v.cols();
  const Scalar minus_inf = -std::numeric_limits<Scalar>::infinity();
  AttentionResult<Scalar> result;
  result.output = Matrix<Scalar>::Zero(nq, dv);
  result.log_normalizer.resize(nq);
  if (options.return_attention) result.attention = Matrix<Scalar>::Zero(nq, nk);
  std::vector<Scalar> score(static_cast<std::size_t>(nk));
  for (Index i = 0; i < nq; ++i) {
    Scalar m = minus_inf;
    for (Index j = 0; j < nk; ++j) {
      Scalar s = minus_inf;
      if (key_visible(i, j, options.causal, key_padding)) {
        s = 0;
        for (Index c = 0; c < d; ++c) s += q(i, c) * k(j, c);
        s *= scale;
      }
      score[static_cast<std::size_t>(j)] = s;
      m = std::max(m, s);
    }
    if (m == minus_inf) {
      result.log_normalizer(i) = minus_inf;
      continue;
    }
    Scalar sum = 0;
    for (Index j = 0; j < nk; ++j) sum += (score[static_cast<std::size_t>(j)] = std::exp(score[static_cast<std::size_t>(j)] - m));
    for (Index j = 0; j < nk; ++j) {
      const Scalar p = score[static_cast<std::size_t>(j)] / sum;
      for (Index c = 0; c < dv; ++c) result.output(i, c) += p * v(j, c);
      if (options.return_attention) result.attention(i, j) = p;
    }
    result.log_normalizer(i) = m + std::log(sum);
  }
  return result;
}

/// Per-thread buffers of the tiled forward kernel.
template <class Scalar>
struct ForwardWorkspace {
  TileBuffer<Scalar> scores;       // query_tile x key_tile
  TileBuffer<Scalar> accumulator;  // query_tile x d_v
  Vector<Scalar> row_max, row_sum;
};

/// The tiled kernel: for each tile of queries, stream the key tiles, keeping a running row maximum,
/// row sum and unnormalised output (the online softmax), so no n_q x n_k matrix is formed.
template <class Scalar>
AttentionResult<Scalar> attention_forward_tiled(const Eigen::Ref<const Matrix<Scalar>>& q,
                                                const Eigen::Ref<const Matrix<Scalar>>& k,
                                                const Eigen::Ref<const Matrix<Scalar>>& v, Scalar scale,
                                                const AttentionOptions& options, const KeyPaddingMask& key_padding) {
  const Index nq = q.rows(), nk = k.rows(), dv = v.cols();
  const Index bq = std::min(options.query_tile, nq), bk = std::min(options.key_tile, nk);
  const Scalar minus_inf = -std::numeric_limits<Scalar>::infinity();
  AttentionResult<Scalar> result;
  result.output.resize(nq, dv);
  result.log_normalizer.resize(nq);
  const int threads = resolve_threads(options.threads, "options.threads");
  std::vector<ForwardWorkspace<Scalar>> workspaces(static_cast<std::size_t>(threads));
  const Index tiles = (nq + bq - 1) / bq;
  const Matrix<Scalar> kt = k.transpose();

  parallel_for_workers(Index(0), tiles, threads, [&](Index tile, int worker) {
    auto& w = workspaces[static_cast<std::size_t>(worker)];
    if (w.scores.rows() != bq) {
      w.scores.resize(bq, bk);
      w.accumulator.resize(bq, dv);
    }
    const Index i0 = tile * bq, rows = std::min(bq, nq - i0);
    auto acc = w.accumulator.topRows(rows);
    acc.setZero();
    w.row_max.setConstant(rows, minus_inf);
    w.row_sum.setZero(rows);
    const Index key_end = visible_key_end(i0, rows, nk, options.causal);
    for (Index j0 = 0; j0 < key_end; j0 += bk) {
      const Index cols = std::min(bk, key_end - j0);
      score_tile<Scalar>(q, kt, i0, rows, j0, cols, scale, options.causal, key_padding, w.scores.data(), bq);
      auto s = w.scores.topLeftCorner(rows, cols);
      const Vector<Scalar> new_max = w.row_max.cwiseMax(row_max_by_columns(s));
      const Vector<Scalar> shift = safe_shift<Scalar>(new_max);
      // exp(-inf - shift) may come out as a tiny number rather than 0; it multiplies a row that has
      // seen no visible key yet, whose sum and accumulator are exactly 0.
      const Vector<Scalar> rescale = (w.row_max - shift).array().exp().matrix();
      w.row_sum = w.row_sum.cwiseProduct(rescale);
      // Without a mask a score is -inf only if q . k overflows; a row that did entirely keeps the
      // patch (its weights must be exactly 0), other overflowed entries would get exp(-88) ~ 1e-38.
      const bool may_hold_minus_inf = options.causal || key_padding.size() != 0 || (new_max.array() == minus_inf).any();
      exponentiate_columns(s, shift, w.row_sum, may_hold_minus_inf);
      acc = rescale.asDiagonal() * acc;
      serial_gemm<Eigen::ColMajor, Eigen::ColMajor>(rows, dv, cols, w.scores.data(), bq, v.data() + j0, v.outerStride(),
                                                    w.accumulator.data(), bq, Scalar(1));
      w.row_max = new_max;
    }
    for (Index r = 0; r < rows; ++r) {
      const Scalar l = w.row_sum(r);
      if (l > 0) {
        result.output.row(i0 + r) = acc.row(r) / l;
        result.log_normalizer(i0 + r) = w.row_max(r) + std::log(l);
      } else {
        result.output.row(i0 + r).setZero();
        result.log_normalizer(i0 + r) = minus_inf;
      }
    }
  });

  if (options.return_attention) {
    result.attention.resize(nq, nk);
    parallel_for(Index(0), tiles, threads, [&](Index tile) {
      const Index i0 = tile * bq, rows = std::min(bq, nq - i0);
      auto block = result.attention.middleRows(i0, rows);
      score_tile<Scalar>(q, kt, i0, rows, 0, nk, scale, options.causal, key_padding, result.attention.data() + i0, nq);
      normalise_with_log_normalizer<Scalar>(block, result.log_normalizer.segment(i0, rows));
    });
  }
  return result;
}

}  // namespace detail

/// Scaled dot-product attention softmax(s Q K^T + mask) V for one head, with the row
/// log-normalisers log h_i (and, if asked, the attention matrix).
///
/// The vectorised path tiles queries and keys and keeps an online softmax (running row maximum and
/// sum), so memory is O((n_q + n_k) d) plus per-thread tiles; the tile GEMMs are Eigen's blocked
/// kernel (AVX2/AVX-512 with -march=native) and the exponentials its packet exp. Query tiles run in
/// parallel; every output row is computed by one thread in a fixed order, so results are identical
/// for any thread count. The scalar path (`options.path = KernelPath::scalar`) is the reference.
/// \param q           n_q x d queries (rows = tokens).
/// \param k           n_k x d keys.
/// \param v           n_k x d_v values.
/// \param options     scale, causal mask, tiles, threads, whether to return the attention matrix.
/// \param key_padding optional n_k mask, true = padding (never attended).
/// Throws `invalid_input` for empty or mismatched inputs, non-finite entries or bad options.
/// Complexity O(n_q n_k (d + d_v)) time.
/// Example:
/// \code
///   causalattn::Rng rng(1);
///   auto Q = causalattn::normal_matrix<float>(1024, 64, rng), K = Q, V = Q;
///   causalattn::AttentionOptions opt;
///   opt.causal = true;
///   auto r = causalattn::attention_forward<float>(Q, K, V, opt);   // r.output: 1024 x 64
/// \endcode
template <class Scalar>
AttentionResult<Scalar> attention_forward(const Eigen::Ref<const Matrix<Scalar>>& q,
                                          const Eigen::Ref<const Matrix<Scalar>>& k,
                                          const Eigen::Ref<const Matrix<Scalar>>& v,
                                          const AttentionOptions& options = {}, const KeyPaddingMask& key_padding = {}) {
  static_assert(is_supported_scalar_v<Scalar>, "attention kernels are instantiated for float and double");
  const Scalar scale = detail::checked_attention_scale<Scalar>(q, k, v, options, key_padding);
  if (options.path == KernelPath::scalar) return detail::attention_forward_scalar<Scalar>(q, k, v, scale, options, key_padding);
  return detail::attention_forward_tiled<Scalar>(q, k, v, scale, options, key_padding);
}

}  // namespace causalattn
