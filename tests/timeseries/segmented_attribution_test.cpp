#include <catch2/catch.hpp>

#include <cstdio>

#include "causalattn/metrics/score_metrics.hpp"
#include "causalattn/timeseries/segmented_attribution.hpp"
#include "causalattn/timeseries/simulate.hpp"
#include "small_ar_training.hpp"

namespace ca = causalattn;
using ca::Index;
using Catch::Matchers::Contains;

namespace {

/// A seeded VAR(3) of 5 variables, each with itself and one other parent (the seed is printed).
ca::LaggedSeries var_regime(std::uint64_t seed) {
  ca::VarOptions v;
  v.variables = 5;
  v.sparsity = 0.4;
  v.length = 400;
  v.seed = seed;
  std::printf("segmented attribution, VAR regime: seed %llu\n", static_cast<unsigned long long>(seed));
  return ca::simulate_var(v);
}

ca::ArTrainingOptions segment_training() { return ca::test::small_ar_training(3, 12); }

}  // namespace

TEST_CASE("equal_segments: contiguous near-equal segments; bad counts refused", "[timeseries][segments]") {
  CHECK(ca::equal_segments(2000, 4) == std::vector<Index>{0, 500, 1000, 1500});
  CHECK(ca::equal_segments(10, 3) == std::vector<Index>{0, 3, 6});
  CHECK(ca::equal_segments(7, 1) == std::vector<Index>{0});
  CHECK(ca::segment_end({0, 3, 6}, 0, 10) == 3);
  CHECK(ca::segment_end({0, 3, 6}, 2, 10) == 10);
  CHECK_THROWS_WITH(ca::equal_segments(10, 0), Contains("count") && Contains("is 0"));
  CHECK_THROWS_WITH(ca::equal_segments(10, 11), Contains("count") && Contains("is 11"));
}

TEMPLATE_TEST_CASE("segmented attribution: one model per segment, combined by the maximum, recovers the union of two regimes' graphs",
                   "[timeseries][segments]", float, double) {
  const ca::LaggedSeries first = var_regime(1), second = var_regime(2);
  // The regimes' graphs differ, so neither alone holds the union.
  bool differ = false;
  for (Index i = 0; i < 5; ++i)
    for (Index j = 0; j < 5; ++j) differ = differ || first.truth.any_lag(i, j) != second.truth.any_lag(i, j);
  REQUIRE(differ);
  ca::Matrix<double> x(800, 5);
  x << first.x, second.x;
  ca::AttributionOptions a;
  a.aggregation = ca::WindowAggregation::mean_rank;
  a.rank_uncertainty = true;
  const ca::ArTrainingOptions t = segment_training();
  const ca::SegmentedAttribution s = ca::segmented_lagged_attribution<TestType>(x, {0, 400}, t, a);
  REQUIRE(s.segments.size() == 2);
  CHECK(s.starts == std::vector<Index>{0, 400});
  // Each segment is exactly a model fitted and attributed on that segment alone.
  const ca::Matrix<double> tail = x.bottomRows(400);
  const ca::AttributionResult alone = ca::lagged_attribution(ca::fit_ar_transformer<TestType>(tail, t), tail, a);
  for (std::size_t lag = 0; lag < 3; ++lag) CHECK(s.segments[1].scores.lagged[lag] == alone.scores.lagged[lag]);
  CHECK(s.segments[1].rank_mean == alone.rank_mean);
  // The combination is the entrywise maximum; windows add up.
  for (std::size_t lag = 0; lag < 3; ++lag)
    CHECK(s.combined.scores.lagged[lag] == s.segments[0].scores.lagged[lag].cwiseMax(s.segments[1].scores.lagged[lag]));
  CHECK(s.combined.rank_mean == s.segments[0].rank_mean.cwiseMax(s.segments[1].rank_mean));
  CHECK(s.combined.windows == s.segments[0].windows + s.segments[1].windows);
  CHECK(s.seconds > 0);
  // Against the union of the two graphs (self links left out: every node has one in both).
  std::vector<double> scores;
  std::vector<int> labels;
  const ca::Matrix<double> summary = s.combined.scores.summary();
  double union_links = 0;
  for (Index i = 0; i < 5; ++i)
    for (Index j = 0; j < 5; ++j)
      if (i != j) {
        scores.push_back(summary(i, j));
        labels.push_back(first.truth.any_lag(i, j) || second.truth.any_lag(i, j));
        union_links += labels.back();
      }
  const double auc = ca::auroc(scores, labels);
  std::printf("  union links %.0f of 20, combined summary AUROC %.4f\n", union_links, auc);
  CHECK(auc > 0.9);
}

TEST_CASE("segmented attribution refuses bad segment starts and names the segment that cannot be fitted", "[timeseries][segments]") {
  const ca::LaggedSeries s = var_regime(3);
  const ca::ArTrainingOptions t = segment_training();
  CHECK_THROWS_WITH(ca::segmented_lagged_attribution<float>(s.x, {}, t), Contains("starts") && Contains("row 0"));
  CHECK_THROWS_WITH(ca::segmented_lagged_attribution<float>(s.x, {5, 200}, t), Contains("starts") && Contains("row 0"));
  CHECK_THROWS_WITH(ca::segmented_lagged_attribution<float>(s.x, {0, 200, 200}, t), Contains("starts") && Contains("entry 2 is 200"));
  CHECK_THROWS_WITH(ca::segmented_lagged_attribution<float>(s.x, {0, 400}, t), Contains("starts") && Contains("entry 1 is 400"));
  // A 3-row segment holds no window; a column constant within one segment cannot be z-scored.
  CHECK_THROWS_WITH(ca::segmented_lagged_attribution<float>(s.x, {0, 397}, t), Contains("x: segment 1 (rows 397 to 399)"));
  ca::Matrix<double> x = s.x;
  x.block(200, 2, 200, 1).setConstant(1.5);
  CHECK_THROWS_WITH(ca::segmented_lagged_attribution<float>(x, {0, 200}, t), Contains("x: segment 1 (rows 200 to 399)"));
}
