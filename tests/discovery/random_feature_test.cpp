#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <vector>

#include "causalattn/core/random.hpp"
#include "causalattn/discovery/detail/weighted_chi_square.hpp"
#include "causalattn/discovery/pc.hpp"
#include "causalattn/discovery/random_feature_tests.hpp"

namespace ca = causalattn;
using ca::Index;
using Catch::Matchers::Contains;

namespace {
// z ~ N(0, 1); x = sin(z) + e, y = exp(-z^2 / 2) + e: x _||_ y | z, both nonlinear in z.
ca::Matrix<double> nonlinear_fork(Index n, std::uint64_t seed) {
  ca::Rng rng(seed);
  ca::Matrix<double> d(n, 3);
  for (Index i = 0; i < n; ++i) {
    const double z = rng.normal();
    d(i, 2) = z;
    d(i, 0) = std::sin(z) + 0.5 * rng.normal();
    d(i, 1) = std::exp(-z * z / 2) + 0.5 * rng.normal();
  }
  return d;
}
}  // namespace

TEST_CASE("weighted chi-square tails: Lindsay-Pilla-Basak against Monte Carlo, exact for a scaled chi-square",
          "[discovery][rff]") {
  // Equal weights: Q = 2 chi2_3 exactly, a gamma; every approximation must give its tail.
  const std::vector<double> equal{2, 2, 2};
  for (double x : {1.0, 6.0, 15.0}) {
    const double exact = ca::detail::regularized_gamma_q(1.5, x / 4);
    REQUIRE(ca::detail::lindsay_pilla_basak_tail(equal, x) == Approx(exact).epsilon(1e-10));
    REQUIRE(ca::detail::hall_buckley_eagleson_tail(equal, x) == Approx(exact).epsilon(1e-10));
    REQUIRE(ca::detail::satterthwaite_welch_tail(equal, x) == Approx(exact).epsilon(1e-10));
  }
  // Unequal weights: 400,000 seeded draws (s.e. <= 3.5e-4 at these tails).
  const std::vector<double> w{5, 1, 0.5, 0.2, 0.1, 0.05};
  const std::uint64_t seed = 1;
  INFO("seed " << seed);
  ca::Rng rng(seed);
  const int draws = 400000;
  std::vector<double> sample(draws);
  for (double& q : sample) {
    q = 0;
    for (double l : w) {
      const double z = rng.normal();
      q += l * z * z;
    }
  }
  for (double x : {13.7, 20.55}) {
    double above = 0;
    for (double q : sample) above += q > x ? 1 : 0;
    const double monte_carlo = above / draws;
    INFO("x " << x << ": Monte Carlo " << monte_carlo);
    REQUIRE(ca::detail::lindsay_pilla_basak_tail(w, x) == Approx(monte_carlo).margin(0.0015));
    // Two moments are not enough here: Satterthwaite-Welch is visibly off in the tail.
    REQUIRE(std::abs(ca::detail::satterthwaite_welch_tail(w, x) - monte_carlo) > 0.0012);
  }
}

TEST_CASE("RCoT and RCIT: seeded, symmetric, and see x^2 dependence Fisher z misses", "[discovery][rff]") {
  const auto fork = nonlinear_fork(500, 21);
  ca::RffOptions options;
  options.seed = 5;
  const ca::RcotTest rcot(fork, options), again(fork, options);
  const ca::RcitTest rcit(fork, options);
  REQUIRE(rcot.test(0, 1, {2}).p_value == again.test(1, 0, {2}).p_value);
  REQUIRE(rcit.test(0, 1, {2}).p_value == ca::RcitTest(fork, options).test(1, 0, {2}).p_value);
  options.seed = 6;
  REQUIRE(ca::RcotTest(fork, options).test(0, 1, {2}).p_value != rcot.test(0, 1, {2}).p_value);
  // Both depend on z: found unconditionally.
  REQUIRE(rcot.test(0, 2, {}).p_value < 1e-6);
  REQUIRE(rcit.test(1, 2, {}).p_value < 0.01);
  // y = x^2 + e with x in antithetic pairs (z, -z): no correlation left to chance, strong dependence.
  ca::Rng rng(8);
  ca::Matrix<double> square(500, 2);
  for (Index i = 0; i < 500; ++i) {
    square(i, 0) = i % 2 == 0 ? rng.normal() : -square(i - 1, 0);
    square(i, 1) = square(i, 0) * square(i, 0) + 0.5 * rng.normal();
  }
  REQUIRE(ca::FisherZTest(square).test(0, 1, {}).p_value > 0.01);
  for (ca::RffNull null : {ca::RffNull::lindsay_pilla_basak, ca::RffNull::hall_buckley_eagleson, ca::RffNull::satterthwaite_welch,
                           ca::RffNull::permutation}) {
    ca::RffOptions o;
    o.null = null;
    o.permutations = 200;
    INFO("null " << int(null));
    REQUIRE(ca::RcotTest(square, o).test(0, 1, {}).p_value < 0.01);
  }
}

TEST_CASE("RCoT and RCIT: the regression correction widens only a conditional test's null", "[discovery][rff]") {
  // With Z the residuals are (J - H) u; the correction scales the null's weights by
  // tr(M^4) / (sum_i ((M^2)_ii)^2 - tr(M^4) / n), M = J - H, which exceeds 1: the statistic is
  // unchanged and the p-value can only grow; without Z nothing changes.
  ca::Rng rng(20261207);
  ca::Matrix<double> d(200, 3);
  for (Index i = 0; i < d.rows(); ++i) {
    const double z = rng.normal();
    d.row(i) << std::sin(z) + 0.5 * rng.normal(), std::exp(-z * z / 2) + 0.5 * rng.normal(), z;
  }
  ca::RffOptions published;
  published.regression_correction = false;
  for (const std::vector<Index>& s : {std::vector<Index>{2}, std::vector<Index>{}}) {
    const auto corrected = ca::RcotTest(d).test(0, 1, s), plain = ca::RcotTest(d, published).test(0, 1, s);
    const auto corrected_rcit = ca::RcitTest(d).test(0, 1, s), plain_rcit = ca::RcitTest(d, published).test(0, 1, s);
    CAPTURE(s.size(), corrected.p_value, plain.p_value, corrected_rcit.p_value, plain_rcit.p_value);
    REQUIRE(corrected.statistic == plain.statistic);
    REQUIRE(corrected_rcit.statistic == plain_rcit.statistic);
    if (s.empty()) {
      REQUIRE(corrected.p_value == plain.p_value);
      REQUIRE(corrected_rcit.p_value == plain_rcit.p_value);
    } else {
      REQUIRE(corrected.p_value > plain.p_value);
      REQUIRE(corrected_rcit.p_value > plain_rcit.p_value);
    }
  }
}

TEST_CASE("regression_null_scale equals tr(M^4) / (sum (M^2)_ii^2 - tr(M^4) / n), M = J - H", "[discovery][rff]") {
  ca::Rng rng(31);
  for (const double ridge : {1e-10, 0.05}) {
    for (const Index n : {40, 4500}) {  // 4500 rows span two blocks
      ca::Matrix<double> fz = ca::normal_matrix<double>(n, 7, rng);
      fz.rowwise() -= fz.colwise().mean();  // centred, as the test's features are
      const ca::Matrix<double> a = fz.transpose() * fz / double(n);
      ca::Matrix<double> czz = a;
      czz.diagonal().array() += ridge;
      const Eigen::LDLT<ca::Matrix<double>> factor(czz);
      // Row by row: (M^2)_ii = 1 - 1/n - 2 h_ii + (H^2)_ii with h_ii = f_i' C^-1 f_i / n and
      // (H^2)_ii = g' A g / n, g = C^-1 f_i; tr(M^4) from the traces of (C^-1 A)^k.
      const ca::Matrix<double> c_inverse_a = factor.solve(a);
      ca::Matrix<double> power = ca::Matrix<double>::Identity(7, 7);
      double traces[5] = {0, 0, 0, 0, 0};
      for (int k = 1; k <= 4; ++k) traces[k] = (power = power * c_inverse_a).trace();
      const double fourth = double(n) - 1 - 4 * traces[1] + 6 * traces[2] - 4 * traces[3] + traces[4];
      double squared_diagonal = 0;
      for (Index i = 0; i < n; ++i) {
        const ca::Vector<double> g = factor.solve(fz.row(i).transpose());
        const double diagonal = 1 - 1.0 / double(n) - 2 * fz.row(i).dot(g) / double(n) + g.dot(a * g) / double(n);
        squared_diagonal += diagonal * diagonal;
      }
      const double direct = fourth / (squared_diagonal - fourth / double(n));
      CAPTURE(ridge, n);
      REQUIRE(ca::detail::regression_null_scale(fz, factor, ridge) == Approx(direct).epsilon(1e-12));
      REQUIRE(direct > 1);
      if (n == 40) {  // and against the n x n matrix itself
        ca::Matrix<double> m = -fz * factor.solve(fz.transpose()) / double(n);
        m.array() -= 1.0 / double(n);
        m.diagonal().array() += 1;
        const ca::Matrix<double> m2 = m * m;
        const double dense_fourth = (m2 * m2).trace();
        REQUIRE(direct == Approx(dense_fourth / (m2.diagonal().squaredNorm() - dense_fourth / double(n))).epsilon(1e-10));
      }
    }
  }
}

TEST_CASE("regression_null_scale makes the null's mean the statistic's (Monte Carlo over residuals M u, M v)",
          "[discovery][rff]") {
  // From the definitions, not the algebra: residuals M u and M v of independent Gaussian u, v
  // (3 and 2 columns), the statistic ||(M u)'(M v)||^2 / n, and the null's mean, the trace of the
  // centred products' covariance. Their means over 4000 seeded draws differ by the scale (~1.2
  // here); the scaled null's mean matches the statistic's to Monte Carlo error (~1% s.e.).
  const std::uint64_t seed = 20261208;
  std::cout << "regression_null_scale Monte Carlo seed " << seed << "\n";
  ca::Rng rng(seed);
  const Index n = 60, draws = 4000;
  ca::Matrix<double> fz = ca::normal_matrix<double>(n, 8, rng);
  fz.col(0) = fz.col(0).array().cube();  // unequal leverages
  fz.rowwise() -= fz.colwise().mean();
  ca::Matrix<double> czz = fz.transpose() * fz / double(n);
  czz.diagonal().array() += 1e-10;
  const Eigen::LDLT<ca::Matrix<double>> factor(czz);
  const double scale = ca::detail::regression_null_scale(fz, factor, 1e-10);
  ca::Matrix<double> m = -fz * factor.solve(fz.transpose()) / double(n);
  m.array() -= 1.0 / double(n);
  m.diagonal().array() += 1;
  double statistic = 0, null_mean = 0;
  for (Index draw = 0; draw < draws; ++draw) {
    const ca::Matrix<double> u = m * ca::normal_matrix<double>(n, 3, rng), v = m * ca::normal_matrix<double>(n, 2, rng);
    statistic += (u.transpose() * v).squaredNorm() / double(n);
    for (Index i = 0; i < 3; ++i)
      for (Index j = 0; j < 2; ++j) {
        const ca::Vector<double> product = u.col(i).cwiseProduct(v.col(j));
        null_mean += (product.array() - product.mean()).square().sum() / double(n);
      }
  }
  CAPTURE(scale, statistic / null_mean);
  REQUIRE(scale > 1.15);
  REQUIRE(statistic / (scale * null_mean) == Approx(1).epsilon(0.03));  // about 3 s.e.
  REQUIRE(statistic / null_mean > 1.1);                                 // uncorrected, the null is too narrow
}

TEST_CASE("PC with RCoT is identical for 1 and 2 threads", "[discovery][rff]") {
  ca::Rng rng(31);
  ca::Matrix<double> d(800, 5);
  for (Index i = 0; i < 800; ++i) {
    d(i, 0) = rng.normal();
    d(i, 1) = std::tanh(1.5 * d(i, 0)) + 0.4 * rng.normal();
    d(i, 2) = std::sin(2 * d(i, 1)) + 0.3 * rng.normal();
    d(i, 3) = d(i, 0) * d(i, 0) + 0.5 * d(i, 2) + 0.4 * rng.normal();
    d(i, 4) = rng.normal();
  }
  ca::PcOptions one, two;
  one.threads = 1;
  two.threads = 2;
  const auto a = ca::pc(ca::RcotTest(d), {}, one);
  const auto b = ca::pc(ca::RcotTest(d), {}, two);
  REQUIRE(a.cpdag == b.cpdag);
  REQUIRE(a.max_p_value == b.max_p_value);
  REQUIRE(a.skeleton.adjacent(0, 1));
  REQUIRE(a.skeleton.adjacent(1, 2));
  REQUIRE_FALSE(a.skeleton.adjacent(0, 4));
}

TEMPLATE_TEST_CASE("RCoT and RCIT on float data agree with double to 1000 float epsilons", "[discovery][rff]", float) {
  const auto fork = nonlinear_fork(300, 4);
  const ca::Matrix<TestType> single = fork.cast<TestType>();
  // Rounding the data to float moves features and residuals by ~1e-7 relative; the p-values move by
  // a small multiple of that (measured: below 1e-5).
  const double tolerance = 1000 * double(std::numeric_limits<TestType>::epsilon());
  for (const auto& s : {std::vector<Index>{}, std::vector<Index>{2}}) {
    REQUIRE(ca::RcotTest(single).test(0, 1, s).p_value == Approx(ca::RcotTest(fork).test(0, 1, s).p_value).margin(tolerance));
    REQUIRE(ca::RcitTest(single).test(0, 1, s).p_value == Approx(ca::RcitTest(fork).test(0, 1, s).p_value).margin(tolerance));
  }
}

TEST_CASE("RCoT and RCIT reject bad input with invalid_input", "[discovery][rff]") {
  const auto fork = nonlinear_fork(50, 2);
  for (auto [name, set] : std::vector<std::pair<std::string, void (*)(ca::RffOptions&)>>{
           {"options.x_features", [](ca::RffOptions& o) { o.x_features = 0; }},
           {"options.y_features", [](ca::RffOptions& o) { o.y_features = -1; }},
           {"options.z_features", [](ca::RffOptions& o) { o.z_features = 0; }},
           {"options.permutations", [](ca::RffOptions& o) { o.permutations = 0; }},
           {"options.median_rows", [](ca::RffOptions& o) { o.median_rows = 0; }},
           {"options.median_rows", [](ca::RffOptions& o) { o.median_rows = 20000; }},
           {"options.z_features", [](ca::RffOptions& o) { o.z_features = 20000; }},
           {"options.x_features", [](ca::RffOptions& o) { o.x_features = o.y_features = 200; }},
           {"options.ridge", [](ca::RffOptions& o) { o.ridge = 0; }},
           {"options.ridge", [](ca::RffOptions& o) { o.ridge = 1e-300; }}}) {
    ca::RffOptions o;
    set(o);
    REQUIRE_THROWS_WITH(ca::RcotTest(fork, o), Contains(name));
    REQUIRE_THROWS_WITH(ca::RcitTest(fork, o), Contains(name));
  }
  ca::Matrix<double> constant = fork;
  constant.col(0).setZero();
  REQUIRE_THROWS_WITH(ca::RcotTest(constant), Contains("column 0 is constant"));
  ca::Matrix<double> nan = fork;
  nan(3, 1) = std::nan("");
  REQUIRE_THROWS_AS(ca::RcotTest(nan), ca::invalid_input);
  REQUIRE_THROWS_WITH(ca::RcotTest(ca::Matrix<double>(fork.topRows(4))), Contains("at least 5"));
  REQUIRE_THROWS_WITH(ca::RcotTest(fork).test(0, 1, {1}), Contains("s"));
  // 100 features of three Z columns on 20 rows leave no residual: refused, not a p-value pushed to 1;
  // 5 Z features leave enough.
  ca::Rng rng(3);
  const ca::Matrix<double> few = ca::normal_matrix<double>(20, 5, rng);
  REQUIRE_THROWS_WITH(ca::RcotTest(few).test(0, 1, {2, 3, 4}), Contains("options.z_features") && Contains("n = 20"));
  REQUIRE_THROWS_WITH(ca::RcitTest(few).test(0, 1, {2, 3, 4}), Contains("options.z_features"));
  ca::RffOptions published, permuted;  // refused without the correction and under the permutation null too
  published.regression_correction = false;
  permuted.null = ca::RffNull::permutation;
  REQUIRE_THROWS_WITH(ca::RcotTest(few, published).test(0, 1, {2, 3, 4}), Contains("options.z_features"));
  REQUIRE_THROWS_WITH(ca::RcitTest(few, permuted).test(0, 1, {2, 3, 4}), Contains("options.z_features"));
  ca::RffOptions fewer;
  fewer.z_features = 5;
  const double p = ca::RcotTest(few, fewer).test(0, 1, {2, 3, 4}).p_value;
  REQUIRE((p >= 0 && p <= 1));
}
