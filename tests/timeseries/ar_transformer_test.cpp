#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <limits>

#include "causalattn/metrics/score_metrics.hpp"
#include "causalattn/timeseries/attribution.hpp"
#include "causalattn/timeseries/simulate.hpp"

namespace ca = causalattn;
using ca::Index;
using Catch::Matchers::Contains;

namespace {

ca::ArTrainingOptions short_training(Index layers, ca::ArTokens tokens) {
  ca::ArTrainingOptions o;
  o.model.max_lag = 3;
  o.model.layers = layers;
  o.model.tokens = tokens;
  o.model.width = 16;
  o.model.hidden = 32;
  o.epochs = 3;
  o.batch = 32;
  return o;
}

}  // namespace

TEST_CASE("AR transformer: input gradients equal finite differences of the trained model (double)", "[timeseries][ar]") {
  ca::Lorenz96Options lo;
  lo.variables = 5;
  lo.length = 300;
  lo.seed = 2;
  const ca::LaggedSeries s = ca::simulate_lorenz96(lo);
  for (const Index layers : {Index(0), Index(1), Index(2)}) {
    for (const auto tokens : {ca::ArTokens::per_step, ca::ArTokens::per_observation}) {
      INFO("layers " << layers << ", tokens " << (tokens == ca::ArTokens::per_step ? "per step" : "per observation"));
      auto fit = ca::fit_ar_transformer<double>(s.x, short_training(layers, tokens));
      ca::ArTransformer<double>& model = *fit.model;
      const ca::Matrix<double> windows = fit.windows(s.x).past.middleRows(40, 3);
      model.forward(windows);
      for (Index target = 0; target < 5; target += 2) {
        ca::Matrix<double> unit = ca::Matrix<double>::Zero(3, 5);
        unit.col(target).setOnes();
        const ca::Matrix<double> gradient = model.backward(unit);
        for (Index c = 0; c < windows.cols(); c += 2) {
          ca::Matrix<double> up = windows, down = windows;
          up.col(c).array() += 1e-6;
          down.col(c).array() -= 1e-6;
          const ca::Vector<double> difference = (model.forward(up).col(target) - model.forward(down).col(target)) / 2e-6;
          for (Index r = 0; r < 3; ++r) CHECK(gradient(r, c) == Approx(difference(r)).margin(1e-7));
        }
        model.forward(windows);
      }
    }
  }
}

TEST_CASE("on a linear VAR the attention-free model's squared gradients are its coefficients squared, near the truth", "[timeseries][ar]") {
  ca::VarOptions v;
  v.variables = 5;
  v.max_lag = 2;
  v.length = 6000;
  v.sparsity = 0.6;
  v.seed = 4;
  std::printf("linear VAR closed form: seed %llu\n", static_cast<unsigned long long>(v.seed));
  const ca::LaggedSeries s = ca::simulate_var(v);
  ca::ArTrainingOptions o;
  o.model.max_lag = 2;
  o.model.layers = 0;
  o.epochs = 60;
  o.weight_decay = 0;
  o.learning_rate = 1e-2;
  o.min_improvement = 0;  // run to the least-squares solution: no early stop on small gains
  o.patience = 60;
  auto fit = ca::fit_ar_transformer<double>(s.x, o);
  ca::AttributionOptions raw;
  raw.normalize = false;
  const ca::AttributionResult a = ca::lagged_attribution(fit, s.x, raw);
  // The closed form: the linear model's gradient is its weight, the same for every window.
  ca::ArTransformer<double>& model = *fit.model;
  ca::ParameterRegistry<double> registry;
  model.register_parameters(registry);
  const ca::Matrix<double>& weight = registry.entries().front().parameter->value;  // (p L) x p
  REQUIRE(weight.rows() == 10);
  // The truth in z-units: X_i(t) = sum a_ij X_j(t - l) becomes a_ij sd_j / sd_i.
  const ca::Vector<double> sd = fit.scale;
  // Every true coefficient is the same c (coefficient 1 shrunk by 0.95 until stable): recover it
  // from the VAR's own definition.
  std::vector<ca::Matrix<double>> a_true(2, ca::Matrix<double>::Zero(5, 5));
  double c = 1;
  for (;;) {
    for (int l = 0; l < 2; ++l)
      for (Index i = 0; i < 5; ++i)
        for (Index j = 0; j < 5; ++j) a_true[std::size_t(l)](i, j) = s.truth.has_link(j, i, l + 1) ? c : 0;
    if (ca::detail::var_spectral_radius(a_true) <= 0.97) break;
    c *= 0.95;
  }
  for (Index lag = 1; lag <= 2; ++lag) {
    for (Index source = 0; source < 5; ++source) {
      for (Index target = 0; target < 5; ++target) {
        const double score = a.scores.lagged[std::size_t(lag - 1)](source, target);
        const double w = weight((lag - 1) * 5 + source, target);
        CHECK(score == Approx(w * w).epsilon(1e-12));
        const double truth = a_true[std::size_t(lag - 1)](target, source) * sd(source) / sd(target);
        CHECK(w == Approx(truth).margin(0.05));
      }
    }
  }
}

TEST_CASE("AR transformer training is deterministic, thread-count invariant and stops early", "[timeseries][ar]") {
  ca::VarOptions v;
  v.variables = 4;
  v.length = 400;
  const ca::LaggedSeries s = ca::simulate_var(v);
  ca::ArTrainingOptions o = short_training(1, ca::ArTokens::per_step);
  o.epochs = 4;
  o.model.threads = 1;
  auto one = ca::fit_ar_transformer<float>(s.x, o);
  o.model.threads = 2;
  int calls = 0;
  o.progress = [&](const ca::ArTrainingProgress& p) {
    ++calls;
    CHECK(p.epochs == 4);
    CHECK(std::isfinite(p.validation_loss));
  };
  auto two = ca::fit_ar_transformer<float>(s.x, o);
  CHECK(calls == 4);
  const ca::Matrix<float> windows = one.windows(s.x).past.cast<float>();
  CHECK(one.model->forward(windows) == two.model->forward(windows));
  CHECK(one.train_loss == two.train_loss);
  // Early stopping: with patience 1 and a learning rate that overshoots, training stops before
  // the epoch limit and keeps the best epoch's parameters.
  o.epochs = 40;
  o.patience = 1;
  o.min_improvement = 0;
  o.learning_rate = 0.3;
  o.progress = nullptr;
  auto stopped = ca::fit_ar_transformer<float>(s.x, o);
  CHECK(stopped.validation_loss.size() < 40);
  CHECK(stopped.validation_loss.size() == std::size_t(stopped.best_epoch) + 1);
}

TEST_CASE("AR transformer recovers Lorenz-96's graph; rank statistics separate true edges", "[timeseries][ar]") {
  ca::Lorenz96Options lo;
  lo.variables = 6;
  lo.length = 600;
  lo.seed = 3;
  std::printf("AR transformer on Lorenz-96 p 6, T 600: seed %llu\n", static_cast<unsigned long long>(lo.seed));
  const ca::LaggedSeries s = ca::simulate_lorenz96(lo);
  ca::ArTrainingOptions o;
  o.model.max_lag = 3;
  o.epochs = 15;
  auto fit = ca::fit_ar_transformer<float>(s.x, o);
  ca::AttributionOptions a;
  a.rank_uncertainty = true;
  const ca::AttributionResult r = ca::lagged_attribution(fit, s.x, a);
  std::vector<double> scores;
  std::vector<int> labels;
  double true_rank = 0, false_rank = 0;
  for (Index i = 0; i < 6; ++i)
    for (Index j = 0; j < 6; ++j) {
      scores.push_back(r.scores.summary()(i, j));
      labels.push_back(s.truth.any_lag(i, j));
      (s.truth.any_lag(i, j) ? true_rank : false_rank) += r.rank_mean(i, j);
    }
  const double auc = ca::auroc(scores, labels);
  std::printf("  summary AUROC %.4f\n", auc);
  CHECK(auc > 0.95);
  CHECK(true_rank / 24 > false_rank / 12 + 1);  // 24 true edges, 12 absent
  CHECK(r.scores.summary().maxCoeff() == Approx(1));
  CHECK(r.windows == 597);
}

TEST_CASE("AR transformer rejects short, constant and non-finite series", "[timeseries][ar]") {
  ca::VarOptions v;
  v.variables = 3;
  v.length = 60;
  ca::Matrix<double> x = ca::simulate_var(v).x;
  ca::ArTrainingOptions o = short_training(1, ca::ArTokens::per_step);
  CHECK_THROWS_WITH(ca::fit_ar_transformer<float>(x.topRows(4), o), Contains("x") && Contains("4 rows"));
  ca::Matrix<double> constant = x;
  constant.col(2).setConstant(1.0);
  CHECK_THROWS_WITH(ca::fit_ar_transformer<float>(constant, o), Contains("x") && Contains("column 2"));
  ca::Matrix<double> broken = x;
  broken(9, 1) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(ca::fit_ar_transformer<float>(broken, o), Contains("x") && Contains("row 9"));
  o.model.width = 15;
  CHECK_THROWS_WITH(ca::fit_ar_transformer<float>(x, o), Contains("options.width"));
  o = short_training(1, ca::ArTokens::per_step);
  o.min_improvement = 1;
  CHECK_THROWS_WITH(ca::fit_ar_transformer<float>(x, o), Contains("options.min_improvement"));
  o = short_training(1, ca::ArTokens::per_step);
  auto fit = ca::fit_ar_transformer<float>(x, o);
  CHECK_THROWS_WITH(ca::lagged_attribution(fit, x.leftCols(2)), Contains("x"));
}
