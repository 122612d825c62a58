#pragma once
/// \file
/// Sequential minimal optimisation (SMO) with second-order working set selection for the convex QP
/// min 0.5 a'Q a + p'a subject to y'a = Delta and 0 <= a <= C, the dual of SVMs and of kernel
/// balancing.

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/core/scalar.hpp"

namespace causalattn {

/// Stopping rule and safeguards of `solve_smo` (libsvm's names and defaults).
/// Example: `causalattn::SmoOptions options; options.tolerance = 1e-6;`
struct SmoOptions {
  double tolerance = 1e-3;       ///< stop when the KKT gap m(a) - M(a) <= tolerance (libsvm's eps), > 0
  long long max_iterations = 0;  ///< iteration cap, >= 0; 0 = max(10'000'000, 100 n)
  double tau = 1e-12;            ///< curvature for pairs with Q_ii + Q_jj - 2 y_i y_j Q_ij <= 0 (libsvm's TAU), > 0

  /// Throws `invalid_input` naming "options.tolerance", "options.max_iterations" or "options.tau". O(1).
  void validate() const {
    if (!(tolerance > 0) || !std::isfinite(tolerance)) {
      throw invalid_input("options.tolerance", "is " + detail::to_text(tolerance) + ", must be finite and > 0");
    }
    if (max_iterations < 0) {
      throw invalid_input("options.max_iterations",
                          "is " + std::to_string(max_iterations) + ", must be >= 0 (0 = default)");
    }
    if (!(tau > 0) || !std::isfinite(tau)) {
      throw invalid_input("options.tau", "is " + detail::to_text(tau) + ", must be finite and > 0");
    }
  }
};

/// What `solve_smo` returns.
struct SmoResult {
  Vector<double> alpha;     ///< the solution a, inside [0, C] with y'a = y'start
  Vector<double> gradient;  ///< Q a + p at `alpha`
  double objective = 0;     ///< 0.5 a'Q a + p'a at `alpha`
  double kkt_gap = 0;       ///< m(a) - M(a) at exit, clamped at 0 (0 when no pair can move)
  /// The multiplier b of y'a = Delta (libsvm's -rho): Q a + p + b y is >= 0 where a_i = 0, <= 0 where
  /// a_i = C_i, 0 where a_i is free. The mean of -y_i grad_i over free variables; without free
  /// variables the midpoint of the interval the bound variables allow (its finite end if one-sided).
  double bias = 0;
  long long iterations = 0;  ///< pair updates made
  bool converged = false;    ///< kkt_gap <= options.tolerance (false when max_iterations stopped it)
};

namespace detail {

/// The validation of `solve_smo`: shapes, finiteness, symmetry of q, y = +-1, upper > 0 and start in
/// the box (to 1e-12 max(1, C_i)). Each failure names the argument, row and value. O(n^2).
template <typename Defer = void>
void check_smo_problem(const Eigen::Ref<const Matrix<detail::deferred_t<Defer, double>>>& q,
                       const Eigen::Ref<const Vector<detail::deferred_t<Defer, double>>>& p,
                       const Eigen::Ref<const Vector<detail::deferred_t<Defer, double>>>& y,
                       const Eigen::Ref<const Vector<detail::deferred_t<Defer, double>>>& upper,
                       const Eigen::Ref<const Vector<detail::deferred_t<Defer, double>>>& start) {
  using Real = detail::deferred_t<Defer, double>;
  check_not_empty("q", q);
  check_square("q", q);
  check_finite("q", q);
  const Index n = q.rows(), tile = 64;  // q(i, j) against q(j, i) by tiles, so both stay in cache
  const Vector<Real> root = q.diagonal().cwiseAbs().cwiseSqrt();  // |q_ij| <= root_i root_j when q is PSD
  for (Index j0 = 0; j0 < n; j0 += tile) {
    for (Index i0 = j0; i0 < n; i0 += tile) {
      for (Index j = j0; j < std::min(j0 + tile, n); ++j) {
        for (Index i = std::max(i0, j + 1); i < std::min(i0 + tile, n); ++i) {
          const double scale = std::max({root(i) * root(j), std::abs(q(i, j)), std::abs(q(j, i))});
          if (std::abs(q(i, j) - q(j, i)) > 1e-8 * scale) {
            throw invalid_input("q", "is not symmetric: entry (" + std::to_string(i) + ", " + std::to_string(j) +
                                         ") = " + to_text(q(i, j)) + " but (" + std::to_string(j) + ", " +
                                         std::to_string(i) + ") = " + to_text(q(j, i)));
          }
        }
      }
    }
  }
  auto check_vector = [n](const char* name, const Eigen::Ref<const Vector<Real>>& v) {
    check_shape(name, v, n, 1);
    check_finite(name, v);
  };
  check_vector("p", p);
  check_vector("y", y);
  check_vector("upper", upper);
  check_vector("start", start);
  for (Index i = 0; i < n; ++i) {
    if (y(i) != 1 && y(i) != -1) {
      throw invalid_input("y", "is " + to_text(y(i)) + " at row " + std::to_string(i) + ", must be +1 or -1");
    }
    if (!(upper(i) > 0)) {
      throw invalid_input("upper", "is " + to_text(upper(i)) + " at row " + std::to_string(i) + ", must be > 0");
    }
    const double slack = 1e-12 * std::max(1.0, upper(i));
    if (!(start(i) >= -slack && start(i) <= upper(i) + slack)) {
      throw invalid_input("start", "is " + to_text(start(i)) + " at row " + std::to_string(i) +
                                       ", outside [0, upper] = [0, " + to_text(upper(i)) + "]");
    }
  }
}

/// The equality multiplier b from the gradient at a solution (see `SmoResult::bias`). O(n).
template <typename Defer = void>
double smo_bias(const Vector<detail::deferred_t<Defer, double>>& a, const Vector<detail::deferred_t<Defer, double>>& g,
                const Eigen::Ref<const Vector<detail::deferred_t<Defer, double>>>& y,
                const Eigen::Ref<const Vector<detail::deferred_t<Defer, double>>>& upper) {
  const double inf = std::numeric_limits<double>::infinity();
  double lower_end = -inf, upper_end = inf, free_sum = 0;  // bounds on -b = y_i g_i
  Index free = 0;
  for (Index t = 0; t < a.size(); ++t) {
    const double r = y(t) * g(t);
    const bool at_upper = a(t) >= upper(t), at_lower = a(t) <= 0;
    if (!at_upper && !at_lower) {
      free_sum += r;
      ++free;
    } else if (at_upper == (y(t) > 0)) {
      lower_end = std::max(lower_end, r);  // y = +1 at C, or y = -1 at 0
    } else {
      upper_end = std::min(upper_end, r);  // y = +1 at 0, or y = -1 at C
    }
  }
  if (free > 0) return -free_sum / double(free);
  if (lower_end == -inf) return -upper_end;
  if (upper_end == inf) return -lower_end;
  return -0.5 * (lower_end + upper_end);
}

}  // namespace detail

/// Solves min 0.5 a'Q a + p'a subject to y'a = Delta, 0 <= a_i <= C_i (C = `upper`), with
/// Delta = y'start kept from the feasible `start`, by SMO with the second-order working set selection
/// of Fan, Chen and Lin (2005, JMLR 6, "WSS2", libsvm's algorithm; no shrinking). Q must be symmetric
/// positive semi-definite (libsvm's convention: Q_ij = y_i y_j K_ij for an SVM); y_i = +-1.
/// Each iteration takes i = argmax of -y_t grad_t over I_up = {t : y_t = +1, a_t < C_t or y_t = -1,
/// a_t > 0} and j minimising -b_it^2 / a_it over t in I_low (the mirror set) with
/// b_it = -y_i grad_i + y_t grad_t > 0 and a_it = Q_ii + Q_tt - 2 y_i y_t Q_it (tau if <= 0), moves
/// the pair along the feasible direction to the clipped one-dimensional minimum and updates the
/// gradient with columns i and j of Q. It stops when m(a) - M(a) <= options.tolerance, where m and M
/// are the max over I_up and the min over I_low of -y_t grad_t (the KKT conditions within that gap).
/// Start entries within 1e-12 max(1, C_i) outside the box are clipped onto it.
/// Throws `invalid_input` naming the argument, row and value for: q empty, not square, non-finite or
/// not symmetric (relative 1e-8); p, y, upper or start not of length n or non-finite; y_i not +-1;
/// C_i <= 0; start outside the box; invalid options.
/// Complexity: validation O(n^2); initial gradient O(n) per non-zero start entry; O(n) per iteration
/// for the selection plus O(n) for the gradient update; memory O(n) beyond Q.
/// Example (an SVM dual, libsvm's C-SVC with Q = (y y') o K, p = -1):
/// \code
///   Matrix<double> Q = (y * y.transpose()).cwiseProduct(K);
///   auto r = causalattn::solve_smo(Q, -Vector<double>::Ones(n), y, Vector<double>::Constant(n, C),
///                                  Vector<double>::Zero(n));
///   // decision(x) = sum_i r.alpha(i) y(i) k(x_i, x) + r.bias
/// \endcode
template <typename Defer = void>
SmoResult solve_smo(const Eigen::Ref<const Matrix<detail::deferred_t<Defer, double>>>& q,
                    const Eigen::Ref<const Vector<detail::deferred_t<Defer, double>>>& p,
                    const Eigen::Ref<const Vector<detail::deferred_t<Defer, double>>>& y,
                    const Eigen::Ref<const Vector<detail::deferred_t<Defer, double>>>& upper,
                    const Eigen::Ref<const Vector<detail::deferred_t<Defer, double>>>& start, const SmoOptions& options = {}) {
  using Real = detail::deferred_t<Defer, double>;
  options.validate();
  detail::check_smo_problem(q, p, y, upper, start);
  const Index n = q.rows();
  const double inf = std::numeric_limits<double>::infinity();
  detail::deferred_t<Defer, SmoResult> result;
  Vector<Real>& a = result.alpha;
  Vector<Real>& g = result.gradient;
  a = start.cwiseMax(0.0).cwiseMin(upper);
  g = p;
  for (Index t = 0; t < n; ++t) {
    if (a(t) != 0) g.noalias() += a(t) * q.col(t);
  }
  const Vector<Real> diagonal = q.diagonal(), labels = y;
  const double *dp = diagonal.data(), *yp = labels.data();
  // I_up / I_low membership of every variable, updated only for the two that move.
  std::vector<char> up(static_cast<std::size_t>(n)), low(static_cast<std::size_t>(n));
  auto set_flags = [&](Index t) {
    up[std::size_t(t)] = yp[t] > 0 ? a(t) < upper(t) : a(t) > 0;
    low[std::size_t(t)] = yp[t] > 0 ? a(t) > 0 : a(t) < upper(t);
  };
  for (Index t = 0; t < n; ++t) set_flags(t);
  const long long limit = options.max_iterations > 0 ? options.max_iterations
                                                     : std::max<long long>(10'000'000, 100 * static_cast<long long>(n));
  for (;;) {
    // i: the maximal violator in I_up; then j in I_low with the largest second-order decrease.
    Index i = -1, j = -1;
    double m_up = -inf, m_low = inf, best = inf;
    const double* gp = g.data();
    for (Index t = 0; t < n; ++t) {
      const double v = -yp[t] * gp[t];
      if (up[std::size_t(t)] && v > m_up) {
        m_up = v;
        i = t;
      }
    }
    if (i >= 0) {
      const double* q_i = q.col(i).data();
      const double d_i = diagonal(i), y_i = yp[i];
      for (Index t = 0; t < n; ++t) {
        if (!low[std::size_t(t)]) continue;
        const double v = -yp[t] * gp[t];
        m_low = std::min(m_low, v);
        const double b = m_up - v;
        if (b <= 0) continue;
        double curvature = d_i + dp[t] - 2 * y_i * yp[t] * q_i[t];
        if (curvature <= 0) curvature = options.tau;
        if (-b * b / curvature < best) {
          best = -b * b / curvature;
          j = t;
        }
      }
    }
    result.kkt_gap = j < 0 ? 0 : m_up - m_low;  // no j: no pair with b > 0, so m(a) <= M(a)
    if (result.kkt_gap <= options.tolerance || result.iterations >= limit) break;
    ++result.iterations;

    // Move a_i by s y_i and a_j by -s y_j (y'a unchanged), s = b / a_ij clipped to the box.
    double curvature = diagonal(i) + diagonal(j) - 2 * y(i) * y(j) * q(j, i);
    if (curvature <= 0) curvature = options.tau;
    const double room_i = y(i) > 0 ? upper(i) - a(i) : a(i);
    const double room_j = y(j) > 0 ? a(j) : upper(j) - a(j);
    const double step = std::min({(-y(i) * g(i) + y(j) * g(j)) / curvature, room_i, room_j});
    const double new_i = step >= room_i ? (y(i) > 0 ? upper(i) : 0.0) : a(i) + y(i) * step;
    const double new_j = step >= room_j ? (y(j) > 0 ? 0.0 : upper(j)) : a(j) - y(j) * step;
    const double delta_i = new_i - a(i), delta_j = new_j - a(j);
    a(i) = new_i;
    a(j) = new_j;
    for (Index t : {i, j}) set_flags(t);
    g.noalias() += delta_i * q.col(i) + delta_j * q.col(j);
  }
  result.objective = 0.5 * a.dot(g + p);
  result.bias = detail::smo_bias(a, g, y, upper);
  result.converged = result.kkt_gap <= options.tolerance;
  return result;
}

}  // namespace causalattn
