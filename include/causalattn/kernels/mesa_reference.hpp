#pragma once
/// \file
/// The mesa layer by a direct solve at every step: the O(T d^3) baseline `mesa_forward` is tested
/// and measured against (with `mesa_attention_matrix`, the linear-attention form).

#include <Eigen/Cholesky>

#include "causalattn/kernels/mesa.hpp"

namespace causalattn {

/// The mesa forward pass by a direct solve at every step: q~_t = A_t^-1 q_t with A_t = sum_{s<=t}
/// k_s k_s' + I / lambda factored by Cholesky, out_t = S_t q~_t. Same arguments, padding rule and
/// errors as `mesa_forward`. O(T d^3) time: a baseline, not for use.
/// Example: `auto r = causalattn::mesa_direct<double>(Q, K, V, 1.0);`
template <class Scalar>
MesaResult<Scalar> mesa_direct(const Eigen::Ref<const Matrix<Scalar>>& q, const Eigen::Ref<const Matrix<Scalar>>& k,
                               const Eigen::Ref<const Matrix<Scalar>>& v, double lambda, const KeyPaddingMask& key_padding = {}) {
  detail::check_mesa_inputs<Scalar>(q, k, v, lambda, key_padding);
  const Index n = q.rows(), d = q.cols();
  Matrix<Scalar> a = Matrix<Scalar>::Identity(d, d) / Scalar(lambda);
  Matrix<Scalar> s = Matrix<Scalar>::Zero(v.cols(), d);
  MesaResult<Scalar> result;
  result.output.resize(n, v.cols());
  result.solved.resize(n, d);
  for (Index t = 0; t < n; ++t) {
    if (key_padding.size() == 0 || !key_padding(t)) {
      a.noalias() += k.row(t).transpose() * k.row(t);
      s.noalias() += v.row(t).transpose() * k.row(t);
    }
    const Vector<Scalar> solved = a.llt().solve(q.row(t).transpose());
    result.solved.row(t) = solved.transpose();
    result.output.row(t).noalias() = (s * solved).transpose();
  }
  return result;
}

}  // namespace causalattn
