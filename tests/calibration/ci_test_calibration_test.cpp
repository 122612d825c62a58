#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "causalattn/core/random.hpp"
#include "causalattn/core/threads.hpp"
#include "causalattn/discovery/kci.hpp"
#include "causalattn/discovery/random_feature_tests.hpp"

namespace ca = causalattn;
using ca::Index;

namespace {

/// Asymptotic p-value of the one-sample Kolmogorov-Smirnov statistic of `p` against U(0, 1).
double uniformity_p_value(std::vector<double> p) {
  std::sort(p.begin(), p.end());
  const double m = double(p.size());
  double d = 0;
  for (std::size_t i = 0; i < p.size(); ++i) d = std::max({d, double(i + 1) / m - p[i], p[i] - double(i) / m});
  const double lambda = (std::sqrt(m) + 0.12 + 0.11 / std::sqrt(m)) * d;  // Stephens' small-sample correction
  double q = 0;
  for (int k = 1; k <= 100; ++k) q += 2 * (k % 2 == 1 ? 1 : -1) * std::exp(-2.0 * k * k * lambda * lambda);
  return std::clamp(q, 0.0, 1.0);
}

/// Draw r (seed base + r) of n rows: columns x, y, z.
using Generator = std::function<ca::Matrix<double>(Index n, ca::Rng& rng)>;

// x _||_ y: a Gaussian and a uniform.
ca::Matrix<double> independent(Index n, ca::Rng& rng) {
  ca::Matrix<double> d(n, 3);
  for (Index i = 0; i < n; ++i) d.row(i) << rng.normal(), rng.uniform(-2, 2), rng.normal();
  return d;
}

// x _||_ y | z with both nonlinear in z: x = sin(z) + e, y = exp(-z^2 / 2) + e.
ca::Matrix<double> nonlinear_fork(Index n, ca::Rng& rng) {
  ca::Matrix<double> d(n, 3);
  for (Index i = 0; i < n; ++i) {
    const double z = rng.normal();
    d(i, 0) = std::sin(z) + 0.5 * rng.normal();
    d(i, 1) = std::exp(-z * z / 2) + 0.5 * rng.normal();
    d(i, 2) = z;
  }
  return d;
}

// y = x^2 + e: uncorrelated, dependent.
ca::Matrix<double> square(Index n, ca::Rng& rng) {
  ca::Matrix<double> d(n, 3);
  for (Index i = 0; i < n; ++i) {
    const double x = rng.normal();
    d.row(i) << x, x * x + 0.5 * rng.normal(), rng.normal();
  }
  return d;
}

/// p-values of `test_name` for x _||_ y (| z when `conditional`) over `draws` data sets, in parallel
/// (each draw has its own seed, so the list does not depend on the thread count).
std::vector<double> p_values(const std::string& test_name, const Generator& generate, Index n, bool conditional, int draws,
                             std::uint64_t seed) {
  std::vector<double> p(static_cast<std::size_t>(draws));
  ca::parallel_for(0, draws, 0, [&](int r) {
    ca::Rng rng(seed + std::uint64_t(r));
    const ca::Matrix<double> d = generate(n, rng);
    const std::vector<Index> s = conditional ? std::vector<Index>{2} : std::vector<Index>{};
    ca::RffOptions rff;
    rff.seed = seed + std::uint64_t(r);
    if (test_name == "KCI") p[std::size_t(r)] = ca::KciTest(d).test(0, 1, s).p_value;
    else if (test_name == "RCIT") p[std::size_t(r)] = ca::RcitTest(d, rff).test(0, 1, s).p_value;
    else p[std::size_t(r)] = ca::RcotTest(d, rff).test(0, 1, s).p_value;
  });
  return p;
}

}  // namespace

TEST_CASE("KCI, RCIT and RCoT p-values are uniform under (conditional) independence at n = 200 and 1000", "[calibration]") {
  // 300 draws, 1000 where they are cheap (RCIT and RCoT at n = 200): more draws make the check stricter
  // (at 300, a calibrated test fails a Kolmogorov-Smirnov check at 0.01 once in 100 cells, and RCIT's
  // unconditional cell at n = 200 did: KS 0.0057 on seeds 200000..200299, 0.46 on ..200999).
  // Where uniformity (KS p > 0.01) is not reached, measured and reported in benchmarks/RESULTS.md:
  // KCI's conditional cell at n = 200, whose z-dependence is strongly nonlinear. KCI is conservative
  // at the top there (too few p-values above 0.9; its spectral null no better, so the regression on
  // Z, not the gamma fit, is the cause; causal-learn's KCI gives the same p-values), and the test
  // checks its size at 0.05 only (within [0.02, 0.10]). RCIT and RCoT reach uniformity there through
  // their regression correction (RffOptions::regression_correction; without it they are liberal).
  auto uniform_expected = [](const std::string& test, Index n, bool conditional) {
    return test != "KCI" || n != 200 || !conditional;
  };
  for (const std::string test : {"KCI", "RCIT", "RCoT"}) {
    for (Index n : {200, 1000}) {
      for (bool conditional : {false, true}) {
        const int draws = test != "KCI" && n == 200 ? 1000 : 300;
        const std::uint64_t seed = 1000 * std::uint64_t(n) + (conditional ? 500000 : 0);
        const auto p = p_values(test, conditional ? Generator(nonlinear_fork) : Generator(independent), n, conditional, draws,
                                seed);
        const double ks = uniformity_p_value(p);
        double rejected = 0;
        for (double v : p) rejected += v <= 0.05 ? 1.0 / draws : 0;
        INFO(test << (conditional ? " x _||_ y | z (nonlinear in z)" : " x _||_ y") << ", n " << n << ", " << draws
                  << " draws, seeds " << seed << ".." << seed + draws - 1 << ": KS p " << ks
                  << ", rejected at 0.05: " << rejected);
        if (uniform_expected(test, n, conditional)) {
          CHECK(ks > 0.01);
        } else {
          CHECK(rejected >= 0.02);
          CHECK(rejected <= 0.10);
        }
      }
    }
  }
}

TEST_CASE("KCI, RCIT and RCoT detect y = x^2 + e, which Fisher z misses, with power >= 0.9 at n = 500", "[calibration]") {
  const int draws = 100;
  const std::uint64_t seed = 77000;
  for (const std::string test : {"KCI", "RCIT", "RCoT"}) {
    const auto p = p_values(test, square, 500, false, draws, seed);
    double power = 0;
    for (double v : p) power += v <= 0.05 ? 1.0 / draws : 0;
    INFO(test << ": power " << power << " over " << draws << " draws, seeds " << seed << ".." << seed + draws - 1);
    CHECK(power >= 0.9);
  }
}
