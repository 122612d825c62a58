#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "causalattn/metrics/score_metrics.hpp"
#include "causalattn/nn/mesa_attention.hpp"  // installs the mesa mixer
#include "causalattn/timeseries/attribution.hpp"
#include "causalattn/timeseries/simulate.hpp"

namespace ca = causalattn;
using ca::Index;
using Catch::Matchers::Contains;

namespace {

ca::ArTrainingOptions short_training(Index layers, ca::ArTokens tokens, ca::ArReadout readout = ca::ArReadout::last_token) {
  ca::ArTrainingOptions o;
  o.model.max_lag = 3;
  o.model.layers = layers;
  o.model.tokens = tokens;
  o.model.readout = readout;
  o.model.width = 16;
  o.model.hidden = 32;
  o.epochs = 3;
  o.batch = 32;
  return o;
}

/// A seeded VAR series (the seed is printed).
ca::LaggedSeries var_series(const char* what, Index variables, Index max_lag, Index length, double sparsity, std::uint64_t seed) {
  ca::VarOptions v;
  v.variables = variables;
  v.max_lag = max_lag;
  v.length = length;
  v.sparsity = sparsity;
  v.seed = seed;
  std::printf("%s: seed %llu\n", what, static_cast<unsigned long long>(seed));
  return ca::simulate_var(v);
}

/// AUROC of summary scores (source, target) against the truth's links at any lag.
double summary_auroc(const ca::Matrix<double>& summary, const ca::LaggedSeries& s) {
  std::vector<double> scores;
  std::vector<int> labels;
  for (Index i = 0; i < summary.rows(); ++i)
    for (Index j = 0; j < summary.cols(); ++j) {
      scores.push_back(summary(i, j));
      labels.push_back(s.truth.any_lag(i, j));
    }
  return ca::auroc(scores, labels);
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
      for (const auto readout : {ca::ArReadout::last_token, ca::ArReadout::per_target}) {
        if (layers == 0 && readout == ca::ArReadout::per_target) continue;  // the linear model has no readout
        INFO("layers " << layers << ", tokens " << (tokens == ca::ArTokens::per_step ? "per step" : "per observation") << ", readout "
                       << (readout == ca::ArReadout::last_token ? "last token" : "per target"));
        ca::ArTrainingOptions options = short_training(layers, tokens, readout);
        options.model.time_harmonics = layers > 0 ? 2 : 0;  // covers the time embedding too
        auto fit = ca::fit_ar_transformer<double>(s.x, options);
        ca::ArTransformer<double>& model = *fit.model;
        const ca::Matrix<double> windows = fit.windows(s.x).past.middleRows(40, 3);
        const ca::Vector<double> positions = fit.window_positions({40, 41, 42}, 0, 3);  // empty without the embedding
        const auto forward = [&](const ca::Matrix<double>& w) { return model.forward(w, positions); };
        forward(windows);
        for (Index target = 0; target < 5; target += 2) {
          ca::Matrix<double> unit = ca::Matrix<double>::Zero(3, 5);
          unit.col(target).setOnes();
          const ca::Matrix<double> gradient = model.backward(unit);
          for (Index c = 0; c < windows.cols(); c += 2) {
            ca::Matrix<double> up = windows, down = windows;
            up.col(c).array() += 1e-6;
            down.col(c).array() -= 1e-6;
            const ca::Vector<double> difference = (forward(up).col(target) - forward(down).col(target)) / 2e-6;
            for (Index r = 0; r < 3; ++r) CHECK(gradient(r, c) == Approx(difference(r)).margin(1e-7));
          }
          forward(windows);
        }
        std::vector<const char*> names;
        if (readout == ca::ArReadout::per_target) names = {"target", "target_head.weight"};  // the readout's own parameters
        if (options.model.time_harmonics > 0) names.push_back("time");                          // E_time
        if (!names.empty()) {
          // d(sum of output 1) / d parameter against central differences.
          ca::ParameterRegistry<double> registry;
          model.register_parameters(registry);
          registry.zero_grad();
          ca::Matrix<double> unit = ca::Matrix<double>::Zero(3, 5);
          unit.col(1).setOnes();
          forward(windows);
          model.backward(unit);
          for (const char* name : names) {
            ca::Parameter<double>& parameter = registry.at(name);
            INFO(name);
            const Index step = std::string(name) == "time" ? 1 : 5;  // E_time is small: every entry (each feature row)
            for (Index e = 0; e < parameter.value.size(); e += step) {
              const double saved = parameter.value(e), analytic = parameter.grad(e);
              parameter.value(e) = saved + 1e-6;
              model.refresh();
              const double up = forward(windows).col(1).sum();
              parameter.value(e) = saved - 1e-6;
              model.refresh();
              const double down = forward(windows).col(1).sum();
              parameter.value(e) = saved;
              model.refresh();
              CHECK(analytic == Approx((up - down) / 2e-6).margin(1e-7));
            }
          }
        }
      }
    }
  }
}

TEMPLATE_TEST_CASE("per-target readout: output i sees the window only; raw attention rows sum to 1", "[timeseries][ar]", float, double) {
  ca::Lorenz96Options lo;
  lo.variables = 4;
  lo.length = 200;
  lo.seed = 5;
  const ca::LaggedSeries s = ca::simulate_lorenz96(lo);
  auto fit = ca::fit_ar_transformer<TestType>(s.x, short_training(1, ca::ArTokens::per_observation, ca::ArReadout::per_target));
  ca::ArTransformer<TestType>& model = *fit.model;
  const ca::Matrix<TestType> windows = fit.windows(s.x).past.middleRows(10, 5).template cast<TestType>();
  const ca::Matrix<TestType> before = model.forward(windows);
  // Moving readout token 2's embedding changes output 2 and no other: readout tokens are hidden
  // from every query, so each target's output depends on the window and its own token only.
  ca::ParameterRegistry<TestType> registry;
  model.register_parameters(registry);
  ca::Parameter<TestType>& target = registry.at("target");
  target.value(2, 0) += TestType(0.5);  // one entry: a constant shift of the row would vanish in the layer norm
  model.refresh();
  const ca::Matrix<TestType> after = model.forward(windows);
  for (Index i = 0; i < 4; ++i) {
    if (i == 2) CHECK((after.col(i) - before.col(i)).cwiseAbs().maxCoeff() > TestType(1e-4));
    else CHECK(after.col(i) == before.col(i));
  }
  target.value(2, 0) -= TestType(0.5);
  model.refresh();
  // Each readout token's attention over the window's p L tokens sums to 1, so do its raw scores.
  ca::AttributionOptions a;
  a.method = ca::Attribution::raw_attention;
  a.aggregation = ca::WindowAggregation::mean;  // the plain mean of rows that sum to 1
  a.normalize = false;
  const ca::AttributionResult r = ca::lagged_attribution(fit, s.x, a);
  const double tolerance = 100 * double(std::numeric_limits<TestType>::epsilon());
  for (Index i = 0; i < 4; ++i) {
    double total = 0;
    for (const auto& m : r.scores.lagged) total += m.col(i).sum();
    CHECK(total == Approx(1).margin(tolerance));
  }
  // The attention matrix hides the readout tokens: zero columns for every query.
  model.forward(windows);
  const ca::Matrix<TestType> attention = model.attention_matrix(0, 1);
  REQUIRE(attention.rows() == 12 + 4);
  CHECK(attention.rightCols(4).cwiseAbs().maxCoeff() == TestType(0));
  CHECK(attention.bottomRows(4).rowwise().sum().isApprox(ca::Vector<TestType>::Ones(4), TestType(tolerance)));
  // The extractor reads readout token i's row, token k into the window column of its value, averaged
  // over the heads; different targets attend differently.
  const std::vector<ca::Matrix<double>> read = ca::detail::readout_attention(model, 5);
  for (Index w = 0; w < 5; ++w) {
    const ca::Matrix<double> mean_attention = (model.attention_matrix(w, 0).template cast<double>() +
                                               model.attention_matrix(w, 1).template cast<double>()) /
                                              2;
    for (Index i = 0; i < 4; ++i)
      for (Index k = 0; k < 12; ++k) CHECK(read[std::size_t(i)](w, model.column_of_token(k)) == Approx(mean_attention(12 + i, k)).margin(1e-12));
  }
  CHECK((read[0] - read[1]).cwiseAbs().maxCoeff() > 1e-4);
  // Before any forward pass there is no attention to read.
  const ca::ArTransformer<TestType> fresh(4, model.options());
  CHECK_THROWS_WITH(fresh.attention_matrix(0, 0), Contains("no forward pass"));
}

TEST_CASE("raw attention of a 1-layer per-target model finds a lag-1 VAR's parents", "[timeseries][ar]") {
  // T 600 (AUROC 1 on seeds 6-10 in a Release build, as at T 2000) keeps the sanitizer run short.
  const ca::LaggedSeries s = var_series("raw attention on VAR(1) p 5, T 600", 5, 1, 600, 0.3, 6);
  ca::ArTrainingOptions o;
  o.model.max_lag = 2;
  o.model.layers = 1;
  o.model.tokens = ca::ArTokens::per_observation;
  o.model.readout = ca::ArReadout::per_target;
  o.model.width = 32;
  o.model.hidden = 64;
  o.epochs = 20;
  auto fit = ca::fit_ar_transformer<float>(s.x, o);
  ca::AttributionOptions a;
  a.method = ca::Attribution::raw_attention;
  const double auc = summary_auroc(ca::lagged_attribution(fit, s.x, a).scores.summary(), s);
  std::printf("  raw-attention summary AUROC %.4f\n", auc);
  CHECK(auc > 0.9);
}

TEST_CASE("on a linear VAR the attention-free model's squared gradients are its coefficients squared, near the truth", "[timeseries][ar]") {
  const ca::LaggedSeries s = var_series("linear VAR closed form", 5, 2, 6000, 0.6, 4);
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
  raw.aggregation = ca::WindowAggregation::mean;  // the mean of squared gradients, the note's estimator of H
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

TEST_CASE("interleaved validation holds out the end of every block and no window sharing rows with it", "[timeseries][ar]") {
  ca::ArTrainingOptions o;
  o.validation_fraction = 0.2;
  // The tail: the last 20% of 100 windows, all others train.
  const auto tail = ca::detail::split_windows(100, 3, o);
  CHECK(tail.held.size() == 20);
  CHECK(tail.held.front() == 80);
  CHECK(tail.train.size() == 80);
  o.validation = ca::ArValidation::interleaved;
  o.validation_blocks = 4;
  const auto split = ca::detail::split_windows(100, 3, o);
  // 4 blocks of 25 windows, each with its last 5 held out and 3 windows either side dropped.
  CHECK(split.held.size() == 20);
  CHECK(split.train.size() == 100 - 20 - 4 * 3 - 3 * 3);
  for (Index b = 0; b < 4; ++b) CHECK(std::count(split.held.begin(), split.held.end(), 25 * b + 24) == 1);
  for (Index u : split.train)
    for (Index v : split.held) CHECK(std::abs(u - v) > 3);
  o.validation_fraction = 0;
  CHECK(ca::detail::split_windows(100, 3, o).train.size() == 100);
  // A fit on the split reports a finite validation loss each epoch; bad block counts are refused.
  ca::VarOptions v;
  v.variables = 3;
  v.length = 300;
  const ca::LaggedSeries s = ca::simulate_var(v);
  ca::ArTrainingOptions t = short_training(1, ca::ArTokens::per_step);
  t.validation = ca::ArValidation::interleaved;
  const auto fit = ca::fit_ar_transformer<float>(s.x, t);
  for (double loss : fit.validation_loss) CHECK(std::isfinite(loss));
  t.validation_blocks = 0;
  CHECK_THROWS_WITH(ca::fit_ar_transformer<float>(s.x, t), Contains("options.validation_blocks") && Contains("is 0"));
}

TEMPLATE_TEST_CASE("window aggregation: share weighs every window the same, rank keeps each window's order of sources", "[timeseries][ar]", float,
                   double) {
  // Two windows of one target, p = 3 sources at 1 lag; the second window is 100x larger and ordered differently.
  ca::Matrix<double> scores(2, 3);
  scores << 1, 2, 7, 300, 200, 500;
  const ca::Matrix<double> share = ca::detail::aggregated_rows(scores, 3, ca::WindowAggregation::share);
  CHECK(share.row(0).sum() == Approx(1));
  CHECK(share.row(1).sum() == Approx(1));
  CHECK(share(1, 0) == Approx(0.3));
  const ca::Matrix<double> rank = ca::detail::aggregated_rows(scores, 3, ca::WindowAggregation::rank);
  CHECK(rank.row(0) == (ca::Matrix<double>(1, 3) << 0, 1, 2).finished());
  CHECK(rank.row(1) == (ca::Matrix<double>(1, 3) << 1, 0, 2).finished());
  // Mean-rank rows hold each entry's share of its source's strongest lag: with one lag, all 1.
  CHECK(ca::detail::aggregated_rows(scores, 3, ca::WindowAggregation::mean_rank) == ca::Matrix<double>::Ones(2, 3));
  CHECK(ca::detail::aggregated_rows(scores, 3, ca::WindowAggregation::mean) == scores);
  CHECK(ca::detail::aggregated_rows(ca::Matrix<double>::Zero(1, 3), 3, ca::WindowAggregation::share).isZero());
  CHECK(ca::detail::aggregated_rows(ca::Matrix<double>::Zero(1, 3), 3, ca::WindowAggregation::mean_rank).isZero());
  // Two lags: sources ranked by their strongest lag (2, 4, 6), the weaker lag scaled by its share.
  ca::Matrix<double> lagged(1, 6);
  lagged << 1, 4, 6, 2, 2, 3;
  CHECK(ca::detail::aggregated_rows(lagged, 3, ca::WindowAggregation::rank) == (ca::Matrix<double>(1, 6) << 0, 1, 2, 0, 0.5, 1).finished());
  CHECK(ca::detail::aggregated_rows(lagged, 3, ca::WindowAggregation::mean_rank) == (ca::Matrix<double>(1, 6) << 0.5, 1, 1, 1, 0.5, 0.5).finished());
  // The mean shares rescaled so that each pair's largest lag carries its mean rank; a pair whose
  // shares are all 0 stays 0 whatever its rank.
  std::vector<ca::Matrix<double>> shares{(ca::Matrix<double>(2, 2) << 0.5, 0, 1, 0).finished(),
                                         (ca::Matrix<double>(2, 2) << 1, 0, 0.25, 0).finished()};
  ca::detail::rank_weighted_lags(shares, (ca::Matrix<double>(2, 2) << 1.5, 1, 0.5, 0).finished());
  CHECK(shares[0] == (ca::Matrix<double>(2, 2) << 0.75, 0, 0.5, 0).finished());
  CHECK(shares[1] == (ca::Matrix<double>(2, 2) << 1.5, 0, 0.125, 0).finished());
  // On one window, normalised per target, the share equals the plain mean; over many windows
  // the two differ (the windows' totals differ).
  ca::VarOptions v;
  v.variables = 3;
  v.length = 200;
  const ca::LaggedSeries s = ca::simulate_var(v);
  const auto fit = ca::fit_ar_transformer<TestType>(s.x, short_training(1, ca::ArTokens::per_step));
  const double tolerance = 100 * double(std::numeric_limits<TestType>::epsilon());
  ca::AttributionOptions a;
  a.aggregation = ca::WindowAggregation::mean;
  a.max_windows = 1;
  const auto one_mean = ca::lagged_attribution(fit, s.x, a);
  a.aggregation = ca::WindowAggregation::share;
  const auto one_share = ca::lagged_attribution(fit, s.x, a);
  for (std::size_t lag = 0; lag < 3; ++lag) CHECK(one_share.scores.lagged[lag].isApprox(one_mean.scores.lagged[lag], tolerance));
  a.max_windows = 0;
  const auto all_share = ca::lagged_attribution(fit, s.x, a);
  a.aggregation = ca::WindowAggregation::mean;
  const auto all_mean = ca::lagged_attribution(fit, s.x, a);
  CHECK_FALSE(all_share.scores.lagged[0].isApprox(all_mean.scores.lagged[0], 1e-3));
  // Both rank aggregations on one window: each target's summary is a permutation of the ranks
  // 0..p-1 and equals the rank statistics' mean.
  a.normalize = false;
  a.rank_uncertainty = true;
  a.max_windows = 1;
  for (const ca::WindowAggregation aggregation : {ca::WindowAggregation::rank, ca::WindowAggregation::mean_rank}) {
    a.aggregation = aggregation;
    const auto ranks = ca::lagged_attribution(fit, s.x, a);
    const ca::Matrix<double> summary = ranks.scores.summary();
    CHECK(summary == ranks.rank_mean);
    for (Index target = 0; target < 3; ++target) {
      std::vector<double> column(summary.col(target).data(), summary.col(target).data() + 3);
      std::sort(column.begin(), column.end());
      CHECK(column == std::vector<double>{0, 1, 2});
    }
  }
  // Over all windows (whose strongest lags differ) the mean-rank summary is still the mean rank
  // exactly; the rank summary (each window's rank spread over lags, then averaged) never exceeds it
  // and here falls below it.
  a.max_windows = 0;
  a.aggregation = ca::WindowAggregation::rank;
  const auto spread = ca::lagged_attribution(fit, s.x, a);
  CHECK((spread.scores.summary().array() <= spread.rank_mean.array() + tolerance).all());
  CHECK(spread.scores.summary() != spread.rank_mean);
  a.aggregation = ca::WindowAggregation::mean_rank;
  const auto all_ranks = ca::lagged_attribution(fit, s.x, a);
  CHECK(all_ranks.scores.summary() == all_ranks.rank_mean);
  CHECK(all_ranks.rank_mean.minCoeff() >= 0);
  CHECK(all_ranks.rank_mean.maxCoeff() <= 2);
  // Without rank_uncertainty the statistics are not returned, and the scores are the same.
  a.rank_uncertainty = false;
  const auto plain_ranks = ca::lagged_attribution(fit, s.x, a);
  CHECK(plain_ranks.rank_mean.size() == 0);
  CHECK(plain_ranks.rank_sd.size() == 0);
  for (std::size_t lag = 0; lag < 3; ++lag) CHECK(plain_ranks.scores.lagged[lag] == all_ranks.scores.lagged[lag]);
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
  double true_rank = 0, false_rank = 0;
  for (Index i = 0; i < 6; ++i)
    for (Index j = 0; j < 6; ++j) (s.truth.any_lag(i, j) ? true_rank : false_rank) += r.rank_mean(i, j);
  const double auc = summary_auroc(r.scores.summary(), s);
  std::printf("  summary AUROC %.4f\n", auc);
  CHECK(auc > 0.95);
  CHECK(true_rank / 24 > false_rank / 12 + 1);  // 24 true edges, 12 absent
  CHECK(r.scores.summary().maxCoeff() == Approx(1));
  CHECK(r.windows == 597);
}

TEMPLATE_TEST_CASE("time embedding: windows at different positions predict differently; positions are checked", "[timeseries][ar]", float,
                   double) {
  // Two regimes whose lag-1 self coefficient flips sign: x(t) = +-0.8 x(t - 1) + noise. The
  // same window must be predicted with opposite signs in the two halves, which only a model that
  // knows the position can do.
  const std::uint64_t seed = 5;
  std::printf("time embedding: seed %llu\n", static_cast<unsigned long long>(seed));
  ca::Rng rng(seed);
  ca::Matrix<double> x(600, 2);
  x.row(0).setZero();
  for (Index t = 1; t < x.rows(); ++t) {
    const double sign = t < 300 ? 0.8 : -0.8;
    for (Index j = 0; j < 2; ++j) x(t, j) = sign * x(t - 1, j) + rng.normal();
  }
  ca::ArTrainingOptions o = short_training(1, ca::ArTokens::per_step);
  o.model.max_lag = 1;
  o.epochs = 30;
  o.validation_fraction = 0;
  o.model.time_harmonics = 1;
  o.learning_rate = 3e-3;
  auto timed = ca::fit_ar_transformer<TestType>(x, o);
  ca::ArTransformer<TestType>& model = *timed.model;
  ca::Matrix<TestType> window(2, 2);
  window << TestType(1), TestType(1), TestType(1), TestType(1);
  ca::Vector<double> positions(2);
  positions << 0.25, 0.75;
  const ca::Matrix<TestType> prediction = model.forward(window, positions);
  INFO("early " << prediction.row(0) << ", late " << prediction.row(1));
  for (Index j = 0; j < 2; ++j) {
    CHECK(prediction(0, j) > TestType(0.3));   // early regime: +0.8 (z-scored units)
    CHECK(prediction(1, j) < TestType(-0.3));  // late regime: -0.8
  }
  // The stationary model cannot tell the halves apart. Both halves have the same stationary law,
  // so its best prediction averages +0.8 and -0.8: near 0, within the 0.3 the timed model clears.
  o.model.time_harmonics = 0;
  auto stationary = ca::fit_ar_transformer<TestType>(x, o);
  const ca::Matrix<TestType> flat = stationary.model->forward(window.topRows(1));
  INFO("stationary " << flat);
  for (Index j = 0; j < 2; ++j) CHECK(std::abs(flat(0, j)) < TestType(0.3));
  // Positions: required with the embedding, refused without, finite, one per window; the
  // attribution needs the training series itself.
  CHECK_THROWS_WITH(model.forward(window), Contains("positions") && Contains("0 entries for 2 windows"));
  CHECK_THROWS_WITH(stationary.model->forward(window, positions), Contains("positions") && Contains("no time embedding"));
  positions(1) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(model.forward(window, positions), Contains("positions") && Contains("entry 1"));
  CHECK_THROWS_WITH(ca::lagged_attribution(timed, ca::Matrix<double>(x.topRows(400))), Contains("x") && Contains("400 rows") && Contains("600"));
  CHECK(timed.window_positions({0, 598}, 0, 2)(0) == Approx(1.0 / 599));  // window 0 predicts row 1
  CHECK(timed.window_positions({0, 598}, 0, 2)(1) == Approx(1.0));
  CHECK(stationary.window_positions({0, 1}, 0, 2).size() == 0);
  CHECK_THROWS_WITH(timed.window_positions({0, 599}, 0, 2), Contains("indices") && Contains("entry 1 is 599"));
  CHECK_THROWS_WITH(timed.window_positions({0, 1}, 1, 2), Contains("count") && Contains("is 2"));
  o.model.time_harmonics = 65;
  CHECK_THROWS_WITH(ca::fit_ar_transformer<TestType>(x, o), Contains("options.time_harmonics"));
  o.model.time_harmonics = 1;
  o.model.layers = 0;
  CHECK_THROWS_WITH(ca::fit_ar_transformer<TestType>(x, o), Contains("options.time_harmonics") && Contains("layers"));
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
  // Raw attention needs 1 layer, per-observation tokens and the per-target readout.
  ca::AttributionOptions raw;
  raw.method = ca::Attribution::raw_attention;
  CHECK_THROWS_WITH(ca::lagged_attribution(fit, x, raw), Contains("options.method") && Contains("raw_attention"));
  auto two_layers = ca::fit_ar_transformer<float>(x, short_training(2, ca::ArTokens::per_observation, ca::ArReadout::per_target));
  CHECK_THROWS_WITH(ca::lagged_attribution(two_layers, x, raw), Contains("options.method") && Contains("has 2"));
  CHECK_THROWS_WITH(ca::fit_ar_transformer<float>(x, short_training(0, ca::ArTokens::per_observation, ca::ArReadout::per_target)),
                    Contains("options.readout"));
}

TEST_CASE("mesa and hybrid AR models: exact input and lambda gradients, thread-count invariant training",
          "[timeseries][ar][mesa]") {
  ca::Lorenz96Options lo;
  lo.variables = 4;
  lo.length = 300;
  lo.seed = 3;
  const ca::LaggedSeries s = ca::simulate_lorenz96(lo);
  for (const auto mixer : {ca::ArMixer::mesa, ca::ArMixer::hybrid}) {
    for (const auto tokens : {ca::ArTokens::per_step, ca::ArTokens::per_observation}) {
      for (const auto readout : {ca::ArReadout::last_token, ca::ArReadout::per_target}) {
        INFO("mixer " << (mixer == ca::ArMixer::mesa ? "mesa" : "hybrid") << ", tokens "
                      << (tokens == ca::ArTokens::per_step ? "per step" : "per observation") << ", readout "
                      << (readout == ca::ArReadout::last_token ? "last token" : "per target"));
        ca::ArTrainingOptions options = short_training(mixer == ca::ArMixer::hybrid ? 2 : 1, tokens, readout);
        options.model.mixer = mixer;
        options.model.threads = 1;
        auto fit = ca::fit_ar_transformer<double>(s.x, options);
        ca::ArTransformer<double>& model = *fit.model;
        const ca::Matrix<double> windows = fit.windows(s.x).past.middleRows(60, 3);
        model.forward(windows);
        ca::ParameterRegistry<double> registry;
        model.register_parameters(registry);
        registry.zero_grad();
        ca::Matrix<double> unit = ca::Matrix<double>::Zero(3, 4);
        unit.col(2).setOnes();
        const ca::Matrix<double> gradient = model.backward(unit);
        for (Index c = 0; c < windows.cols(); c += 2) {
          ca::Matrix<double> up = windows, down = windows;
          up.col(c).array() += 1e-6;
          down.col(c).array() -= 1e-6;
          const ca::Vector<double> difference = (model.forward(up).col(2) - model.forward(down).col(2)) / 2e-6;
          for (Index r = 0; r < 3; ++r) CHECK(gradient(r, c) == Approx(difference(r)).margin(1e-7));
        }
        const std::string block = mixer == ca::ArMixer::hybrid ? "encoder.block1" : "encoder.block0";
        ca::Parameter<double>& theta = registry.at(block + ".mesa.log_lambda");
        for (Index h = 0; h < theta.value.size(); ++h) {
          const double saved = theta.value(h), analytic = theta.grad(h);
          theta.value(h) = saved + 1e-6;
          const double up = model.forward(windows).col(2).sum();
          theta.value(h) = saved - 1e-6;
          const double down = model.forward(windows).col(2).sum();
          theta.value(h) = saved;
          CHECK(analytic == Approx((up - down) / 2e-6).margin(1e-7));
        }
        // Training with two threads gives the same model.
        options.model.threads = 2;
        auto two = ca::fit_ar_transformer<double>(s.x, options);
        CHECK(two.model->forward(windows) == model.forward(windows));
      }
    }
  }
  ca::ArTrainingOptions raw = short_training(1, ca::ArTokens::per_observation, ca::ArReadout::per_target);
  raw.model.mixer = ca::ArMixer::hybrid;
  CHECK_THROWS_WITH(ca::fit_ar_transformer<double>(s.x, raw), Contains("options.mixer") && Contains("layers >= 2"));
}
