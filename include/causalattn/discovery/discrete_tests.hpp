#pragma once
/// \file
/// G-square and chi-square tests of conditional independence for discrete data.

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/discovery/fisher_z.hpp"
#include "causalattn/discovery/detail/gamma.hpp"

namespace causalattn {

/// Which statistic `DiscreteCiTest` computes.
enum class DiscreteStatistic {
  g_square,   ///< G^2 = 2 sum O ln(O / E) (likelihood ratio)
  chi_square  ///< X^2 = sum (O - E)^2 / E (Pearson)
};

/// G-square or chi-square test of x _||_ y | S on discrete data, with causal-learn's conventions:
/// each column's values are replaced by their rank among the column's distinct values (levels
/// counted from the data); for every configuration of S that occurs in the data (a stratum), a full
/// |x| x |y| table of counts O and expected counts E_ij = R_i K_j / N is formed; the statistic sums
/// over all cells of all strata (cells with E = 0 contribute 0); the degrees of freedom are
/// sum over strata of (|x| - 1 - zero rows) (|y| - 1 - zero columns), zero rows/columns being levels
/// absent from that stratum; p = 1 when there are no degrees of freedom, else the chi-square upper
/// tail Q(df / 2, stat / 2). A column with a single level throws `invalid_input` (it cannot depend
/// on anything), and so does one with more than n / 2 distinct values (> 2): continuous data, where
/// every cell count is 0 or 1 and the tests say nothing. Each test is O(n |S|).
/// Example: `causalattn::DiscreteCiTest test(data, causalattn::DiscreteStatistic::g_square);`
class DiscreteCiTest {
 public:
  /// \param data n x p matrix of discrete values (any finite numbers; each distinct value is a level).
  template <class Derived>
  DiscreteCiTest(const Eigen::MatrixBase<Derived>& data, DiscreteStatistic statistic) : statistic_(statistic) {
    check_not_empty("data", data);
    check_finite("data", data);
    const Index n = data.rows(), p = data.cols();
    codes_.resize(n, p);
    levels_.resize(static_cast<std::size_t>(p));
    for (Index j = 0; j < p; ++j) {
      std::map<double, int> rank;
      for (Index i = 0; i < n; ++i) rank.emplace(double(data(i, j)), 0);
      if (rank.size() < 2) {
        throw invalid_input("data", "column " + std::to_string(j) + " has a single level (" +
                                        detail::to_text(rank.begin()->first) + "); it cannot be tested");
      }
      if (rank.size() > 2 && rank.size() > std::size_t(n) / 2) {
        throw invalid_input("data", "column " + std::to_string(j) + " has " + std::to_string(rank.size()) + " distinct values in " +
                                        std::to_string(n) + " rows: continuous data? G-square and chi-square need discrete "
                                        "columns (use Fisher z, or discretise)");
      }
      int next = 0;
      for (auto& entry : rank) entry.second = next++;
      levels_[static_cast<std::size_t>(j)] = next;
      for (Index i = 0; i < n; ++i) codes_(i, j) = rank.at(double(data(i, j)));
    }
  }

  /// Number of variables.
  Index variables() const noexcept { return codes_.cols(); }
  /// Number of levels of variable j.
  int levels(Index j) const { return levels_.at(static_cast<std::size_t>(j)); }

  /// Tests x _||_ y | s. O(n |s| + strata |x| |y|).
  CiTestResult test(Index x, Index y, const std::vector<Index>& s) const {
    const Index n = codes_.rows();
    const int kx = levels(x), ky = levels(y);
    // Stratum code of every row: mixed radix over s, first variable most significant.
    std::map<long long, std::vector<long long>> tables;  // stratum -> kx * ky counts, ascending stratum order
    for (Index i = 0; i < n; ++i) {
      long long stratum = 0;
      for (Index v : s) stratum = stratum * levels(v) + codes_(i, v);
      auto& table = tables[stratum];
      if (table.empty()) table.assign(static_cast<std::size_t>(kx * ky), 0);
      table[static_cast<std::size_t>(codes_(i, x) * ky + codes_(i, y))]++;
    }
    double statistic = 0;
    long long freedom = 0;
    for (const auto& [stratum, table] : tables) {
      std::vector<long long> rows(static_cast<std::size_t>(kx), 0), cols(static_cast<std::size_t>(ky), 0);
      long long total = 0;
      for (int a = 0; a < kx; ++a)
        for (int b = 0; b < ky; ++b) {
          const long long o = table[static_cast<std::size_t>(a * ky + b)];
          rows[static_cast<std::size_t>(a)] += o;
          cols[static_cast<std::size_t>(b)] += o;
          total += o;
        }
      long long zero_rows = 0, zero_cols = 0;
      for (long long r : rows) zero_rows += r == 0 ? 1 : 0;
      for (long long c : cols) zero_cols += c == 0 ? 1 : 0;
      freedom += (kx - 1 - zero_rows) * (ky - 1 - zero_cols);
      for (int a = 0; a < kx; ++a) {
        for (int b = 0; b < ky; ++b) {
          const double o = double(table[static_cast<std::size_t>(a * ky + b)]);
          const double e = double(rows[static_cast<std::size_t>(a)] * cols[static_cast<std::size_t>(b)]) / double(total);
          if (e == 0) continue;  // an absent level: O = 0 there too, the cell contributes nothing
          if (statistic_ == DiscreteStatistic::chi_square) {
            statistic += (o - e) * (o - e) / e;
          } else if (o > 0) {
            statistic += 2 * o * std::log(o / e);
          }
        }
      }
    }
    CiTestResult result;
    result.statistic = statistic;
    result.p_value = freedom <= 0 ? 1.0 : detail::regularized_gamma_q(double(freedom) / 2, statistic / 2);
    return result;
  }

 private:
  DiscreteStatistic statistic_;
  Eigen::Matrix<int, Eigen::Dynamic, Eigen::Dynamic> codes_;
  std::vector<int> levels_;
};

}  // namespace causalattn
