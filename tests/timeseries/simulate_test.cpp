#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>

#include "causalattn/timeseries/simulate.hpp"

namespace ca = causalattn;
using ca::Index;
using Catch::Matchers::Contains;

TEST_CASE("VAR follows the neural-Granger convention and is stable", "[timeseries][simulate]") {
  ca::VarOptions o;
  o.variables = 20;
  o.max_lag = 2;
  o.length = 500;
  o.seed = 3;
  const ca::LaggedSeries s = ca::simulate_var(o);
  REQUIRE(s.x.rows() == 500);
  REQUIRE(s.x.cols() == 20);
  // int(0.2 x 20) - 1 = 3 other parents plus itself, each at both lags.
  for (Index target = 0; target < 20; ++target) {
    Index parents = 0;
    for (Index source = 0; source < 20; ++source) {
      CHECK(s.truth.has_link(source, target, 1) == s.truth.has_link(source, target, 2));
      parents += s.truth.has_link(source, target, 1);
    }
    CHECK(parents == 4);
    CHECK(s.truth.has_link(target, target, 1));
  }
  // Stable: the series neither explodes nor dies out (innovation sd 0.1).
  const double sd = std::sqrt(s.x.squaredNorm() / double(s.x.size()));
  CHECK(sd > 0.1);
  CHECK(sd < 10);
  CHECK(ca::simulate_var(o).x == s.x);  // seeded
  o.seed = 4;
  CHECK(ca::simulate_var(o).x != s.x);
  o.variables = 1;
  CHECK_THROWS_WITH(ca::simulate_var(o), Contains("options.variables"));
}

TEST_CASE("Lorenz-96 integrates the documented ODE", "[timeseries][simulate]") {
  ca::Lorenz96Options o;
  o.variables = 6;
  o.length = 200;
  o.noise_sd = 0;
  o.seed = 5;
  const ca::LaggedSeries s = ca::simulate_lorenz96(o);
  // Finite differences of the noiseless trajectory match the vector field to RK4 accuracy:
  // (x(t+h) - x(t-h)) / 2h = f(x(t)) + O(h^2).
  const Index p = 6;
  o.interval = 0.001;
  o.substeps = 1;
  o.length = 3;
  const ca::LaggedSeries fine = ca::simulate_lorenz96(o);
  for (Index i = 0; i < p; ++i) {
    const ca::Vector<double> v = fine.x.row(1).transpose();
    const double field = (v((i + 1) % p) - v((i + p - 2) % p)) * v((i + p - 1) % p) - v(i) + o.forcing;
    CHECK((fine.x(2, i) - fine.x(0, i)) / 0.002 == Approx(field).epsilon(1e-3).margin(1e-3));
  }
  // On the attractor at F = 10 the state is bounded and varies.
  CHECK(s.x.cwiseAbs().maxCoeff() < 20);
  CHECK(s.x.col(0).maxCoeff() - s.x.col(0).minCoeff() > 5);
  for (Index i = 0; i < p; ++i) {
    for (Index j = 0; j < p; ++j) {
      const bool parent = j == i || j == (i + 1) % p || j == (i + p - 1) % p || j == (i + p - 2) % p;
      CHECK(s.truth.has_link(j, i, 1) == parent);
    }
  }
  o.variables = 3;
  CHECK_THROWS_WITH(ca::simulate_lorenz96(o), Contains("options.variables"));
}

TEST_CASE("lagged SCMs: every mechanism, regimes, latent confounders", "[timeseries][simulate]") {
  for (int m = 0; m < 5; ++m) {
    ca::LaggedScmOptions o;
    o.mechanism = ca::LaggedMechanism(m);
    o.variables = 8;
    o.length = 400;
    o.regimes = 4;
    o.shift = ca::RegimeShift(m % 3);
    o.latent = 1;
    o.unequal_noise = m % 2 == 1;
    o.seed = std::uint64_t(10 + m);
    INFO("mechanism " << m);
    const ca::LaggedSeries s = ca::simulate_lagged_scm(o);
    REQUIRE(s.x.allFinite());
    CHECK(s.x.cwiseAbs().maxCoeff() < 50);
    REQUIRE(s.regime.size() == 400);
    CHECK(s.regime.front() == 0);
    CHECK(s.regime[150] == 1);
    CHECK(s.regime.back() == 3);
    // Each node has its self link and at least `parents` cross links (the union over regimes).
    for (Index i = 0; i < 8; ++i) {
      CHECK(s.truth.has_link(i, i, 1));
      Index cross = 0;
      for (Index j = 0; j < 8; ++j)
        if (j != i) cross += s.truth.any_lag(j, i);
      CHECK(cross >= 2);
    }
  }
  ca::LaggedScmOptions o;
  o.regimes = 5;
  o.length = 4;
  CHECK_THROWS_WITH(ca::simulate_lagged_scm(o), Contains("options.length"));
}

TEST_CASE("a lagged SCM's noise enters as documented: a linear SCM is recovered by least squares", "[timeseries][simulate]") {
  ca::LaggedScmOptions o;
  o.variables = 4;
  o.max_lag = 2;
  o.length = 20000;
  o.parents = 1;
  o.seed = 7;
  const ca::LaggedSeries s = ca::simulate_lagged_scm(o);
  // Regress each node on all lags: coefficients of non-links vanish, links do not.
  const Index n = s.x.rows() - 2;
  ca::Matrix<double> design(n, 8);
  design << s.x.middleRows(1, n), s.x.topRows(n);
  for (Index target = 0; target < 4; ++target) {
    const ca::Vector<double> b = design.colPivHouseholderQr().solve(s.x.col(target).tail(n));
    for (Index lag = 1; lag <= 2; ++lag)
      for (Index source = 0; source < 4; ++source) {
        const double c = b((lag - 1) * 4 + source);
        if (s.truth.has_link(source, target, lag)) {
          CHECK(std::abs(c) > 0.1);
        } else {
          CHECK(std::abs(c) < 0.03);
        }
      }
  }
}

TEST_CASE("delays above one: with min_lag 2 links act at lags 2..L only", "[timeseries][simulate]") {
  // VAR: every link (self links too) at lags 2 and 3; least squares finds no effect at lag 1.
  ca::VarOptions v;
  v.variables = 5;
  v.max_lag = 3;
  v.min_lag = 2;
  v.length = 20000;
  v.sparsity = 0.6;  // two cross parents per node
  v.seed = 9;
  const ca::LaggedSeries s = ca::simulate_var(v);
  const Index n = s.x.rows() - 3, p = 5;
  ca::Matrix<double> design(n, 3 * p);
  design << s.x.middleRows(2, n), s.x.middleRows(1, n), s.x.topRows(n);  // lags 1, 2, 3
  Index links = 0;
  for (Index target = 0; target < p; ++target) {
    const ca::Vector<double> b = design.colPivHouseholderQr().solve(s.x.col(target).tail(n));
    for (Index source = 0; source < p; ++source) {
      CHECK_FALSE(s.truth.has_link(source, target, 1));
      CHECK(std::abs(b(source)) < 0.03);
      for (Index lag = 2; lag <= 3; ++lag) {
        if (!s.truth.has_link(source, target, lag)) continue;
        ++links;
        CHECK(std::abs(b((lag - 1) * p + source)) > 0.02);
      }
    }
  }
  CHECK(links == 2 * 3 * p);  // self and two others, at both lags
  // Lagged SCM: every cross link at lag 2 or 3 (the self link stays at lag 1).
  ca::LaggedScmOptions o;
  o.variables = 6;
  o.max_lag = 3;
  o.min_lag = 2;
  o.parents = 2;
  o.mechanism = ca::LaggedMechanism::mlp_additive;
  o.seed = 9;
  const ca::LaggedSeries scm = ca::simulate_lagged_scm(o);
  Index cross = 0;
  for (Index target = 0; target < 6; ++target)
    for (Index source = 0; source < 6; ++source) {
      if (source == target) continue;
      CHECK_FALSE(scm.truth.has_link(source, target, 1));
      cross += scm.truth.has_link(source, target, 2) + scm.truth.has_link(source, target, 3);
    }
  CHECK(cross == 12);
  v.min_lag = 4;
  CHECK_THROWS_WITH(ca::simulate_var(v), Contains("options.min_lag"));
  o.min_lag = 0;
  CHECK_THROWS_WITH(ca::simulate_lagged_scm(o), Contains("options.min_lag"));
}
