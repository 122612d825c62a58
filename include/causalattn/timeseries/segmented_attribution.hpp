#pragma once
/// \file
/// Lagged attribution of a non-stationary series (methods/timeseries.md, "Benchmarks": K regimes,
/// each with its own structure): one autoregressive model per contiguous segment, the segments'
/// scores combined by their maximum, so a link that any segment shows is a link of the series.

#include <chrono>
#include <string>
#include <vector>

#include "causalattn/timeseries/attribution.hpp"

namespace causalattn {

/// What `segmented_lagged_attribution` returns.
struct SegmentedAttribution {
  /// Per lag matrix entry, and per rank statistic, the maximum over segments (`rank_sd` is that of
  /// the segment with the largest `rank_mean`); `windows` is the total. Method "transformer".
  AttributionResult combined;
  std::vector<AttributionResult> segments;  ///< each segment's own attribution, in time order
  std::vector<Index> starts;                ///< first row of each segment
  double seconds = 0;                       ///< wall time of all training and extraction
};

/// First rows of `count` contiguous segments of `rows` rows whose lengths differ by at most one:
/// k rows / count for k = 0 .. count - 1. Throws `invalid_input` unless 1 <= count <= rows. O(count).
/// Example: `causalattn::equal_segments(2000, 4)` is {0, 500, 1000, 1500}.
template <typename Defer = void>
std::vector<Index> equal_segments(Index rows, Index count) {
  if (count < 1 || count > rows)
    throw invalid_input("count", "is " + std::to_string(count) + ", must be in [1, " + std::to_string(rows) + "] (the rows)");
  std::vector<Index> starts;
  for (Index k = 0; k < count; ++k) starts.push_back(k * rows / count);
  return starts;
}

/// One past the last row of segment `k` of a series of `rows` rows cut at `starts`: the next
/// start, or `rows` for the last segment. O(1).
/// Example: `causalattn::segment_end({0, 500, 1000}, 2, 1200)` is 1200.
template <typename Defer = void>
Index segment_end(const std::vector<Index>& starts, std::size_t k, Index rows) {
  return k + 1 < starts.size() ? starts[k + 1] : rows;
}

/// Fits one model (`training`) to each segment of `x` that begins at a row of `starts` and ends
/// before the next, attributes it on its own segment (`attribution`), and combines the segments
/// (`SegmentedAttribution::combined`). Segments are independent series: no window crosses a
/// boundary. With `WindowAggregation::mean_rank` each segment's summary is its mean rank, so the
/// combined summary is the best mean rank any segment gives the link. `attribution.normalize`
/// acts on each segment before the maximum: keep it for gradient scores (the regimes' gains
/// differ), turn it off for mean ranks (they share one scale, 0 .. p - 1). Use it when the mechanism
/// changes over time and each segment is long enough to fit on its own. The [7/7] benchmark cuts
/// 2000 rows into 4 segments, aggregates by mean rank without normalising, and trains 15 epochs on every window
/// (`validation_fraction = 0`: a held-out tail of a 500-row segment is too short for early
/// stopping). Throws `invalid_input` naming `starts` unless it begins at 0 and
/// increases strictly within the rows, and naming `x` with the segment's rows when a segment
/// cannot be fitted (too short, a constant column, non-finite values). Time: the sum of the
/// segments' `fit_ar_transformer` and `lagged_attribution`.
/// Example:
/// \code
///   auto a = causalattn::attribution_options(causalattn::Attribution::squared_gradient, causalattn::WindowAggregation::mean_rank);
///   auto s = causalattn::segmented_lagged_attribution<float>(x, causalattn::equal_segments(x.rows(), 4), {}, a);
///   causalattn::Matrix<double> summary = s.combined.scores.summary();
/// \endcode
template <class Scalar>
SegmentedAttribution segmented_lagged_attribution(const Matrix<double>& x, const std::vector<Index>& starts,
                                                  const ArTrainingOptions& training = {}, const AttributionOptions& attribution = {},
                                                  std::vector<std::string> names = {}) {
  using Real = detail::deferred_t<Scalar, double>;
  if (starts.empty() || starts.front() != 0) throw invalid_input("starts", "must begin with row 0");
  for (std::size_t k = 1; k < starts.size(); ++k)
    if (starts[k] <= starts[k - 1] || starts[k] >= x.rows())
      throw invalid_input("starts", "entry " + std::to_string(k) + " is " + std::to_string(starts[k]) +
                                        ", must be above the previous start and below the rows (" + std::to_string(x.rows()) + ")");
  SegmentedAttribution out;
  out.starts = starts;
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t k = 0; k < starts.size(); ++k) {
    const Index begin = starts[k], end = segment_end(starts, k, x.rows());
    const Matrix<Real> segment = x.middleRows(begin, end - begin);
    try {
      out.segments.push_back(lagged_attribution(fit_ar_transformer<Scalar>(segment, training), attribution, names));
    } catch (const invalid_input& e) {
      if (e.argument() != "x") throw;
      throw invalid_input("x", "segment " + std::to_string(k) + " (rows " + std::to_string(begin) + " to " + std::to_string(end - 1) +
                                   "): " + e.detail());
    }
  }
  detail::deferred_t<Scalar, AttributionResult>& c = out.combined;
  c = out.segments.front();
  for (std::size_t k = 1; k < out.segments.size(); ++k) {
    const detail::deferred_t<Scalar, AttributionResult>& s = out.segments[k];
    for (std::size_t lag = 0; lag < c.scores.lagged.size(); ++lag) c.scores.lagged[lag] = c.scores.lagged[lag].cwiseMax(s.scores.lagged[lag]);
    for (Index i = 0; i < c.rank_mean.size(); ++i)
      if (s.rank_mean(i) > c.rank_mean(i)) {
        c.rank_mean(i) = s.rank_mean(i);
        c.rank_sd(i) = s.rank_sd(i);
      }
    c.windows += s.windows;
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace causalattn
