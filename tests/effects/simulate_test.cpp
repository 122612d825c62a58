// Simulated families of confounded data sets: determinism, ranges, the truth, real confounding,
// the in-family / out-of-family shift and bad options.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <iostream>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Dense>

#include "causalattn/core/random.hpp"
#include "causalattn/effects/difference_in_means.hpp"
#include "causalattn/effects/regression_adjustment.hpp"
#include "causalattn/effects/simulate.hpp"
#include "invalid_input_message.hpp"

namespace ca = causalattn;
using ca::Index;
using Catch::Matchers::Contains;

namespace {

void print_seed(const std::string& test, std::uint64_t seed) {
  std::cout << "simulate_test: " << test << ": seed " << seed << "\n";
}

/// Every field equal, to the bit.
bool same(const ca::SimulatedDataset& a, const ca::SimulatedDataset& b) {
  auto equal = [](const auto& u, const auto& v) { return u.rows() == v.rows() && u.cols() == v.cols() && u == v; };
  return equal(a.x, b.x) && equal(a.t, b.t) && equal(a.y, b.y) && equal(a.mu0, b.mu0) && equal(a.mu1, b.mu1) &&
         equal(a.propensity, b.propensity) && a.ate == b.ate && a.att == b.att && a.covariate_dag == b.covariate_dag &&
         a.treatment_parents == b.treatment_parents && a.outcome_parents == b.outcome_parents &&
         a.confounders == b.confounders && a.effect_modifiers == b.effect_modifiers && a.seed == b.seed;
}

double mean_over(const ca::Vector<double>& v, const ca::Vector<double>& t, double arm) {
  double sum = 0, count = 0;
  for (Index i = 0; i < v.size(); ++i) {
    if (t(i) == arm) {
      sum += v(i);
      ++count;
    }
  }
  return sum / count;
}

double standard_deviation(const ca::Vector<double>& v) {
  return std::sqrt((v.array() - v.mean()).square().sum() / double(v.size()));
}

/// y - (mu0 + t (mu1 - mu0)): the outcome noise.
ca::Vector<double> outcome_noise(const ca::SimulatedDataset& d) {
  return d.y - d.mu0 - d.t.cwiseProduct(d.mu1 - d.mu0);
}

/// 1 - R^2 of the OLS fit of v on [1, x].
double unexplained_share(const ca::Vector<double>& v, const ca::Matrix<double>& x) {
  ca::Matrix<double> design(x.rows(), x.cols() + 1);
  design << ca::Vector<double>::Ones(x.rows()), x;
  const ca::Vector<double> coefficients = design.colPivHouseholderQr().solve(v);
  const ca::Vector<double> residual = v - design * coefficients;
  return residual.squaredNorm() / (v.array() - v.mean()).square().sum();
}

/// The argument named by the invalid_input f throws ("" if none).
template <class F>
std::string thrown_argument(F&& f) {
  try {
    f();
  } catch (const ca::invalid_input& e) {
    return e.argument();
  }
  return "";
}

ca::SimulationFamily heterogeneous_family() {
  ca::SimulationFamily family = ca::in_family();
  family.heterogeneous = true;
  return family;
}

}  // namespace

TEST_CASE("simulate_dataset is a function of the family and the seed", "[effects][simulate]") {
  const std::uint64_t seed = 20260101;
  print_seed("determinism", seed);
  for (const ca::SimulationFamily& family : {ca::in_family(), ca::out_of_family(), heterogeneous_family()}) {
    const ca::SimulatedDataset a = ca::simulate_dataset(family, seed);
    const ca::SimulatedDataset b = ca::simulate_dataset(family, seed);
    CHECK(same(a, b));
    CHECK(a.seed == seed);
    const ca::SimulatedDataset c = ca::simulate_dataset(family, seed + 1);
    CHECK_FALSE(same(a, c));
    CHECK((a.x.rows() != c.x.rows() || a.x.cols() != c.x.cols() || a.x != c.x));
  }
}

TEST_CASE("simulate_datasets is identical for any thread count and data set i comes from substream i", "[effects][simulate]") {
  const std::uint64_t seed = 77;
  print_seed("simulate_datasets threads", seed);
  for (const ca::SimulationFamily& family : {ca::in_family(), heterogeneous_family()}) {
    const auto one = ca::simulate_datasets(family, 9, seed, 1);
    const auto two = ca::simulate_datasets(family, 9, seed, 2);
    const auto all = ca::simulate_datasets(family, 9, seed);
    REQUIRE(one.size() == 9);
    REQUIRE(two.size() == 9);
    REQUIRE(all.size() == 9);
    for (std::size_t i = 0; i < one.size(); ++i) {
      INFO("data set " << i);
      const std::uint64_t seed_i = ca::Rng(seed).substream(i).seed();
      CHECK(one[i].seed == seed_i);
      CHECK(same(one[i], two[i]));
      CHECK(same(one[i], all[i]));
      CHECK(same(one[i], ca::simulate_dataset(family, seed_i)));
      if (i > 0) CHECK_FALSE(same(one[i], one[i - 1]));
    }
  }
  CHECK(ca::simulate_datasets(ca::in_family(), 0, seed, 2).empty());
}

TEST_CASE("simulated data sets lie in the family's ranges and are valid treatment data", "[effects][simulate]") {
  const std::uint64_t seed = 4242;
  print_seed("ranges", seed);
  for (const ca::SimulationFamily& family : {ca::in_family(), ca::out_of_family(), heterogeneous_family()}) {
    const auto sets = ca::simulate_datasets(family, 40, seed, 2);
    Index n_low = family.n_max, n_high = family.n_min, p_low = family.p_max, p_high = family.p_min;
    for (const ca::SimulatedDataset& d : sets) {
      INFO("data set seed " << d.seed);
      const Index n = d.x.rows(), p = d.x.cols();
      n_low = std::min(n_low, n);
      n_high = std::max(n_high, n);
      p_low = std::min(p_low, p);
      p_high = std::max(p_high, p);
      CHECK(n >= family.n_min);
      CHECK(n <= family.n_max);
      CHECK(p >= family.p_min);
      CHECK(p <= family.p_max);
      REQUIRE(d.t.size() == n);
      REQUIRE(d.y.size() == n);
      REQUIRE(d.mu0.size() == n);
      REQUIRE(d.mu1.size() == n);
      REQUIRE(d.propensity.size() == n);
      CHECK((d.t.array() * (1 - d.t.array()) == 0).all());
      CHECK(d.t.sum() >= 2);
      CHECK(double(n) - d.t.sum() >= 2);
      CHECK(d.x.allFinite());
      CHECK(d.y.allFinite());
      CHECK(d.mu0.allFinite());
      CHECK(d.mu1.allFinite());
      CHECK(std::isfinite(d.ate));
      CHECK(std::isfinite(d.att));
      CHECK_NOTHROW(ca::TreatmentData<double>(d.x, d.t, d.y));
      // Structure: a DAG over the p columns, parent lists ascending and in range, confounders = both.
      CHECK(d.covariate_dag.size() == p);
      CHECK(d.covariate_dag.is_dag());
      for (const auto* list : {&d.treatment_parents, &d.outcome_parents, &d.confounders}) {
        REQUIRE_FALSE(list->empty());
        CHECK(std::is_sorted(list->begin(), list->end()));
        CHECK(std::adjacent_find(list->begin(), list->end()) == list->end());
        CHECK(list->front() >= 0);
        CHECK(list->back() < p);
      }
      std::vector<Index> both;
      std::set_intersection(d.treatment_parents.begin(), d.treatment_parents.end(), d.outcome_parents.begin(),
                            d.outcome_parents.end(), std::back_inserter(both));
      CHECK(both == d.confounders);
      if (family.heterogeneous) {
        CHECK(Index(d.effect_modifiers.size()) == std::min(family.effect_modifiers, p));
        CHECK(std::count(d.treatment_parents.begin(), d.treatment_parents.end(), d.effect_modifiers.front()) == 1);
      } else {
        CHECK(d.effect_modifiers.empty());
      }
    }
    // 40 uniform draws cover each range's outer thirds (failure chance below 1e-6).
    CHECK(n_low < family.n_min + (family.n_max - family.n_min) / 3);
    CHECK(n_high > family.n_max - (family.n_max - family.n_min) / 3);
    CHECK(p_low < family.p_min + (family.p_max - family.p_min) / 3);
    CHECK(p_high > family.p_max - (family.p_max - family.p_min) / 3);
  }
}

TEST_CASE("standardize returns z-scored covariates and changes nothing else", "[effects][simulate]") {
  const std::uint64_t seed = 31337;
  print_seed("standardize", seed);
  ca::SimulationFamily family = ca::in_family();
  const ca::SimulatedDataset raw = ca::simulate_dataset(family, seed);
  family.standardize = true;
  const ca::SimulatedDataset z = ca::simulate_dataset(family, seed);
  REQUIRE(z.x.rows() == raw.x.rows());
  REQUIRE(z.x.cols() == raw.x.cols());
  CHECK(z.t == raw.t);
  CHECK(z.y == raw.y);
  CHECK(z.mu0 == raw.mu0);
  CHECK(z.mu1 == raw.mu1);
  CHECK(z.ate == raw.ate);
  for (Index j = 0; j < z.x.cols(); ++j) {
    CHECK(std::abs(z.x.col(j).mean()) < 1e-12);
    CHECK(standard_deviation(z.x.col(j)) == Approx(1).epsilon(1e-12));
    const double sd = standard_deviation(raw.x.col(j));
    CHECK((z.x.col(j) - (raw.x.col(j).array() - raw.x.col(j).mean()).matrix() / sd).cwiseAbs().maxCoeff() < 1e-12);
  }
  // The raw covariates are not z-scores: a covariate's spread grows with its parents.
  double largest_sd_gap = 0;
  for (Index j = 0; j < raw.x.cols(); ++j) largest_sd_gap = std::max(largest_sd_gap, std::abs(standard_deviation(raw.x.col(j)) - 1));
  CHECK(largest_sd_gap > 0.05);
}

TEST_CASE("the true effects are averages of mu1 - mu0 and the outcome noise is centred", "[effects][simulate]") {
  const std::uint64_t seed = 9001;
  print_seed("truth", seed);
  SECTION("constant effect") {
    for (const ca::SimulationFamily& family : {ca::in_family(), ca::out_of_family()}) {
      for (const ca::SimulatedDataset& d : ca::simulate_datasets(family, 30, seed, 2)) {
        INFO("data set seed " << d.seed);
        const ca::Vector<double> tau = d.mu1 - d.mu0;
        const double n = double(d.y.size());
        CHECK(d.ate == Approx(tau.mean()).margin(1e-12));
        CHECK(d.att == Approx(mean_over(tau, d.t, 1)).margin(1e-12));
        CHECK(tau.maxCoeff() - tau.minCoeff() < 1e-12);
        CHECK(d.ate == Approx(d.att).margin(1e-12));
        CHECK(d.ate >= family.tau_min);
        CHECK(d.ate <= family.tau_max);
        const ca::Vector<double> noise = outcome_noise(d);
        CHECK(std::abs(noise.mean()) < 4 * family.noise_scale / std::sqrt(n));
        CHECK(standard_deviation(noise) == Approx(family.noise_scale).epsilon(0.2));
      }
    }
  }
  SECTION("heterogeneous effect") {
    const ca::SimulationFamily family = heterogeneous_family();
    int att_differs = 0;
    const auto sets = ca::simulate_datasets(family, 30, seed, 2);
    for (const ca::SimulatedDataset& d : sets) {
      INFO("data set seed " << d.seed);
      const ca::Vector<double> tau = d.mu1 - d.mu0;
      CHECK(d.ate == Approx(tau.mean()).margin(1e-12));
      CHECK(d.att == Approx(mean_over(tau, d.t, 1)).margin(1e-12));
      CHECK(tau.maxCoeff() - tau.minCoeff() > 0.5);
      const ca::Vector<double> noise = outcome_noise(d);
      CHECK(std::abs(noise.mean()) < 4 * family.noise_scale / std::sqrt(double(d.y.size())));
      if (std::abs(d.att - d.ate) > 0.05) ++att_differs;
    }
    // The first effect modifier drives the treatment, so the treated have their own average effect
    // (about 80% of the data sets differ by more than 0.05; a square link on that modifier hides it).
    CHECK(att_differs >= 18);
  }
  SECTION("a linear family has mu0 and tau(x) affine in the raw covariates") {
    ca::SimulationFamily family = heterogeneous_family();
    family.mechanism = ca::Mechanism::linear;
    for (const ca::SimulatedDataset& d : ca::simulate_datasets(family, 10, seed, 2)) {
      INFO("data set seed " << d.seed);
      CHECK(unexplained_share(d.mu0, d.x) < 1e-20);
      CHECK(unexplained_share(d.mu1 - d.mu0, d.x) < 1e-20);
    }
  }
}

TEST_CASE("in-family data are confounded: the naive contrast is biased, oracle adjustment is not", "[effects][simulate]") {
  const std::uint64_t seed = 1234567;
  print_seed("confounding", seed);
  const ca::SimulationFamily family = ca::in_family();
  const auto sets = ca::simulate_datasets(family, 50, seed, 2);
  double naive_error = 0, oracle_error = 0, imbalance = 0;
  int confounded = 0;
  for (const ca::SimulatedDataset& d : sets) {
    INFO("data set seed " << d.seed);
    const double n = double(d.y.size());
    // Propensities respect the overlap clip, and T follows them.
    CHECK(d.propensity.minCoeff() >= family.overlap);
    CHECK(d.propensity.maxCoeff() <= 1 - family.overlap);
    CHECK(standard_deviation(d.propensity) > 0.05);
    const double share_sd = std::sqrt((d.propensity.array() * (1 - d.propensity.array())).mean() / n);
    CHECK(std::abs(d.t.mean() - d.propensity.mean()) < 4.5 * share_sd);
    const double naive = mean_over(d.y, d.t, 1) - mean_over(d.y, d.t, 0);
    CHECK(ca::difference_in_means(ca::TreatmentData<double>(d.x, d.t, d.y)).estimate == Approx(naive).margin(1e-9));
    // The noiseless part of the naive error: the arms' different control surfaces.
    const double bias = mean_over(d.mu0, d.t, 1) - mean_over(d.mu0, d.t, 0);
    if (std::abs(bias) > 0.1) ++confounded;
    // Oracle regression adjustment: remove the true control surface, contrast the arms.
    const ca::Vector<double> adjusted = d.y - d.mu0;
    const double oracle = mean_over(adjusted, d.t, 1) - mean_over(adjusted, d.t, 0);
    CHECK(std::abs(naive - d.ate - bias - (oracle - d.ate)) < 1e-9);  // naive = ATE + bias + noise
    naive_error += std::abs(naive - d.ate) / double(sets.size());
    oracle_error += std::abs(oracle - d.ate) / double(sets.size());
    imbalance += std::abs(bias) / double(sets.size());
  }
  std::cout << "simulate_test: mean |naive - ATE| " << naive_error << ", mean |oracle - ATE| " << oracle_error
            << ", mean |mu0 imbalance| " << imbalance << ", data sets with |imbalance| > 0.1: " << confounded << "/"
            << sets.size() << "\n";
  CHECK(imbalance > 0.25);
  CHECK(confounded >= 35);
  CHECK(naive_error > 0.25);
  CHECK(oracle_error < 0.15);
  CHECK(oracle_error < naive_error / 4);
}

TEST_CASE("OLS regression adjustment removes the confounding bias of a linear family", "[effects][simulate]") {
  const std::uint64_t seed = 555;
  print_seed("regression adjustment", seed);
  ca::SimulationFamily family = ca::in_family();
  family.mechanism = ca::Mechanism::linear;
  double naive_error = 0, regression_error = 0;
  const auto sets = ca::simulate_datasets(family, 30, seed, 2);
  for (const ca::SimulatedDataset& d : sets) {
    const ca::TreatmentData<double> data(d.x, d.t, d.y);
    naive_error += std::abs(ca::difference_in_means(data).estimate - d.ate) / double(sets.size());
    regression_error += std::abs(ca::regression_adjustment(data).estimate - d.ate) / double(sets.size());
  }
  std::cout << "simulate_test: linear family, mean |naive - ATE| " << naive_error << ", mean |OLS - ATE| " << regression_error
            << "\n";
  CHECK(naive_error > 0.5);
  CHECK(regression_error < naive_error / 5);
}

TEST_CASE("out-of-family data differ from in-family data in the documented ways", "[effects][simulate]") {
  const std::uint64_t seed = 8080;
  print_seed("family shift", seed);
  struct Summary {
    double degree = 0, kurtosis = 0, unexplained = 0, logit_sd = 0, clipped = 0, n = 0, p = 0;
  };
  auto summarise = [&](const ca::SimulationFamily& family) {
    const auto sets = ca::simulate_datasets(family, 60, seed, 2);
    Summary s;
    double second = 0, fourth = 0, units = 0;
    const double count = double(sets.size());
    for (const ca::SimulatedDataset& d : sets) {
      const double p = double(d.x.cols());
      s.degree += 2 * double(d.covariate_dag.edge_count()) / p / count;
      const ca::Vector<double> noise = outcome_noise(d);
      second += noise.array().square().sum();
      fourth += noise.array().square().square().sum();
      units += double(noise.size());
      s.unexplained += unexplained_share(d.mu0, d.x) / count;
      const ca::Vector<double> logit = (d.propensity.array() / (1 - d.propensity.array())).log().matrix();
      s.logit_sd += standard_deviation(logit) / count;
      const double clip_low = family.overlap, clip_high = 1 - family.overlap;
      s.clipped += double(((d.propensity.array() <= clip_low) || (d.propensity.array() >= clip_high)).count()) /
                   double(d.propensity.size()) / count;
      s.n += double(d.x.rows()) / count;
      s.p += p / count;
    }
    s.kurtosis = (fourth / units) / std::pow(second / units, 2);
    std::cout << "simulate_test: " << ca::mechanism_name(family.mechanism) << "/" << ca::noise_name(family.noise)
              << ": mean degree " << s.degree << ", noise kurtosis " << s.kurtosis << ", 1 - R^2 of mu0 on x "
              << s.unexplained << ", sd logit e " << s.logit_sd << ", clipped " << s.clipped << ", mean n " << s.n
              << ", mean p " << s.p << "\n";
    return s;
  };
  const ca::SimulationFamily in = ca::in_family(), out = ca::out_of_family();
  const Summary a = summarise(in), b = summarise(out);
  // Graph density: expected degree 2 against 4.
  CHECK(a.degree == Approx(2).margin(0.3));
  CHECK(b.degree == Approx(4).margin(0.4));
  // Noise: Gaussian (kurtosis 3) against Laplace (kurtosis 6).
  CHECK(a.kurtosis == Approx(3).margin(0.25));
  CHECK(b.kurtosis == Approx(6).margin(1));
  // Mechanisms: all nonlinear leaves more of mu0 unexplained by a linear fit than mixed.
  CHECK(b.unexplained > 1.5 * a.unexplained);
  // Confounding strength 1 against 2 (the logit's sd, shrunk a little by the clip).
  CHECK(a.logit_sd == Approx(1).margin(0.1));
  CHECK(b.logit_sd > 1.6);
  CHECK(b.clipped > a.clipped);
  // Size.
  CHECK(b.n > a.n);
  CHECK(b.p > a.p);
  CHECK(in.n_max < out.n_max);
  CHECK(in.p_max <= out.p_min);
}

TEST_CASE("simulation edge cases: one covariate, no edges, wide overlap, fixed sizes", "[effects][simulate]") {
  const std::uint64_t seed = 271828;
  print_seed("edge cases", seed);
  ca::SimulationFamily family;
  family.n_min = family.n_max = 50;
  family.p_min = family.p_max = 1;
  family.overlap = 0.4;
  family.treatment_parent_probability = 0;
  family.outcome_parent_probability = 0;
  for (const ca::SimulatedDataset& d : ca::simulate_datasets(family, 20, seed, 2)) {
    REQUIRE(d.x.rows() == 50);
    REQUIRE(d.x.cols() == 1);
    CHECK(d.confounders == std::vector<Index>{0});
    CHECK(d.treatment_parents == std::vector<Index>{0});
    CHECK(d.outcome_parents == std::vector<Index>{0});
    CHECK(d.propensity.minCoeff() >= 0.4);
    CHECK(d.propensity.maxCoeff() <= 0.6);
    CHECK(d.covariate_dag.edge_count() == 0);
  }
  family.p_min = 8;
  family.p_max = 8;
  family.expected_degree = 0;
  const ca::SimulatedDataset d = ca::simulate_dataset(family, seed);
  CHECK(d.covariate_dag.edge_count() == 0);
  CHECK(d.confounders.size() == 1);  // parent probabilities 0: one forced parent each, shared
  family.expected_degree = 100;      // capped at a complete DAG
  CHECK(ca::simulate_dataset(family, seed).covariate_dag.edge_count() == 28);
  // Without the overlap clip, a propensity of 1 leaves no controls: T cannot be drawn.
  family.overlap = 0;
  family.intercept_min = family.intercept_max = 40;
  CHECK_THROWS_AS(ca::simulate_dataset(family, seed), ca::numerical_error);
}

TEST_CASE("invalid family fields throw invalid_input naming the field", "[effects][simulate]") {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  const std::vector<std::pair<std::string, std::function<void(ca::SimulationFamily&)>>> cases = {
      {"n_min", [](ca::SimulationFamily& f) { f.n_min = 9; }},
      {"n_max", [](ca::SimulationFamily& f) { f.n_max = f.n_min - 1; }},
      {"p_min", [](ca::SimulationFamily& f) { f.p_min = 0; }},
      {"p_max", [](ca::SimulationFamily& f) { f.p_max = f.p_min - 1; }},
      {"p_max", [](ca::SimulationFamily& f) { f.p_max = 5000; }},
      {"expected_degree", [](ca::SimulationFamily& f) { f.expected_degree = -1; }},
      {"expected_degree", [nan](ca::SimulationFamily& f) { f.expected_degree = nan; }},
      {"mechanism", [](ca::SimulationFamily& f) { f.mechanism = static_cast<ca::Mechanism>(7); }},
      {"noise", [](ca::SimulationFamily& f) { f.noise = static_cast<ca::Noise>(3); }},
      {"noise_scale", [](ca::SimulationFamily& f) { f.noise_scale = 0; }},
      {"noise_scale", [inf](ca::SimulationFamily& f) { f.noise_scale = inf; }},
      {"weight_min", [](ca::SimulationFamily& f) { f.weight_min = -0.1; }},
      {"weight_max", [](ca::SimulationFamily& f) { f.weight_max = f.weight_min / 2; }},
      {"weight_max", [](ca::SimulationFamily& f) { f.weight_min = f.weight_max = 0; }},
      {"treatment_parent_probability", [](ca::SimulationFamily& f) { f.treatment_parent_probability = 1.5; }},
      {"outcome_parent_probability", [nan](ca::SimulationFamily& f) { f.outcome_parent_probability = nan; }},
      {"confounding_strength", [](ca::SimulationFamily& f) { f.confounding_strength = -1; }},
      {"intercept_min", [inf](ca::SimulationFamily& f) { f.intercept_min = -inf; }},
      {"intercept_max", [](ca::SimulationFamily& f) { f.intercept_max = f.intercept_min - 1; }},
      {"overlap", [](ca::SimulationFamily& f) { f.overlap = 0.5; }},
      {"overlap", [](ca::SimulationFamily& f) { f.overlap = -0.01; }},
      {"tau_min", [nan](ca::SimulationFamily& f) { f.tau_min = nan; }},
      {"tau_max", [](ca::SimulationFamily& f) { f.tau_max = f.tau_min - 1; }},
      {"effect_modifiers", [](ca::SimulationFamily& f) { f.effect_modifiers = 0; }},
      {"heterogeneity", [](ca::SimulationFamily& f) { f.heterogeneity = -0.5; }},
  };
  CHECK_NOTHROW(ca::in_family().validate());
  CHECK_NOTHROW(ca::out_of_family().validate());
  for (const auto& [field, mutate] : cases) {
    INFO("field " << field);
    ca::SimulationFamily family = ca::in_family();
    mutate(family);
    CHECK(thrown_argument([&] { family.validate(); }) == "family." + field);
    CHECK_THAT(ca::test::invalid_input_message([&] { ca::simulate_dataset(family, 1); }), Contains("family." + field + ": is "));
    CHECK(thrown_argument([&] { ca::simulate_datasets(family, 3, 1, 2); }) == "family." + field);
  }
  CHECK(thrown_argument([] { ca::simulate_datasets(ca::in_family(), 3, 1, -1); }) == "threads");
  CHECK(ca::mechanism_name(ca::Mechanism::nonlinear) == "nonlinear");
  CHECK(ca::noise_name(ca::Noise::laplace) == "laplace");
  CHECK(ca::mechanism_name(static_cast<ca::Mechanism>(-1)) == "unknown");
  CHECK(ca::noise_name(static_cast<ca::Noise>(3)) == "unknown");
}
