// The broad simulation prior, the covariate shapes it adds (binary, skewed, heteroscedastic noise),
// the Kang-Schafer design and the OLS T-learner of per-unit effects.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "causalattn/core/random.hpp"
#include "causalattn/effects/cate.hpp"
#include "causalattn/effects/difference_in_means.hpp"
#include "causalattn/effects/kang_schafer.hpp"
#include "causalattn/effects/simulation_prior.hpp"
#include "invalid_input_message.hpp"

namespace ca = causalattn;
using ca::Index;

namespace {

void print_prior_seed(const std::string& test, std::uint64_t seed) {
  std::cout << "prior_and_cate_test: " << test << ": seed " << seed << "\n";
}

double correlation(const ca::Vector<double>& a, const ca::Vector<double>& b) {
  const ca::Vector<double> x = a.array() - a.mean(), y = b.array() - b.mean();
  return x.dot(y) / std::sqrt(x.squaredNorm() * y.squaredNorm());
}

}  // namespace

TEST_CASE("families without the new shapes draw the same data sets as before they existed", "[effects][simulate][prior]") {
  // Values printed by this library before the binary / skewed / heteroscedastic options were added:
  // the accuracy program's data sets (seeds 777, 778) and the shipped model's training sets must not move.
  const ca::SimulatedDataset a = ca::simulate_dataset(ca::in_family(), 777);
  const ca::SimulatedDataset b = ca::simulate_dataset(ca::out_of_family(), 778);
  CHECK(a.x.rows() == 507);
  CHECK(a.x.cols() == 15);
  CHECK(a.y(0) == Approx(4.2210894725271171).epsilon(1e-12));
  CHECK(a.x(1, 0) == Approx(-0.36958088608891271).epsilon(1e-12));
  CHECK(a.ate == Approx(-1.9181200022808844).epsilon(1e-12));
  CHECK(b.x.rows() == 1361);
  CHECK(b.x.cols() == 28);
  CHECK(b.y(0) == Approx(-0.16774890353959981).epsilon(1e-12));
  CHECK(b.ate == Approx(-1.379190897701275).epsilon(1e-12));
  CHECK(a.binary_covariates.empty());
  CHECK(a.skewed_covariates.empty());
}

TEST_CASE("binary and skewed covariates are what their lists say", "[effects][simulate][prior]") {
  const std::uint64_t seed = 424242;
  print_prior_seed("binary and skewed", seed);
  ca::SimulationFamily family;
  family.n_min = family.n_max = 800;
  family.p_min = family.p_max = 12;
  family.binary_share = 0.4;
  family.skewed_share = 0.5;
  std::size_t binary_seen = 0, skewed_seen = 0;
  for (const ca::SimulatedDataset& d : ca::simulate_datasets(family, 10, seed, 2)) {
    const std::set<Index> binary(d.binary_covariates.begin(), d.binary_covariates.end());
    const std::set<Index> skewed(d.skewed_covariates.begin(), d.skewed_covariates.end());
    CHECK(std::is_sorted(d.binary_covariates.begin(), d.binary_covariates.end()));
    for (Index j = 0; j < d.x.cols(); ++j) {
      INFO("data set seed " << d.seed << ", covariate " << j);
      CHECK(!(binary.count(j) && skewed.count(j)));
      const bool zero_one = (d.x.col(j).array() == 0 || d.x.col(j).array() == 1).all();
      if (binary.count(j)) {
        CHECK(zero_one);
        CHECK(d.x.col(j).sum() >= 1);
        CHECK(d.x.col(j).sum() <= double(d.x.rows()) - 1);
      } else {
        CHECK(!zero_one);
      }
      if (skewed.count(j)) {
        CHECK(d.x.col(j).minCoeff() > 0);
        // x = exp(s asinh(z)) with z standardised and s in [0.5, 1]: find the s that makes
        // sinh(log(x) / s) unit-variance (the variance falls as s grows); its mean must then be 0.
        const ca::Vector<double> log_x = d.x.col(j).array().log();
        auto z_of = [&log_x](double s) { return ca::Vector<double>((log_x.array() / s).sinh()); };
        auto sd = [](const ca::Vector<double>& v) { return std::sqrt((v.array() - v.mean()).square().mean()); };
        double lo = 0.5, hi = 1.0;
        REQUIRE(sd(z_of(lo)) >= 1 - 1e-9);
        REQUIRE(sd(z_of(hi)) <= 1 + 1e-9);
        for (int step = 0; step < 60; ++step) (sd(z_of((lo + hi) / 2)) > 1 ? lo : hi) = (lo + hi) / 2;
        CHECK(std::abs(z_of(lo).mean()) < 1e-6);
      }
    }
    binary_seen += binary.size();
    skewed_seen += skewed.size();
  }
  // 120 covariates: about 48 binary and 36 skewed expected.
  CHECK(binary_seen >= 25);
  CHECK(skewed_seen >= 15);
  CHECK(binary_seen + skewed_seen < 120);
}

TEST_CASE("heteroscedastic outcome noise grows with an outcome parent and keeps its mean square", "[effects][simulate][prior]") {
  const std::uint64_t seed = 515151;
  print_prior_seed("heteroscedasticity", seed);
  ca::SimulationFamily family;
  family.n_min = family.n_max = 4000;
  family.p_min = family.p_max = 4;
  family.expected_degree = 0;  // independent Gaussian covariates
  family.heteroscedasticity = 0.6;
  double largest_with = 0, largest_without = 0, mean_square = 0;
  const auto with = ca::simulate_datasets(family, 5, seed, 2);
  family.heteroscedasticity = 0;
  const auto without = ca::simulate_datasets(family, 5, seed, 2);
  for (std::size_t k = 0; k < with.size(); ++k) {
    for (const auto* d : {&with[k], &without[k]}) {
      const ca::Vector<double> noise = d->y - d->mu0 - d->t.cwiseProduct(d->mu1 - d->mu0);
      double largest = 0;  // |noise| against the standardised parents: the driver stands out
      for (Index j : d->outcome_parents) largest = std::max(largest, correlation(noise.cwiseAbs(), d->x.col(j)));
      (d == &with[k] ? largest_with : largest_without) += largest / double(with.size());
      if (d == &with[k]) mean_square += noise.squaredNorm() / double(noise.size()) / double(with.size());
    }
  }
  INFO("mean largest correlation of |noise| with a parent: " << largest_with << " (h = 0.6), " << largest_without << " (h = 0)");
  CHECK(largest_with > 0.25);
  CHECK(largest_without < 0.1);
  // The scale is normalised to mean square noise_scale^2 = 1 in each data set.
  CHECK(mean_square == Approx(1.0).epsilon(0.1));
}

TEST_CASE("the prior covers its documented ranges and is thread-count invariant", "[effects][simulate][prior]") {
  const std::uint64_t seed = 20261204;
  print_prior_seed("prior ranges", seed);
  const auto sets = ca::simulate_prior_datasets(300, seed, 2);
  const auto again = ca::simulate_prior_datasets(3, seed, 1);
  for (std::size_t k = 0; k < again.size(); ++k) {
    CHECK(again[k].x == sets[k].x);
    CHECK(again[k].y == sets[k].y);
  }
  Index smallest_n = 1 << 30, largest_n = 0, smallest_p = 1 << 30, largest_p = 0;
  double lowest_share = 1, highest_share = 0;
  int heterogeneous = 0, with_binary = 0, with_skewed = 0, heteroscedastic = 0;
  std::set<int> mechanisms, noises;
  for (const ca::SimulatedDataset& d : sets) {
    INFO("data set seed " << d.seed);
    REQUIRE(d.x.rows() == d.family.n_min);
    REQUIRE(d.x.cols() == d.family.p_min);
    CHECK(d.x.rows() >= 50);
    CHECK(d.x.rows() <= 5000);
    CHECK(d.x.cols() >= 1);
    CHECK(d.x.cols() <= 50);
    CHECK(d.t.sum() >= 2);
    CHECK(d.x.allFinite());
    CHECK(d.y.allFinite());
    smallest_n = std::min(smallest_n, d.x.rows());
    largest_n = std::max(largest_n, d.x.rows());
    smallest_p = std::min(smallest_p, d.x.cols());
    largest_p = std::max(largest_p, d.x.cols());
    const double share = d.t.mean();
    lowest_share = std::min(lowest_share, share);
    highest_share = std::max(highest_share, share);
    heterogeneous += d.family.heterogeneous;
    with_binary += !d.binary_covariates.empty();
    with_skewed += !d.skewed_covariates.empty();
    heteroscedastic += d.family.heteroscedasticity > 0;
    mechanisms.insert(int(d.family.mechanism));
    noises.insert(int(d.family.noise));
  }
  INFO("n " << smallest_n << ".." << largest_n << ", p " << smallest_p << ".." << largest_p << ", treated share " << lowest_share
            << ".." << highest_share << ", heterogeneous " << heterogeneous << ", binary " << with_binary << ", skewed "
            << with_skewed << ", heteroscedastic " << heteroscedastic);
  CHECK(smallest_n < 70);
  CHECK(largest_n > 3500);
  CHECK(smallest_p <= 2);
  CHECK(largest_p >= 40);
  CHECK(lowest_share < 0.12);
  CHECK(highest_share > 0.88);
  CHECK(heterogeneous > 180);  // 0.7 of 300 = 210
  CHECK(heterogeneous < 240);
  CHECK(with_binary > 90);
  CHECK(with_skewed > 90);
  CHECK(heteroscedastic > 120);
  CHECK(mechanisms.size() == 3);
  CHECK(noises.size() == 3);
}

TEST_CASE("Kang-Schafer data follow the published equations", "[effects][simulate][kang-schafer]") {
  const std::uint64_t seed = 2007;
  print_prior_seed("Kang-Schafer", seed);
  const ca::SimulatedDataset d = ca::kang_schafer_dataset(5000, seed, 3);
  REQUIRE(d.x.cols() == 4);
  CHECK(d.ate == 3);
  CHECK(d.att == 3);
  CHECK((d.mu1 - d.mu0).cwiseAbs().maxCoeff() == Approx(3));
  double largest_gap = 0;
  for (Index i = 0; i < d.x.rows(); ++i) {
    // Invert the observed transforms to the latent Z and re-derive mu0 and the propensity.
    const double z1 = 2 * std::log(d.x(i, 0));
    const double z2 = (d.x(i, 1) - 10) * (1 + std::exp(z1));
    const double z4 = std::sqrt(d.x(i, 3)) - 20 - z2;
    const double z3 = 25 * (std::cbrt(d.x(i, 2)) - 0.6) / z1;
    if (std::abs(z1) < 0.05) continue;  // z3 is ill-determined there
    largest_gap = std::max(largest_gap, std::abs(d.mu0(i) - (210 + 27.4 * z1 + 13.7 * (z2 + z3 + z4))) / 1000);
    const double logit = -z1 + 0.5 * z2 - 0.25 * z3 - 0.1 * z4;
    largest_gap = std::max(largest_gap, std::abs(d.propensity(i) - 1 / (1 + std::exp(-logit))));
  }
  CHECK(largest_gap < 1e-6);
  const ca::Vector<double> noise = d.y - d.mu0 - d.t * 3;
  CHECK(std::sqrt(noise.squaredNorm() / double(noise.size())) == Approx(1).epsilon(0.05));
  CHECK(d.t.mean() == Approx(0.5).epsilon(0.05));
  // The design's confounding: the treated have lower outcomes (about 200 against 220).
  const double naive = ca::difference_in_means(ca::TreatmentData<double>(d.x, d.t, d.y)).estimate;
  CHECK(naive - 3 < -15);
  CHECK_THROWS_AS(ca::kang_schafer_dataset(9, seed), ca::invalid_input);
  CHECK_THROWS_AS(ca::kang_schafer_dataset(100, seed, std::nan("")), ca::invalid_input);
}

TEST_CASE("the OLS T-learner recovers linear effect modification and its intervals cover", "[effects][cate]") {
  const std::uint64_t seed = 909;
  print_prior_seed("T-learner", seed);
  // y = 1 + x1 - x2 + t (2 + 1.5 x2) + e: tau(x) = 2 + 1.5 x2.
  auto draw = [](Index n, ca::Rng& rng, ca::Matrix<double>& x, ca::Vector<double>& t, ca::Vector<double>& y, double noise) {
    x.resize(n, 3);
    t.resize(n);
    y.resize(n);
    for (Index i = 0; i < n; ++i) {
      x.row(i) << rng.normal(), rng.normal(), rng.normal();
      t(i) = rng.bernoulli(1 / (1 + std::exp(-x(i, 0)))) ? 1 : 0;
      y(i) = 1 + x(i, 0) - x(i, 1) + t(i) * (2 + 1.5 * x(i, 1)) + noise * rng.normal();
    }
  };
  ca::Rng rng(seed);
  ca::Matrix<double> x;
  ca::Vector<double> t, y;
  draw(400, rng, x, t, y, 1e-9);
  const ca::Vector<double> truth = (2 + 1.5 * x.col(1).array()).matrix();
  const ca::CateEstimate exact = ca::t_learner(ca::TreatmentData<double>(x, t, y));
  CHECK(exact.method == "t-learner-ols");
  CHECK(ca::pehe(exact.effect, truth) < 1e-6);
  CHECK(exact.average == Approx(truth.mean()).margin(1e-6));
  // Float data agree with double to float's precision of the inputs.
  const ca::Matrix<float> xf = x.cast<float>();
  const ca::Vector<float> tf = t.cast<float>(), yf = y.cast<float>();
  const ca::CateEstimate single = ca::t_learner(ca::TreatmentData<float>(xf, tf, yf));
  CHECK(ca::pehe(single.effect, exact.effect) < 1e-4);

  // Coverage of unit 0's 95% interval over 400 noisy replications (HC0 is slightly liberal at n = 300).
  int covered = 0;
  const int replications = 400;
  for (int r = 0; r < replications; ++r) {
    draw(300, rng, x, t, y, 1.0);
    const ca::CateEstimate c = ca::t_learner(ca::TreatmentData<double>(x, t, y));
    REQUIRE(c.std_error.size() == 300);
    const double unit_truth = 2 + 1.5 * x(0, 1);
    covered += std::abs(c.effect(0) - unit_truth) <= 1.959964 * c.std_error(0);
  }
  INFO("coverage " << double(covered) / replications);
  CHECK(double(covered) / replications > 0.90);
  CHECK(double(covered) / replications < 0.985);
  CHECK_THROWS_AS(ca::pehe(ca::Vector<double>(3), ca::Vector<double>(4)), ca::invalid_input);
  CHECK_THROWS_AS(ca::pehe(ca::Vector<double>(), ca::Vector<double>()), ca::invalid_input);
}

TEST_CASE("invalid new family fields throw invalid_input naming the field", "[effects][simulate][prior]") {
  ca::SimulationFamily f;
  f.binary_share = 1.5;
  CHECK_THROWS_WITH(f.validate(), Catch::Matchers::Contains("family.binary_share"));
  f = {};
  f.skewed_share = std::nan("");
  CHECK_THROWS_WITH(f.validate(), Catch::Matchers::Contains("family.skewed_share"));
  f = {};
  f.heteroscedasticity = 3;
  CHECK_THROWS_WITH(f.validate(), Catch::Matchers::Contains("family.heteroscedasticity"));
}
