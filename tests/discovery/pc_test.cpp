#include "causalattn/discovery/pc.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <string>

#include "causalattn/discovery/d_separation.hpp"
#include "causalattn/discovery/discrete_tests.hpp"
#include "causalattn/graph/cpdag.hpp"
#include "causalattn/io/csv.hpp"
#include "causalattn/io/endpoint_matrix.hpp"
#include "random_graphs.hpp"
#include "sanitized.hpp"

namespace ca = causalattn;
using ca::Index;
using Catch::Matchers::Contains;

namespace {
const std::string data_dir = CAUSALATTN_DATA_DIR;

ca::IntMatrix expected_matrix(const std::string& name) {
  return ca::parse_int_matrix(ca::io::read_file_bytes(data_dir + "/causal-learn/expected/" + name));
}
}  // namespace

TEST_CASE("PC reproduces causal-learn's seven linear_10 outputs entry by entry", "[discovery][pc]") {
  const auto table = ca::read_csv<double>(data_dir + "/causal-learn/data_linear_10.txt");
  const ca::FisherZTest test(table.data, ca::PValueConvention::causal_learn);
  const std::pair<int, int> variants[] = {{0, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4}, {1, -1}, {2, -1}};
  for (const auto& [rule, priority] : variants) {
    const std::string file = "linear_10_pc_fisherz_0.05_stable_" + std::to_string(rule) + "_" + std::to_string(priority) + ".txt";
    INFO(file);
    ca::PcOptions options;
    options.collider_rule = static_cast<ca::ColliderRule>(rule);
    options.priority = priority;
    const auto result = ca::pc(test, table.names, options);
    const ca::IntMatrix actual = ca::to_causal_learn_matrix(result.cpdag);
    const ca::IntMatrix expected = expected_matrix(file);
    INFO("actual\n" << actual << "\nexpected\n" << expected);
    REQUIRE(actual == expected);
  }
}

TEST_CASE("PC reproduces causal-learn's discrete_10 outputs with G-square and chi-square", "[discovery][pc]") {
  const auto table = ca::read_csv<double>(data_dir + "/causal-learn/data_discrete_10.txt");
  for (const auto& [statistic, file] : {std::pair<ca::DiscreteStatistic, std::string>{ca::DiscreteStatistic::g_square, "discrete_10_pc_gsq_0.05_stable_0_-1.txt"},
                                        {ca::DiscreteStatistic::chi_square, "discrete_10_pc_chisq_0.05_stable_0_-1.txt"}}) {
    INFO(file);
    const ca::DiscreteCiTest test(table.data, statistic);
    const auto result = ca::pc(test, table.names);
    REQUIRE(ca::to_causal_learn_matrix(result.cpdag) == expected_matrix(file));
  }
}

TEST_CASE("PC with chi-square reproduces causal-learn on five bnlearn networks (sparse tables)", "[discovery][pc]") {
  // 10,000 samples each; many strata lack levels of x or y, so this checks that cells with expected
  // count 0 contribute nothing to the statistic, as in causal-learn.
  for (const std::string net : {"asia", "sachs", "child", "alarm", "insurance"}) {
    INFO(net);
    const auto table = ca::read_csv<double>(data_dir + "/causal-learn/bnlearn/data/" + net + ".txt");
    const ca::DiscreteCiTest test(table.data, ca::DiscreteStatistic::chi_square);
    const auto result = ca::pc(test, table.names);
    REQUIRE(ca::to_causal_learn_matrix(result.cpdag) == expected_matrix("../bnlearn/expected/" + net + "_pc_chisq_0.05_stable_0_-1.txt"));
  }
}

TEST_CASE("with a d-separation oracle PC returns exactly the true CPDAG", "[discovery][pc]") {
  // 200 random DAGs with 5 to 40 nodes and expected degree 1, 2 or 3. Every collider rule and
  // priority must return the CPDAG under a perfect oracle. The union-of-sepsets skeleton tests every
  // subset of a neighbourhood and max-P enumerates power sets for every triple, so the original
  // skeleton and the max-P variants run on the graphs with at most 12 nodes (keeps the suite fast).
  // Under the sanitizers, where the 200 graphs take 26 s, the first 60 check memory safety.
  const std::uint64_t seed = 424242;
  const int trials = ca::test::sanitized() ? 60 : 200;
  INFO("seed " << seed << ", " << trials << " graphs");
  ca::Rng rng(seed);
  int checked = 0, small = 0;
  for (int trial = 0; trial < trials; ++trial) {
    const auto dag = ca::test::random_sparse_dag(5, 36, rng);
    const Index p = dag.size();
    const auto truth = ca::dag_to_cpdag(dag);
    const ca::DSeparationTest oracle(dag);
    INFO("trial " << trial << ", p " << p);
    for (auto mode : {ca::SepsetMode::causal_learn, ca::SepsetMode::first_found}) {
      ca::PcOptions options;
      options.sepset_mode = mode;
      options.priority = 2;
      REQUIRE(ca::pc(oracle, {}, options).cpdag == truth);
    }
    if (p <= 12) {
      ca::PcOptions original;
      original.stable = false;
      REQUIRE(ca::pc(oracle, {}, original).cpdag == truth);
      ++small;
      for (int rule : {0, 1, 2}) {
        for (int priority : {-1, 0, 1, 2, 3, 4}) {
          if (rule == 2 && (priority == 0 || priority == 1)) continue;
          ca::PcOptions options;
          options.collider_rule = static_cast<ca::ColliderRule>(rule);
          options.priority = priority;
          INFO("rule " << rule << " priority " << priority);
          REQUIRE(ca::pc(oracle, {}, options).cpdag == truth);
        }
      }
    }
    ++checked;
  }
  REQUIRE(checked == trials);
  REQUIRE(small > trials * 3 / 20);  // more than 15% of the graphs have at most 12 nodes
}

TEST_CASE("PC is invariant to the thread count and, stable, to the column order", "[discovery][pc]") {
  const auto table = ca::read_csv<double>(data_dir + "/causal-learn/data_linear_10.txt");
  const ca::FisherZTest test(table.data);
  ca::PcOptions options;
  options.threads = 1;
  const auto one = ca::pc(test, table.names, options);
  options.threads = 2;
  const auto two = ca::pc(test, table.names, options);
  REQUIRE(one.cpdag == two.cpdag);
  REQUIRE(one.sepset == two.sepset);
  REQUIRE(one.max_p_value == two.max_p_value);
  // Reverse the columns: the stable skeleton is the same graph, relabelled.
  const Index p = table.data.cols();
  ca::Matrix<double> reversed(table.data.rows(), p);
  std::vector<std::string> names(table.names.rbegin(), table.names.rend());
  for (Index j = 0; j < p; ++j) reversed.col(j) = table.data.col(p - 1 - j);
  const auto flipped = ca::pc(ca::FisherZTest(reversed), names, options);
  for (Index a = 0; a < p; ++a)
    for (Index b = 0; b < p; ++b) REQUIRE(flipped.skeleton.adjacent(p - 1 - a, p - 1 - b) == one.skeleton.adjacent(a, b));
  // float and double data agree on this well-conditioned sample.
  const ca::FisherZTest float_test(table.data.cast<float>().eval());
  REQUIRE(ca::pc(float_test, table.names, options).cpdag == one.cpdag);
}

TEST_CASE("PC on 120 variables: identical graphs, separating sets and p-values for 1 and 2 threads", "[discovery][pc]") {
  // Large enough that both threads work on neighbouring rows at every depth, so a lost or doubled
  // removal in the after-depth mirroring, or a race on the p-value table, shows up.
  ca::Rng rng(20261123);
  const Index p = 120, n = 1500;
  ca::Matrix<double> x = ca::normal_matrix<double>(n, p, rng);
  for (Index j = 0; j < p; ++j)
    for (Index i = 0; i < j; ++i)
      if (rng.bernoulli(3.0 / double(p - 1))) x.col(j) += rng.uniform(0.5, 2.0) * x.col(i);
  for (const auto mode : {ca::SepsetMode::first_found, ca::SepsetMode::causal_learn}) {
    ca::PcOptions options;
    options.sepset_mode = mode;
    options.threads = 1;
    const auto one = ca::pc(ca::FisherZTest(x, ca::PValueConvention::accurate, 1), {}, options);
    options.threads = 2;
    const auto two = ca::pc(ca::FisherZTest(x, ca::PValueConvention::accurate, 2), {}, options);
    REQUIRE(one.tests_per_depth.size() > 2);
    REQUIRE(one.cpdag == two.cpdag);
    REQUIRE(one.sepset == two.sepset);
    REQUIRE(one.max_p_value == two.max_p_value);
    REQUIRE(one.tests_per_depth == two.tests_per_depth);
    REQUIRE(one.max_p_value == one.max_p_value.transpose());
    REQUIRE(one.seconds_per_depth.size() == one.tests_per_depth.size());
    // The separating sets are mirrored, non-empty exactly for the pairs removed at depth >= 1.
    std::size_t non_empty = 0;
    for (Index a = 0; a < p; ++a)
      for (Index b = 0; b < p; ++b) {
        REQUIRE(one.sepset(a, b) == one.sepset[std::size_t(b)][std::size_t(a)]);
        non_empty += !one.sepset(a, b).empty();
        if (!one.sepset(a, b).empty()) REQUIRE(!one.skeleton.adjacent(a, b));
      }
    REQUIRE(non_empty > 0);
    REQUIRE(one.sepset.stored() == non_empty);
  }
}

namespace {

/// Fisher z that counts its calls (from any thread), to check the searches' test counts.
struct CountingFisherZ {
  const ca::FisherZTest& fisher;
  mutable std::atomic<long long> calls{0};
  Index variables() const { return fisher.variables(); }
  ca::CiTestResult test(Index a, Index b, const std::vector<Index>& s) const {
    ++calls;
    return fisher.test(a, b, s);
  }
};

}  // namespace

TEST_CASE("PC's orientation rules give the same graph and test count for 1 and 2 threads, counted exactly", "[discovery][pc]") {
  // The rules that gather their evidence over neighbour subsets (max-p, priorities 3 and 4,
  // conservative, majority, definite max-p) spread the pairs over threads: the graph, the
  // ambiguous triples and the number of tests must not depend on it, and `tests` must equal the
  // test calls the search made.
  ca::Rng rng(20261205);
  std::printf("PC orientation thread invariance: seed 20261205\n");
  const Index p = 60, n = 800;
  ca::Matrix<double> x = ca::normal_matrix<double>(n, p, rng);
  for (Index j = 0; j < p; ++j)
    for (Index i = 0; i < j; ++i)
      if (rng.bernoulli(3.0 / double(p - 1))) x.col(j) += rng.uniform(0.5, 2.0) * x.col(i);
  const ca::FisherZTest fisher(x);
  for (const auto rule : {ca::ColliderRule::sepset, ca::ColliderRule::max_p, ca::ColliderRule::definite_max_p,
                          ca::ColliderRule::conservative, ca::ColliderRule::majority}) {
    ca::PcOptions options;
    options.collider_rule = rule;
    options.max_depth = 3;
    INFO("rule " << int(rule));
    options.threads = 1;
    CountingFisherZ counted_one{fisher};
    const auto one = ca::pc(counted_one, {}, options);
    options.threads = 2;
    CountingFisherZ counted_two{fisher};
    const auto two = ca::pc(counted_two, {}, options);
    REQUIRE(one.cpdag == two.cpdag);
    REQUIRE(one.ambiguous_triples == two.ambiguous_triples);
    REQUIRE(one.tests == two.tests);
    REQUIRE(one.tests == counted_one.calls.load());
    REQUIRE(two.tests == counted_two.calls.load());
    long long skeleton_tests = 0;
    for (long long t : one.tests_per_depth) skeleton_tests += t;
    REQUIRE(one.tests > skeleton_tests);  // the rule ran tests of its own
  }
  // Background knowledge (pairs banned untested, required pairs kept) on two threads.
  ca::PcOptions informed;
  informed.knowledge = ca::BackgroundKnowledge(p);
  for (Index j = 0; j + 7 < p; j += 7) informed.knowledge.forbid(j, j + 1).forbid(j + 1, j).require(j + 2, j + 5);
  informed.threads = 1;
  const auto known_one = ca::pc(fisher, {}, informed);
  informed.threads = 2;
  const auto known_two = ca::pc(fisher, {}, informed);
  REQUIRE(known_one.cpdag == known_two.cpdag);
  REQUIRE(known_one.sepset == known_two.sepset);
  REQUIRE(known_one.max_p_value == known_two.max_p_value);
  for (Index j = 0; j + 7 < p; j += 7) {
    REQUIRE(!known_two.skeleton.adjacent(j, j + 1));
    REQUIRE(known_two.cpdag.is_directed(j + 2, j + 5));
  }
}

TEST_CASE("SepsetTable stores only non-empty sets and reads them either way", "[discovery][pc]") {
  ca::SepsetTable table(4);
  REQUIRE(table.size() == 4);
  REQUIRE(table(0, 3).empty());
  table.set(0, 3, {1, 2});
  table.set(0, 1, {2});
  table.set(2, 0, {});
  REQUIRE(table(0, 3) == std::vector<Index>{1, 2});
  REQUIRE(table[0][1] == std::vector<Index>{2});
  REQUIRE(table(3, 0).empty());  // not mirrored by itself
  REQUIRE(table.stored() == 2);
  table.set(0, 3, {2});
  REQUIRE(table(0, 3) == std::vector<Index>{2});
  ca::SepsetTable other(4);
  other.set(0, 1, {2});
  REQUIRE(table != other);
  other.set(0, 3, {2});
  REQUIRE(table == other);
  table.set(0, 3, {});  // an empty set erases
  REQUIRE(table.stored() == 1);
  REQUIRE(table(0, 3).empty());
}

TEST_CASE("FisherZTest from a correlation matrix refuses an asymmetric one and reads pairs either way", "[discovery][pc]") {
  ca::Matrix<double> r = ca::Matrix<double>::Identity(3, 3);
  r(0, 1) = r(1, 0) = 0.5;
  r(0, 2) = 0.3;
  r(2, 0) = 0.3 + 1e-12;  // within 1e-8: accepted, the upper triangle wins
  const ca::FisherZTest test(r, 100);
  REQUIRE(test.correlation()(2, 0) == test.correlation()(0, 2));
  REQUIRE(test.test(0, 2, {}).p_value == test.test(2, 0, {}).p_value);
  REQUIRE(test.test(0, 2, {1}).p_value == test.test(2, 0, {1}).p_value);
  r(2, 0) = 0.2;
  REQUIRE_THROWS_AS(ca::FisherZTest(r, 100), ca::invalid_input);
  REQUIRE_THROWS_WITH(ca::FisherZTest(r, 100), Contains("correlation") && Contains("entry (2, 0) = 0.2 but (0, 2) = 0.3"));
}

TEST_CASE("PC rejects bad options and inputs clearly", "[discovery][pc]") {
  ca::Rng rng(1);
  const ca::Matrix<double> x = ca::normal_matrix<double>(50, 3, rng);
  const ca::FisherZTest test(x);
  ca::PcOptions options;
  options.alpha = 1.5;
  REQUIRE_THROWS_WITH(ca::pc(test, {}, options), Contains("options.alpha"));
  options = {};
  options.priority = 7;
  REQUIRE_THROWS_WITH(ca::pc(test, {}, options), Contains("options.priority"));
  options = {};
  options.collider_rule = ca::ColliderRule::definite_max_p;
  options.priority = 1;
  REQUIRE_THROWS_WITH(ca::pc(test, {}, options), Contains("definite_max_p"));
  REQUIRE_THROWS_WITH(ca::pc(test, {"a", "b"}), Contains("names: has 2 entries for 3 variables"));
  ca::Matrix<double> constant = x;
  constant.col(1).setConstant(2.0);
  REQUIRE_THROWS_WITH(ca::FisherZTest{constant}, Contains("column 1 is constant"));
  // n = 4 samples of 4 nearly identical columns: edges survive depth 0, and at depth 1 n - |S| - 3 = 0.
  ca::Matrix<double> tiny = ca::normal_matrix<double>(4, 1, rng).replicate(1, 4) + 1e-6 * ca::normal_matrix<double>(4, 4, rng);
  REQUIRE_THROWS_WITH(ca::pc(ca::FisherZTest(tiny), {}), Contains("no degrees of freedom"));
  ca::Matrix<double> one_level = ca::Matrix<double>::Zero(10, 2);
  one_level(0, 0) = 1;
  REQUIRE_THROWS_WITH(ca::DiscreteCiTest(one_level, ca::DiscreteStatistic::g_square), Contains("column 1 has a single level"));
}

TEST_CASE("perfectly collinear columns: PC runs, keeps the edge between the copies, no NaN", "[discovery][pc]") {
  ca::Rng rng(12);
  ca::Matrix<double> x = ca::normal_matrix<double>(400, 4, rng);
  x.col(1) += x.col(0);
  x.col(3) = 3.0 * x.col(2);  // an exact copy up to scale
  const ca::FisherZTest test(x);
  const auto result = ca::pc(test, {});
  REQUIRE(result.cpdag.adjacent(2, 3));
  REQUIRE(result.cpdag.adjacent(0, 1));
  REQUIRE(result.max_p_value.allFinite());
  // A partial correlation given an exact copy uses the flagged pseudo-inverse and stays finite.
  REQUIRE(std::isfinite(test.test(0, 2, {3}).p_value));
}
