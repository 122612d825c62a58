#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <vector>
#include <functional>

#include <Eigen/Dense>

#include "causalattn/core/random.hpp"
#include "causalattn/discovery/d_separation.hpp"
#include "causalattn/discovery/discrete_tests.hpp"
#include "causalattn/discovery/fisher_z.hpp"
#include "random_graphs.hpp"

namespace ca = causalattn;
using ca::Index;
using Catch::Matchers::Contains;

// Pearson correlations by the textbook formula, in double: centred columns, their cross products
// divided by the product of their norms.
template <class Scalar>
ca::Matrix<double> textbook_correlation(const ca::Matrix<Scalar>& x) {
  const ca::Matrix<double> centred = x.template cast<double>().rowwise() - x.template cast<double>().colwise().mean();
  const ca::Vector<double> norms = centred.colwise().norm();
  return (centred.transpose() * centred).cwiseQuotient(norms * norms.transpose());
}

TEMPLATE_TEST_CASE("correlation matrix equals the textbook formula", "[discovery][correlation]", float, double) {
  ca::Rng rng(1);
  ca::Matrix<TestType> x = ca::normal_matrix<TestType>(200, 5, rng);
  x.col(1) += TestType(0.8) * x.col(0);
  const auto r = ca::correlation_matrix(x);
  for (Index a = 0; a < 5; ++a) {
    for (Index b = 0; b < 5; ++b) {
      const auto ca_ = (x.col(a).array() - x.col(a).mean()).matrix();
      const auto cb = (x.col(b).array() - x.col(b).mean()).matrix();
      const double expected = double(ca_.dot(cb)) / (double(ca_.norm()) * double(cb.norm()));
      REQUIRE(double(r(a, b)) == Approx(expected).margin(10 * ca::test_precision<TestType>() * 1e-2));
    }
  }
  REQUIRE(r == r.transpose());
  REQUIRE_THROWS_WITH(ca::correlation_matrix(ca::Matrix<double>::Ones(5, 2)), Contains("column 0 is constant"));
  REQUIRE_THROWS_WITH(ca::correlation_matrix(ca::Matrix<double>::Zero(1, 2)), Contains("correlations need >= 2"));
}


TEMPLATE_TEST_CASE("correlation matrix over sample chunks and blocks: textbook values, any thread count", "[discovery][correlation]",
                   float, double) {
  // n = 3000 rows split into sample chunks (p = 7: one block, 8 chunks; p = 150: two 128-blocks,
  // 3 chunks; p = 300: 3 blocks, 2 chunks); a lost or doubled chunk or block changes the values.
  ca::Rng rng(7);
  for (Index p : {7, 150, 300}) {
    ca::Matrix<TestType> x = ca::normal_matrix<TestType>(3000, p, rng);
    for (Index j = 1; j < p; ++j) x.col(j) += TestType(0.5) * x.col(j - 1);
    const auto one = ca::correlation_matrix(x, 1);
    const auto two = ca::correlation_matrix(x, 2);
    REQUIRE(one == two);
    const ca::Matrix<double> expected = textbook_correlation(x);
    INFO("p = " << p);
    REQUIRE((one.template cast<double>() - expected).cwiseAbs().maxCoeff() < 10 * ca::test_precision<TestType>() * 1e-2);
  }
}

TEMPLATE_TEST_CASE("correlation rows of one rank equal correlation_matrix's rows bit for bit", "[discovery][correlation]", float,
                   double) {
  // The rows MpiFisherZTest keeps: p = 7 with n = 3000 (sample chunks), 150 and 300 (partial blocks).
  ca::Rng rng(11);
  for (const auto& [p, n] : {std::array<Index, 2>{7, 3000}, {150, 3000}, {300, 500}}) {
    ca::Matrix<TestType> x = ca::normal_matrix<TestType>(n, p, rng);
    for (Index j = 1; j < p; ++j) x.col(j) += TestType(0.5) * x.col(j - 1);
    const auto whole = ca::correlation_matrix(x, 2);
    const auto centred = ca::detail::centred_copy<Eigen::ColMajor, TestType>(x, 2);
    for (Index ranks : {1, 2, 3}) {
      for (Index rank = 0; rank < ranks; ++rank) {
        const Index rows = (p - rank + ranks - 1) / ranks;
        ca::Matrix<TestType> kept(p, rows);  // column i: variable rank + i ranks
        ca::detail::correlation_rows(centred, rank, ranks, 1 + int(rank % 2), kept.data());
        INFO("p = " << p << ", rank " << rank << " of " << ranks);
        for (Index i = 0; i < rows; ++i) REQUIRE(kept.col(i) == whole.row(rank + i * ranks).transpose());
      }
    }
  }
}

TEMPLATE_TEST_CASE("correlation matrix: every layout of the same data gives the same bits", "[discovery][correlation]", float,
                   double) {
  // The copy reads a row-major input by rows and a column-major one by columns; the column sums
  // and the GEMM's panels do not depend on which, so the results must be identical, not close.
  using RowMajorMatrix = Eigen::Matrix<TestType, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using StridedView = Eigen::Map<const ca::Matrix<TestType>, 0, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>>;
  const std::uint64_t seed = 11;
  INFO("seed " << seed);
  ca::Rng rng(seed);
  for (Index p : {3, 150}) {        // one block with 8 sample chunks; two blocks
    for (Index n : {2, 7, 3001}) {  // n mod 4 = 2, 3, 1: every tail of the four running sums
      ca::Matrix<TestType> x = ca::normal_matrix<TestType>(n, p, rng).array() + TestType(3);
      for (Index j = 1; j < p; ++j) x.col(j) += TestType(0.5) * x.col(j - 1);
      INFO("n = " << n << ", p = " << p);
      const ca::Matrix<TestType> by_columns = ca::correlation_matrix(x, 2);
      const RowMajorMatrix row_major = x;
      if (n > 2) {  // the tails of the four running sums against the textbook formula
        REQUIRE((by_columns.template cast<double>() - textbook_correlation(x)).cwiseAbs().maxCoeff() <
                ca::test_precision<TestType>() * 1e-1);
      }
      REQUIRE(ca::correlation_matrix(row_major, 2) == by_columns);
      REQUIRE(ca::correlation_matrix(row_major, 1) == by_columns);
      // A C-order array seen through a run-time-strided map (how the Python module reads NumPy),
      // and every other row of a wider array.
      const StridedView c_order(row_major.data(), n, p, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(1, p));
      const StridedView f_order(x.data(), n, p, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(n, 1));
      REQUIRE(ca::detail::rows_are_contiguous(c_order) == (p > 1));  // the row-major copy is the one taken
      REQUIRE_FALSE(ca::detail::rows_are_contiguous(f_order));
      REQUIRE(ca::correlation_matrix(f_order, 2) == by_columns);
      REQUIRE(ca::correlation_matrix(StridedView(row_major.data(), n, p, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(1, p)),
                                     2) == by_columns);
      ca::Matrix<TestType> wide = ca::Matrix<TestType>::Zero(2 * n, p + 1);
      for (Index i = 0; i < n; ++i) wide.row(2 * i).head(p) = x.row(i);
      REQUIRE(ca::correlation_matrix(StridedView(wide.data(), n, p, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(2 * n, 2)),
                                     2) == by_columns);
      // An expression with direct access: a column-major Transpose of a row-major matrix.
      const RowMajorMatrix transposed = x.transpose();
      REQUIRE(ca::correlation_matrix(transposed.transpose(), 2) == by_columns);
      // Widened inside the copy: the same bits as widening first, in either layout.
      const ca::Matrix<double> widened = ca::correlation_matrix(ca::Matrix<double>(x.template cast<double>()), 2);
      REQUIRE(ca::correlation_matrix<double>(row_major, 2) == widened);
      REQUIRE(ca::correlation_matrix<double>(x, 2) == widened);
    }
  }
}

TEST_CASE("correlation matrix: bad values are named in either layout, overflow is an error", "[discovery][correlation]") {
  using RowMajorMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  ca::Rng rng(12);
  ca::Matrix<double> x = ca::normal_matrix<double>(9, 4, rng);
  x(6, 2) = std::nan("");
  x(3, 3) = HUGE_VAL;
  REQUIRE_THROWS_WITH(ca::correlation_matrix(x), Contains("at row 6, column 2"));
  REQUIRE_THROWS_WITH(ca::correlation_matrix(RowMajorMatrix(x)), Contains("at row 6, column 2"));
  x(6, 2) = 0.5;
  x(3, 3) = 0.5;
  x.col(1).setConstant(0.1);  // a constant whose mean is not exactly 0.1
  REQUIRE_THROWS_WITH(ca::correlation_matrix(RowMajorMatrix(x)), Contains("column 1 is constant"));
  x.col(1) = ca::normal_matrix<double>(9, 1, rng);
  x.col(0) = 1e308 * (1 + 0.1 * x.col(0).array().tanh());  // finite values whose sum overflows
  REQUIRE_THROWS_WITH(ca::correlation_matrix(x), Contains("column 0 sums to"));
  REQUIRE_THROWS_WITH(ca::correlation_matrix(RowMajorMatrix(x)), Contains("column 0 sums to"));
  x.col(0) = ca::normal_matrix<double>(9, 1, rng);
  x.col(3) *= 1e160;  // finite sums, squares that overflow
  REQUIRE_THROWS_WITH(ca::correlation_matrix(x), Contains("column 3's centred sum of squares is inf"));
  REQUIRE_THROWS_WITH(ca::correlation_matrix(RowMajorMatrix(x)), Contains("column 3's centred sum of squares is inf"));
  x.col(3) *= 1e-165;  // squares that underflow to zero
  x.col(3) *= 1e-165;
  REQUIRE_THROWS_WITH(ca::correlation_matrix(x), Contains("column 3's centred sum of squares is 0"));
  REQUIRE_THROWS_WITH(ca::correlation_matrix(RowMajorMatrix(x)), Contains("column 3's centred sum of squares is 0"));
  x.col(3) *= 1e14;  // squares in the subnormal range: too few digits left for a correlation
  REQUIRE_THROWS_WITH(ca::correlation_matrix(x), Contains("column 3's centred sum of squares is"));
}

TEST_CASE("partial correlation equals the correlation of regression residuals", "[discovery][correlation]") {
  const std::uint64_t seed = 7;
  INFO("seed " << seed);
  ca::Rng rng(seed);
  ca::Matrix<double> x = ca::normal_matrix<double>(500, 6, rng);
  x.col(2) += x.col(0) - x.col(1);
  x.col(3) += 0.5 * x.col(2);
  x.col(4) += x.col(3) + x.col(0);
  const auto r = ca::correlation_matrix(x);
  for (const std::vector<Index>& s : {std::vector<Index>{}, {2}, {2, 3}, {1, 2, 5}}) {
    // Residuals of x0 and x4 on [1, x_S] by least squares.
    ca::Matrix<double> design(500, Index(s.size()) + 1);
    design.col(0).setOnes();
    for (std::size_t k = 0; k < s.size(); ++k) design.col(Index(k) + 1) = x.col(s[k]);
    auto residual = [&](Index v) {
      const Eigen::VectorXd beta = design.colPivHouseholderQr().solve(x.col(v));
      return Eigen::VectorXd(x.col(v) - design * beta);
    };
    const Eigen::VectorXd e0 = residual(0), e4 = residual(4);
    const double expected = e0.dot(e4) / (e0.norm() * e4.norm());
    const auto pc = ca::partial_correlation(r, 0, 4, s);
    REQUIRE(pc.value == Approx(expected).epsilon(1e-9));
    REQUIRE_FALSE(pc.used_pseudo_inverse);
  }
}

TEST_CASE("collinear conditioning sets use the flagged pseudo-inverse and stay finite", "[discovery][correlation]") {
  ca::Rng rng(8);
  ca::Matrix<double> x = ca::normal_matrix<double>(300, 4, rng);
  x.col(3) = 2.0 * x.col(2);  // perfectly collinear
  const auto r = ca::correlation_matrix(x);
  const auto pc = ca::partial_correlation(r, 0, 1, {2, 3});
  REQUIRE(pc.used_pseudo_inverse);
  REQUIRE(std::isfinite(pc.value));
  REQUIRE(std::abs(pc.value - ca::partial_correlation(r, 0, 1, {2}).value) < 1e-6);
  // One conditioning variable collinear with x: nothing of x is left after it, so the closed form
  // would divide rounding by rounding.
  const auto pair = ca::partial_correlation(r, 2, 0, {3});
  REQUIRE(pair.used_pseudo_inverse);
  REQUIRE(std::isfinite(pair.value));
}

TEST_CASE("chi-square and G-square: a level absent from a stratum contributes nothing", "[discovery][discrete]") {
  // Stratum z = 0 has y = 2 absent (two cells with expected count 0): x = 0 -> y counts (3, 1, 0),
  // x = 1 -> (1, 3, 0); every other expected count is 2. Stratum z = 1 is one of each (x, y): no
  // dependence. By hand: X^2 = 4 * 1 / 2 = 2, G^2 = 2 (6 ln 1.5 - 2 ln 2), df = 1 * 1 + 1 * 2 = 3;
  // p = Q(3/2, X^2/2) = erfc(1) + sqrt(4 / pi) e^-1 for X^2 = 2. Counting the empty cells as E = 1
  // would add 2 to X^2.
  std::vector<std::array<int, 3>> rows;  // (x, y, z)
  const int counts[2][3] = {{3, 1, 0}, {1, 3, 0}};
  for (int x = 0; x < 2; ++x)
    for (int y = 0; y < 3; ++y) {
      for (int k = 0; k < counts[x][y]; ++k) rows.push_back({x, y, 0});
      rows.push_back({x, y, 1});
    }
  ca::Matrix<double> data(static_cast<Index>(rows.size()), 3);
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (Index j = 0; j < 3; ++j) data(static_cast<Index>(i), j) = rows[i][static_cast<std::size_t>(j)];
  const auto chi = ca::DiscreteCiTest(data, ca::DiscreteStatistic::chi_square).test(0, 1, {2});
  REQUIRE(chi.statistic == Approx(2.0).epsilon(1e-14));
  REQUIRE(chi.p_value == Approx(std::erfc(1.0) + std::sqrt(4 / M_PI) * std::exp(-1.0)).epsilon(1e-12));
  const auto g = ca::DiscreteCiTest(data, ca::DiscreteStatistic::g_square).test(0, 1, {2});
  REQUIRE(g.statistic == Approx(2 * (6 * std::log(1.5) - 2 * std::log(2.0))).epsilon(1e-14));
}

TEST_CASE("Fisher z p-values: known values, dependence, degrees of freedom", "[discovery][fisherz]") {
  ca::Matrix<double> r = ca::Matrix<double>::Identity(3, 3);
  r(0, 1) = r(1, 0) = 0.1;
  ca::FisherZTest test(r, 103);
  // z = atanh(0.1); stat = sqrt(103 - 3) z; p = erfc(stat / sqrt 2) (values from Python's math module).
  const auto result = test.test(0, 1, {});
  REQUIRE(result.statistic == Approx(1.0033534773107558).epsilon(1e-12));
  REQUIRE(result.p_value == Approx(0.3156903423455445).epsilon(1e-12));
  REQUIRE(test.test(0, 2, {}).p_value == Approx(1.0));
  r(0, 1) = r(1, 0) = 1.0;
  REQUIRE(ca::FisherZTest(r, 103).test(0, 1, {}).p_value == 0.0);
  REQUIRE_THROWS_WITH(ca::FisherZTest(r, 4).test(0, 1, {2}), Contains("no degrees of freedom"));
  REQUIRE_THROWS_WITH(ca::FisherZTest(r, 3), Contains("must exceed 3"));
}

namespace {

// Path-based d-separation by brute force: some path x ... y is active given s, where a path is
// active iff every collider on it is in s or has a descendant in s, and no non-collider is in s.
bool brute_force_d_separated(const ca::Graph& g, Index x, Index y, const std::vector<Index>& s) {
  const Index p = g.size();
  std::vector<char> in_s(std::size_t(p), 0), in_path(std::size_t(p), 0);
  for (Index v : s) in_s[std::size_t(v)] = 1;
  std::vector<char> has_s_descendant(std::size_t(p), 0);  // v or a descendant of v in s
  for (Index v = 0; v < p; ++v) {
    std::vector<Index> stack{v};
    std::vector<char> seen(std::size_t(p), 0);
    while (!stack.empty()) {
      const Index u = stack.back();
      stack.pop_back();
      if (seen[std::size_t(u)]) continue;
      seen[std::size_t(u)] = 1;
      if (in_s[std::size_t(u)]) has_s_descendant[std::size_t(v)] = 1;
      for (Index c : g.children(u)) stack.push_back(c);
    }
  }
  std::vector<Index> path{x};
  in_path[std::size_t(x)] = 1;
  std::function<bool()> active = [&]() -> bool {
    const Index last = path.back();
    if (last == y) {
      for (std::size_t k = 1; k + 1 < path.size(); ++k) {
        const Index a = path[k - 1], b = path[k], c = path[k + 1];
        const bool collider = g.is_directed(a, b) && g.is_directed(c, b);
        if (collider ? !has_s_descendant[std::size_t(b)] : in_s[std::size_t(b)] != 0) return false;
      }
      return true;
    }
    for (Index next : g.adjacents(last)) {
      if (in_path[std::size_t(next)]) continue;
      path.push_back(next);
      in_path[std::size_t(next)] = 1;
      const bool found = active();
      in_path[std::size_t(next)] = 0;
      path.pop_back();
      if (found) return true;
    }
    return false;
  };
  return !active();
}

}  // namespace

TEST_CASE("d-separation equals the path definition on random DAGs", "[discovery][dsep]") {
  const std::uint64_t seed = 99;
  INFO("seed " << seed);
  ca::Rng rng(seed);
  int separated = 0, connected = 0;
  for (int trial = 0; trial < 200; ++trial) {
    const auto dag = ca::test::random_dag(7, 0.35, rng);
    const Index x = Index(rng.uniform_int(7));
    Index y = Index(rng.uniform_int(7));
    if (y == x) y = (x + 1) % 7;
    std::vector<Index> s;
    for (Index v = 0; v < 7; ++v)
      if (v != x && v != y && rng.bernoulli(0.3)) s.push_back(v);
    const bool expected = brute_force_d_separated(dag, x, y, s);
    INFO("trial " << trial);
    REQUIRE(ca::d_separated(dag, x, y, s) == expected);
    (expected ? separated : connected)++;
  }
  REQUIRE(separated > 30);
  REQUIRE(connected > 30);
  ca::Graph cyclic(3);
  cyclic.add_directed(0, 1);
  cyclic.add_directed(1, 0 + 2);
  cyclic.add_directed(2, 0);
  REQUIRE_THROWS_AS(ca::DSeparationTest(cyclic), ca::invalid_input);
}
