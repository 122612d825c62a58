#pragma once
/// \file
/// Scaled dot-product attention, backward: recomputes the attention tile by tile from the saved
/// row log-normalisers, so memory stays O(n d).

#include <algorithm>
#include <limits>
#include <vector>

#include "causalattn/core/threads.hpp"
#include "causalattn/kernels/attention_options.hpp"
#include "causalattn/kernels/detail/attention_tiles.hpp"
#include "causalattn/kernels/serial_gemm.hpp"

namespace causalattn {
namespace detail {

/// Checks the saved forward quantities and the output gradient against Q, K, V.
template <class Scalar>
void check_backward_inputs(const Eigen::Ref<const Matrix<Scalar>>& q, const Eigen::Ref<const Matrix<Scalar>>& v,
                           const Eigen::Ref<const Matrix<Scalar>>& output, const Eigen::Ref<const Vector<Scalar>>& lse,
                           const Eigen::Ref<const Matrix<Scalar>>& d_output) {
  check_shape("output", output, q.rows(), v.cols());
  check_shape("d_output", d_output, q.rows(), v.cols());
  check_shape("log_normalizer", lse, q.rows(), 1);
  check_finite("output", output);
  check_finite("d_output", d_output);
  for (Index i = 0; i < lse.size(); ++i) {
    if (std::isnan(lse(i)) || lse(i) == std::numeric_limits<Scalar>::infinity()) {
      throw invalid_input("log_normalizer", "value " + to_text(lse(i)) + " at row " + std::to_string(i) +
                                                " (must be finite, or -inf for a fully masked row)");
    }
  }
}

/// The scalar reference: p_ij from the log-normalisers, then the four gradient sums in plain loops.
template <class Scalar>
AttentionGradients<Scalar> attention_backward_scalar(const Eigen::Ref<const Matrix<Scalar>>& q,
                                                     const Eigen::Ref<const Matrix<Scalar>>& k,
                                                     const Eigen::Ref<const Matrix<Scalar>>& v,
                                                     const Eigen::Ref<const Matrix<Scalar>>& output,
                                                     const Eigen::Ref<const Vector<Scalar>>& lse,
                                                     const Eigen::Ref<const Matrix<Scalar>>& d_output, Scalar scale,
                                                     const AttentionOptions& options, const KeyPaddingMask& key_padding) {
  const Index nq = q.rows(), nk = k.rows(), d = q.cols(), dv = v.cols();
  AttentionGradients<Scalar> g{Matrix<Scalar>::Zero(nq, d), Matrix<Scalar>::Zero(nk, d), Matrix<Scalar>::Zero(nk, dv)};
  for (Index i = 0; i < nq; ++i) {
    if (lse(i) == -std::numeric_limits<Scalar>::infinity()) continue;  // attends to nothing
    Scalar delta = 0;  // D_i = dO_i . O_i
    for (Index c = 0; c < dv; ++c) delta += d_output(i, c) * output(i, c);
    for (Index j = 0; j < nk; ++j) {
      if (!key_visible(i, j, options.causal, key_padding)) continue;
      Scalar s = 0, dp = 0;
      for (Index c = 0; c < d; ++c) s += q(i, c) * k(j, c);
      const Scalar p = std::exp(scale * s - lse(i));
      for (Index c = 0; c < dv; ++c) {
        g.dv(j, c) += p * d_output(i, c);
        dp += d_output(i, c) * v(j, c);
      }
      const Scalar ds = p * (dp - delta);
      for (Index c = 0; c < d; ++c) {
        g.dq(i, c) += scale * ds * k(j, c);
        g.dk(j, c) += scale * ds * q(i, c);
      }
    }
  }
  return g;
}

/// Per-thread buffers of the tiled backward kernel.
template <class Scalar>
struct BackwardWorkspace {
  TileBuffer<Scalar> p;   // query_tile x key_tile: probabilities
  TileBuffer<Scalar> ds;  // query_tile x key_tile: dP, then dS
};

/// Fills w.p with the probabilities of tile (i0, j0) and w.ds with dS = P o (dO V^T - D).
template <class Scalar>
void probability_and_score_gradient(const Eigen::Ref<const Matrix<Scalar>>& q, const Matrix<Scalar>& kt,
                                    const Matrix<Scalar>& vt, const Eigen::Ref<const Vector<Scalar>>& lse,
                                    const Eigen::Ref<const Matrix<Scalar>>& d_output, const Vector<Scalar>& delta,
                                    Index i0, Index rows, Index j0, Index cols, Index ld, Scalar scale,
                                    const AttentionOptions& options, const KeyPaddingMask& key_padding,
                                    BackwardWorkspace<Scalar>& w) {
  score_tile<Scalar>(q, kt, i0, rows, j0, cols, scale, options.causal, key_padding, w.p.data(), ld);
  auto p = w.p.topLeftCorner(rows, cols);
  normalise_with_log_normalizer<Scalar>(p, lse.segment(i0, rows));
  auto ds = w.ds.topLeftCorner(rows, cols);
  ds.setZero();
  // dP = dO_i V_j^T, with V^T held as the d_v x n_k matrix vt.
  serial_gemm<Eigen::ColMajor, Eigen::ColMajor>(rows, cols, vt.rows(), d_output.data() + i0, d_output.outerStride(),
                                                vt.data() + j0 * vt.rows(), vt.rows(), w.ds.data(), ld, Scalar(1));
  const auto row_delta = delta.segment(i0, rows);
  for (Index c = 0; c < cols; ++c) ds.col(c) = p.col(c).cwiseProduct(ds.col(c) - row_delta);
}

/// Number of fixed key-tile groups whose dQ contributions the tiled backward sums separately. It is
/// a constant, not the thread count, so the summation order (and the result) never depends on threads.
inline constexpr Index backward_key_groups = 8;

/// The tiled kernel, one pass over (key tile, query tile) pairs: 5 GEMMs per pair (S, dP, dV, dK,
/// dQ). Key tiles are dealt round-robin to `backward_key_groups` groups; a group is processed by
/// one thread, which owns the dK, dV rows of its key tiles and a private dQ buffer; the group
/// buffers are added in group order at the end. Deterministic for any thread count; extra memory
/// `backward_key_groups` x n_q x d.
template <class Scalar>
AttentionGradients<Scalar> attention_backward_tiled(const Eigen::Ref<const Matrix<Scalar>>& q,
                                                    const Eigen::Ref<const Matrix<Scalar>>& k,
                                                    const Eigen::Ref<const Matrix<Scalar>>& v,
                                                    const Eigen::Ref<const Matrix<Scalar>>& output,
                                                    const Eigen::Ref<const Vector<Scalar>>& lse,
                                                    const Eigen::Ref<const Matrix<Scalar>>& d_output, Scalar scale,
                                                    const AttentionOptions& options, const KeyPaddingMask& key_padding) {
  const Index nq = q.rows(), nk = k.rows(), d = q.cols(), dv = v.cols();
  const Index bq = std::min(options.query_tile, nq), bk = std::min(options.key_tile, nk);
  AttentionGradients<Scalar> g{Matrix<Scalar>::Zero(nq, d), Matrix<Scalar>::Zero(nk, d), Matrix<Scalar>::Zero(nk, dv)};
  const Vector<Scalar> delta = d_output.cwiseProduct(output).rowwise().sum();
  const Matrix<Scalar> kt = k.transpose(), vt = v.transpose();
  const Index key_tiles = (nk + bk - 1) / bk;
  const Index groups = std::min(key_tiles, backward_key_groups);
  std::vector<Matrix<Scalar>> dq_group(static_cast<std::size_t>(groups));
  const int threads = resolve_threads(options.threads, "options.threads");
  std::vector<BackwardWorkspace<Scalar>> workspaces(static_cast<std::size_t>(threads));

  parallel_for_workers(Index(0), groups, threads, [&](Index group, int worker) {
    auto& w = workspaces[static_cast<std::size_t>(worker)];
    if (w.p.rows() != bq) {
      w.p.resize(bq, bk);
      w.ds.resize(bq, bk);
    }
    Matrix<Scalar>& dq = dq_group[static_cast<std::size_t>(group)];
    dq.setZero(nq, d);
    for (Index key_tile = group; key_tile < key_tiles; key_tile += groups) {
      const Index j0 = key_tile * bk, cols = std::min(bk, nk - j0);
      const Index first_query = options.causal ? (j0 / bq) * bq : 0;  // earlier queries see none of these keys
      for (Index i0 = first_query; i0 < nq; i0 += bq) {
        const Index rows = std::min(bq, nq - i0);
        probability_and_score_gradient<Scalar>(q, kt, vt, lse, d_output, delta, i0, rows, j0, cols, bq, scale, options,
                                               key_padding, w);
        // dV_j += P^T dO_i ; dK_j += scale dS^T Q_i (transposes of column-major tiles are row-major);
        // dQ_i += scale dS K_j.
        serial_gemm<Eigen::RowMajor, Eigen::ColMajor>(cols, dv, rows, w.p.data(), bq, d_output.data() + i0,
                                                      d_output.outerStride(), g.dv.data() + j0, nk, Scalar(1));
        serial_gemm<Eigen::RowMajor, Eigen::ColMajor>(cols, d, rows, w.ds.data(), bq, q.data() + i0, q.outerStride(),
                                                      g.dk.data() + j0, nk, scale);
        serial_gemm<Eigen::ColMajor, Eigen::ColMajor>(rows, d, cols, w.ds.data(), bq, k.data() + j0, k.outerStride(),
                                                      dq.data() + i0, nq, scale);
      }
    }
  });
  for (const auto& dq : dq_group) g.dq += dq;
  return g;
}

}  // namespace detail

/// Gradients of a loss with respect to Q, K and V of `attention_forward`, given dLoss/dOutput.
/// Recomputation-based: the attention is rebuilt tile by tile from the saved row log-normalisers,
/// so memory is O((n_q + n_k) d) (FlashAttention-2's scheme). Key tiles go to a fixed number of
/// groups, each summed by one thread in a fixed order, so results are identical for any thread count.
/// Fully masked query rows (log-normaliser -inf) contribute nothing.
/// \param q, k, v        the forward inputs.
/// \param output         the forward output (n_q x d_v).
/// \param log_normalizer the forward log-normalisers (n_q).
/// \param d_output       dLoss/dOutput (n_q x d_v).
/// \param options        must equal the forward options (scale, mask); tiles and threads may differ.
/// \param key_padding    the forward key-padding mask.
/// Complexity O(n_q n_k (d + d_v)) time, about 2.5 forward passes of GEMM work.
/// Example:
/// \code
///   auto fwd = causalattn::attention_forward<double>(Q, K, V, opt);
///   auto grads = causalattn::attention_backward<double>(Q, K, V, fwd.output, fwd.log_normalizer, dO, opt);
/// \endcode
template <class Scalar>
AttentionGradients<Scalar> attention_backward(const Eigen::Ref<const Matrix<Scalar>>& q,
                                              const Eigen::Ref<const Matrix<Scalar>>& k,
                                              const Eigen::Ref<const Matrix<Scalar>>& v,
                                              const Eigen::Ref<const Matrix<Scalar>>& output,
                                              const Eigen::Ref<const Vector<Scalar>>& log_normalizer,
                                              const Eigen::Ref<const Matrix<Scalar>>& d_output,
                                              const AttentionOptions& options = {},
                                              const KeyPaddingMask& key_padding = {}) {
  static_assert(is_supported_scalar_v<Scalar>, "attention kernels are instantiated for float and double");
  const Scalar scale = detail::checked_attention_scale<Scalar>(q, k, v, options, key_padding);
  detail::check_backward_inputs<Scalar>(q, v, output, log_normalizer, d_output);
  if (options.path == KernelPath::scalar) {
    return detail::attention_backward_scalar<Scalar>(q, k, v, output, log_normalizer, d_output, scale, options, key_padding);
  }
  return detail::attention_backward_tiled<Scalar>(q, k, v, output, log_normalizer, d_output, scale, options, key_padding);
}

}  // namespace causalattn
