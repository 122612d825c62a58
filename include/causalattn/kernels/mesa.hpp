#pragma once
/// \file
/// The mesa kernel (methods/mesa.md): causal attention whose output at step t is the prediction of
/// the ridge regression fitted to the key/value pairs seen so far,
///   out_t = S_t R_t q_t,  S_t = sum_{s<=t} v_s k_s',  R_t = (sum_{s<=t} k_s k_s' + I / lambda)^-1,
/// for one head: the forward in blocks of GEMMs, the exact backward with memory bounded by
/// recomputing R and S chunk by chunk.

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Cholesky>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/core/threads.hpp"
#include "causalattn/kernels/attention_options.hpp"

namespace causalattn {

/// Output of `mesa_forward` for one head.
template <class Scalar>
struct MesaResult {
  Matrix<Scalar> output;  ///< T x d_v: out_t = S_t R_t q_t
  Matrix<Scalar> solved;  ///< T x d: the solved queries q~_t = R_t q_t
};

/// Gradients of a scalar loss with respect to one head's Q, K, V and lambda, from `mesa_backward`.
template <class Scalar>
struct MesaGradients {
  Matrix<Scalar> dq;    ///< T x d
  Matrix<Scalar> dk;    ///< T x d
  Matrix<Scalar> dv;    ///< T x d_v
  double d_lambda = 0;  ///< dLoss / dlambda
};

namespace detail {

/// Checks one head's inputs for the mesa kernels: those of every attention kernel, one query per
/// key (self-attention), and lambda finite and > 0.
template <class Scalar>
void check_mesa_inputs(const Eigen::Ref<const Matrix<Scalar>>& q, const Eigen::Ref<const Matrix<Scalar>>& k,
                       const Eigen::Ref<const Matrix<Scalar>>& v, double lambda, const KeyPaddingMask& key_padding) {
  check_attention_inputs<Scalar>(q, k, v, key_padding);
  check_same_rows("k", k, "q", q);
  if (!(std::isfinite(lambda) && lambda > 0)) {
    throw invalid_input("lambda", "is " + to_text(lambda) + ", must be finite and > 0");
  }
}

/// Keys and values with the padded rows set to zero: a zero key adds nothing to either sum, which
/// is exactly skipping it.
template <class Scalar>
void zero_padded_rows(Matrix<Scalar>& k, Matrix<Scalar>& v, const KeyPaddingMask& key_padding) {
  for (Index t = 0; t < key_padding.size(); ++t) {
    if (key_padding(t)) {
      k.row(t).setZero();
      v.row(t).setZero();
    }
  }
}

/// The recursion's state after a prefix: R = (sum k k' + I / lambda)^-1 (d x d), S = sum v k' (d_v x d).
template <class Scalar>
struct MesaState {
  Matrix<Scalar> r, s;
  Vector<Scalar> u;  ///< scratch of `add`
  MesaState(Index d, Index dv, double lambda)
      : r(Scalar(lambda) * Matrix<Scalar>::Identity(d, d)), s(Matrix<Scalar>::Zero(dv, d)), u(d) {}
  /// Adds the pair (k, v) by Sherman-Morrison: R -= (R k)(R k)' / (1 + k' R k); S += v k'. O(d^2).
  template <class K, class V>
  void add(const K& k, const V& v) {
    u.noalias() = r * k.transpose();
    const Scalar denominator = Scalar(1) + k.dot(u.transpose());
    r.noalias() -= (u / denominator) * u.transpose();
    s.noalias() += v.transpose() * k;
  }
};

/// Keys and values as the kernels read them: `k` and `v` themselves, or copies with the padded rows
/// set to zero (`zero_padded_rows`) when `key_padding` marks any. Holds the copies it needs.
template <class Scalar>
class MaskedPairs {
 public:
  MaskedPairs(const Eigen::Ref<const Matrix<Scalar>>& k, const Eigen::Ref<const Matrix<Scalar>>& v,
              const KeyPaddingMask& key_padding)
      : padded_(key_padding.size() > 0 && key_padding.any()) {
    if (padded_) {
      k_ = k;
      v_ = v;
      zero_padded_rows(k_, v_, key_padding);
    }
    keys_.emplace(padded_ ? Eigen::Ref<const Matrix<Scalar>>(k_) : k);
    values_.emplace(padded_ ? Eigen::Ref<const Matrix<Scalar>>(v_) : v);
  }
  MaskedPairs(const MaskedPairs&) = delete;
  MaskedPairs& operator=(const MaskedPairs&) = delete;
  const Eigen::Ref<const Matrix<Scalar>>& keys() const { return *keys_; }
  const Eigen::Ref<const Matrix<Scalar>>& values() const { return *values_; }

 private:
  bool padded_;
  Matrix<Scalar> k_, v_;
  std::optional<Eigen::Ref<const Matrix<Scalar>>> keys_, values_;
};

/// The prefix-masked solve of a block: with B = K R0 (c x d) and `factor` the Cholesky factor of
/// I + B K', column t of the result is (I + B_{<=t} K_{<=t}')^-1 B_{<=t} x_t (zero below row t),
/// so that R_t x_t = R0 x_t - B' w_t for R_t the inverse after the block's pairs s <= t. The
/// leading t x t block of the factor factors the prefix, so one factor serves every step once the
/// right-hand sides are masked to it. O(c^2 (c + d)).
template <class Scalar>
Matrix<Scalar> prefix_weights(const Eigen::LLT<Matrix<Scalar>>& factor, const Matrix<Scalar>& b,
                              const Eigen::Ref<const Matrix<Scalar>>& x) {
  Matrix<Scalar> w = b * x.transpose();                         // c x c: column t is B x_t
  w.template triangularView<Eigen::StrictlyLower>().setZero();  // keep rows s <= t of column t
  factor.matrixL().solveInPlace(w);
  w.template triangularView<Eigen::StrictlyLower>().setZero();
  factor.matrixU().solveInPlace(w);
  return w;
}

/// `mesa_backward` for a sequence no longer than the key width (T <= d) with keys and values
/// already masked: every R_t x_t from one Cholesky factor of I + lambda K K' (T x T;
/// `prefix_weights`) and every suffix sum as a masked T x T product, so no d x d state is formed.
/// O(T^2 (T + d + d_v)).
template <class Scalar>
MesaGradients<Scalar> mesa_backward_short(const Eigen::Ref<const Matrix<Scalar>>& q, const Eigen::Ref<const Matrix<Scalar>>& k,
                                          const Eigen::Ref<const Matrix<Scalar>>& v, double lambda,
                                          const Eigen::Ref<const Matrix<Scalar>>& g) {
  const Matrix<Scalar> b = Scalar(lambda) * k;  // K R0 with R0 = lambda I
  Matrix<Scalar> gram = b * k.transpose();
  gram.diagonal().array() += Scalar(1);
  const Eigen::LLT<Matrix<Scalar>> factor(gram);
  auto solve = [&](const Matrix<Scalar>& x) {  // row t: R_t x_t
    Matrix<Scalar> out = Scalar(lambda) * x;
    out.noalias() -= prefix_weights<Scalar>(factor, b, x).transpose() * b;
    return out;
  };
  const Matrix<Scalar> y = solve(q);                              // y_t = R_t q_t
  Matrix<Scalar> gv = g * v.transpose();                          // (t, s): g_t . v_s
  gv.template triangularView<Eigen::StrictlyUpper>().setZero();   // pairs s <= t
  const Matrix<Scalar> z = solve(gv * k);                         // z_t = R_t S_t' g_t, S_t' g_t = sum_{s<=t} k_s (v_s . g_t)
  Matrix<Scalar> yk = y * k.transpose(), zk = z * k.transpose();  // (t, s): y_t . k_s, z_t . k_s
  yk.template triangularView<Eigen::StrictlyUpper>().setZero();
  zk.template triangularView<Eigen::StrictlyUpper>().setZero();
  MesaGradients<Scalar> out;
  out.dq = z;
  out.dv.noalias() = yk.transpose() * g;   // dv_s = M_s k_s = sum_{t>=s} g_t (y_t . k_s)
  out.dk.noalias() = gv.transpose() * y;   // M_s' v_s = sum_{t>=s} y_t (g_t . v_s)
  out.dk.noalias() -= yk.transpose() * z;  // G_s k_s
  out.dk.noalias() -= zk.transpose() * y;  // G_s' k_s
  out.d_lambda = double(z.template cast<double>().cwiseProduct(y.template cast<double>()).sum()) / (lambda * lambda);
  return out;
}

/// The solved queries of the forward, q~_t = R_t q_t, in blocks of `block` tokens, into `solved`
/// (T x d). Within a block, with R0 the inverse before it, B = K R0 (c x d), L the Cholesky factor
/// of I + B K' (eigenvalues >= 1, so it cannot fail) and C = L^-1 B:
///   R_t q_t = R0 q_t - C' m_t,  m_t = (C q_t) with its rows s > t set to zero,
/// because the leading t x t block of L factors the block's prefix; R after the block is R0 - C' C.
/// The keys' and queries' products with R0 are one GEMM; R is formed only when a second block
/// follows. O(T d (d + block)) time, O(d^2 + block (block + d)) extra memory.
template <class Scalar>
void solve_queries(const Eigen::Ref<const Matrix<Scalar>>& q, const Eigen::Ref<const Matrix<Scalar>>& k, double lambda,
                   Index block, Eigen::Ref<Matrix<Scalar>> solved) {
  const Index n = q.rows(), d = q.cols();
  Matrix<Scalar> r;                       // R0 of the current block once a block has passed (R0 = lambda I before)
  Matrix<Scalar> pairs(2 * block, d);     // [K_b; Q_b] of the current block
  Matrix<Scalar> products(2 * block, d);  // [K_b R0; Q_b R0], then C in the top rows
  Matrix<Scalar> gram(block, block), masked(block, block);
  Eigen::LLT<Matrix<Scalar>> factor(block);
  for (Index start = 0; start < n; start += block) {
    const Index c = std::min(block, n - start);
    const auto kb = k.middleRows(start, c);
    const auto qb = q.middleRows(start, c);
    auto b = products.topRows(c);
    auto solved_b = solved.middleRows(start, c);
    if (r.size() == 0) {
      b = Scalar(lambda) * kb;
      solved_b = Scalar(lambda) * qb;
    } else {
      pairs.topRows(c) = kb;
      pairs.middleRows(c, c) = qb;
      products.topRows(2 * c).noalias() = pairs.topRows(2 * c) * r;
      solved_b = products.middleRows(c, c);
    }
    auto g = gram.topLeftCorner(c, c);
    g.noalias() = b * kb.transpose();
    g.diagonal().array() += Scalar(1);
    factor.compute(g);
    factor.matrixL().solveInPlace(b);  // b := C = L^-1 B
    auto m = masked.topLeftCorner(c, c);
    m.noalias() = b * qb.transpose();  // column t: C q_t
    m.template triangularView<Eigen::StrictlyLower>().setZero();
    solved_b.noalias() -= m.transpose() * b;
    if (start + c >= n) break;  // no block follows
    if (r.size() == 0) r = Scalar(lambda) * Matrix<Scalar>::Identity(d, d);
    r.noalias() -= b.transpose() * b;
    r.template triangularView<Eigen::StrictlyUpper>() = r.transpose();  // symmetric to the last bit
  }
}

/// Causal linear attention over solved queries: out_t = sum_{s <= t} v_s (k_s . q~_t) = S_t q~_t,
/// in blocks of `block` tokens (S carried between blocks, formed only when a second block
/// follows), into `output` (T x d_v). O(T (d d_v + block (d + d_v))) time.
template <class Scalar>
void causal_linear_attention(const Eigen::Ref<const Matrix<Scalar>>& solved, const Eigen::Ref<const Matrix<Scalar>>& k,
                             const Eigen::Ref<const Matrix<Scalar>>& v, Index block, Eigen::Ref<Matrix<Scalar>> output) {
  const Index n = solved.rows();
  Matrix<Scalar> s;  // S = sum v k' over the blocks so far (d_v x d)
  Matrix<Scalar> scores(block, block);
  for (Index start = 0; start < n; start += block) {
    const Index c = std::min(block, n - start);
    const auto kb = k.middleRows(start, c);
    const auto vb = v.middleRows(start, c);
    const auto solved_b = solved.middleRows(start, c);
    auto a = scores.topLeftCorner(c, c);
    a.noalias() = solved_b * kb.transpose();
    a.template triangularView<Eigen::StrictlyUpper>().setZero();
    auto out = output.middleRows(start, c);
    if (s.size() == 0) {
      out.noalias() = a * vb;
    } else {
      out.noalias() = solved_b * s.transpose();
      out.noalias() += a * vb;
    }
    if (start + c >= n) break;
    if (s.size() == 0) s = Matrix<Scalar>::Zero(v.cols(), k.cols());
    s.noalias() += vb.transpose() * kb;
  }
}

}  // namespace detail

/// The mesa forward pass of one head over T tokens (causal: token t sees the pairs s <= t, itself
/// included). `key_padding` (T entries or none) marks tokens whose key/value pair is never added;
/// their queries are still answered. Two passes of GEMMs: the solved queries in blocks of `block`
/// tokens (0 = 8; at most T; `detail::solve_queries`: one Cholesky factor of I + K R0 K' per block
/// and a triangular solve), then the outputs as causal linear attention in blocks of 32
/// (`detail::causal_linear_attention`); R (d x d) is formed only when T > block and S (d_v x d) only
/// when T > 32. Throws `invalid_input` for mismatched shapes, non-finite values or lambda <= 0.
/// Runs on the calling thread. O(T (d + d_v)(d + block + 32)) time; O(T (d + d_v)) extra memory
/// when some key is padded (its copies of the keys and values) plus O(d^2 + d d_v + block (block + d)).
/// Example: `auto r = causalattn::mesa_forward<double>(Q, K, V, 1.0);  // r.output: T x d_v`
template <class Scalar>
MesaResult<Scalar> mesa_forward(const Eigen::Ref<const Matrix<Scalar>>& q, const Eigen::Ref<const Matrix<Scalar>>& k,
                                const Eigen::Ref<const Matrix<Scalar>>& v, double lambda, const KeyPaddingMask& key_padding = {},
                                Index block = 0) {
  detail::check_mesa_inputs<Scalar>(q, k, v, lambda, key_padding);
  const Index n = q.rows();
  if (block < 0) throw invalid_input("block", "is " + std::to_string(block) + ", must be >= 0 (0 = automatic)");
  if (block == 0) block = 8;  // RESULTS.md, "The mesa forward in two passes"
  block = std::min(block, n);
  const ThreadLimit serial(1);                    // Eigen's products on the calling thread: no nested teams, one result
  const detail::MaskedPairs<Scalar> pairs(k, v, key_padding);
  MesaResult<Scalar> result;
  result.solved.resize(n, q.cols());
  result.output.resize(n, v.cols());
  detail::solve_queries<Scalar>(q, pairs.keys(), lambda, block, result.solved);
  detail::causal_linear_attention<Scalar>(result.solved, pairs.keys(), pairs.values(), std::min<Index>(n, 32), result.output);
  return result;
}

/// The mesa forward pass one token at a time by Sherman-Morrison (methods/mesa.md's recursive form;
/// the reference `mesa_forward` and the backward pass are checked against). Same arguments and
/// errors as `mesa_forward`. O(T d (d + d_v)) time, O(d^2 + d d_v) extra memory.
/// Example: `auto r = causalattn::mesa_recursive<double>(Q, K, V, 1.0);`
template <class Scalar>
MesaResult<Scalar> mesa_recursive(const Eigen::Ref<const Matrix<Scalar>>& q, const Eigen::Ref<const Matrix<Scalar>>& k,
                                  const Eigen::Ref<const Matrix<Scalar>>& v, double lambda,
                                  const KeyPaddingMask& key_padding = {}) {
  detail::check_mesa_inputs<Scalar>(q, k, v, lambda, key_padding);
  const Index n = q.rows();
  detail::MesaState<Scalar> state(q.cols(), v.cols(), lambda);
  MesaResult<Scalar> result;
  result.output.resize(n, v.cols());
  result.solved.resize(n, q.cols());
  for (Index t = 0; t < n; ++t) {
    if (key_padding.size() == 0 || !key_padding(t)) state.add(k.row(t), v.row(t));
    result.solved.row(t).noalias() = q.row(t) * state.r;
    result.output.row(t).noalias() = result.solved.row(t) * state.s.transpose();
  }
  return result;
}

/// Exact gradients of a loss through `mesa_forward` given dLoss/doutput (`d_output`, T x d_v).
/// With y_t = R_t q_t, z_t = R_t S_t' g_t (g_t = d_output row t) and the suffix sums
/// M_s = sum_{t>=s} g_t y_t', G_s = sum_{t>=s} z_t y_t': dq_t = z_t, dv_s = M_s k_s,
/// dk_s = M_s' v_s - (G_s + G_s') k_s (zero for padded s), dlambda = sum_t z_t . y_t / lambda^2.
/// R_t and S_t are recomputed forward chunk by chunk from checkpoints (`chunk` tokens, 0 =
/// ceil(sqrt(T))), never rebuilt backwards by the unstable inverse update. Identical results on
/// every call; no threads. O(T d (d + d_v)) time, O((T / chunk + chunk)(d^2 + d d_v)) memory.
/// A sequence no longer than the key width (T <= d, e.g. a lag window) takes a path without
/// d x d states instead (`chunk` unused): every R_t x_t from one T x T Cholesky factor, the
/// suffix sums as masked T x T products; O(T^2 (T + d + d_v)) time and O(T (T + d + d_v)) memory.
/// Example: `auto g = causalattn::mesa_backward<double>(Q, K, V, 1.0, dOut);`
template <class Scalar>
MesaGradients<Scalar> mesa_backward(const Eigen::Ref<const Matrix<Scalar>>& q, const Eigen::Ref<const Matrix<Scalar>>& k,
                                    const Eigen::Ref<const Matrix<Scalar>>& v, double lambda,
                                    const Eigen::Ref<const Matrix<Scalar>>& d_output, const KeyPaddingMask& key_padding = {},
                                    Index chunk = 0) {
  detail::check_mesa_inputs<Scalar>(q, k, v, lambda, key_padding);
  check_shape("d_output", d_output, q.rows(), v.cols());
  check_finite("d_output", d_output);
  const Index n = q.rows(), d = q.cols(), dv = v.cols();
  if (chunk < 0) throw invalid_input("chunk", "is " + std::to_string(chunk) + ", must be >= 0 (0 = automatic)");
  if (chunk == 0) chunk = std::max<Index>(1, Index(std::ceil(std::sqrt(double(n)))));
  if (n <= d) {
    const detail::MaskedPairs<Scalar> pairs(k, v, key_padding);
    return detail::mesa_backward_short<Scalar>(q, pairs.keys(), pairs.values(), lambda, d_output);
  }
  auto visible = [&](Index t) { return key_padding.size() == 0 || !key_padding(t); };

  // Checkpoints: the state before each chunk.
  std::vector<detail::MesaState<Scalar>> checkpoints;
  checkpoints.reserve(std::size_t((n + chunk - 1) / chunk));
  detail::MesaState<Scalar> state(d, dv, lambda);
  for (Index t = 0; t < n; ++t) {
    if (t % chunk == 0) checkpoints.push_back(state);
    if (visible(t)) state.add(k.row(t), v.row(t));
  }

  MesaGradients<Scalar> g;
  g.dq.resize(n, d);
  g.dk.resize(n, d);
  g.dv.resize(n, dv);
  Matrix<Scalar> m = Matrix<Scalar>::Zero(dv, d), big_g = Matrix<Scalar>::Zero(d, d);
  double z_dot_y = 0;
  // R_t and S_t inside the current chunk (states[0]: before it); assigned in place, never reallocated.
  std::vector<detail::MesaState<Scalar>> states(std::size_t(std::min(chunk, n) + 1), checkpoints.front());
  Vector<Scalar> y(d), z(d), h(d);
  for (Index c = Index(checkpoints.size()) - 1; c >= 0; --c) {
    const Index start = c * chunk, stop = std::min(n, start + chunk);
    states[0] = checkpoints[std::size_t(c)];
    for (Index t = start; t < stop; ++t) {
      const std::size_t i = std::size_t(t - start);
      states[i + 1] = states[i];
      if (visible(t)) states[i + 1].add(k.row(t), v.row(t));
    }
    for (Index t = stop - 1; t >= start; --t) {
      const detail::MesaState<Scalar>& at = states[std::size_t(t - start + 1)];
      y.noalias() = at.r * q.row(t).transpose();
      h.noalias() = at.s.transpose() * d_output.row(t).transpose();
      z.noalias() = at.r * h;
      g.dq.row(t) = z.transpose();
      m.noalias() += d_output.row(t).transpose() * y.transpose();
      big_g.noalias() += z * y.transpose();
      z_dot_y += double(z.dot(y));
      if (visible(t)) {
        g.dv.row(t).noalias() = k.row(t) * m.transpose();
        g.dk.row(t).noalias() = v.row(t) * m;
        g.dk.row(t).noalias() -= k.row(t) * big_g;
        g.dk.row(t).noalias() -= k.row(t) * big_g.transpose();
      } else {
        g.dk.row(t).setZero();
        g.dv.row(t).setZero();
      }
    }
  }
  g.d_lambda = z_dot_y / (lambda * lambda);
  return g;
}

/// The mesa layer's attention matrix A (T x T): A_ts = k_s . q~_t for the visible s <= t, else 0,
/// from the solved queries q~ (`MesaResult::solved`). Then out = A V is the linear-attention form
/// of the layer, and row t of A holds how much each earlier token's value enters token t's output
/// (signed; rows need not sum to 1). O(T^2 d).
/// Example: `Matrix<double> a = causalattn::mesa_attention_matrix<double>(r.solved, K);`
template <class Scalar>
Matrix<Scalar> mesa_attention_matrix(const Eigen::Ref<const Matrix<Scalar>>& solved, const Eigen::Ref<const Matrix<Scalar>>& k,
                                     const KeyPaddingMask& key_padding = {}) {
  check_shape("k", k, solved.rows(), solved.cols());
  if (key_padding.size() != 0 && key_padding.size() != k.rows()) {
    throw invalid_input("key_padding", "has " + std::to_string(key_padding.size()) + " entries but there are " +
                                           std::to_string(k.rows()) + " keys");
  }
  Matrix<Scalar> a = solved * k.transpose();
  a.template triangularView<Eigen::StrictlyUpper>().setZero();
  for (Index s = 0; s < key_padding.size(); ++s)
    if (key_padding(s)) a.col(s).setZero();
  return a;
}

}  // namespace causalattn
