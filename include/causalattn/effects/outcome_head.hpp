#pragma once
/// \file
/// CInA-ZS's outcome head: every unit's potential-outcome means mu0(x), mu1(x) in one pass over a
/// data set, by ridge regression in context on features from a small learned basis that every
/// covariate shares. The least-squares problem over the units of each arm is solved in closed form,
/// the operation a mesa layer performs; the basis is what training across simulated data sets learns.
///
/// On a data set (x, t, y) with n units and p covariates:
/// 1. z = the covariates as z-scores; for each arm a, a linear index u_a = the in-context ridge fit
///    of y on [1, z] over arm a, predicted for every unit and z-scored. z+ = [z, u_1, u_0] (p + 2
///    columns): the indices let the basis act on a learned direction as well as on each covariate
///    (single-index structure, e.g. an outcome exp(x'b)).
/// 2. Features phi(x) = [1, z+, g(z+_j) for every column j], g(v) = w2 tanh(w1 v + b1) + b2 a map
///    R -> R^k with `hidden` tanh units: m = 1 + (p + 2)(1 + k) features, the same g for every
///    column, so the head takes any p.
/// 3. Two in-context ridge regressions, each with lambda chosen by generalised cross-validation
///    over 1e-3 x 2^j, j = 0..26:
///    stage 1 (pooled): y on [1, t, phi] over all units, intercept and t unpenalised, giving
///    theta and a common effect tau;
///    stage 2 (per arm): the residuals r = y - phi' theta - t tau on phi over arm a's units,
///    intercept unpenalised, giving gamma_a.
///    mu_a(x_i) = phi(x_i)' (theta + gamma_a) + a tau. Each arm borrows the other's units for
///    the outcome surface they share and fits only its departure from it, so where an arm is thin
///    (weak overlap, heavy tails) its prediction leans on the pooled fit instead of extrapolating
///    alone; GCV shrinks an arm's correction gamma_a towards 0 where the pooled fit already
///    explains that arm.
/// Cost O(n m^2 + m^3); memory O(n m + m^2).

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/core/random.hpp"
#include "causalattn/core/threads.hpp"
#include "causalattn/effects/simulate.hpp"
#include "causalattn/effects/treatment_data.hpp"
#include "causalattn/nn/optimizer.hpp"
#include "causalattn/nn/parameter.hpp"

namespace causalattn {

/// The learned basis of the outcome head: g(v) = w2 tanh(w1 v + b1) + b2, R -> R^outputs.
/// Example: `causalattn::OutcomeHead head(16, 4, 7);  // random, to be trained`
struct OutcomeHead {
  Parameter<double> w1;  ///< hidden x 1
  Parameter<double> b1;  ///< hidden x 1
  Parameter<double> w2;  ///< outputs x hidden
  Parameter<double> b2;  ///< outputs x 1

  /// A random head: w1, b1 ~ N(0, 1), w2 ~ N(0, 1 / hidden), b2 = 0, from `Rng(seed)`. Throws
  /// `invalid_input` unless 1 <= hidden, outputs <= 256.
  OutcomeHead(Index hidden, Index outputs, std::uint64_t seed) {
    check_size("hidden", hidden);
    check_size("outputs", outputs);
    Rng rng(seed);
    w1 = Parameter<double>::zeros(hidden, 1);
    b1 = Parameter<double>::zeros(hidden, 1);
    w2 = Parameter<double>::zeros(outputs, hidden);
    b2 = Parameter<double>::zeros(outputs, 1);
    for (Index i = 0; i < hidden; ++i) w1.value(i, 0) = rng.normal();
    for (Index i = 0; i < hidden; ++i) b1.value(i, 0) = rng.normal();
    for (Index j = 0; j < hidden; ++j)
      for (Index i = 0; i < outputs; ++i) w2.value(i, j) = rng.normal() / std::sqrt(double(hidden));
  }

  /// Tanh units. O(1). Example: `Index h = head.hidden();`
  Index hidden() const noexcept { return w1.value.rows(); }
  /// k, the basis functions per column. O(1). Example: `Index k = head.outputs();`
  Index outputs() const noexcept { return w2.value.rows(); }

  /// Adds w1, b1, w2, b2 as "<prefix>.w1", ... (for an optimiser or a file). O(1).
  /// Example: `causalattn::ParameterRegistry<double> r; head.register_parameters(r);`
  template <typename Defer = void>
  void register_parameters(ParameterRegistry<detail::deferred_t<Defer, double>>& registry,
                           const std::string& prefix = "outcome") {
    registry.add(prefix + ".w1", w1);
    registry.add(prefix + ".b1", b1);
    registry.add(prefix + ".w2", w2);
    registry.add(prefix + ".b2", b2);
  }

  /// Throws `invalid_input` naming `source` when the shapes disagree or a value is not finite. O(size).
  /// Example: `head.validate("my_head.bin");`
  template <typename Defer = void>
  void validate(const std::string& source = "head") const {
    const Index h = hidden(), k = outputs();
    const bool shapes = w1.value.cols() == 1 && b1.value.rows() == h && b1.value.cols() == 1 && w2.value.cols() == h &&
                        b2.value.rows() == k && b2.value.cols() == 1 && h >= 1 && h <= 256 && k >= 1 && k <= 256;
    if (!shapes)
      throw invalid_input(
          source, "has outcome-head tensors of inconsistent shapes (w1 h x 1, b1 h x 1, w2 k x h, b2 k x 1, h, k in [1, 256])");
    for (const Parameter<detail::deferred_t<Defer, double>>* p : {&w1, &b1, &w2, &b2}) {
      if (!p->value.allFinite()) throw invalid_input(source, "has a non-finite outcome-head parameter");
    }
  }

 private:
  static void check_size(const char* name, Index v) {
    if (v < 1 || v > 256) throw invalid_input(name, "is " + std::to_string(v) + ", must be in [1, 256]");
  }
};

/// The outcome head's answer on one data set (`fit_outcome_head`).
/// Example: `auto fit = causalattn::fit_outcome_head(head, x, t, y); auto cate = fit.mu1 - fit.mu0;`
struct OutcomeHeadFit {
  Vector<double> mu0, mu1;                        ///< fitted E[Y(0) | x_i], E[Y(1) | x_i] for every unit
  Vector<double> cate_std_error;                  ///< per unit, of mu1 - mu0 (HC1 sandwich of both stages)
  double ate = 0, ate_std_error = 0;              ///< mean of mu1 - mu0; influence-function standard error
  double att = 0, att_std_error = 0;              ///< mean over the treated of y - mu0; influence-function standard error
  double lambda_pooled = 0;                       ///< the ridge penalty GCV chose for stage 1 (both arms)
  double lambda_treated = 0, lambda_control = 0;  ///< the penalties of each arm's correction (stage 2)
  Index features = 0;                             ///< m
};

namespace detail {

/// A ridge fit found by `fit_ridge`: coefficients, the factorised A = X'X + lambda D, the chosen
/// lambda and the effective degrees of freedom of the penalised columns, sum d / (d + lambda).
/// (A template on a dummy parameter so that parsing this header does not instantiate Eigen's LDLT.)
template <typename Defer = void>
struct RidgeFit {
  Vector<deferred_t<Defer, double>> beta;
  Eigen::LDLT<Matrix<deferred_t<Defer, double>>> a;
  double lambda = 0;
  double df = 0;
};

/// Ridge regression from its moments: gram = X'X (m x m), xty = X'y, yty = y'y over `rows` units,
/// the first `unpenalised` columns free (they span the intercept), the others penalised by lambda.
/// Lambda minimises generalised cross-validation, RSS / n / (1 - (df + unpenalised) / n)^2, over
/// the grid 1e-3 x 2^j (j = 0..26) among the lambdas that leave a residual degree of freedom
/// (df + unpenalised + 1 <= n; the largest lambda when none does, as with an arm of 2 units), so a
/// small arm is never interpolated. The penalised block is profiled over the free columns (a Schur
/// complement) before its eigendecomposition. O(m^3).
template <typename Defer = void>
RidgeFit<Defer> fit_ridge(const Matrix<detail::deferred_t<Defer, double>>& gram,
                          const Vector<detail::deferred_t<Defer, double>>& xty, double yty, Index rows, Index unpenalised) {
  using Real = detail::deferred_t<Defer, double>;
  const Index m = gram.cols(), u = unpenalised, s = m - u;
  const Eigen::LDLT<Matrix<Real>> free(gram.topLeftCorner(u, u));
  const Matrix<Real> cross = gram.bottomLeftCorner(s, u);
  const Matrix<Real> profiled = gram.bottomRightCorner(s, s) - cross * free.solve(Matrix<Real>(cross.transpose()));
  const Vector<Real> profiled_y = xty.tail(s) - cross * free.solve(Vector<Real>(xty.head(u)));
  const double total = yty - xty.head(u).dot(free.solve(Vector<Real>(xty.head(u))));
  const Eigen::SelfAdjointEigenSolver<Matrix<Real>> eigen(profiled);
  const Vector<Real> d = eigen.eigenvalues().cwiseMax(0.0);
  const Vector<Real> uty = eigen.eigenvectors().transpose() * profiled_y;
  const double n = double(rows), floor = 1e-12 * std::max(1.0, d.size() ? d.maxCoeff() : 0.0);
  double best = INFINITY, chosen = 1e-3 * std::ldexp(1.0, 26), chosen_df = 0;
  for (int j = 0; j <= 26; ++j) {
    const double lambda = 1e-3 * std::ldexp(1.0, j);
    double rss = total, df = 0;
    for (Index k = 0; k < d.size(); ++k) {
      if (d(k) <= floor) continue;
      const double shrink = d(k) / (d(k) + lambda);
      rss -= (2 * shrink - shrink * shrink) * uty(k) * uty(k) / d(k);
      df += shrink;
    }
    if (j == 26 && best == INFINITY) chosen_df = df;  // no lambda left a residual degree of freedom
    if (df + double(u) + 1 > n) continue;
    const double gcv = std::max(rss, 0.0) / n / std::pow(1 - (df + double(u)) / n, 2);
    if (gcv < best) best = gcv, chosen = lambda, chosen_df = df;
  }
  RidgeFit<Defer> fit;
  fit.lambda = chosen;
  fit.df = chosen_df;
  Matrix<Real> a = gram;
  a.diagonal().tail(s).array() += chosen;
  fit.a.compute(a);
  fit.beta = fit.a.solve(xty);
  return fit;
}

/// X_r' X_r over the rows `rows` of x, accumulated over blocks of 1024 rows (memory O(1024 m)). O(|rows| m^2).
template <typename Defer = void>
Matrix<double> rows_gram(const Matrix<detail::deferred_t<Defer, double>>& x, const std::vector<Index>& rows) {
  using Real = detail::deferred_t<Defer, double>;
  const Index m = x.cols(), count = Index(rows.size()), block = 1024;
  Matrix<Real> gram = Matrix<Real>::Zero(m, m), part(std::min(block, count), m);
  for (Index first = 0; first < count; first += block) {
    const Index size = std::min(block, count - first);
    for (Index k = 0; k < size; ++k) part.row(k) = x.row(rows[std::size_t(first + k)]);
    gram.noalias() += part.topRows(size).transpose() * part.topRows(size);
  }
  return gram;
}

/// sum over `rows` of x_i v_i (m) and of v_i^2, as X_r' v_r and v_r' v_r. O(|rows| m).
template <typename Defer = void>
Vector<double> rows_cross(const Matrix<detail::deferred_t<Defer, double>>& x, const Vector<double>& v,
                          const std::vector<Index>& rows, double& squares) {
  Vector<detail::deferred_t<Defer, double>> cross = Vector<double>::Zero(x.cols());
  squares = 0;
  for (Index i : rows) {
    cross += x.row(i).transpose() * v(i);
    squares += v(i) * v(i);
  }
  return cross;
}

/// The ridge fit (GCV, intercept free) of v on the rows `rows` of x, from their moments. O(|rows| m^2 + m^3).
template <typename Defer = void>
RidgeFit<Defer> fit_rows_ridge(const Matrix<detail::deferred_t<Defer, double>>& x, const Vector<double>& v,
                               const std::vector<Index>& rows) {
  double squares = 0;
  const Vector<double> cross = rows_cross(x, v, rows, squares);
  return fit_ridge<Defer>(rows_gram<Defer>(x, rows), cross, squares, Index(rows.size()), 1);
}

/// `v` as z-scores (divisor n, `standardized`); zeros when its range is at rounding level of its
/// magnitude (below 1e-12 of its largest absolute value), so rounding noise is never blown up. O(n).
template <typename Defer = void>
Vector<double> z_scores(const Vector<detail::deferred_t<Defer, double>>& v) {
  const double range = v.maxCoeff() - v.minCoeff();
  if (!(range > 1e-12 * v.cwiseAbs().maxCoeff())) return Vector<double>::Zero(v.size());
  return standardized(v);
}

/// Throws `invalid_input` unless x (n x p, p >= 1), t and y (n) are finite, t is 0 / 1 with at
/// least 2 units per arm, and the head's features fit the bounds: m = 1 + (p + 2)(1 + k) <= 4096
/// and n m <= 2^27 (1 GiB of doubles). O(n p).
template <typename Defer = void>
void check_outcome_head_data(const OutcomeHead& head, const Matrix<detail::deferred_t<Defer, double>>& x,
                             const Vector<detail::deferred_t<Defer, double>>& t,
                             const Vector<detail::deferred_t<Defer, double>>& y) {
  head.validate("head");
  check_not_empty("x", x);
  check_finite("x", x);
  check_shape("t", t, x.rows(), 1);
  check_shape("y", y, x.rows(), 1);
  check_finite("y", y);
  Index treated = 0;
  for (Index i = 0; i < t.size(); ++i) {
    if (t(i) != 0 && t(i) != 1)
      throw invalid_input("t", "is " + detail::to_text(t(i)) + " at row " + std::to_string(i) + "; must be 0 or 1");
    treated += t(i) == 1;
  }
  if (treated < 2 || x.rows() - treated < 2) {
    throw invalid_input("t", "has " + std::to_string(treated) + " treated and " + std::to_string(x.rows() - treated) +
                                 " control units; each arm needs at least 2");
  }
  const double m = 1 + double(x.cols() + 2) * double(1 + head.outputs());
  if (m > 4096 || m * double(x.rows()) > double(Index(1) << 27)) {
    throw invalid_input("x", "has " + std::to_string(x.rows()) + " rows and " + std::to_string(x.cols()) +
                                 " columns: the outcome head's " + std::to_string(Index(m)) +
                                 " features per unit exceed its bounds (at most 4096 features and 2^27 "
                                 "feature values)");
  }
}

/// z+ = [z-scores of x, z-scored in-context linear indices of both arms] (step 1 of the file
/// comment). O(n p^2 + p^3).
template <typename Defer = void>
Matrix<double> outcome_head_inputs(const Matrix<detail::deferred_t<Defer, double>>& x, const Vector<double>& y,
                                   const std::vector<Index>& treated, const std::vector<Index>& control) {
  using Real = detail::deferred_t<Defer, double>;
  const Index n = x.rows(), p = x.cols();
  Matrix<Real> linear(n, p + 1);
  linear.col(0).setOnes();
  for (Index j = 0; j < p; ++j) linear.col(j + 1) = z_scores(Vector<Real>(x.col(j)));
  Matrix<Real> z(n, p + 2);
  z.leftCols(p) = linear.rightCols(p);
  z.col(p) = z_scores(Vector<Real>(linear * fit_rows_ridge(linear, y, treated).beta));
  z.col(p + 1) = z_scores(Vector<Real>(linear * fit_rows_ridge(linear, y, control).beta));
  return z;
}

/// phi = [1, z+, g(z+_ij)] (step 2 of the file comment); with `pre` also the pre-activations
/// w1 v + b1 of every entry (row j n + i). O(n q k hidden) for q = z+'s columns.
template <typename Defer = void>
Matrix<double> outcome_features(const Matrix<detail::deferred_t<Defer, double>>& z, const OutcomeHead& head,
                                Matrix<double>* pre = nullptr) {
  using Real = detail::deferred_t<Defer, double>;
  const Index n = z.rows(), q = z.cols(), k = head.outputs(), h = head.hidden();
  Matrix<Real> phi(n, 1 + q * (1 + k));
  phi.col(0).setOnes();
  phi.middleCols(1, q) = z;
  if (pre) pre->resize(n * q, h);
  const Vector<Real> w1 = head.w1.value.col(0), b1 = head.b1.value.col(0), b2 = head.b2.value.col(0);
  Vector<Real> a(h);
  for (Index j = 0; j < q; ++j) {
    for (Index i = 0; i < n; ++i) {
      a = w1 * z(i, j) + b1;
      if (pre) pre->row(j * n + i) = a.transpose();
      phi.block(i, 1 + q + j * k, 1, k) = (head.w2.value * a.array().tanh().matrix() + b2).transpose();
    }
  }
  return phi;
}

/// Rows indexed by phi's columns placed at their rows of the pooled design W = [1, t, phi's
/// columns 1..m-1], with `t_row` as W's row 1 (the entry of t). O(m c) for c columns.
template <class Rows, class TRow>
Matrix<double> to_pooled(const Eigen::MatrixBase<Rows>& phi_rows, const Eigen::MatrixBase<TRow>& t_row) {
  const Index m = phi_rows.rows();
  Matrix<double> out(m + 1, phi_rows.cols());
  out.row(0) = phi_rows.row(0);
  out.row(1) = t_row;
  out.bottomRows(m - 1) = phi_rows.bottomRows(m - 1);
  return out;
}

/// The inverse of `to_pooled`: rows indexed by W's columns back to phi's (W's row 1, t, dropped). O(m c).
template <class Rows>
Matrix<double> phi_part(const Eigen::MatrixBase<Rows>& w_rows) {
  const Index m = w_rows.rows() - 1;
  Matrix<double> out(m, w_rows.cols());
  out.row(0) = w_rows.row(0);
  out.bottomRows(m - 1) = w_rows.bottomRows(m - 1);
  return out;
}

/// One pass of the head over a data set whose outcome is standardised: everything the fit, its
/// standard errors and the training gradient share (step 3 of the file comment).
template <typename Defer = void>
struct OutcomeHeadPass {
  using Real = deferred_t<Defer, double>;
  Matrix<Real> z, phi, pre;             ///< z+, features, pre-activations (with gradients only)
  std::vector<Index> treated, control;  ///< units of each arm
  Matrix<Real> gram1, gram0;            ///< phi_a' phi_a of each arm
  RidgeFit<Defer> pooled;               ///< stage 1, in W coordinates (to_pooled)
  RidgeFit<Defer> arm1, arm0;           ///< stage 2, each arm's correction, in phi coordinates
  Vector<Real> theta;                   ///< stage 1's coefficients of phi
  double tau = 0;                       ///< stage 1's coefficient of t
  Vector<Real> residual;                ///< y - phi theta - t tau
  Vector<Real> mu0, mu1;                ///< phi (theta + gamma_a) + a tau
};

/// Runs the head (file comment) on x, t and a standardised y; keeps the pre-activations when
/// `keep_pre`. O(n m^2 + m^3).
template <typename Defer = void>
OutcomeHeadPass<Defer> outcome_head_pass(const OutcomeHead& head, const Matrix<detail::deferred_t<Defer, double>>& x,
                                         const Vector<double>& t, const Vector<double>& y, bool keep_pre) {
  using Real = detail::deferred_t<Defer, double>;
  OutcomeHeadPass<Defer> s;
  split_arms(t, s.treated, s.control);
  s.z = outcome_head_inputs(x, y, s.treated, s.control);
  s.phi = outcome_features(s.z, head, keep_pre ? &s.pre : nullptr);
  const Index n = s.phi.rows();
  s.gram1 = rows_gram(s.phi, s.treated);
  s.gram0 = rows_gram(s.phi, s.control);
  double squares1 = 0, squares0 = 0;
  const Vector<Real> cross1 = rows_cross(s.phi, y, s.treated, squares1), cross0 = rows_cross(s.phi, y, s.control, squares0);
  // W'W and W'y from the arms' moments: t's row and column are the treated arm's sums of phi (its row 0).
  const RowVector<Real> treated_sums = s.gram1.row(0);
  const Matrix<Real> t_column = to_pooled(treated_sums.transpose(), treated_sums.head(1));
  const Matrix<Real> gram = to_pooled(Matrix<Real>(
                                          to_pooled(Matrix<Real>((s.gram1 + s.gram0).transpose()), treated_sums).transpose()),
                                      t_column.transpose());
  const Vector<Real> xty = to_pooled(Vector<Real>(cross1 + cross0), cross1.head(1));
  s.pooled = fit_ridge<Defer>(gram, xty, squares1 + squares0, n, 2);
  s.theta = phi_part(s.pooled.beta);
  s.tau = s.pooled.beta(1);
  s.residual = y - s.phi * s.theta - s.tau * t;
  const Vector<Real> r1 = rows_cross(s.phi, s.residual, s.treated, squares1);
  const Vector<Real> r0 = rows_cross(s.phi, s.residual, s.control, squares0);
  s.arm1 = fit_ridge<Defer>(s.gram1, r1, squares1, Index(s.treated.size()), 1);
  s.arm0 = fit_ridge<Defer>(s.gram0, r0, squares0, Index(s.control.size()), 1);
  s.mu0 = s.phi * Vector<Real>(s.theta + s.arm0.beta);
  s.mu1 = (s.phi * Vector<Real>(s.theta + s.arm1.beta)).array() + s.tau;
  return s;
}

/// (y - mean) / sd with the mean and sd (divisor n; sd 1 for a constant y). O(n).
template <typename Defer = void>
Vector<double> standardized_outcome(const Vector<detail::deferred_t<Defer, double>>& y, double& centre, double& unit) {
  centre = y.mean();
  const double spread = std::sqrt((y.array() - centre).square().mean());
  unit = spread > 0 && std::isfinite(spread) ? spread : 1.0;
  return (y.array() - centre) / unit;
}

}  // namespace detail

/// The outcome head on (x, t, y) (model in the file comment): mu0, mu1 for every unit, the ATE and
/// ATT plug-ins with influence-function standard errors, and per-unit standard errors of mu1 - mu0.
/// Both stages are linear in y once lambda and the indices are fixed (they are treated as fixed),
/// so every estimate is a weighted sum of the outcomes and its sandwich variance sums squared
/// weights times squared residuals (HC1: each arm's squared residuals scaled by n_a / (n_a - 1 -
/// df_a - (df_pooled + 2) n_a / n), df the ridges' effective degrees of freedom). The outcome is
/// standardised first and the answers mapped back, so they move with any positive affine change
/// of y. Eigen's products run on the calling thread only: the result is the same for any thread
/// count. Throws `invalid_input` for bad data or data beyond the head's bounds
/// (`check_outcome_head_data`). O(n m^2 + m^3); memory O(n m + m^2).
/// Example: `auto fit = causalattn::fit_outcome_head(head, x, t, y); double ate = fit.ate;`
template <typename Defer = void>
OutcomeHeadFit fit_outcome_head(const OutcomeHead& head, const Matrix<detail::deferred_t<Defer, double>>& x,
                                const Vector<detail::deferred_t<Defer, double>>& t,
                                const Vector<detail::deferred_t<Defer, double>>& y) {
  using Real = detail::deferred_t<Defer, double>;
  detail::check_outcome_head_data(head, x, t, y);
  const ThreadLimit serial(1);
  double centre = 0, unit = 1;
  const Vector<Real> ys = detail::standardized_outcome(y, centre, unit);
  const detail::OutcomeHeadPass<Defer> s = detail::outcome_head_pass<Defer>(head, x, t, ys, false);
  const Matrix<Real>& phi = s.phi;
  const Index n = phi.rows(), m = phi.cols();
  const double n1 = double(s.treated.size());
  detail::deferred_t<Defer, OutcomeHeadFit> r;
  r.mu1 = (centre + unit * s.mu1.array()).matrix();
  r.mu0 = (centre + unit * s.mu0.array()).matrix();
  r.lambda_pooled = s.pooled.lambda;
  r.lambda_treated = s.arm1.lambda;
  r.lambda_control = s.arm0.lambda;
  r.features = m;

  // Residuals of the final fit, HC1-scaled per arm.
  Vector<Real> e(n);
  for (const auto* arm : {&s.treated, &s.control}) {
    const bool is_treated = arm == &s.treated;
    const double n_a = double(arm->size()), df = (is_treated ? s.arm1 : s.arm0).df + (s.pooled.df + 2) * n_a / double(n);
    const double factor = std::sqrt(n_a / std::max(1.0, n_a - 1 - df));
    for (Index i : *arm) e(i) = factor * (ys(i) - (is_treated ? s.mu1 : s.mu0)(i));
  }
  // delta = (tau, gamma1 - gamma0) = sum_j d_j y_j, d_j' = W_j' R + [j treated] phi_j' A1^-1 - [j control] phi_j' A0^-1,
  // R = G^-1 [e_t, -(C1' A1^-1 - C0' A0^-1)], C_a = phi_a' W_a, G the pooled ridge matrix.
  const Matrix<Real> identity = Matrix<Real>::Identity(m, m);
  const Matrix<Real> inverse1 = s.arm1.a.solve(identity), inverse0 = s.arm0.a.solve(identity);
  const Matrix<Real> c1t = detail::to_pooled(s.gram1, s.gram1.row(0));
  const Matrix<Real> c0t = detail::to_pooled(s.gram0, RowVector<Real>::Zero(m));
  Matrix<Real> weights_of(m + 1, m + 1);
  weights_of.col(0) = s.pooled.a.solve(Vector<Real>(Vector<Real>::Unit(m + 1, 1)));
  weights_of.rightCols(m) = -s.pooled.a.solve(Matrix<Real>(c1t * inverse1 - c0t * inverse0));
  const Matrix<Real> from_phi = detail::phi_part(weights_of);
  const RowVector<Real> from_t = weights_of.row(1);
  Vector<Real> ate_direction(m + 1);
  ate_direction << 1, phi.colwise().mean().transpose();
  Matrix<Real> covariance = Matrix<Real>::Zero(m + 1, m + 1);
  Vector<Real> ate_weight(n);
  const Index block = 1024;
  for (Index first = 0; first < n; first += block) {
    const Index size = std::min(block, n - first);
    const auto rows = phi.middleRows(first, size);
    Matrix<Real> d = rows * from_phi + t.segment(first, size) * from_t;
    for (const int arm : {1, 0}) {  // each unit's own-arm term, phi_j' A_a^-1, for its arm only
      std::vector<Index> members;
      for (Index k = 0; k < size; ++k)
        if (t(first + k) == arm) members.push_back(k);
      Matrix<Real> own(Index(members.size()), m);
      for (std::size_t k = 0; k < members.size(); ++k) own.row(Index(k)) = rows.row(members[k]);
      const Matrix<Real> term = own * (arm == 1 ? inverse1 : inverse0);
      for (std::size_t k = 0; k < members.size(); ++k) {
        if (arm == 1) d.row(members[k]).tail(m) += term.row(Index(k));
        else d.row(members[k]).tail(m) -= term.row(Index(k));
      }
    }
    ate_weight.segment(first, size) = d * ate_direction;
    const Matrix<Real> scaled = d.array().colwise() * e.segment(first, size).array();
    covariance.noalias() += scaled.transpose() * scaled;
  }
  r.cate_std_error.resize(n);
  for (Index first = 0; first < n; first += block) {
    const Index size = std::min(block, n - first);
    Matrix<Real> rows(size, m + 1);
    rows << Vector<Real>::Ones(size), phi.middleRows(first, size);
    r.cate_std_error.segment(first, size) = unit *
                                            (rows * covariance).cwiseProduct(rows).rowwise().sum().cwiseMax(0.0).cwiseSqrt();
  }
  // ATE: mean of mu1 - mu0 = [1, mean phi]' delta; the sample-average term makes it the population effect's error.
  const Vector<Real> cate = s.mu1 - s.mu0;
  const double ate = cate.mean();
  r.ate = unit * ate;
  r.ate_std_error = unit * ((cate.array() - ate) / double(n) + ate_weight.array() * e.array()).matrix().norm();
  // ATT: mean over the treated of y - mu0; mu0 on the treated averages to mean_T(phi)' (theta + gamma0), whose
  // weight on y_j is W_j' G^-1 h + [j control] phi_j' A0^-1 mean_T(phi), h = mean_T(phi) in W coordinates - C0' A0^-1 mean_T(phi).
  const Vector<Real> mean_treated = s.gram1.row(0).transpose() / n1;
  const Vector<Real> control_part = inverse0 * mean_treated;
  const Vector<Real> h = detail::to_pooled(mean_treated, RowVector<Real>::Zero(1)) - c0t * control_part;
  const Vector<Real> through_pooled = s.pooled.a.solve(h);
  const Vector<Real> pooled_phi = detail::phi_part(through_pooled);
  double att = 0;
  for (Index i : s.treated) att += (ys(i) - s.mu0(i)) / n1;
  Vector<Real> influence(n);
  for (Index i = 0; i < n; ++i) {
    double weight = phi.row(i).dot(pooled_phi) + t(i) * through_pooled(1);
    if (t(i) == 0) weight += phi.row(i).dot(control_part);
    influence(i) = -weight * e(i) + (t(i) == 1 ? (ys(i) - s.mu0(i) - att) / n1 : 0.0);
  }
  r.att = unit * att;
  r.att_std_error = unit * influence.norm();
  return r;
}

/// The training loss of `head` on one simulated data set, sum over both arms of the mean squared
/// error of mu_a against the true mu_a, the outcome standardised (so divided by its variance);
/// with `gradient`, adds dLoss/dparameters to its `.grad` fields (the chosen lambdas and the
/// indices held fixed; its `.grad` must have the head's shapes). Throws `invalid_input` for bad
/// data (as `fit_outcome_head`) or mu0 / mu1 of the wrong length. O(n m^2 + m^3 + n q k hidden).
/// Example: `double loss = causalattn::outcome_head_loss(head, dataset, &head);  // head.w1.grad, ...`
template <typename Defer = void>
double outcome_head_loss(const OutcomeHead& head, const detail::deferred_t<Defer, SimulatedDataset>& d,
                         OutcomeHead* gradient = nullptr) {
  using Real = detail::deferred_t<Defer, double>;
  detail::check_outcome_head_data(head, d.x, d.t, d.y);
  check_shape("dataset.mu0", d.mu0, d.x.rows(), 1);
  check_shape("dataset.mu1", d.mu1, d.x.rows(), 1);
  if (gradient) gradient->validate("gradient");
  const ThreadLimit serial(1);
  double centre = 0, unit = 1;
  const Vector<Real> ys = detail::standardized_outcome(d.y, centre, unit);
  const detail::OutcomeHeadPass<Defer> s = detail::outcome_head_pass<Defer>(head, d.x, d.t, ys, gradient != nullptr);
  const Matrix<Real>& phi = s.phi;
  const Index n = phi.rows(), q = s.z.cols(), k = head.outputs();
  const Vector<Real> error0 = s.mu0 - ((d.mu0.array() - centre) / unit).matrix();
  const Vector<Real> error1 = s.mu1 - ((d.mu1.array() - centre) / unit).matrix();
  const double loss = (error0.squaredNorm() + error1.squaredNorm()) / double(n);
  if (!gradient) return loss;
  // mu_a = phi (theta + gamma_a) + a tau; gamma_a = A_a^-1 phi_a' r_a; r = y - W theta_W; theta_W = G^-1 W' y.
  // For b = A^-1 X' v with upstream g: dL/dX = (v - X b) (A^-1 g)' - (X A^-1 g) b' on its rows, dL/dv = X A^-1 g.
  const Vector<Real> rho0 = error0 * (2 / double(n)), rho1 = error1 * (2 / double(n));
  const Vector<Real> gamma0 = s.arm0.beta, gamma1 = s.arm1.beta;
  const Vector<Real> v0 = s.arm0.a.solve(Vector<Real>(phi.transpose() * rho0));
  const Vector<Real> v1 = s.arm1.a.solve(Vector<Real>(phi.transpose() * rho1));
  Vector<Real> rho_r(n);
  for (Index i = 0; i < n; ++i) rho_r(i) = phi.row(i).dot(d.t(i) == 1 ? v1 : v0);
  const Vector<Real> upstream_phi = phi.transpose() * Vector<Real>(rho0 + rho1 - rho_r);
  const Vector<Real> upstream = detail::to_pooled(upstream_phi, RowVector<Real>::Constant(1, rho1.sum() - d.t.dot(rho_r)));
  const Vector<Real> u = s.pooled.a.solve(upstream), u_phi = detail::phi_part(u);
  Matrix<Real> d_phi = rho0 * Vector<Real>(s.theta + gamma0).transpose() + rho1 * Vector<Real>(s.theta + gamma1).transpose();
  for (Index i = 0; i < n; ++i) {
    const bool treated = d.t(i) == 1;
    const Vector<Real>& gamma = treated ? gamma1 : gamma0;
    const Vector<Real>& v = treated ? v1 : v0;
    d_phi.row(i) += (s.residual(i) - phi.row(i).dot(gamma)) * v.transpose() - phi.row(i).dot(v) * gamma.transpose();
    // Through W's columns 2.. (phi's columns 1..; column 0, the intercept, is not a function of the head).
    d_phi.row(i) += s.residual(i) * u_phi.transpose() - (phi.row(i).dot(u_phi) + d.t(i) * u(1) + rho_r(i)) * s.theta.transpose();
  }
  const Matrix<Real>& w2 = head.w2.value;
  Vector<Real> from_features(k), activation(head.hidden()), d_pre(head.hidden());
  for (Index j = 0; j < q; ++j) {
    for (Index i = 0; i < n; ++i) {
      from_features = d_phi.block(i, 1 + q + j * k, 1, k).transpose();
      activation = s.pre.row(j * n + i).transpose().array().tanh();
      gradient->w2.grad += from_features * activation.transpose();
      gradient->b2.grad += from_features;
      d_pre = (w2.transpose() * from_features).array() * (1 - activation.array().square());
      gradient->w1.grad += d_pre * s.z(i, j);
      gradient->b1.grad += d_pre;
    }
  }
  return loss;
}

/// Options of `train_outcome_head`.
/// Example: `causalattn::OutcomeHeadTrainingOptions o; o.epochs = 8; o.learning_rate = 0.003;`
struct OutcomeHeadTrainingOptions {
  int epochs = 6;               ///< passes over the data sets, >= 1
  Index batch = 16;             ///< data sets per Adam step, >= 1
  double learning_rate = 0.02;  ///< Adam's step size, > 0
  std::uint64_t seed = 0;       ///< order of the data sets in each epoch
  int threads = 0;              ///< data sets of a batch in parallel (0 = all); the result does not depend on it
  /// Called after every step with (step, total steps, epoch, the batch's mean loss, seconds).
  std::function<void(long long, long long, int, double, double)> progress;

  /// Throws `invalid_input` naming the first bad field. O(1).
  void validate() const {
    if (epochs < 1) throw invalid_input("options.epochs", "is " + std::to_string(epochs) + ", must be >= 1");
    if (batch < 1) throw invalid_input("options.batch", "is " + std::to_string(batch) + ", must be >= 1");
    if (!(learning_rate > 0) || !std::isfinite(learning_rate)) {
      throw invalid_input("options.learning_rate", "is " + detail::to_text(learning_rate) + ", must be finite and > 0");
    }
    resolve_threads(threads, "options.threads");
  }
};

/// Trains `head` by Adam on the mean of `outcome_head_loss` over batches of `data` (each epoch in
/// an order drawn from `options.seed`); per-data-set gradients are summed in batch order, so the
/// result is identical for any thread count. Returns the mean loss of each epoch. Throws
/// `invalid_input` for bad options or empty `data`. O(epochs x sum over data sets of one loss).
/// Example: `auto losses = causalattn::train_outcome_head(head, causalattn::simulate_prior_datasets(2000, 1), {});`
template <typename Defer = void>
std::vector<double> train_outcome_head(OutcomeHead& head, const std::vector<detail::deferred_t<Defer, SimulatedDataset>>& data,
                                       const OutcomeHeadTrainingOptions& options = {}) {
  options.validate();
  if (data.empty()) throw invalid_input("data", "is empty; training needs at least one data set");
  ParameterRegistry<double> registry;
  head.register_parameters(registry);
  AdamWOptions adam;
  adam.learning_rate = options.learning_rate;
  AdamW<double> optimizer(registry, adam);
  const auto start = std::chrono::steady_clock::now();
  const Index count = Index(data.size()), steps_per_epoch = (count + options.batch - 1) / options.batch;
  const long long total = (long long)options.epochs * steps_per_epoch;
  std::vector<double> epoch_loss;
  std::vector<Index> order(static_cast<std::size_t>(count));
  long long step = 0;
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    for (Index i = 0; i < count; ++i) order[std::size_t(i)] = i;
    Rng shuffle = Rng(options.seed).substream(std::uint64_t(epoch));
    shuffle.shuffle(order.begin(), order.end());
    double sum = 0;
    for (Index first = 0; first < count; first += options.batch) {
      const Index size = std::min(options.batch, count - first);
      std::vector<OutcomeHead> gradients(static_cast<std::size_t>(size), head);
      std::vector<double> losses(static_cast<std::size_t>(size));
      parallel_for(Index(0), size, options.threads, [&](Index b) {
        OutcomeHead& g = gradients[std::size_t(b)];
        for (auto* p : {&g.w1, &g.b1, &g.w2, &g.b2}) p->grad.setZero();
        losses[std::size_t(b)] = outcome_head_loss(head, data[std::size_t(order[std::size_t(first + b)])], &g);
      });
      for (auto* p : {&head.w1, &head.b1, &head.w2, &head.b2}) p->grad.setZero();
      double batch_loss = 0;
      for (Index b = 0; b < size; ++b) {
        const OutcomeHead& g = gradients[std::size_t(b)];
        head.w1.grad += g.w1.grad / double(size);
        head.b1.grad += g.b1.grad / double(size);
        head.w2.grad += g.w2.grad / double(size);
        head.b2.grad += g.b2.grad / double(size);
        batch_loss += losses[std::size_t(b)] / double(size);
      }
      optimizer.step();
      sum += batch_loss * double(size);
      ++step;
      if (options.progress) {
        options.progress(step, total, epoch, batch_loss,
                         std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      }
    }
    epoch_loss.push_back(sum / double(count));
  }
  return epoch_loss;
}

}  // namespace causalattn
