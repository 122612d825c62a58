// The exact SMO solver and the Gram matrices of kernel balancing. The solver is double only (its
// KKT tolerances, down to 1e-10, lie below float's resolution), so there is no float-vs-double test.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <Eigen/LU>

#include "causalattn/core/random.hpp"
#include "causalattn/effects/solvers/gram.hpp"
#include "causalattn/effects/solvers/smo.hpp"

namespace {

namespace ca = causalattn;
using ca::Index;
using ca::Matrix;
using ca::Vector;
using Catch::Matchers::Contains;

// min 0.5 a'q a + p'a  s.t.  y'a = y'start, 0 <= a <= upper.
struct Qp {
  Matrix<double> q;
  Vector<double> p, y, upper, start;
};

ca::SmoResult solve(const Qp& qp, double tolerance) {
  ca::SmoOptions options;
  options.tolerance = tolerance;
  return ca::solve_smo(qp.q, qp.p, qp.y, qp.upper, qp.start, options);
}

// Treatment arms W = +-1 with at least one unit in each.
Vector<double> random_arms(Index n, ca::Rng& rng) {
  Vector<double> w(n);
  for (Index i = 0; i < n; ++i) w(i) = i == 0 ? 1 : i == 1 ? -1 : rng.bernoulli(0.5) ? 1 : -1;
  return w;
}

// Kernel balancing: min a'Qa - 2 lambda 1'a s.t. W'a = 0, 0 <= a <= 1, with Q = (W W') o K and
// lambda = 0.1 mean diag K, written as 0.5 a'(2Q)a + (-2 lambda 1)'a.
Qp balancing_problem(const Matrix<double>& k, const Vector<double>& w) {
  const Index n = k.rows();
  const double lambda = 0.1 * k.diagonal().mean();
  return {(2 * w).asDiagonal() * k * w.asDiagonal(), Vector<double>::Constant(n, -2 * lambda), w, Vector<double>::Ones(n),
          Vector<double>::Zero(n)};
}

// Kernel mean matching: weights a on the rows of x (summing to 1, each in [0, 1]) minimising the
// squared RKHS distance between the weighted mean of x and the mean of z, up to a constant:
// a'K a - 2 kappa'a with kappa_i = mean_j k(x_i, z_j); start uniform, y = 1, Delta = 1.
Qp kmm_problem(const Matrix<double>& x, const Matrix<double>& z) {
  const Index n = x.rows();
  const Vector<double> kappa = ca::gram_matrix(x, z).rowwise().mean();
  return {2 * ca::gram_matrix(x), -2 * kappa, Vector<double>::Ones(n), Vector<double>::Ones(n),
          Vector<double>::Constant(n, 1.0 / double(n))};
}

double objective(const Qp& qp, const Vector<double>& a) { return 0.5 * a.dot(qp.q * a) + qp.p.dot(a); }

// The KKT conditions at r.alpha, from a gradient computed here: feasibility (box exactly, y'a to
// 1e-12), and with s = grad + b y for the returned multiplier b: s_i = 0 for free a_i, s_i >= 0 at
// a_i = 0, s_i <= 0 at a_i = C_i, each within tolerance * (gradient scale).
void require_kkt(const Qp& qp, const ca::SmoResult& r, double tolerance) {
  const Index n = qp.q.rows();
  REQUIRE(r.alpha.size() == n);
  const Vector<double> g = qp.q * r.alpha + qp.p;
  const double scale = std::max(g.cwiseAbs().maxCoeff(), qp.p.cwiseAbs().maxCoeff());
  REQUIRE((r.gradient - g).cwiseAbs().maxCoeff() <= 1e-10 * scale);
  REQUIRE(std::abs(r.objective - objective(qp, r.alpha)) <= 1e-12 * std::max(1.0, std::abs(r.objective)));
  const double delta = qp.y.dot(qp.start);
  REQUIRE(std::abs(qp.y.dot(r.alpha) - delta) <= 1e-12 * std::max(1.0, std::abs(delta)));
  REQUIRE((r.alpha.array() >= 0).all());
  REQUIRE((r.alpha.array() <= qp.upper.array()).all());
  double worst = 0;
  Index worst_row = -1;
  for (Index i = 0; i < n; ++i) {
    const double s = g(i) + r.bias * qp.y(i);
    const double violation = r.alpha(i) == 0 ? -s : r.alpha(i) == qp.upper(i) ? s : std::abs(s);
    if (violation > worst) {
      worst = violation;
      worst_row = i;
    }
  }
  INFO("worst KKT violation " << worst << " at row " << worst_row << ", gradient scale " << scale);
  REQUIRE(worst <= tolerance * scale);
}

// The exact optimum for positive definite q: every variable at 0, at C_i or free (3^n cases); the
// free ones solve the equality-constrained problem through its KKT system; the best feasible
// candidate is the optimum (the optimum's own free set yields it). n <= 10.
double brute_force_objective(const Qp& qp) {
  const Index n = qp.q.rows();
  const double delta = qp.y.dot(qp.start);
  long long cases = 1;
  for (Index i = 0; i < n; ++i) cases *= 3;
  double best = std::numeric_limits<double>::infinity();
  for (long long code = 0; code < cases; ++code) {
    Vector<double> a = Vector<double>::Zero(n);
    std::vector<Index> free;
    long long rest = code;
    for (Index i = 0; i < n; ++i, rest /= 3) {
      if (rest % 3 == 1) a(i) = qp.upper(i);
      if (rest % 3 == 2) free.push_back(i);
    }
    const Index m = Index(free.size());
    if (m == 0 && std::abs(qp.y.dot(a) - delta) > 1e-12) continue;
    if (m > 0) {
      const Vector<double> qa = qp.q * a;
      Matrix<double> kkt = Matrix<double>::Zero(m + 1, m + 1);
      Vector<double> rhs(m + 1);
      for (Index r = 0; r < m; ++r) {
        for (Index c = 0; c < m; ++c) kkt(r, c) = qp.q(free[r], free[c]);
        kkt(r, m) = kkt(m, r) = qp.y(free[r]);
        rhs(r) = -(qp.p(free[r]) + qa(free[r]));
      }
      rhs(m) = delta - qp.y.dot(a);
      const Vector<double> solution = kkt.fullPivLu().solve(rhs);
      bool inside = true;
      for (Index r = 0; r < m; ++r) {
        const double v = solution(r), c = qp.upper(free[r]);
        inside = inside && v >= -1e-12 && v <= c + 1e-12;
        a(free[r]) = std::min(std::max(v, 0.0), c);
      }
      if (!inside) continue;
    }
    best = std::min(best, objective(qp, a));
  }
  return best;
}

}  // namespace

TEST_CASE("smo: KKT conditions hold on random RBF balancing problems", "[effects][smo]") {
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    INFO("seed " << seed);
    ca::Rng rng(seed);
    const Index n = 20 + Index(rng.uniform_int(181)), p = 2 + Index(rng.uniform_int(9));
    INFO("n " << n << ", p " << p);
    const Matrix<double> x = ca::normal_matrix(n, p, rng);
    const Qp qp = balancing_problem(ca::gram_matrix(x), random_arms(n, rng));
    const ca::SmoResult r = solve(qp, 1e-10);
    REQUIRE(r.converged);
    REQUIRE(r.kkt_gap >= 0);
    REQUIRE(r.kkt_gap <= 1e-10);
    require_kkt(qp, r, 1e-8);
    // Normalised within each arm, the weights are a distribution on that arm.
    for (double arm : {1.0, -1.0}) {
      const Vector<double> in_arm = (qp.y.array() == arm).cast<double>();
      const double total = r.alpha.dot(in_arm);
      REQUIRE(total > 0);
      const Vector<double> weights = r.alpha.cwiseProduct(in_arm) / total;
      REQUIRE((weights.array() >= 0).all());
      REQUIRE(weights.sum() == Approx(1).epsilon(1e-12));
    }
  }
}

TEST_CASE("smo: the optimum equals an exhaustive active-set search on small problems", "[effects][smo]") {
  for (std::uint64_t seed = 100; seed < 112; ++seed) {
    INFO("seed " << seed);
    ca::Rng rng(seed);
    const Index n = 2 + Index(rng.uniform_int(9)), p = 2 + Index(rng.uniform_int(4));
    INFO("n " << n << ", p " << p);
    const Matrix<double> x = ca::normal_matrix(n, p, rng);
    const Qp qp = balancing_problem(ca::gram_matrix(x), random_arms(n, rng));
    const double reference = brute_force_objective(qp);
    const ca::SmoResult r = solve(qp, 1e-10);
    REQUIRE(r.objective < 0);  // a = 0 is feasible with objective 0 and is never optimal here
    REQUIRE(std::abs(r.objective - reference) <= 1e-7 * std::abs(reference));
  }
}

TEST_CASE("smo: two variables match the analytic solution", "[effects][smo]") {
  // y = (1, -1), Delta = 0: a = (t, t), f(t) = 0.5 t^2 (q11 + q22 + 2 q12) + (p1 + p2) t, so
  // t* = clip(-(p1 + p2) / (q11 + q22 + 2 q12), 0, min(C1, C2)).
  Matrix<double> q(2, 2);
  q << 2, 0.5, 0.5, 1;
  const Vector<double> p = (Vector<double>(2) << -1, -0.5).finished();
  const Vector<double> y = (Vector<double>(2) << 1, -1).finished();
  const Vector<double> zero = Vector<double>::Zero(2);
  ca::SmoOptions options;
  options.tolerance = 1e-12;

  // Interior: t* = 1.5 / 4 = 0.375; both free, y_i grad_i = -b = -0.0625.
  auto r = ca::solve_smo(q, p, y, (Vector<double>(2) << 1, 2).finished(), zero, options);
  REQUIRE(r.alpha(0) == Approx(0.375).epsilon(1e-14));
  REQUIRE(r.alpha(1) == Approx(0.375).epsilon(1e-14));
  REQUIRE(r.objective == Approx(-0.28125).epsilon(1e-14));
  REQUIRE(r.bias == Approx(0.0625).epsilon(1e-12));
  REQUIRE(r.iterations == 1);

  // Clipped at C1 = 0.25: a = (0.25, 0.25), a_1 at its bound, b from the free a_2: grad_2 = -0.125.
  r = ca::solve_smo(q, p, y, (Vector<double>(2) << 0.25, 2).finished(), zero, options);
  REQUIRE(r.alpha(0) == 0.25);
  REQUIRE(r.alpha(1) == Approx(0.25).epsilon(1e-14));
  REQUIRE(r.objective == Approx(0.5 * 0.0625 * 4 - 1.5 * 0.25).epsilon(1e-14));
  REQUIRE(r.bias == Approx(-0.125).epsilon(1e-12));
  REQUIRE(r.converged);

  // Both at C = 0.25: grad = (-0.375, -0.125), so the KKT conditions allow any b in [-0.125, 0.375];
  // the bias is the midpoint.
  r = ca::solve_smo(q, p, y, Vector<double>::Constant(2, 0.25), zero, options);
  REQUIRE(r.alpha == Vector<double>::Constant(2, 0.25));
  REQUIRE(r.bias == Approx(0.125).epsilon(1e-12));

  // y = (1, 1), Delta = 0 forces a = 0: grad = p, and b >= -min(p) = 1 is one-sided, so b = 1.
  r = ca::solve_smo(q, p, Vector<double>::Ones(2), Vector<double>::Ones(2), zero, options);
  REQUIRE(r.alpha == zero);
  REQUIRE(r.iterations == 0);
  REQUIRE(r.converged);
  REQUIRE(r.kkt_gap == 0);
  REQUIRE(r.bias == 1);
  r = ca::solve_smo(q, p, -Vector<double>::Ones(2), Vector<double>::Ones(2), zero, options);  // b <= -1
  REQUIRE(r.alpha == zero);
  REQUIRE(r.bias == -1);
}

TEST_CASE("smo: kernel mean matching with y = 1 and Delta = 1", "[effects][smo]") {
  for (std::uint64_t seed = 200; seed < 208; ++seed) {
    INFO("seed " << seed);
    ca::Rng rng(seed);
    const Index n = 3 + Index(rng.uniform_int(8)), p = 2 + Index(rng.uniform_int(3));
    INFO("n " << n << ", p " << p);
    const Matrix<double> x = ca::normal_matrix(n, p, rng);
    const Matrix<double> z = (ca::normal_matrix(15, p, rng).array() + 0.5).matrix();  // a shifted target sample
    const Qp qp = kmm_problem(x, z);
    const ca::SmoResult r = solve(qp, 1e-10);
    REQUIRE(r.converged);
    require_kkt(qp, r, 1e-8);
    REQUIRE(r.alpha.sum() == Approx(1).epsilon(1e-12));
    REQUIRE(r.objective <= objective(qp, qp.start));
    const double reference = brute_force_objective(qp);
    REQUIRE(std::abs(r.objective - reference) <= 1e-7 * std::abs(reference));
  }
  // Larger problems: KKT only.
  for (std::uint64_t seed = 300; seed < 303; ++seed) {
    INFO("seed " << seed);
    ca::Rng rng(seed);
    const Matrix<double> x = ca::normal_matrix(150, 4, rng);
    const Matrix<double> z = (ca::normal_matrix(100, 4, rng).array() + 0.3).matrix();
    const Qp qp = kmm_problem(x, z);
    const ca::SmoResult r = solve(qp, 1e-10);
    REQUIRE(r.converged);
    require_kkt(qp, r, 1e-8);
  }
}

TEST_CASE("smo: linear, polynomial and user-supplied kernels give KKT points", "[effects][smo]") {
  const std::uint64_t seed = 400;
  INFO("seed " << seed);
  ca::Rng rng(seed);
  const Index n = 120, p = 5;
  const Matrix<double> x = ca::normal_matrix(n, p, rng);
  const Vector<double> w = random_arms(n, rng);
  ca::KernelSpec linear, polynomial;
  linear.type = ca::KernelType::linear;  // rank 5: Q is singular
  polynomial.type = ca::KernelType::polynomial;
  polynomial.degree = 2;
  Matrix<double> laplacian(n, n);  // exp(-||x - x'||_1), positive definite, not offered by gram_matrix
  for (Index j = 0; j < n; ++j)
    for (Index i = 0; i < n; ++i) laplacian(i, j) = std::exp(-(x.row(i) - x.row(j)).lpNorm<1>());
  for (const Matrix<double>& k : {ca::gram_matrix(x, linear), ca::gram_matrix(x, polynomial), laplacian}) {
    const Qp qp = balancing_problem(k, w);
    const ca::SmoResult r = solve(qp, 1e-10);
    REQUIRE(r.converged);
    require_kkt(qp, r, 1e-8);
  }
}

TEST_CASE("smo: the iteration cap stops early with a feasible, unconverged result", "[effects][smo]") {
  const std::uint64_t seed = 500;
  INFO("seed " << seed);
  ca::Rng rng(seed);
  const Matrix<double> x = ca::normal_matrix(80, 3, rng);
  const Qp qp = balancing_problem(ca::gram_matrix(x), random_arms(80, rng));
  ca::SmoOptions options;
  options.tolerance = 1e-10;
  options.max_iterations = 3;
  const ca::SmoResult r = ca::solve_smo(qp.q, qp.p, qp.y, qp.upper, qp.start, options);
  REQUIRE(r.iterations == 3);
  REQUIRE_FALSE(r.converged);
  REQUIRE(r.kkt_gap > options.tolerance);
  REQUIRE(std::abs(qp.y.dot(r.alpha)) <= 1e-12);
  REQUIRE((r.gradient - (qp.q * r.alpha + qp.p)).cwiseAbs().maxCoeff() <= 1e-12);
  REQUIRE(r.objective < 0);
}

TEST_CASE("gram_matrix: entries follow the textbook formulas", "[effects][gram]") {
  const std::uint64_t seed = 600;
  INFO("seed " << seed);
  ca::Rng rng(seed);
  const Matrix<double> x = ca::normal_matrix(7, 3, rng), z = ca::normal_matrix(5, 3, rng);
  ca::KernelSpec rbf_default, rbf, linear, polynomial;
  rbf.gamma = 0.7;
  linear.type = ca::KernelType::linear;
  polynomial.type = ca::KernelType::polynomial;
  polynomial.gamma = 0.4;
  polynomial.degree = 3;
  polynomial.coef0 = -0.5;  // negative bases too
  auto textbook = [](const ca::KernelSpec& spec, const auto& u, const auto& v) {
    const double gamma = spec.gamma > 0 ? spec.gamma : 1.0 / double(u.size());
    switch (spec.type) {
      case ca::KernelType::rbf: return std::exp(-gamma * (u - v).squaredNorm());
      case ca::KernelType::linear: return u.dot(v);
      case ca::KernelType::polynomial: return std::pow(gamma * u.dot(v) + spec.coef0, spec.degree);
    }
    return 0.0;
  };
  for (const ca::KernelSpec& spec : {rbf_default, rbf, linear, polynomial}) {
    INFO("kernel " << int(spec.type) << ", gamma " << spec.gamma);
    const Matrix<double> k = ca::gram_matrix(x, spec), cross = ca::gram_matrix(x, z, spec);
    REQUIRE(k.rows() == 7);
    REQUIRE(k.cols() == 7);
    REQUIRE(cross.rows() == 7);
    REQUIRE(cross.cols() == 5);
    double worst = 0;
    for (Index i = 0; i < 7; ++i) {
      for (Index j = 0; j < 7; ++j) {
        const double expected = textbook(spec, x.row(i), x.row(j));
        worst = std::max(worst, std::abs(k(i, j) - expected) / std::max(1.0, std::abs(expected)));
      }
      for (Index j = 0; j < 5; ++j) {
        const double expected = textbook(spec, x.row(i), z.row(j));
        worst = std::max(worst, std::abs(cross(i, j) - expected) / std::max(1.0, std::abs(expected)));
      }
    }
    REQUIRE(worst <= 1e-12);
  }
}

TEST_CASE("gram_matrix: exact symmetry, unit rbf diagonal, thread-count invariance", "[effects][gram]") {
  const std::uint64_t seed = 700;
  INFO("seed " << seed);
  ca::Rng rng(seed);
  const Matrix<double> x = ca::normal_matrix(300, 6, rng), z = ca::normal_matrix(200, 6, rng);  // several blocks
  ca::KernelSpec linear, polynomial;
  linear.type = ca::KernelType::linear;
  polynomial.type = ca::KernelType::polynomial;
  for (const ca::KernelSpec& spec : {ca::KernelSpec{}, linear, polynomial}) {
    INFO("kernel " << int(spec.type));
    const Matrix<double> one = ca::gram_matrix(x, spec, 1), two = ca::gram_matrix(x, spec, 2);
    REQUIRE(one == two);
    REQUIRE(one == one.transpose());
    if (spec.type == ca::KernelType::rbf) REQUIRE((one.diagonal().array() == 1).all());
    REQUIRE(ca::gram_matrix(x, z, spec, 1) == ca::gram_matrix(x, z, spec, 2));
    REQUIRE((ca::gram_matrix(x, x, spec) - one).cwiseAbs().maxCoeff() <= 1e-12 * one.cwiseAbs().maxCoeff());
  }
  const Matrix<float> xf = x.cast<float>();
  REQUIRE(ca::gram_matrix(xf) == ca::gram_matrix(Matrix<double>(xf.cast<double>())));
}

TEST_CASE("gram_matrix: bad input names the argument", "[effects][gram]") {
  Matrix<double> x = Matrix<double>::Ones(4, 2);
  ca::KernelSpec spec;
  spec.gamma = -1;
  REQUIRE_THROWS_AS(ca::gram_matrix(x, spec), ca::invalid_input);
  REQUIRE_THROWS_WITH(ca::gram_matrix(x, spec), Contains("kernel.gamma") && Contains("-1"));
  spec.gamma = std::numeric_limits<double>::infinity();
  REQUIRE_THROWS_WITH(ca::gram_matrix(x, spec), Contains("kernel.gamma") && Contains("inf"));
  spec = {};
  spec.degree = 0;
  REQUIRE_THROWS_WITH(ca::gram_matrix(x, spec), Contains("kernel.degree") && Contains("0"));
  spec = {};
  spec.coef0 = std::numeric_limits<double>::quiet_NaN();
  REQUIRE_THROWS_WITH(ca::gram_matrix(x, spec), Contains("kernel.coef0"));
  REQUIRE_THROWS_WITH(ca::gram_matrix(Matrix<double>(0, 2)), Contains("causalattn: x:") && Contains("empty"));
  REQUIRE_THROWS_WITH(ca::gram_matrix(x, Matrix<double>::Ones(3, 5)), Contains("causalattn: z:") && Contains("expected any x 2"));
  REQUIRE_THROWS_WITH(ca::gram_matrix(x, ca::KernelSpec{}, -1), Contains("causalattn: threads:"));
  ca::KernelSpec huge;
  huge.type = ca::KernelType::polynomial;
  huge.degree = 400;
  REQUIRE_THROWS_WITH(ca::gram_matrix(Matrix<double>::Constant(3, 2, 10.0), huge), Contains("causalattn: x:") && Contains("overflows"));
  x(2, 1) = std::numeric_limits<double>::quiet_NaN();
  REQUIRE_THROWS_WITH(ca::gram_matrix(x), Contains("causalattn: x:") && Contains("nan at row 2, column 1"));
}

TEST_CASE("smo: bad input names the argument, row and value", "[effects][smo]") {
  const Index n = 3;
  Matrix<double> q = Matrix<double>::Identity(n, n);
  Vector<double> p = -Vector<double>::Ones(n), y = (Vector<double>(n) << 1, -1, 1).finished();
  Vector<double> upper = Vector<double>::Ones(n), start = Vector<double>::Zero(n);
  REQUIRE_NOTHROW(ca::solve_smo(q, p, y, upper, start));
  REQUIRE_THROWS_AS(ca::solve_smo(Matrix<double>::Identity(3, 2), p, y, upper, start), ca::invalid_input);
  REQUIRE_THROWS_WITH(ca::solve_smo(Matrix<double>::Identity(3, 2), p, y, upper, start),
                      Contains("causalattn: q:") && Contains("square"));
  REQUIRE_THROWS_WITH(ca::solve_smo(Matrix<double>(0, 0), Vector<double>(0), Vector<double>(0), Vector<double>(0),
                                    Vector<double>(0)),
                      Contains("causalattn: q:") && Contains("empty"));
  Matrix<double> asymmetric = q;
  asymmetric(0, 2) = 0.5;
  REQUIRE_THROWS_WITH(ca::solve_smo(asymmetric, p, y, upper, start), Contains("causalattn: q:") && Contains("not symmetric"));
  REQUIRE_THROWS_WITH(ca::solve_smo(q, Vector<double>::Ones(4), y, upper, start), Contains("causalattn: p:") && Contains("4 x 1"));
  REQUIRE_THROWS_WITH(ca::solve_smo(q, p, Vector<double>::Ones(2), upper, start), Contains("causalattn: y:") && Contains("2 x 1"));
  REQUIRE_THROWS_WITH(ca::solve_smo(q, p, y, Vector<double>::Ones(5), start), Contains("causalattn: upper:"));
  REQUIRE_THROWS_WITH(ca::solve_smo(q, p, y, upper, Vector<double>::Zero(1)), Contains("causalattn: start:"));
  Vector<double> bad = y;
  bad(1) = 0.5;
  REQUIRE_THROWS_WITH(ca::solve_smo(q, p, bad, upper, start), Contains("causalattn: y:") && Contains("0.5 at row 1"));
  bad = upper;
  bad(2) = 0;
  REQUIRE_THROWS_WITH(ca::solve_smo(q, p, y, bad, start), Contains("causalattn: upper:") && Contains("0 at row 2"));
  bad(2) = -1;
  REQUIRE_THROWS_WITH(ca::solve_smo(q, p, y, bad, start), Contains("causalattn: upper:") && Contains("-1 at row 2"));
  bad = start;
  bad(0) = 1.5;
  REQUIRE_THROWS_WITH(ca::solve_smo(q, p, y, upper, bad), Contains("causalattn: start:") && Contains("1.5 at row 0"));
  bad(0) = -1e-6;
  REQUIRE_THROWS_WITH(ca::solve_smo(q, p, y, upper, bad), Contains("causalattn: start:") && Contains("at row 0"));
  bad(0) = -1e-13;  // within 1e-12 of the box: clipped onto it
  REQUIRE(ca::solve_smo(q, p, y, upper, bad).alpha.minCoeff() >= 0);
  bad = p;
  bad(1) = std::numeric_limits<double>::quiet_NaN();
  REQUIRE_THROWS_WITH(ca::solve_smo(q, bad, y, upper, start), Contains("causalattn: p:") && Contains("nan at row 1"));
  Matrix<double> q_nan = q;
  q_nan(1, 0) = std::numeric_limits<double>::infinity();
  REQUIRE_THROWS_WITH(ca::solve_smo(q_nan, p, y, upper, start), Contains("causalattn: q:") && Contains("inf at row 1, column 0"));
  ca::SmoOptions options;
  options.tolerance = 0;
  REQUIRE_THROWS_WITH(ca::solve_smo(q, p, y, upper, start, options), Contains("options.tolerance"));
  options = {};
  options.max_iterations = -1;
  REQUIRE_THROWS_WITH(ca::solve_smo(q, p, y, upper, start, options), Contains("options.max_iterations"));
  options = {};
  options.tau = -1;
  REQUIRE_THROWS_WITH(ca::solve_smo(q, p, y, upper, start, options), Contains("options.tau"));
}
