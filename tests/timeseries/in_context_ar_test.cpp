#include "causalattn/timeseries/in_context_ar.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include <Eigen/Cholesky>

#include "causalattn/core/threads.hpp"
#include "causalattn/metrics/lagged_metrics.hpp"
#include "causalattn/timeseries/simulate.hpp"

namespace ca = causalattn;
using ca::Index;
using Catch::Matchers::Contains;

namespace {

/// A seeded Lorenz-96 series (the seed is printed).
ca::Matrix<double> lorenz(Index variables, Index length, std::uint64_t seed) {
  ca::Lorenz96Options o;
  o.variables = variables;
  o.length = length;
  o.seed = seed;
  std::printf("in-context AR: Lorenz-96 seed %llu\n", static_cast<unsigned long long>(seed));
  return ca::simulate_lorenz96(o).x;
}

/// The prediction of every token by a direct solve: features of the query and key windows, then
/// for token t the ridge fit (sum_{s<=t} k_s k_s' + I / lambda) c = sum_{s<=t} k_s v_s' by
/// Cholesky, applied to the query.
template <class Scalar>
ca::Matrix<double> direct_predictions(const ca::InContextAr<Scalar>& model, const ca::Matrix<double>& past) {
  const Index p = model.variables(), width = model.window_width(), d = model.feature_width();
  const ca::Matrix<double> q = model.features(past.leftCols(width).cast<Scalar>()).template cast<double>();
  const ca::Matrix<double> k = model.features(past.rightCols(width).cast<Scalar>()).template cast<double>();
  ca::Matrix<double> out(past.rows(), p);
  for (Index t = 0; t < past.rows(); ++t) {
    const ca::Matrix<double> gram = k.topRows(t + 1).transpose() * k.topRows(t + 1) +
                                    ca::Matrix<double>::Identity(d, d) / model.lambda();
    const ca::Matrix<double> cross = k.topRows(t + 1).transpose() * past.topRows(t + 1).leftCols(p);
    out.row(t) = (gram.llt().solve(cross).transpose() * q.row(t).transpose()).transpose();
  }
  return out;
}

template <class Scalar>
void check_against_direct(Index features, double tolerance) {
  ca::InContextArOptions o;
  o.max_lag = 3;
  o.features = features;
  o.initial_lambda = 0.7;
  o.epochs = 4;  // a trained model: A, c and lambda away from their initial values
  const ca::Matrix<double> x = lorenz(4, 61, 11);
  const auto fit = ca::fit_in_context_ar<Scalar>(x, o);
  const ca::LaggedDesign tokens = fit.tokens(x);
  ca::InContextAr<Scalar> model = *fit.model;
  const ca::Matrix<double> layer = model.forward(tokens.past.cast<Scalar>()).template cast<double>();
  const ca::Matrix<double> direct = direct_predictions(model, tokens.past);
  CHECK((layer - direct).cwiseAbs().maxCoeff() <= tolerance * (1 + direct.cwiseAbs().maxCoeff()));
  // predict() is the same in x's units
  const ca::Matrix<double> predicted = fit.predict(x);
  const ca::Matrix<double> in_units = (direct.array().rowwise() * fit.scale.transpose().array()).rowwise() +
                                      fit.mean.transpose().array();
  CHECK((predicted - in_units).cwiseAbs().maxCoeff() <= tolerance * (1 + in_units.cwiseAbs().maxCoeff()));
}

}  // namespace

TEST_CASE("in-context AR: every prediction is the ridge regression on the earlier pairs (direct solve)",
          "[timeseries][in_context]") {
  check_against_direct<double>(0, 1e-10);
  check_against_direct<double>(4, 1e-10);
  check_against_direct<float>(4, 1e-3);  // float: the recursion over 57 tokens in single precision
}

TEST_CASE("in-context AR: gradients of A, c and log lambda equal finite differences (double)", "[timeseries][in_context]") {
  ca::InContextArOptions o;
  o.max_lag = 2;
  o.features = 3;
  o.initial_lambda = 0.5;
  const ca::Matrix<double> x = lorenz(4, 40, 12);
  ca::InContextAr<double> model(4, o);
  const ca::LaggedDesign tokens = ca::lagged_design(x, 3);
  ca::ParameterRegistry<double> registry;
  model.register_parameters(registry);
  REQUIRE(registry.entries().size() == 3);
  auto loss = [&] { return (model.forward(tokens.past) - tokens.present).squaredNorm(); };
  registry.zero_grad();
  model.backward(2 * (model.forward(tokens.past) - tokens.present));
  for (const auto& e : registry.entries()) {
    ca::Parameter<double>& parameter = *e.parameter;
    for (Index j = 0; j < parameter.value.cols(); ++j)
      for (Index i = 0; i < parameter.value.rows(); ++i) {
        const double h = 1e-6, saved = parameter.value(i, j);
        parameter.value(i, j) = saved + h;
        const double up = loss();
        parameter.value(i, j) = saved - h;
        const double down = loss();
        parameter.value(i, j) = saved;
        const double numeric = (up - down) / (2 * h);
        INFO(e.name << " (" << i << ", " << j << ")");
        CHECK(parameter.grad(i, j) == Approx(numeric).epsilon(1e-5).margin(1e-7));
      }
  }
}

TEST_CASE("in-context AR: links acting only at lags 2 and 3 are found at their lags", "[timeseries][in_context]") {
  ca::VarOptions v;
  v.variables = 8;
  v.sparsity = 0.4;  // two parents besides itself
  v.max_lag = 3;
  v.min_lag = 2;
  v.length = 600;
  v.seed = 31;
  std::printf("in-context AR: VAR delays 2-3 seed %llu\n", static_cast<unsigned long long>(v.seed));
  const ca::LaggedSeries s = ca::simulate_var(v);
  ca::InContextArOptions o;
  o.epochs = 10;
  const auto fit = ca::fit_in_context_ar<double>(s.x, o);
  const ca::AttributionResult a = ca::in_context_attribution(fit);
  CHECK(a.scores.method == "in-context");
  const ca::SummaryGraphAccuracy accuracy = ca::summary_graph_accuracy(a.scores.summary(), s.truth, false);
  std::printf("in-context AR: summary AUROC %.3f\n", accuracy.auroc);
  CHECK(accuracy.auroc >= 0.95);
  Index links = 0, at_lag = 0;  // the strongest lag of every true cross link is one where it acts
  for (Index source = 0; source < 8; ++source)
    for (Index target = 0; target < 8; ++target) {
      if (source == target || !s.truth.any_lag(source, target)) continue;
      Index best = 1;
      for (Index lag = 2; lag <= a.scores.max_lag(); ++lag)
        if (a.scores.lagged[std::size_t(lag - 1)](source, target) > a.scores.lagged[std::size_t(best - 1)](source, target))
          best = lag;
      ++links;
      at_lag += best <= s.truth.max_lag() && s.truth.has_link(source, target, best) ? 1 : 0;
    }
  REQUIRE(links > 0);
  CHECK(double(at_lag) >= 0.9 * double(links));
}

TEST_CASE("in-context AR: training and scores do not depend on the thread count", "[timeseries][in_context]") {
  const ca::Matrix<double> x = lorenz(4, 200, 13);
  ca::InContextArOptions o;
  o.features = 4;
  o.epochs = 5;
  auto run = [&](int threads) {
    const ca::ThreadLimit limit(threads);
    const auto fit = ca::fit_in_context_ar<double>(x, o);
    return ca::in_context_attribution(fit).scores.summary();
  };
  CHECK(run(1) == run(2));
}

TEST_CASE("in-context AR: bad options and inputs are refused by name", "[timeseries][in_context]") {
  const ca::Matrix<double> x = lorenz(4, 50, 14);
  ca::InContextArOptions o;
  o.features = -1;
  CHECK_THROWS_WITH(ca::fit_in_context_ar<double>(x, o), Contains("options.features"));
  o = {};
  o.initial_lambda = 0;
  CHECK_THROWS_WITH(ca::fit_in_context_ar<double>(x, o), Contains("options.initial_lambda"));
  o = {};
  CHECK_THROWS_WITH(ca::fit_in_context_ar<double>(x.topRows(7), o), Contains("x"));
  ca::Matrix<double> bad = x;
  bad(4, 1) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(ca::fit_in_context_ar<double>(bad, o), Contains("x"));
  o.epochs = 2;
  const auto fit = ca::fit_in_context_ar<double>(x, o);
  ca::AttributionOptions raw;
  raw.method = ca::Attribution::raw_attention;
  CHECK_THROWS_WITH(ca::in_context_attribution(fit, raw), Contains("options.method"));
  CHECK_THROWS_WITH(ca::in_context_attribution(fit, x.leftCols(3)), Contains("x"));
  ca::InContextAr<double> model = *fit.model;
  CHECK_THROWS_WITH(model.forward(ca::Matrix<double>::Zero(5, 7)), Contains("past"));
  // repeated keys (a constant stretch) stay finite: the ridge term keeps the system definite
  ca::Matrix<double> flat = x;
  flat.middleRows(10, 20).rowwise() = x.row(10);
  CHECK(fit.predict(flat).allFinite());
}
