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
/// 3. For each arm, ridge regression of y on phi with an unpenalised intercept; lambda minimises
///    generalised cross-validation over 1e-3 x 2^j, j = 0..26. mu_a(x_i) = phi(x_i)' b_a.
/// Cost O(n m^2 + m^3); memory O(n m).

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
  void register_parameters(ParameterRegistry<double>& registry, const std::string& prefix = "outcome") {
    registry.add(prefix + ".w1", w1);
    registry.add(prefix + ".b1", b1);
    registry.add(prefix + ".w2", w2);
    registry.add(prefix + ".b2", b2);
  }

  /// Throws `invalid_input` naming `source` when the shapes disagree or a value is not finite. O(size).
  /// Example: `head.validate("my_head.bin");`
  void validate(const std::string& source = "head") const {
    const Index h = hidden(), k = outputs();
    const bool shapes = w1.value.cols() == 1 && b1.value.rows() == h && b1.value.cols() == 1 && w2.value.cols() == h &&
                        b2.value.rows() == k && b2.value.cols() == 1 && h >= 1 && h <= 256 && k >= 1 && k <= 256;
    if (!shapes)
      throw invalid_input(
          source, "has outcome-head tensors of inconsistent shapes (w1 h x 1, b1 h x 1, w2 k x h, b2 k x 1, h, k in [1, 256])");
    for (const auto* p : {&w1, &b1, &w2, &b2}) {
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
  Vector<double> cate_std_error;                  ///< per unit, of mu1 - mu0 (HC0 sandwich of both arms' ridge fits)
  double ate = 0, ate_std_error = 0;              ///< mean of mu1 - mu0; influence-function standard error
  double att = 0, att_std_error = 0;              ///< mean over the treated of y - mu0; influence-function standard error
  double lambda_treated = 0, lambda_control = 0;  ///< the ridge penalties GCV chose
  Index features = 0;                             ///< m
};

namespace detail {

/// One arm's ridge fit on features `phi` (rows `rows`): lambda by GCV, A = phi_a' phi_a + lambda D.
struct ArmRidge {
  Vector<double> beta;
  Eigen::LDLT<Matrix<double>> a;
  double lambda = 0;
  double df = 0;  ///< effective degrees of freedom of the slopes, sum d / (d + lambda)
};

/// Ridge of y on the rows `rows` of `phi` (column 0 the intercept, unpenalised); lambda from the
/// grid 1e-3 x 2^j (j = 0..26) by generalised cross-validation, RSS / n / (1 - (df + 1) / n)^2,
/// over the lambdas that leave at least one residual degree of freedom (df + 2 <= n; the largest
/// lambda when none does, as with an arm of 2 units), so a small arm is never interpolated.
/// O(|rows| m^2 + m^3).
template <typename Defer = void>
ArmRidge fit_arm_ridge(const Matrix<detail::deferred_t<Defer, double>>& phi, const Vector<double>& y,
                       const std::vector<Index>& rows) {
  using Real = detail::deferred_t<Defer, double>;
  const Index n = Index(rows.size()), m = phi.cols();
  Matrix<Real> arm(n, m);
  Vector<Real> ya(n);
  for (Index k = 0; k < n; ++k) {
    arm.row(k) = phi.row(rows[std::size_t(k)]);
    ya(k) = y(rows[std::size_t(k)]);
  }
  const RowVector<Real> mean = arm.rightCols(m - 1).colwise().mean();
  const Matrix<Real> centred = arm.rightCols(m - 1).rowwise() - mean;
  const Vector<Real> yc = ya.array() - ya.mean();
  const Eigen::SelfAdjointEigenSolver<Matrix<Real>> eigen(centred.transpose() * centred);
  const Vector<Real> d = eigen.eigenvalues().cwiseMax(0.0);
  const Vector<Real> uty = eigen.eigenvectors().transpose() * (centred.transpose() * yc);
  const double total = yc.squaredNorm(), floor = 1e-12 * std::max(1.0, d.maxCoeff());
  double best = INFINITY, chosen = 1e-3 * std::ldexp(1.0, 26), chosen_df = 0;
  for (int j = 0; j <= 26; ++j) {
    const double lambda = 1e-3 * std::ldexp(1.0, j);
    double rss = total, df = 0;
    for (Index k = 0; k < d.size(); ++k) {
      if (d(k) <= floor) continue;
      const double s = d(k) / (d(k) + lambda);
      rss -= (2 * s - s * s) * uty(k) * uty(k) / d(k);
      df += s;
    }
    if (j == 26 && best == INFINITY) chosen_df = df;  // no lambda left a residual degree of freedom
    if (df + 2 > double(n)) continue;
    const double gcv = std::max(rss, 0.0) / double(n) / std::pow(1 - (df + 1) / double(n), 2);
    if (gcv < best) best = gcv, chosen = lambda, chosen_df = df;
  }
  ArmRidge fit;
  fit.lambda = chosen;
  fit.df = chosen_df;
  Matrix<Real> a = arm.transpose() * arm;
  a.diagonal().tail(m - 1).array() += chosen;
  fit.a.compute(a);
  fit.beta = fit.a.solve(arm.transpose() * ya);
  return fit;
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
  z.col(p) = z_scores(Vector<Real>(linear * fit_arm_ridge(linear, y, treated).beta));
  z.col(p + 1) = z_scores(Vector<Real>(linear * fit_arm_ridge(linear, y, control).beta));
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

/// Units of each arm of a 0 / 1 treatment vector.
template <typename Defer = void>
void split_arms(const Vector<detail::deferred_t<Defer, double>>& t, std::vector<Index>& treated, std::vector<Index>& control) {
  treated.clear();
  control.clear();
  for (Index i = 0; i < t.size(); ++i) (t(i) == 1 ? treated : control).push_back(i);
}

}  // namespace detail

/// The outcome head on (x, t, y) (model in the file comment): mu0, mu1 for every unit, the ATE and
/// ATT plug-ins with influence-function standard errors (the coefficients' sampling error
/// included, the choice of lambda and the indices treated as fixed), and per-unit standard errors
/// of mu1 - mu0. Eigen's products run on the calling thread only, so the result is the same for
/// any thread count. The sandwich of each arm is scaled by n_a / (n_a - df - 1) (df the ridge's
/// effective degrees of freedom), the HC1 correction for a penalised fit. Throws `invalid_input`
/// for bad data or data beyond the head's bounds (`check_outcome_head_data`). O(n m^2 + m^3).
/// Example: `auto fit = causalattn::fit_outcome_head(head, x, t, y); double ate = fit.ate;`
template <typename Defer = void>
OutcomeHeadFit fit_outcome_head(const OutcomeHead& head, const Matrix<detail::deferred_t<Defer, double>>& x,
                                const Vector<detail::deferred_t<Defer, double>>& t,
                                const Vector<detail::deferred_t<Defer, double>>& y) {
  using Real = detail::deferred_t<Defer, double>;
  detail::check_outcome_head_data(head, x, t, y);
  const ThreadLimit serial(1);
  std::vector<Index> treated, control;
  detail::split_arms(t, treated, control);
  const Matrix<Real> phi = detail::outcome_features(detail::outcome_head_inputs(x, y, treated, control), head);
  const Index n = phi.rows(), m = phi.cols();
  const detail::ArmRidge fit1 = detail::fit_arm_ridge(phi, y, treated), fit0 = detail::fit_arm_ridge(phi, y, control);
  detail::deferred_t<Defer, OutcomeHeadFit> r;
  r.mu1 = phi * fit1.beta;
  r.mu0 = phi * fit0.beta;
  r.lambda_treated = fit1.lambda;
  r.lambda_control = fit0.lambda;
  r.features = m;
  // HC0 sandwich of each arm, A^-1 phi_a' diag(e^2) phi_a A^-1, and the influence of its units.
  // Residuals scaled by sqrt(n_a / (n_a - df - 1)): HC1 for the ridge's effective degrees of freedom.
  auto corrected = [&](const std::vector<Index>& rows, const Vector<Real>& fitted, const detail::ArmRidge& fit) {
    const double n_a = double(rows.size());
    const double factor = std::sqrt(n_a / std::max(1.0, n_a - fit.df - 1));
    Vector<Real> e = Vector<Real>::Zero(n);
    for (Index i : rows) e(i) = factor * (y(i) - fitted(i));
    return e;
  };
  const Vector<Real> e1 = corrected(treated, r.mu1, fit1), e0 = corrected(control, r.mu0, fit0);
  auto meat_of = [&](const std::vector<Index>& rows, const Vector<Real>& e) {
    Matrix<Real> scaled(Index(rows.size()), m);
    for (std::size_t k = 0; k < rows.size(); ++k) scaled.row(Index(k)) = phi.row(rows[k]) * e(rows[k]);
    return Matrix<Real>(scaled.transpose() * scaled);
  };
  const Matrix<Real> c1 = fit1.a.solve(Matrix<Real>(fit1.a.solve(meat_of(treated, e1)).transpose()));
  const Matrix<Real> c0 = fit0.a.solve(Matrix<Real>(fit0.a.solve(meat_of(control, e0)).transpose()));
  const Matrix<Real> both = c1 + c0;
  r.cate_std_error = (phi * both).cwiseProduct(phi).rowwise().sum().cwiseMax(0.0).cwiseSqrt();
  const Vector<Real> cate = r.mu1 - r.mu0;
  r.ate = cate.mean();
  Vector<Real> influence = (cate.array() - r.ate) / double(n);
  const Vector<Real> mean_phi = phi.colwise().mean().transpose();
  const Vector<Real> d1 = fit1.a.solve(mean_phi), d0 = fit0.a.solve(mean_phi);
  for (Index i : treated) influence(i) += phi.row(i).dot(d1) * e1(i);
  for (Index i : control) influence(i) -= phi.row(i).dot(d0) * e0(i);
  r.ate_std_error = influence.norm();
  // ATT: mean over the treated of y - mu0.
  const double n1 = double(treated.size());
  Vector<Real> mean_treated = Vector<Real>::Zero(m);
  r.att = 0;
  for (Index i : treated) {
    r.att += (y(i) - r.mu0(i)) / n1;
    mean_treated += phi.row(i).transpose() / n1;
  }
  influence.setZero();
  for (Index i : treated) influence(i) = (y(i) - r.mu0(i) - r.att) / n1;
  const Vector<Real> dt = fit0.a.solve(mean_treated);
  for (Index i : control) influence(i) = -phi.row(i).dot(dt) * e0(i);
  r.att_std_error = influence.norm();
  return r;
}

/// The training loss of `head` on one simulated data set, sum over both arms of the mean squared
/// error of mu_a against the true mu_a, divided by the outcome's variance; with `gradient`, adds
/// dLoss/dparameters to its `.grad` fields (the chosen lambdas and the indices held fixed; its
/// `.grad` must have the head's shapes). Throws `invalid_input` for bad data (as
/// `fit_outcome_head`) or mu0 / mu1 of the wrong length. O(n m^2 + m^3 + n q k hidden).
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
  std::vector<Index> treated, control;
  detail::split_arms(d.t, treated, control);
  const Matrix<Real> z = detail::outcome_head_inputs(d.x, d.y, treated, control);
  Matrix<Real> pre;
  const Matrix<Real> phi = detail::outcome_features(z, head, gradient ? &pre : nullptr);
  const Index n = phi.rows(), q = z.cols(), k = head.outputs();
  const double spread = (d.y.array() - d.y.mean()).square().mean();
  const double scale = spread > 0 ? 1 / spread : 1.0;
  Matrix<Real> d_phi = Matrix<Real>::Zero(n, phi.cols());
  double loss = 0;
  for (const auto* arm : {&control, &treated}) {
    const detail::ArmRidge fit = detail::fit_arm_ridge(phi, d.y, *arm);
    const Vector<Real>& truth = arm == &treated ? d.mu1 : d.mu0;
    const Vector<Real> error = phi * fit.beta - truth;
    loss += scale * error.squaredNorm() / double(n);
    if (!gradient) continue;
    // L = s / n ||phi b - mu||^2 with b = A^-1 phi_a' y_a, A = phi_a' phi_a + lambda D:
    // dL/dphi = r b' + (on the arm's rows) (y_a - phi_a b) v' - (phi_a v) b', r = 2 s / n (phi b - mu), v = A^-1 phi' r.
    const Vector<Real> r = error * (2 * scale / double(n));
    d_phi += r * fit.beta.transpose();
    const Vector<Real> v = fit.a.solve(Vector<Real>(phi.transpose() * r));
    for (Index i : *arm)
      d_phi.row(i) += (d.y(i) - phi.row(i).dot(fit.beta)) * v.transpose() - phi.row(i).dot(v) * fit.beta.transpose();
  }
  if (gradient) {
    const Matrix<Real>& w2 = head.w2.value;
    Vector<Real> upstream(k), activation(head.hidden()), d_pre(head.hidden());
    for (Index j = 0; j < q; ++j) {
      for (Index i = 0; i < n; ++i) {
        upstream = d_phi.block(i, 1 + q + j * k, 1, k).transpose();
        activation = pre.row(j * n + i).transpose().array().tanh();
        gradient->w2.grad += upstream * activation.transpose();
        gradient->b2.grad += upstream;
        d_pre = (w2.transpose() * upstream).array() * (1 - activation.array().square());
        gradient->w1.grad += d_pre * z(i, j);
        gradient->b1.grad += d_pre;
      }
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
