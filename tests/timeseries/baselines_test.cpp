#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <limits>

#include "causalattn/timeseries/granger.hpp"
#include "causalattn/timeseries/pcmci.hpp"
#include "causalattn/timeseries/simulate.hpp"
#include "causalattn/timeseries/summary_graph.hpp"

namespace ca = causalattn;
using ca::Index;
using Catch::Matchers::Contains;

TEST_CASE("F and t tail probabilities match closed forms", "[timeseries][granger]") {
  // I_x(2, 5) is a binomial tail: sum_{j=2..6} C(6, j) x^j (1 - x)^(6 - j).
  const double x = 0.3;
  double tail = 0;
  for (int j = 2; j <= 6; ++j) tail += std::tgamma(7) / (std::tgamma(j + 1) * std::tgamma(7 - j)) * std::pow(x, j) * std::pow(1 - x, 6 - j);
  CHECK(ca::detail::regularized_beta(2, 5, x) == Approx(tail).epsilon(1e-13));
  // t with 1 degree of freedom is Cauchy: P(|T| > t) = 1 - 2 atan(t) / pi.
  for (double t : {0.1, 1.0, 7.5}) CHECK(ca::detail::student_two_sided(t, 1) == Approx(1 - 2 * std::atan(t) / M_PI).epsilon(1e-12));
  // F(2, d2) has the closed-form tail (1 + 2 f / d2)^(-d2 / 2).
  for (double f : {0.5, 3.0, 40.0}) CHECK(ca::detail::f_upper_tail(f, 2, 30) == Approx(std::pow(1 + 2 * f / 30, -15)).epsilon(1e-12));
  CHECK(ca::detail::f_upper_tail(0, 3, 10) == 1);
}

TEST_CASE("Granger's Wald F equals the restricted-regression F", "[timeseries][granger]") {
  ca::VarOptions o;
  o.variables = 4;
  o.max_lag = 2;
  o.length = 300;
  o.seed = 21;
  const ca::LaggedSeries s = ca::simulate_var(o);
  const ca::GrangerResult g = ca::granger(s.x, 2);
  const ca::LaggedDesign d = ca::lagged_design(s.x, 2);
  const Index n = d.present.rows();
  auto rss = [&](const ca::Matrix<double>& z, Index target) {
    ca::Matrix<double> with_intercept(n, z.cols() + 1);
    with_intercept << ca::Matrix<double>::Ones(n, 1), z;
    const ca::Vector<double> b = with_intercept.colPivHouseholderQr().solve(d.present.col(target));
    return (d.present.col(target) - with_intercept * b).squaredNorm();
  };
  for (Index target = 0; target < 4; ++target) {
    const double full = rss(d.past, target);
    for (Index source = 0; source < 4; ++source) {
      ca::Matrix<double> restricted(n, 6);
      Index c = 0;
      for (Index col = 0; col < 8; ++col)
        if (col % 4 != source) restricted.col(c++) = d.past.col(col);
      const double f = ((rss(restricted, target) - full) / 2) / (full / double(n - 8 - 1));
      CHECK(g.f_statistic(source, target) == Approx(f).epsilon(1e-8));
    }
  }
  CHECK(g.denominator_freedom == double(n - 9));
}

TEST_CASE("Granger recovers a VAR's graph at large T", "[timeseries][granger]") {
  ca::VarOptions o;
  o.variables = 10;
  o.max_lag = 3;
  o.length = 5000;
  o.seed = 2;
  std::printf("Granger on VAR(3), p 10, T 5000: seed %llu\n", static_cast<unsigned long long>(o.seed));
  const ca::LaggedSeries s = ca::simulate_var(o);
  const ca::GrangerResult g = ca::granger(s.x, 3);
  const double bonferroni = 0.01 / 100;
  for (Index source = 0; source < 10; ++source)
    for (Index target = 0; target < 10; ++target) CHECK((g.p_value(source, target) < bonferroni) == s.truth.any_lag(source, target));
  CHECK(g.scores.method == "granger");
  CHECK(g.scores.max_lag() == 3);
}

TEST_CASE("PCMCI recovers a small VAR's lagged parents at alpha 0.01", "[timeseries][pcmci]") {
  ca::VarOptions o;
  o.variables = 5;
  o.max_lag = 2;
  o.length = 2000;
  o.sparsity = 0.6;  // two other parents per node
  // A fixed seed: each of the 20 absent links is a false positive with probability ~alpha, so
  // exact recovery holds for most seeds (6 of seeds 8-15; the others had one false positive).
  o.seed = 10;
  std::printf("PCMCI on VAR(2), p 5, T 2000: seed %llu\n", static_cast<unsigned long long>(o.seed));
  const ca::LaggedSeries s = ca::simulate_var(o);
  ca::PcmciOptions options;
  options.alpha = 0.01;
  const ca::PcmciResult r = ca::pcmci(s.x, 2, options);
  CHECK(r.graph == s.truth);
  options.threads = 1;
  const ca::PcmciResult serial = ca::pcmci(s.x, 2, options);
  CHECK(serial.scores.lagged == r.scores.lagged);  // thread count does not matter
  CHECK(r.tests > 50);
}

TEST_CASE("lagged methods reject short, constant and non-finite series", "[timeseries][granger][pcmci]") {
  ca::VarOptions o;
  o.variables = 3;
  o.length = 40;
  ca::Matrix<double> x = ca::simulate_var(o).x;
  CHECK_THROWS_WITH(ca::granger(x.topRows(10), 3), Contains("x") && Contains("10 rows"));
  CHECK_THROWS_WITH(ca::pcmci(x.topRows(12), 3), Contains("x") && Contains("12 rows"));
  CHECK_THROWS_WITH(ca::granger(x, 0), Contains("max_lag"));
  ca::Matrix<double> constant = x;
  constant.col(1).setConstant(2.0);
  CHECK_THROWS_WITH(ca::granger(constant, 2), Contains("x") && Contains("column 1"));
  CHECK_THROWS_WITH(ca::pcmci(constant, 1), Contains("x") && Contains("column 1"));
  ca::Matrix<double> broken = x;
  broken(7, 2) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(ca::granger(broken, 2), Contains("x") && Contains("row 7"));
  CHECK_THROWS_WITH(ca::pcmci(broken, 1), Contains("x") && Contains("row 7"));
  CHECK_THROWS_WITH(ca::granger(x, 2, {"a", "b"}), Contains("names"));
  ca::PcmciOptions bad;
  bad.alpha = 1.5;
  CHECK_THROWS_WITH(ca::pcmci(x, 1, bad), Contains("options.alpha"));
}

TEST_CASE("scores: per-target normalisation, lag collapse and binarisation", "[timeseries][scores]") {
  ca::LaggedScores s;
  s.names = {"a", "b", "c"};
  s.lagged = {ca::Matrix<double>::Zero(3, 3), ca::Matrix<double>::Zero(3, 3)};
  s.lagged[0] << 1, 4, 0,  //
      2, 0, 0,             //
      3, 1, 0;
  s.lagged[1] << 5, 1, 0,  //
      0, 2, 0,             //
      1, 8, 0;
  CHECK(s.summary()(0, 0) == 5);
  CHECK(s.summary(ca::LagCollapse::sum)(2, 1) == 9);
  s.normalize_per_target();
  CHECK(s.lagged[1](0, 0) == 1);
  CHECK(s.lagged[0](2, 0) == Approx(0.6));
  CHECK(s.lagged[1](2, 1) == 1);
  CHECK(s.lagged[0](2, 2) == 0);  // an all-zero target stays 0
  const ca::Matrix<double> summary = s.summary();
  const ca::Matrix<double> row = ca::binarize(summary, ca::Binarization::row_top_k, 1);
  CHECK(row.col(0).sum() == 1);
  CHECK(row(0, 0) == 1);
  CHECK(row(2, 1) == 1);
  CHECK(row(0, 2) == 1);  // ties (all 0) broken by the lowest source
  const ca::Matrix<double> global = ca::binarize(summary, ca::Binarization::global_top_k, 2);
  CHECK(global.sum() == 2);
  CHECK(global(0, 0) == 1);
  CHECK(global(2, 1) == 1);
  CHECK(ca::binarize(summary, ca::Binarization::threshold, 0, 0.5).sum() == 4);
  CHECK(ca::lagged_graph_at(s, 0.99).link_count() == 2);
  CHECK_THROWS_WITH(ca::binarize(summary, ca::Binarization::row_top_k, -1), Contains("k"));
}

TEST_CASE("summary graph: strongest lag, its p-value and each link rule", "[timeseries][scores]") {
  ca::LaggedScores s;
  s.names = {"a", "b"};
  s.lagged = {ca::Matrix<double>(2, 2), ca::Matrix<double>(2, 2), ca::Matrix<double>(2, 2)};
  s.lagged[0] << 0.9, 0.1,  //
      0.2, 0.25;
  s.lagged[1] << 0.4, 0.6,  //
      0.2, 0.1;
  s.lagged[2] << 0.1, 0.6,  //
      0.8, 0.05;
  std::vector<ca::Matrix<double>> p(3, ca::Matrix<double>::Constant(2, 2, 0.5));
  p[1](0, 1) = 0.01;  // (a, b) peaks at lag 2 (tied with lag 3: the smaller lag wins)
  p[2](1, 0) = 0.2;   // (b, a) peaks at lag 3 with p = 0.2
  p[0](0, 0) = 0.001;
  const ca::LaggedSummary by_p = ca::lagged_summary(s, p);
  CHECK(by_p.lag(0, 0) == 1);
  CHECK(by_p.lag(0, 1) == 2);
  CHECK(by_p.lag(1, 0) == 3);
  CHECK(by_p.lag(1, 1) == 1);
  CHECK(by_p.scores(1, 0) == 0.8);
  CHECK(by_p.p_value(0, 1) == 0.01);
  CHECK(by_p.p_value(1, 0) == 0.2);
  ca::Matrix<double> first_row(2, 2);  // links a -> a and a -> b
  first_row << 1, 1,                   //
      0, 0;
  CHECK(by_p.graph == first_row);
  CHECK(by_p.rule == "p < 0.05");
  ca::SummaryGraphOptions loose;
  loose.alpha = 0.3;
  CHECK(ca::lagged_summary(s, p, loose).graph(1, 0) == 1);

  // Without p-values: a target's sources at least half as strong as its strongest.
  const ca::LaggedSummary by_score = ca::lagged_summary(s);
  CHECK(by_score.p_value.size() == 0);
  ca::Matrix<double> half(2, 2);  // b -> a: 0.8 >= 0.9 / 2; b -> b: 0.25 < 0.6 / 2
  half << 1, 1,                   //
      1, 0;
  CHECK(by_score.graph == half);
  ca::SummaryGraphOptions top;
  top.top_k = 1;
  const ca::LaggedSummary by_top = ca::lagged_summary(s, p, top);
  CHECK(by_top.graph == first_row);
  CHECK(by_top.rule == "each target's 1 strongest sources");
  ca::SummaryGraphOptions at;
  at.threshold = 0.7;
  const ca::LaggedSummary by_threshold = ca::lagged_summary(s, {}, at);
  CHECK(by_threshold.graph.sum() == 2);
  CHECK(by_threshold.graph(1, 0) == 1);
  CHECK(by_threshold.rule == "score >= 0.7");
  at.threshold = std::numeric_limits<double>::infinity();  // an empty graph, not an error
  CHECK(ca::lagged_summary(s, {}, at).graph.sum() == 0);
  at.threshold = std::nan("");
  CHECK_THROWS_WITH(ca::lagged_summary(s, {}, at), Contains("options.threshold: is NaN"));
  at.threshold = 0.7;
  ca::LaggedScores ragged = s;
  ragged.lagged[2] = ca::Matrix<double>::Zero(2, 3);
  CHECK_THROWS_WITH(ca::lagged_summary(ragged), Contains("scores: has a lag matrix that is not 2 x 2"));

  CHECK_THROWS_WITH(ca::lagged_summary(s, {p[0]}), Contains("p_values"));
  at.top_k = 1;
  CHECK_THROWS_WITH(ca::lagged_summary(s, {}, at), Contains("options.top_k"));
  ca::SummaryGraphOptions bad;
  bad.alpha = 1;
  CHECK_THROWS_WITH(ca::lagged_summary(s, p, bad), Contains("options.alpha"));
  bad = {};
  bad.top_k = 3;
  CHECK_THROWS_WITH(ca::lagged_summary(s, p, bad), Contains("options.top_k"));
}
