#pragma once
/// \file
/// What single-dataset CInA and CInA-ZS share once their keys are known: the per-arm projection of
/// raw weights, and the exact balancing solve (ATE dual or ATT kernel mean matching) on the
/// attention kernel of the keys.

#include <string>
#include <vector>

#include "causalattn/effects/solvers/cina_duality.hpp"
#include "causalattn/effects/solvers/balancing_dual.hpp"

namespace causalattn::detail {

/// Projects raw weights onto the arms' simplices: clip at 0, normalise within each arm. Throws
/// `numerical_error` naming `method` when an arm has no positive weight left. Returns the number
/// clipped. O(n).
template <typename Defer = void>
Index project_to_arms(const Vector<detail::deferred_t<Defer, double>>& raw, const detail::deferred_t<Defer, Sample>& s,
                      Vector<detail::deferred_t<Defer, double>>& weights, const std::string& method) {
  weights = raw.cwiseMax(0.0);
  Index clipped = 0;
  for (Index i = 0; i < raw.size(); ++i) clipped += raw(i) < 0;
  for (const auto* arm : {&s.treated, &s.control}) {
    double total = 0;
    for (Index i : *arm) total += weights(i);
    if (!(total > 0)) {
      throw numerical_error(method + " left no positive weight on the " + (arm == &s.treated ? "treated" : "control") +
                            " arm; train longer (options.cina.epochs) or increase options.lambda");
    }
    for (Index i : *arm) weights(i) /= total;
  }
  return clipped;
}

/// The exact balancing estimate (`balance_on_gram`: ATE dual or ATT kernel mean matching, by
/// `options.estimand`, solved by SMO) on an attention kernel (`attention_kernel`) with trade-off `lambda`,
/// reported as `method`. The dual is solved on k / lambda with lambda 1 (the same solution with
/// O(1) entries, so the SMO tolerance means the same whatever the kernel's scale, k_ij ~ 1 / n^2).
/// O(n^2) memory plus the SMO iterations.
template <typename Defer = void>
EffectEstimate balance_on_attention_kernel(const detail::deferred_t<Defer, Sample>& s, const EffectOptions& options,
                                           const detail::deferred_t<Defer, AttentionKernel>& kernel, double lambda,
                                           const char* method) {
  using Real = detail::deferred_t<Defer, double>;
  EffectOptions exact = options;
  exact.lambda = 1;
  exact.kernel_ate_weights = KernelAteWeights::svm_dual;  // the dual the attention layer solves
  detail::deferred_t<Defer, EffectEstimate> result =
      balance_on_gram(s, exact, [&](const std::vector<Index>& a, const std::vector<Index>& b) {
        Matrix<Real> block(Index(a.size()), Index(b.size()));
        for (std::size_t c = 0; c < b.size(); ++c)
          for (std::size_t r = 0; r < a.size(); ++r) block(Index(r), Index(c)) = kernel.kernel(a[r], b[c]) / lambda;
        return block;
      });
  result.method = method;
  return result;
}

}  // namespace causalattn::detail
