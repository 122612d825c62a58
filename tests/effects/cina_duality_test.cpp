#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>

#include <Eigen/Eigenvalues>

#include "causalattn/core/random.hpp"
#include "causalattn/effects/solvers/cina_duality.hpp"

namespace ca = causalattn;
using ca::Index;
using Catch::Matchers::Contains;

namespace {

ca::Vector<double> random_signs(Index n, ca::Rng& rng) {
  ca::Vector<double> w(n);
  for (Index i = 0; i < n; ++i) w(i) = rng.bernoulli(0.4) ? 1.0 : -1.0;
  w(0) = 1;
  w(1) = -1;
  return w;
}

}  // namespace

TEST_CASE("attention output equals the SVM decision function built from an exact SMO solution", "[effects][cina]") {
  const std::uint64_t seed = 20261123;
  std::printf("CInA duality: seed %llu\n", static_cast<unsigned long long>(seed));
  ca::Rng rng(seed);
  for (int trial = 0; trial < 20; ++trial) {
    const Index n = 20 + Index(rng.uniform_int(80)), d = 1 + Index(rng.uniform_int(6));
    const ca::Matrix<double> keys = rng.uniform(0.3, 3.0) * ca::normal_matrix<double>(n, d, rng);
    const ca::Vector<double> w = random_signs(n, rng);
    const double lambda = std::pow(10.0, rng.uniform(-2, 0));
    const auto duality = ca::attention_svm_duality(keys, w, lambda);
    INFO("trial " << trial << ", n " << n << ", d " << d << ", lambda " << lambda);
    REQUIRE(duality.converged);
    // The identity: o = softmax(S) v equals (1/lambda) sum_j alpha_j W_j k_ij, to 1e-9.
    REQUIRE((duality.attention_output - duality.decision_values).cwiseAbs().maxCoeff() < 1e-9);
    // The SVM's KKT conditions on the decision function: margin 1 on free units, >= 1 at 0, <= 1 at 1.
    for (Index i = 0; i < n; ++i) {
      const double margin = w(i) * (duality.decision_values(i) + duality.intercept);
      if (duality.alpha(i) > 1e-8 && duality.alpha(i) < 1 - 1e-8) REQUIRE(margin == Approx(1).margin(1e-6));
      else if (duality.alpha(i) <= 1e-8) REQUIRE(margin >= 1 - 1e-6);
      else REQUIRE(margin <= 1 + 1e-6);
    }
    // alpha is balancing-feasible: both arms carry the same mass, and alpha = lambda h W v.
    REQUIRE(duality.alpha.dot(w) == Approx(0).margin(1e-9));
    const auto k = ca::attention_kernel(keys);
    const ca::Vector<double> back = lambda * (k.log_normaliser.array().exp() * w.array() * duality.values.array()).matrix();
    REQUIRE((back - duality.alpha).cwiseAbs().maxCoeff() < 1e-9);
  }
}

TEST_CASE("the attention kernel is computed in the log domain: finite and symmetric for huge keys", "[effects][cina]") {
  ca::Rng rng(7);
  ca::Matrix<double> keys = 40.0 * ca::normal_matrix<double>(30, 2, rng);  // exp(S) alone overflows
  const auto k = ca::attention_kernel(keys);
  REQUIRE(k.kernel.allFinite());
  REQUIRE(k.softmax.allFinite());
  REQUIRE(k.kernel == k.kernel.transpose());
  REQUIRE(k.kernel.maxCoeff() <= 1.0);
  REQUIRE((k.softmax.rowwise().sum().array() - 1).abs().maxCoeff() < 1e-12);
  // Moderate keys: the kernel is exp(S) / (h h') and positive semi-definite.
  keys = ca::normal_matrix<double>(12, 3, rng);
  const auto m = ca::attention_kernel(keys);
  const ca::Matrix<double> s = keys * keys.transpose() / std::sqrt(3.0);
  const ca::Vector<double> h = s.array().exp().rowwise().sum();
  const ca::Matrix<double> direct = s.array().exp() / (h * h.transpose()).array();
  REQUIRE((m.kernel - direct).cwiseAbs().maxCoeff() < 1e-15);
  Eigen::SelfAdjointEigenSolver<ca::Matrix<double>> eig(m.kernel);
  REQUIRE(eig.eigenvalues().minCoeff() > -1e-14);
}

TEST_CASE("attention_svm_duality rejects bad input clearly", "[effects][cina]") {
  ca::Rng rng(3);
  const ca::Matrix<double> keys = ca::normal_matrix<double>(6, 2, rng);
  ca::Vector<double> w(6);
  w << 1, -1, 1, -1, 1, -1;
  REQUIRE_THROWS_WITH(ca::attention_svm_duality(keys, w.head(5), 0.1), Contains("sign"));
  ca::Vector<double> bad = w;
  bad(2) = 0;
  REQUIRE_THROWS_WITH(ca::attention_svm_duality(keys, bad, 0.1), Contains("row 2") && Contains("+1 or -1"));
  REQUIRE_THROWS_WITH(ca::attention_svm_duality(keys, ca::Vector<double>::Ones(6), 0.1), Contains("single arm"));
  REQUIRE_THROWS_WITH(ca::attention_svm_duality(keys, w, 0), Contains("lambda"));
  ca::Matrix<double> nan_keys = keys;
  nan_keys(3, 1) = std::nan("");
  REQUIRE_THROWS_WITH(ca::attention_svm_duality(nan_keys, w, 0.1), Contains("keys"));
}
