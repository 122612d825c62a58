#pragma once
/// \file
/// Upper tails of Q = sum_i lambda_i chi2_1 (independent chi-square variables, lambda_i >= 0), the
/// null distribution of the random-feature CI tests: Lindsay-Pilla-Basak, Hall-Buckley-Eagleson and
/// Satterthwaite-Welch approximations from Q's cumulants.

#include <algorithm>
#include <cmath>
#include <complex>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <Eigen/LU>

#include "causalattn/core/scalar.hpp"
#include "causalattn/discovery/detail/gamma.hpp"

namespace causalattn::detail {

/// The first `count` cumulants of sum_i w_i chi2_1: kappa_r = 2^(r-1) (r-1)! sum_i w_i^r. O(count |w|).
template <typename = void>
std::vector<double> weighted_chi_square_cumulants(const std::vector<double>& w, int count) {
  std::vector<double> kappa(std::size_t(count), 0.0);
  double factor = 1;  // 2^(r-1) (r-1)!
  for (int r = 1; r <= count; ++r) {
    double sum = 0;
    for (double v : w) sum += std::pow(v, r);
    kappa[std::size_t(r - 1)] = factor * sum;
    factor *= 2.0 * r;
  }
  return kappa;
}

/// Satterthwaite-Welch: a gamma with Q's mean and variance. O(|w|).
template <typename = void>
double satterthwaite_welch_tail(const std::vector<double>& w, double x) {
  const auto kappa = weighted_chi_square_cumulants(w, 2);
  if (!(kappa[1] > 0)) return x < kappa[0] ? 1.0 : 0.0;
  return regularized_gamma_q(kappa[0] * kappa[0] / kappa[1], x * kappa[0] / kappa[1]);
}

/// Hall-Buckley-Eagleson: a shifted, scaled chi-square matching Q's first three cumulants. O(|w|).
template <typename = void>
double hall_buckley_eagleson_tail(const std::vector<double>& w, double x) {
  const auto kappa = weighted_chi_square_cumulants(w, 3);
  if (!(kappa[1] > 0)) return x < kappa[0] ? 1.0 : 0.0;
  const double nu = 8 * kappa[1] * kappa[1] * kappa[1] / (kappa[2] * kappa[2]);
  const double shifted = (x - kappa[0]) * std::sqrt(2 * nu / kappa[1]) + nu;
  return regularized_gamma_q(nu / 2, std::max(0.0, shifted) / 2);
}

/// One Lindsay-Pilla-Basak fit with `components` gamma components; false if it degenerates. With
/// the weights scaled to mean 1: raw moments mu_0..mu_2p from the cumulants; delta-modified moments
/// m_r(delta) = mu_r / prod_{j<r} (1 + j delta) (the moments of the mixing distribution when Q is a
/// mixture of gammas of shape 1/delta); delta* = the smallest delta at which the (p+1) x (p+1)
/// Hankel matrix of m(delta) stops being positive definite (bisection on (0, mu_2 - 1]); the mixture's
/// scales are the roots of the degree-p orthogonal polynomial of m(delta*) and its weights solve
/// the Vandermonde system of m_0..m_{p-1}.
template <typename = void>
bool lindsay_pilla_basak_fit(const std::vector<double>& w, int components, double x, double& tail) {
  const int p = components;
  const auto kappa = weighted_chi_square_cumulants(w, 2 * p);
  std::vector<double> mu(std::size_t(2 * p + 1), 0.0);
  mu[0] = 1;
  for (int n = 1; n <= 2 * p; ++n) {
    double binomial = 1;  // C(n-1, k-1)
    for (int k = 1; k <= n; ++k) {
      mu[std::size_t(n)] += binomial * kappa[std::size_t(k - 1)] * mu[std::size_t(n - k)];
      binomial = binomial * double(n - k) / double(k);
    }
  }
  auto modified = [&](double delta) {
    std::vector<double> m(mu.size());
    double divisor = 1;
    for (std::size_t r = 0; r < mu.size(); ++r) {
      m[r] = mu[r] / divisor;
      divisor *= 1 + double(r) * delta;
    }
    return m;
  };
  auto hankel = [&](const std::vector<double>& m, int size, int offset) {
    Matrix<double> h(size, size);
    for (int i = 0; i < size; ++i)
      for (int j = 0; j < size; ++j) h(i, j) = m[std::size_t(i + j + offset)];
    return h;
  };
  auto positive_definite = [&](double delta) {
    const Matrix<double> h = hankel(modified(delta), p + 1, 0);
    const Eigen::SelfAdjointEigenSolver<Matrix<double>> solver(h, Eigen::EigenvaluesOnly);
    return solver.eigenvalues()(0) > 1e-14 * solver.eigenvalues()(p);
  };
  double lo = 0, hi = mu[2] / (mu[1] * mu[1]) - 1;
  if (!(hi > 0) || !positive_definite(lo)) return false;
  for (int it = 0; it < 100 && hi - lo > 1e-12 * hi; ++it) {
    const double mid = 0.5 * (lo + hi);
    (positive_definite(mid) ? lo : hi) = mid;
  }
  const double delta = hi;
  const auto m = modified(delta);
  // Monic orthogonal polynomial t^p + c_{p-1} t^{p-1} + ... + c_0: sum_k c_k m_{k+i} = -m_{p+i}.
  const Matrix<double> a = hankel(m, p, 0);
  Vector<double> rhs(p);
  for (int i = 0; i < p; ++i) rhs(i) = -m[std::size_t(p + i)];
  const Vector<double> c = a.fullPivLu().solve(rhs);
  Matrix<double> companion = Matrix<double>::Zero(p, p);
  for (int i = 1; i < p; ++i) companion(i, i - 1) = 1;
  companion.col(p - 1) = -c;
  const Eigen::EigenSolver<Matrix<double>> roots(companion, false);
  Vector<double> scale(p);
  for (int i = 0; i < p; ++i) {
    const std::complex<double> root = roots.eigenvalues()(i);
    if (!(root.real() > 0) || std::abs(root.imag()) > 1e-8 * std::abs(root.real())) return false;
    scale(i) = root.real();
  }
  Matrix<double> vandermonde(p, p);
  Vector<double> moments(p);
  for (int r = 0; r < p; ++r) {
    moments(r) = m[std::size_t(r)];
    for (int i = 0; i < p; ++i) vandermonde(r, i) = std::pow(scale(i), r);
  }
  const Vector<double> weight = vandermonde.fullPivLu().solve(moments);
  if (!weight.allFinite() || weight.minCoeff() < -1e-8) return false;
  const double shape = 1 / delta;
  tail = 0;
  for (int i = 0; i < p; ++i) tail += weight(i) * regularized_gamma_q(shape, x / (scale(i) * delta));
  if (!std::isfinite(tail)) return false;
  tail = std::clamp(tail, 0.0, 1.0);
  return true;
}

/// Lindsay-Pilla-Basak (2000): Q approximated by a mixture of up to 4 gammas of a common shape that
/// matches its first 8 moments (Strobl et al.'s default for RCIT/RCoT). Falls back to fewer components
/// when the weights leave too few distinct moments, and to Satterthwaite-Welch when every fit
/// degenerates (one weight, or all equal: then Q is a gamma and that answer is exact). O(|w|).
template <typename = void>
double lindsay_pilla_basak_tail(std::vector<double> w, double x) {
  w.erase(std::remove_if(w.begin(), w.end(), [](double v) { return !(v > 0); }), w.end());
  if (w.empty()) return x < 0 ? 1.0 : 0.0;
  double total = 0;  // scaled so that E Q = 1: the Hankel matrices stay well conditioned
  for (double v : w) total += v;
  for (double& v : w) v /= total;
  x /= total;
  for (int components = std::min<int>(4, int(w.size())); components >= 2; --components) {
    double tail = 0;
    if (lindsay_pilla_basak_fit(w, components, x, tail)) return tail;
  }
  return satterthwaite_welch_tail(w, x);
}

}  // namespace causalattn::detail
