#pragma once
/// \file
/// Multivariate time series with known time-delayed causal graphs (methods/timeseries.md,
/// "Benchmarks"): VAR(L) in the neural-Granger convention, Lorenz-96, and nonlinear lagged SCMs with
/// regimes, latent confounders and unequal noise. Every simulator is seeded and deterministic.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Eigenvalues>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/random.hpp"
#include "causalattn/graph/lagged_graph.hpp"

namespace causalattn {

/// A simulated series and its truth.
struct LaggedSeries {
  Matrix<double> x;          ///< T x p, rows in time order
  LaggedGraph truth;         ///< source(t - lag) --> target(t) for every true link (the union over regimes)
  std::vector<Index> regime; ///< regime of each row (all 0 for a stationary series)
};

/// Options of `simulate_var`. Defaults follow Tank et al.'s neural-Granger benchmark.
struct VarOptions {
  Index variables = 10;      ///< p, >= 2
  Index max_lag = 3;         ///< L, >= 1; every true link is present at every lag min_lag..L
  /// The shortest lag at which links act, in [1, L] (2 with L = 3: only delays 2 and 3). Default 1.
  Index min_lag = 1;
  Index length = 1000;       ///< T rows returned, >= 1
  double sparsity = 0.2;     ///< each node has max(0, int(sparsity p) - 1) random other parents plus itself, in [0, 1]
  double noise_sd = 0.1;     ///< innovation standard deviation, > 0
  Index burn_in = 100;       ///< steps simulated and dropped first, >= 0
  std::uint64_t seed = 1;    ///< random stream

  /// Throws `invalid_input` naming the first bad field ("options.variables", ...).
  void validate() const {
    if (variables < 2 || variables > 100000) throw invalid_input("options.variables", "is " + std::to_string(variables) + ", must be in [2, 100000]");
    if (max_lag < 1 || max_lag > 1000) throw invalid_input("options.max_lag", "is " + std::to_string(max_lag) + ", must be in [1, 1000]");
    if (min_lag < 1 || min_lag > max_lag)
      throw invalid_input("options.min_lag",
                          "is " + std::to_string(min_lag) + ", must be in [1, max_lag = " + std::to_string(max_lag) + "]");
    if (length < 1) throw invalid_input("options.length", "is " + std::to_string(length) + ", must be >= 1");
    if (!(sparsity >= 0 && sparsity <= 1)) throw invalid_input("options.sparsity", "is " + detail::to_text(sparsity) + ", must be in [0, 1]");
    if (!(noise_sd > 0) || !std::isfinite(noise_sd)) throw invalid_input("options.noise_sd", "is " + detail::to_text(noise_sd) + ", must be finite and > 0");
    if (burn_in < 0) throw invalid_input("options.burn_in", "is " + std::to_string(burn_in) + ", must be >= 0");
  }
};

namespace detail {

/// Spectral radius of the companion matrix of VAR coefficients `a` (a[l] is p x p, X_t = sum_l
/// a[l] X_(t-1-l) + e). O((p L)^3).
template <typename Defer = void>
double var_spectral_radius(const std::vector<Matrix<detail::deferred_t<Defer, double>>>& a) {
  using Real = detail::deferred_t<Defer, double>;
  const Index p = a.front().rows(), lags = Index(a.size());
  Matrix<Real> companion = Matrix<Real>::Zero(p * lags, p * lags);
  for (Index l = 0; l < lags; ++l) companion.block(0, l * p, p, p) = a[std::size_t(l)];
  if (lags > 1) companion.block(p, 0, p * (lags - 1), p * (lags - 1)).setIdentity();
  return Eigen::EigenSolver<Matrix<Real>>(companion, false).eigenvalues().cwiseAbs().maxCoeff();
}

/// Runs X_t = sum_l a[l] X_(t-1-l) + noise_t from zeros for burn_in + length steps and returns the
/// last `length` rows; `noise_sd(i)` scales variable i's N(0, 1) innovations. O((burn_in + T) p^2 L).
template <typename Defer = void>
Matrix<double> run_var(const std::vector<Matrix<detail::deferred_t<Defer, double>>>& a,
                       const Vector<detail::deferred_t<Defer, double>>& noise_sd, Index length, Index burn_in, Rng& rng) {
  using Real = detail::deferred_t<Defer, double>;
  const Index p = a.front().rows(), lags = Index(a.size()), total = burn_in + length;
  Matrix<Real> x = Matrix<Real>::Zero(total + lags, p);
  for (Index t = lags; t < total + lags; ++t) {
    Vector<Real> next(p);
    for (Index i = 0; i < p; ++i) next(i) = noise_sd(i) * rng.normal();
    for (Index l = 0; l < lags; ++l) next.noalias() += a[std::size_t(l)] * x.row(t - 1 - l).transpose();
    x.row(t) = next.transpose();
  }
  return x.bottomRows(length);
}

}  // namespace detail

/// A stable VAR(L) series (Tank et al., "Neural Granger Causality"): node i's parents are itself and
/// max(0, int(sparsity p) - 1) other nodes drawn at random; every parent has coefficient 1 at every
/// lag, all coefficients then shrunk by 0.95 until the companion matrix's spectral radius is <= 0.97;
/// innovations N(0, noise_sd^2), `burn_in` steps dropped. Throws `invalid_input` for bad options.
/// O((burn_in + T) p^2 L + (p L)^3 per shrink step).
/// Example: `auto s = causalattn::simulate_var({});  // s.x is 1000 x 10, s.truth the lagged graph`
template <typename Defer = void>
LaggedSeries simulate_var(const VarOptions& options) {
  using Real = detail::deferred_t<Defer, double>;
  options.validate();
  const Index p = options.variables, lags = options.max_lag;
  Rng rng(options.seed);
  LaggedSeries out{Matrix<Real>(), LaggedGraph(p, lags), {}};
  Matrix<Real> pattern = Matrix<Real>::Identity(p, p);  // pattern(target, source)
  const Index others = std::max<Index>(0, Index(options.sparsity * double(p)) - 1);
  for (Index i = 0; i < p; ++i) {
    std::vector<Index> candidates;
    for (Index j = 0; j < p; ++j)
      if (j != i) candidates.push_back(j);
    rng.shuffle(candidates.begin(), candidates.end());
    for (Index k = 0; k < std::min<Index>(others, Index(candidates.size())); ++k) pattern(i, candidates[std::size_t(k)]) = 1;
  }
  std::vector<Matrix<Real>> a(std::size_t(lags), pattern);
  for (Index l = 1; l < options.min_lag; ++l) a[std::size_t(l - 1)].setZero();
  while (detail::var_spectral_radius(a) > 0.97)
    for (auto& m : a) m *= 0.95;
  for (Index i = 0; i < p; ++i)
    for (Index j = 0; j < p; ++j)
      if (pattern(i, j) != 0)
        for (Index l = options.min_lag; l <= lags; ++l) out.truth.set_link(j, i, l);
  out.x = detail::run_var(a, Vector<Real>::Constant(p, options.noise_sd), options.length, options.burn_in, rng);
  out.regime.assign(std::size_t(options.length), 0);
  return out;
}

/// Options of `simulate_lorenz96`. Defaults follow Tank et al.
struct Lorenz96Options {
  Index variables = 10;      ///< p, >= 4 (the neighbourhood i-2..i+1 must be four distinct nodes)
  double forcing = 10;       ///< F (10: chaotic; 40: strongly chaotic), finite
  Index length = 1000;       ///< T observations returned, >= 1
  double interval = 0.1;     ///< time between observations, > 0
  Index substeps = 10;       ///< RK4 steps per observation (step = interval / substeps), >= 1
  double noise_sd = 0.1;     ///< observation noise N(0, noise_sd^2) added to each value, >= 0
  Index burn_in = 1000;      ///< observations simulated and dropped first, >= 0
  std::uint64_t seed = 1;    ///< initial state N(0, 0.01^2) and the noise

  /// Throws `invalid_input` naming the first bad field.
  void validate() const {
    if (variables < 4 || variables > 100000) throw invalid_input("options.variables", "is " + std::to_string(variables) + ", must be in [4, 100000]");
    if (!std::isfinite(forcing)) throw invalid_input("options.forcing", "is " + detail::to_text(forcing) + ", must be finite");
    if (length < 1) throw invalid_input("options.length", "is " + std::to_string(length) + ", must be >= 1");
    if (!(interval > 0) || !std::isfinite(interval)) throw invalid_input("options.interval", "is " + detail::to_text(interval) + ", must be finite and > 0");
    if (substeps < 1) throw invalid_input("options.substeps", "is " + std::to_string(substeps) + ", must be >= 1");
    if (!(noise_sd >= 0) || !std::isfinite(noise_sd)) throw invalid_input("options.noise_sd", "is " + detail::to_text(noise_sd) + ", must be finite and >= 0");
    if (burn_in < 0) throw invalid_input("options.burn_in", "is " + std::to_string(burn_in) + ", must be >= 0");
  }
};

/// Lorenz-96: dx_i/dt = (x_(i+1) - x_(i-2)) x_(i-1) - x_i + F (indices cyclic), integrated by
/// classical RK4 with step interval / substeps (0.01 by default: RK4 at 0.1 itself is accurate for
/// F = 10 but loses the attractor's statistics at F = 40), observed every `interval` with noise
/// N(0, noise_sd^2). The truth: x_(i-2), x_(i-1), x_i, x_(i+1) at lag 1 drive x_i (max_lag 1).
/// Throws `invalid_input` for bad options, `numerical_error` if the state diverges.
/// O((burn_in + T) substeps p).
/// Example: `causalattn::Lorenz96Options o; o.forcing = 40; auto s = causalattn::simulate_lorenz96(o);`
template <typename Defer = void>
LaggedSeries simulate_lorenz96(const Lorenz96Options& options) {
  using Real = detail::deferred_t<Defer, double>;
  options.validate();
  const Index p = options.variables;
  Rng rng(options.seed);
  Vector<Real> state(p);
  for (Index i = 0; i < p; ++i) state(i) = 0.01 * rng.normal();
  auto derivative = [&](const Vector<Real>& v) {
    Vector<Real> d(p);
    for (Index i = 0; i < p; ++i) d(i) = (v((i + 1) % p) - v((i + p - 2) % p)) * v((i + p - 1) % p) - v(i) + options.forcing;
    return d;
  };
  const double h = options.interval / double(options.substeps);
  LaggedSeries out{Matrix<Real>(options.length, p), LaggedGraph(p, 1), std::vector<Index>(std::size_t(options.length), 0)};
  for (Index t = 0; t < options.burn_in + options.length; ++t) {
    for (Index s = 0; s < options.substeps; ++s) {
      const Vector<Real> k1 = derivative(state), k2 = derivative(state + 0.5 * h * k1), k3 = derivative(state + 0.5 * h * k2),
                         k4 = derivative(state + h * k3);
      state += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
    }
    if (!state.allFinite()) throw numerical_error("Lorenz-96 diverged at observation " + std::to_string(t) + "; reduce options.interval / options.substeps");
    if (t >= options.burn_in) {
      for (Index i = 0; i < p; ++i) out.x(t - options.burn_in, i) = state(i) + options.noise_sd * rng.normal();
    }
  }
  for (Index i = 0; i < p; ++i)
    for (Index offset : {-2, -1, 0, 1}) out.truth.set_link((i + p + offset) % p, i, 1);
  return out;
}

/// Mechanism of a nonlinear lagged SCM (methods/timeseries.md, the paper's benchmark axes).
enum class LaggedMechanism {
  linear,            ///< sum of c x_parent
  monotonic,         ///< sum of c tanh(x_parent) + c' x_parent / 2: strictly increasing in each parent
  piecewise_linear,  ///< sum of c max(x_parent - knot, slope (x_parent - knot)): two slopes, a random knot
  mlp_additive,      ///< a random tanh MLP of the parents, plus noise
  mlp_concatenated,  ///< a random tanh MLP of [parents, noise]: non-additive noise
};

/// How the regimes of a non-stationary series differ.
enum class RegimeShift {
  regular,    ///< each regime its own graph and coefficients, the mechanism fixed
  extreme,    ///< each regime its own graph, coefficients and mechanism (cycling through the five)
  low_drift,  ///< the first regime's graph with 20% of its cross links rewired per regime
};

/// Options of `simulate_lagged_scm`.
struct LaggedScmOptions {
  Index variables = 10;                          ///< observed p, >= 2
  Index max_lag = 3;                             ///< L, >= 1
  Index min_lag = 1;                             ///< cross links act at lags min_lag..L, in [1, L]
  Index length = 1000;                           ///< T rows, >= regimes
  Index parents = 2;                             ///< cross-variable parents per node (each at one random lag), in [0, p - 1]
  LaggedMechanism mechanism = LaggedMechanism::linear;  ///< used by every regime unless `shift` is extreme
  Index regimes = 1;                             ///< K contiguous regimes of equal length, >= 1
  RegimeShift shift = RegimeShift::regular;      ///< how regimes differ (K > 1)
  Index latent = 0;                              ///< hidden AR(1) processes, each driving two observed nodes at lag 1, >= 0
  bool unequal_noise = false;                    ///< noise sd of each node drawn from U(0.5, 1.5) x noise_sd
  double noise_sd = 0.3;                         ///< base noise standard deviation, > 0
  Index burn_in = 100;                           ///< steps dropped at the start (and simulated at each regime switch), >= 0
  std::uint64_t seed = 1;                        ///< random stream

  /// Throws `invalid_input` naming the first bad field.
  void validate() const {
    if (variables < 2 || variables > 100000) throw invalid_input("options.variables", "is " + std::to_string(variables) + ", must be in [2, 100000]");
    if (max_lag < 1 || max_lag > 1000) throw invalid_input("options.max_lag", "is " + std::to_string(max_lag) + ", must be in [1, 1000]");
    if (min_lag < 1 || min_lag > max_lag)
      throw invalid_input("options.min_lag",
                          "is " + std::to_string(min_lag) + ", must be in [1, max_lag = " + std::to_string(max_lag) + "]");
    if (regimes < 1) throw invalid_input("options.regimes", "is " + std::to_string(regimes) + ", must be >= 1");
    if (length < regimes) throw invalid_input("options.length", "is " + std::to_string(length) + ", must be >= regimes = " + std::to_string(regimes));
    if (parents < 0 || parents > variables - 1) {
      throw invalid_input("options.parents", "is " + std::to_string(parents) + ", must be in [0, " + std::to_string(variables - 1) + "]");
    }
    if (latent < 0) throw invalid_input("options.latent", "is " + std::to_string(latent) + ", must be >= 0");
    if (!(noise_sd > 0) || !std::isfinite(noise_sd)) throw invalid_input("options.noise_sd", "is " + detail::to_text(noise_sd) + ", must be finite and > 0");
    if (burn_in < 0) throw invalid_input("options.burn_in", "is " + std::to_string(burn_in) + ", must be >= 0");
  }
};

namespace detail {

/// One regime of a lagged SCM: every node's parents (source, lag) with their coefficients, its
/// autoregressive coefficient at lag 1, and the mechanism's random parameters.
struct LaggedScmRegime {
  LaggedMechanism mechanism = LaggedMechanism::linear;
  std::vector<std::vector<std::pair<Index, Index>>> parents;  ///< per target: (source, lag), cross links only
  std::vector<std::vector<double>> coefficient, knot, slope;  ///< per target, per parent
  std::vector<Matrix<double>> hidden_in;                      ///< MLP mechanisms: per target (inputs x 8)
  std::vector<Vector<double>> hidden_out;                     ///< per target (8)
  Vector<double> autoregression;                              ///< per target, lag-1 self coefficient
};

template <typename = void>
double random_sign(Rng& rng) { return rng.bernoulli(0.5) ? 1.0 : -1.0; }

/// Draws a regime's mechanism parameters for `parents` (already chosen).
template <typename Defer = void>
void draw_mechanism(LaggedScmRegime& r, Index p, Rng& rng) {
  using Real = detail::deferred_t<Defer, double>;
  const std::size_t n = std::size_t(p);
  r.coefficient.assign(n, {});
  r.knot.assign(n, {});
  r.slope.assign(n, {});
  r.hidden_in.assign(n, Matrix<Real>());
  r.hidden_out.assign(n, Vector<Real>());
  r.autoregression.resize(p);
  const bool concatenated = r.mechanism == LaggedMechanism::mlp_concatenated;
  for (std::size_t i = 0; i < n; ++i) {
    r.autoregression(Index(i)) = rng.uniform(0.2, 0.5);
    const std::size_t k = r.parents[i].size();
    // Cross effects sum to at most ~0.45 in gain, so with |autoregression| <= 0.5 the series stays stable.
    const double budget = k == 0 ? 0 : 0.45 / double(k);
    for (std::size_t m = 0; m < k; ++m) {
      r.coefficient[i].push_back(random_sign(rng) * rng.uniform(0.6, 1.0) * budget * 2);
      r.knot[i].push_back(rng.uniform(-0.5, 0.5));
      r.slope[i].push_back(rng.uniform(0.0, 0.3));
    }
    const Index inputs = Index(k) + (concatenated ? 1 : 0);
    if (inputs > 0) {
      r.hidden_in[i] = Matrix<Real>(inputs, 8);
      for (Index a = 0; a < inputs; ++a)
        for (Index b = 0; b < 8; ++b) r.hidden_in[i](a, b) = rng.normal() * 1.5;
      r.hidden_out[i] = Vector<Real>(8);
      for (Index b = 0; b < 8; ++b) r.hidden_out[i](b) = rng.normal();
      r.hidden_out[i] *= 0.9 / std::max(1e-12, r.hidden_out[i].cwiseAbs().sum());  // |output| <= 0.9: bounded, stable
    }
  }
}

/// Chooses `parents` distinct cross parents per node, each at a random lag in min_lag..max_lag.
template <typename = void>
std::vector<std::vector<std::pair<Index, Index>>> draw_parents(Index p, Index count, Index min_lag, Index max_lag, Rng& rng) {
  std::vector<std::vector<std::pair<Index, Index>>> out(static_cast<std::size_t>(p));
  for (Index i = 0; i < p; ++i) {
    std::vector<Index> candidates;
    for (Index j = 0; j < p; ++j)
      if (j != i) candidates.push_back(j);
    rng.shuffle(candidates.begin(), candidates.end());
    for (Index k = 0; k < count; ++k)
      out[std::size_t(i)].push_back(
          {candidates[std::size_t(k)], min_lag + Index(rng.uniform_int(std::uint64_t(max_lag - min_lag + 1)))});
  }
  return out;
}

/// Node i's value at row t of `x` (rows before t filled) under regime `r`, with noise draw e.
/// `noise_scale` is node i's noise sd (e / noise_scale is standard normal).
template <typename Defer = void>
double lagged_scm_value(const LaggedScmRegime& r, const Matrix<detail::deferred_t<Defer, double>>& x, Index t, Index i, double e,
                        double noise_scale) {
  using Real = detail::deferred_t<Defer, double>;
  const auto& parents = r.parents[std::size_t(i)];
  const std::size_t k = parents.size();
  double v = r.autoregression(i) * x(t - 1, i);
  auto input = [&](std::size_t m) { return x(t - parents[m].second, parents[m].first); };
  switch (r.mechanism) {
    case LaggedMechanism::linear:
      for (std::size_t m = 0; m < k; ++m) v += r.coefficient[std::size_t(i)][m] * input(m);
      return v + e;
    case LaggedMechanism::monotonic:
      for (std::size_t m = 0; m < k; ++m) {
        const double c = std::abs(r.coefficient[std::size_t(i)][m]);
        v += c * (std::tanh(input(m)) + 0.5 * input(m)) / 1.5;
      }
      return v + e;
    case LaggedMechanism::piecewise_linear:
      for (std::size_t m = 0; m < k; ++m) {
        const double u = input(m) - r.knot[std::size_t(i)][m];
        v += r.coefficient[std::size_t(i)][m] * std::max(u, r.slope[std::size_t(i)][m] * u);
      }
      return v + e;
    case LaggedMechanism::mlp_additive:
    case LaggedMechanism::mlp_concatenated: {
      const bool concatenated = r.mechanism == LaggedMechanism::mlp_concatenated;
      if (k == 0 && !concatenated) return v + e;
      Vector<Real> in(Index(k) + (concatenated ? 1 : 0));
      for (std::size_t m = 0; m < k; ++m) in(Index(m)) = input(m);
      if (concatenated) in(Index(k)) = e / noise_scale;  // the noise enters the network at unit scale, not added
      const Vector<Real> hidden = (r.hidden_in[std::size_t(i)].transpose() * in).array().tanh().matrix();
      v += hidden.dot(r.hidden_out[std::size_t(i)]);
      return concatenated ? v : v + e;
    }
  }
  return v + e;
}

}  // namespace detail

/// A nonlinear lagged SCM: X_(i,t) = a_i X_(i,t-1) + f_i(parents at their lags) + noise, no
/// instantaneous effects (methods/timeseries.md). Each node has `parents` cross-variable parents at
/// random lags in 1..L, combined by `mechanism`; cross effects are bounded so the series stays
/// stable. With `regimes` K > 1 the rows split into K contiguous equal segments whose graphs and
/// parameters differ by `shift`; each regime continues from the previous one's last rows. With
/// `latent` > 0, hidden AR(1) processes (coefficient 0.7) each drive two random observed nodes at
/// lag 1 and are left out of the output: they confound those nodes without a true link. The
/// truth is the union of the regimes' links plus every node's lag-1 self link. Throws
/// `invalid_input` for bad options. O((burn_in + T) p (parents + 8)).
/// Example:
/// \code
///   causalattn::LaggedScmOptions o;
///   o.mechanism = causalattn::LaggedMechanism::mlp_additive;
///   o.regimes = 4;
///   auto s = causalattn::simulate_lagged_scm(o);
/// \endcode
template <typename Defer = void>
LaggedSeries simulate_lagged_scm(const LaggedScmOptions& options) {
  using Real = detail::deferred_t<Defer, double>;
  options.validate();
  const Index p = options.variables, lags = options.max_lag, k = options.regimes;
  Rng rng(options.seed);
  std::vector<detail::LaggedScmRegime> regimes(static_cast<std::size_t>(k));
  constexpr LaggedMechanism cycle[] = {LaggedMechanism::linear, LaggedMechanism::monotonic, LaggedMechanism::piecewise_linear,
                                       LaggedMechanism::mlp_additive, LaggedMechanism::mlp_concatenated};
  for (Index r = 0; r < k; ++r) {
    auto& regime = regimes[std::size_t(r)];
    regime.mechanism = options.shift == RegimeShift::extreme ? cycle[(std::size_t(options.mechanism) + std::size_t(r)) % 5] : options.mechanism;
    if (r > 0 && options.shift == RegimeShift::low_drift) {
      regime.parents = regimes[0].parents;
      for (Index i = 0; i < p; ++i) {
        for (auto& link : regime.parents[std::size_t(i)]) {
          if (!rng.bernoulli(0.2)) continue;
          Index source = Index(rng.uniform_int(std::uint64_t(p)));
          while (source == i) source = Index(rng.uniform_int(std::uint64_t(p)));
          link = {source, options.min_lag + Index(rng.uniform_int(std::uint64_t(lags - options.min_lag + 1)))};
        }
      }
    } else {
      regime.parents = detail::draw_parents(p, options.parents, options.min_lag, lags, rng);
    }
    detail::draw_mechanism(regime, p, rng);
  }
  Vector<Real> noise_sd = Vector<Real>::Constant(p, options.noise_sd);
  if (options.unequal_noise)
    for (Index i = 0; i < p; ++i) noise_sd(i) *= rng.uniform(0.5, 1.5);
  std::vector<std::pair<Index, Index>> confounded(static_cast<std::size_t>(options.latent));  // each hidden process's two children
  for (auto& pair : confounded) {
    pair.first = Index(rng.uniform_int(std::uint64_t(p)));
    do pair.second = Index(rng.uniform_int(std::uint64_t(p)));
    while (pair.second == pair.first);
  }

  LaggedSeries out{Matrix<Real>(options.length, p), LaggedGraph(p, lags), std::vector<Index>(std::size_t(options.length))};
  const Index segment = options.length / k;
  Matrix<Real> x = Matrix<Real>::Zero(lags + options.burn_in + options.length, p);
  Matrix<Real> hidden = Matrix<Real>::Zero(x.rows(), options.latent);
  for (Index t = lags; t < x.rows(); ++t) {
    const Index row = t - lags - options.burn_in;  // output row (negative during burn-in)
    const Index r = row < 0 ? 0 : std::min(k - 1, row / segment);
    for (Index h = 0; h < options.latent; ++h) hidden(t, h) = 0.7 * hidden(t - 1, h) + rng.normal();
    for (Index i = 0; i < p; ++i) x(t, i) = detail::lagged_scm_value(regimes[std::size_t(r)], x, t, i, noise_sd(i) * rng.normal(), noise_sd(i));
    for (Index h = 0; h < options.latent; ++h) {
      x(t, confounded[std::size_t(h)].first) += 0.5 * hidden(t - 1, h);
      x(t, confounded[std::size_t(h)].second) += 0.5 * hidden(t - 1, h);
    }
    if (row >= 0) out.regime[std::size_t(row)] = r;
  }
  out.x = x.bottomRows(options.length);
  for (const auto& regime : regimes)
    for (Index i = 0; i < p; ++i)
      for (const auto& [source, lag] : regime.parents[std::size_t(i)]) out.truth.set_link(source, i, lag);
  for (Index i = 0; i < p; ++i) out.truth.set_link(i, i, 1);
  if (!out.x.allFinite() || out.x.cwiseAbs().maxCoeff() > 1e6) {  // a loop of linear effects with gain above 1
    throw numerical_error("the lagged SCM diverged (seed " + std::to_string(options.seed) + ", largest |value| " +
                          detail::to_text(out.x.cwiseAbs().maxCoeff()) + "): draw another seed or a bounded mechanism");
  }
  return out;
}

}  // namespace causalattn
