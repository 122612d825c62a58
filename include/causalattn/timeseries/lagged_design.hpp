#pragma once
/// \file
/// The checked series and its lagged design: the regression view every lagged method starts from.

#include <string>
#include <vector>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/names.hpp"

namespace causalattn {

/// A series cut into (past window, present) pairs: row r holds time t = L + r.
struct LaggedDesign {
  Matrix<double> past;     ///< (T - L) x (p L); column (lag - 1) p + j is X_j(t - lag)
  Matrix<double> present;  ///< (T - L) x p; column j is X_j(t)
  Index variables = 0;     ///< p
  Index max_lag = 0;       ///< L

  /// Column of X_j(t - lag) in `past`. O(1).
  Index column(Index variable, Index lag) const noexcept { return (lag - 1) * variables + variable; }
};

/// Validates a series for a lagged method: finite, no constant column, and at least `min_rows`
/// windows (T - L >= min_rows); every failure throws `invalid_input` naming "x" with the row,
/// column or lengths, or "max_lag". O(T p).
/// Example: `causalattn::check_series(x, 3, 10);`
template <typename Defer = void>
void check_series(const Matrix<detail::deferred_t<Defer, double>>& x, Index max_lag, Index min_rows) {
  if (max_lag < 1) throw invalid_input("max_lag", "is " + std::to_string(max_lag) + ", must be >= 1");
  check_not_empty("x", x);
  check_finite("x", x);
  if (x.rows() - max_lag < min_rows) {
    throw invalid_input("x", "has " + std::to_string(x.rows()) + " rows; a window of max_lag = " + std::to_string(max_lag) +
                                 " needs at least " + std::to_string(max_lag + min_rows) + " for this method");
  }
  check_no_constant_columns("x", x);
}

/// The lagged design of `x` (T x p, rows in time order) for lags 1..max_lag, after
/// `check_series(x, max_lag, 1)`. O(T p L).
/// Example: `auto d = causalattn::lagged_design(x, 2);  // d.past.col(d.column(0, 1)) is X1(t - 1)`
template <typename Defer = void>
LaggedDesign lagged_design(const Matrix<detail::deferred_t<Defer, double>>& x, Index max_lag) {
  using Real = detail::deferred_t<Defer, double>;
  check_series(x, max_lag, 1);
  const Index p = x.cols(), n = x.rows() - max_lag;
  detail::deferred_t<Defer, LaggedDesign> d{Matrix<Real>(n, p * max_lag), x.bottomRows(n), p, max_lag};
  for (Index lag = 1; lag <= max_lag; ++lag) d.past.middleCols((lag - 1) * p, p) = x.middleRows(max_lag - lag, n);
  return d;
}

}  // namespace causalattn
