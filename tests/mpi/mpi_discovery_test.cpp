// mpi_pc, mpi_fci and mpi_bootstrap_graphs against the single-process results, bit for bit, on
// every rank: the causal-learn expected files, random DAGs with an oracle, simulated Gaussian data;
// and the errors every rank must see. Run with 1, 2 and 3 ranks (ctest).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <string>
#include <tuple>

#include "causalattn/discovery/d_separation.hpp"
#include "causalattn/discovery/discrete_tests.hpp"
#include "causalattn/graph/cpdag.hpp"
#include "causalattn/io/csv.hpp"
#include "causalattn/io/endpoint_matrix.hpp"
#include "causalattn/mpi/discovery.hpp"
#include "causalattn/mpi/fisher_z.hpp"
#include "causalattn/nn/serialization.hpp"  // (its detail helpers and the MPI ones must not collide)
#include "random_graphs.hpp"

namespace ca = causalattn;
using ca::Index;
using Catch::Matchers::Contains;

namespace {

const std::string data_dir = CAUSALATTN_DATA_DIR;

int world_rank() {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

int world_size() {
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size;
}

ca::IntMatrix expected_matrix(const std::string& name) {
  return ca::parse_int_matrix(ca::io::read_file_bytes(data_dir + "/causal-learn/expected/" + name));
}

/// The fields PC and FCI results share, timings aside: bit-identical (max_p compared exactly).
template <class Result>
void require_same_search(const Result& distributed, const Result& single) {
  REQUIRE(distributed.skeleton == single.skeleton);
  REQUIRE(distributed.sepset == single.sepset);
  REQUIRE(distributed.max_p_value == single.max_p_value);
  REQUIRE(distributed.tests == single.tests);
  REQUIRE(distributed.tests_per_depth == single.tests_per_depth);
}

void require_same(const ca::PcResult& distributed, const ca::PcResult& single) {
  require_same_search(distributed, single);
  REQUIRE(distributed.cpdag == single.cpdag);
  REQUIRE(distributed.ambiguous_triples == single.ambiguous_triples);
}

void require_same(const ca::FciResult& distributed, const ca::FciResult& single) {
  require_same_search(distributed, single);
  REQUIRE(distributed.pag == single.pag);
  REQUIRE(distributed.removed_possible_dsep == single.removed_possible_dsep);
}

/// n samples of a random linear Gaussian DAG over p nodes (expected degree 2, weights +-[0.3, 0.9]).
ca::Matrix<double> linear_gaussian(Index p, Index n, std::uint64_t seed) {
  ca::Rng rng(seed);
  const ca::Graph dag = ca::test::random_dag(p, 2.0 / double(p - 1), rng);
  ca::Matrix<double> x(n, p);
  const auto order = dag.topological_order();
  for (Index j : order) {
    x.col(j) = ca::normal_matrix<double>(n, 1, rng);
    for (Index parent : dag.parents(j)) x.col(j) += (rng.bernoulli(0.5) ? 1 : -1) * rng.uniform(0.3, 0.9) * x.col(parent);
  }
  return x;
}

/// A test that throws on one rank, at the first test of depth 1: the failure every rank must see.
struct FailingOnOneRank {
  const ca::FisherZTest& inner;
  int failing_rank;
  Index variables() const { return inner.variables(); }
  ca::CiTestResult test(Index x, Index y, const std::vector<Index>& s) const {
    if (!s.empty() && world_rank() == failing_rank) throw ca::invalid_input("test", "deliberate failure at depth 1");
    return inner.test(x, y, s);
  }
};

}  // namespace

TEST_CASE("mpi_pc reproduces causal-learn's linear_10 outputs and pc() bit for bit", "[mpi]") {
  const auto table = ca::read_csv<double>(data_dir + "/causal-learn/data_linear_10.txt");
  const ca::FisherZTest test(table.data, ca::PValueConvention::causal_learn);
  const std::pair<int, int> variants[] = {{0, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4}, {1, -1}, {2, -1}};
  for (int threads : {1, 2}) {
    for (const auto& [rule, priority] : variants) {
      const std::string file = "linear_10_pc_fisherz_0.05_stable_" + std::to_string(rule) + "_" + std::to_string(priority) +
                               ".txt";
      INFO(file << ", " << world_size() << " ranks, " << threads << " threads");
      ca::PcOptions options;
      options.collider_rule = static_cast<ca::ColliderRule>(rule);
      options.priority = priority;
      options.threads = threads;
      const auto distributed = ca::mpi_pc(test, table.names, options);
      REQUIRE(ca::to_causal_learn_matrix(distributed.cpdag) == expected_matrix(file));
      require_same(distributed, ca::pc(test, table.names, options));
    }
  }
}

TEST_CASE("mpi_fci equals fci() bit for bit on linear_10, with and without possible-d-sep", "[mpi]") {
  // (test_discovery checks fci() against causal-learn's file, whose known differences it explains.)
  const auto table = ca::read_csv<double>(data_dir + "/causal-learn/data_linear_10.txt");
  const ca::FisherZTest test(table.data, ca::PValueConvention::causal_learn);
  ca::FciOptions options;
  for (bool possible_dsep : {true, false}) {
    options.possible_dsep = possible_dsep;
    require_same(ca::mpi_fci(test, table.names, options), ca::fci(test, table.names, options));
  }
}

TEST_CASE("mpi_pc with G-square (a test without a fingerprint) equals pc()", "[mpi]") {
  const auto table = ca::read_csv<double>(data_dir + "/causal-learn/data_discrete_10.txt");
  const ca::DiscreteCiTest test(table.data, ca::DiscreteStatistic::g_square);
  const auto distributed = ca::mpi_pc(test, table.names);
  REQUIRE(ca::to_causal_learn_matrix(distributed.cpdag) == expected_matrix("discrete_10_pc_gsq_0.05_stable_0_-1.txt"));
  require_same(distributed, ca::pc(test, table.names));
}

TEST_CASE("with a d-separation oracle mpi_pc and mpi_fci equal pc, fci and the truth on random DAGs", "[mpi]") {
  const std::uint64_t seed = 20261206;
  std::printf("mpi oracle DAGs: seed %llu\n", (unsigned long long)seed);
  ca::Rng rng(seed);
  for (int trial = 0; trial < 40; ++trial) {
    const auto dag = ca::test::random_sparse_dag(5, 36, rng);
    INFO("trial " << trial << ", p = " << dag.size());
    const ca::DSeparationTest oracle(dag);
    ca::PcOptions options;
    options.threads = 1 + trial % 2;
    options.sepset_mode = trial % 3 == 0 ? ca::SepsetMode::first_found : ca::SepsetMode::causal_learn;
    const auto distributed = ca::mpi_pc(oracle, {}, options);
    REQUIRE(distributed.cpdag == ca::dag_to_cpdag(dag));
    require_same(distributed, ca::pc(oracle, {}, options));
    if (dag.size() <= 20) {
      ca::FciOptions fci_options;
      fci_options.threads = options.threads;
      require_same(ca::mpi_fci(oracle, {}, fci_options), ca::fci(oracle, {}, fci_options));
    }
  }
}

TEST_CASE("mpi_pc equals pc() bit for bit on simulated Gaussian data, with knowledge and a depth bound", "[mpi]") {
  const std::uint64_t seed = 77;
  std::printf("mpi simulated data: seed %llu\n", (unsigned long long)seed);
  const auto x = linear_gaussian(80, 400, seed);
  const ca::FisherZTest test(x);
  ca::PcOptions options;
  options.alpha = 0.05;
  require_same(ca::mpi_pc(test, {}, options), ca::pc(test, {}, options));
  options.max_depth = 1;
  options.threads = 2;
  options.knowledge = ca::BackgroundKnowledge(80);
  options.knowledge.forbid(0, 1);
  options.knowledge.require(2, 3);
  require_same(ca::mpi_pc(test, {}, options), ca::pc(test, {}, options));
  ca::FciOptions fci_options;
  fci_options.alpha = 0.01;
  fci_options.max_depth = 2;
  require_same(ca::mpi_fci(test, {}, fci_options), ca::fci(test, {}, fci_options));
}

TEST_CASE("mpi_bootstrap_graphs equals bootstrap_graphs for PC and FCI", "[mpi]") {
  const auto x = linear_gaussian(12, 300, 5);
  for (const auto algorithm : {ca::BootstrapAlgorithm::pc, ca::BootstrapAlgorithm::fci}) {
    ca::BootstrapOptions options;
    options.algorithm = algorithm;
    options.seed = 11;
    options.threads = 1;
    const auto distributed = ca::mpi_bootstrap_graphs(x, 7, options);  // 7: not a multiple of 2 or 3 ranks
    const auto single = ca::bootstrap_graphs(x, 7, options);
    REQUIRE(distributed.consensus == single.consensus);
    REQUIRE(distributed.failed == single.failed);
    REQUIRE(distributed.pairs.size() == single.pairs.size());
    for (std::size_t i = 0; i < single.pairs.size(); ++i) {
      REQUIRE(distributed.pairs[i].a == single.pairs[i].a);
      REQUIRE(distributed.pairs[i].b == single.pairs[i].b);
      REQUIRE(distributed.pairs[i].edge_frequency == single.pairs[i].edge_frequency);
      REQUIRE(distributed.pairs[i].types.size() == single.pairs[i].types.size());
      for (std::size_t k = 0; k < single.pairs[i].types.size(); ++k) {
        REQUIRE(distributed.pairs[i].types[k].at_a == single.pairs[i].types[k].at_a);
        REQUIRE(distributed.pairs[i].types[k].at_b == single.pairs[i].types[k].at_b);
        REQUIRE(distributed.pairs[i].types[k].frequency == single.pairs[i].types[k].frequency);
      }
    }
  }
}

TEST_CASE("mpi_bootstrap_graphs counts failed resamples as bootstrap_graphs does", "[mpi]") {
  ca::Matrix<double> x = linear_gaussian(4, 40, 9);
  x.col(3).setZero();
  x(0, 3) = 1;  // constant in the resamples that miss row 0
  ca::BootstrapOptions options;
  options.threads = 1;
  const auto distributed = ca::mpi_bootstrap_graphs(x, 20, options);
  const auto single = ca::bootstrap_graphs(x, 20, options);
  REQUIRE(single.failed > 0);
  REQUIRE(distributed.failed == single.failed);
  REQUIRE(distributed.first_failure == single.first_failure);
  REQUIRE(distributed.consensus == single.consensus);
}

TEST_CASE("a rank that fails mid-run ends the search with the same error on every rank", "[mpi]") {
  const auto x = linear_gaussian(20, 300, 3);
  const ca::FisherZTest inner(x);
  const FailingOnOneRank failing{inner, world_size() - 1};
  const std::string rank = std::to_string(world_size() - 1);
  REQUIRE_THROWS_WITH(ca::mpi_pc(failing), Contains("test: deliberate failure at depth 1 (on MPI rank " + rank + ")"));
  REQUIRE_THROWS_WITH(ca::mpi_fci(failing), Contains("(on MPI rank " + rank + ")"));
  ca::PcOptions budget;
  budget.max_seconds = 1e-9;  // reached on every rank: the lowest rank's error is thrown everywhere
  REQUIRE_THROWS_AS(ca::mpi_pc(inner, {}, budget), ca::budget_exceeded);
  ca::PcOptions bad_threads;
  bad_threads.threads = world_rank() == world_size() - 1 ? -1 : 1;  // invalid on one rank only
  REQUIRE_THROWS_WITH(ca::mpi_pc(inner, {}, bad_threads), Contains("(on MPI rank " + rank + ")"));
}

TEST_CASE("different data or options on different ranks are refused on every rank before any work", "[mpi]") {
  ca::Matrix<double> x = linear_gaussian(10, 200, 4);
  if (world_rank() == 1) x(5, 2) += 1e-9;
  const ca::FisherZTest test(x);
  if (world_size() == 1) {
    REQUIRE_NOTHROW(ca::mpi_pc(test));
  } else {
    REQUIRE_THROWS_WITH(ca::mpi_pc(test), Contains("test: the data and options differ between MPI ranks: rank 1's checksum"));
    REQUIRE_THROWS_WITH(ca::mpi_bootstrap_graphs(x, 4), Contains("data: the data and options differ between MPI ranks"));
  }
  ca::PcOptions options;
  options.alpha = world_rank() == 0 ? 0.05 : 0.01;
  const ca::FisherZTest same(linear_gaussian(10, 200, 4));
  if (world_size() > 1) {
    REQUIRE_THROWS_WITH(ca::mpi_pc(same, {}, options), Contains("differ between MPI ranks"));
    ca::PcOptions knowledge;  // the same number of variables, another rule on rank 1
    knowledge.knowledge = ca::BackgroundKnowledge(10);
    knowledge.knowledge.forbid(world_rank() == 1 ? 3 : 2, 4);
    REQUIRE_THROWS_WITH(ca::mpi_pc(same, {}, knowledge), Contains("differ between MPI ranks"));
    std::vector<std::string> names = ca::default_variable_names(10);
    if (world_rank() == 1) names[7] = "renamed";
    REQUIRE_THROWS_WITH(ca::mpi_fci(same, names), Contains("differ between MPI ranks"));
    ca::BootstrapOptions bootstrap;
    bootstrap.pc.priority = world_rank() == 1 ? 2 : 3;
    REQUIRE_THROWS_WITH(ca::mpi_bootstrap_graphs(x, 4, bootstrap), Contains("differ between MPI ranks"));
  }
}

TEST_CASE("mpi searches refuse the original skeleton and bad bootstrap arguments on every rank", "[mpi]") {
  const auto x = linear_gaussian(6, 100, 8);
  const ca::FisherZTest test(x);
  ca::PcOptions original;
  original.stable = false;
  REQUIRE_THROWS_WITH(ca::mpi_pc(test, {}, original), Contains("options.stable: is false"));
  REQUIRE_THROWS_WITH(ca::mpi_bootstrap_graphs(x, 0), Contains("resamples: is 0, must be >= 1"));
  ca::BootstrapOptions bad;
  bad.consensus_frequency = 1.5;
  REQUIRE_THROWS_WITH(ca::mpi_bootstrap_graphs(x, 5, bad), Contains("options.consensus_frequency"));
}

TEST_CASE("mpi_bootstrap_graphs_with equals bootstrap_graphs_with for any search", "[mpi]") {
  const auto x = linear_gaussian(8, 200, 12);
  ca::BootstrapOptions options;
  options.seed = 3;
  options.threads = 1;
  ca::PcOptions one_thread;
  one_thread.threads = 1;
  one_thread.sepset_mode = ca::SepsetMode::first_found;
  const auto search = [&](const ca::Matrix<double>& resample) {
    return ca::pc(ca::FisherZTest(resample, ca::PValueConvention::accurate, 1), {}, one_thread).cpdag;
  };
  const auto distributed = ca::mpi_bootstrap_graphs_with(x, 5, search, options);
  const auto single = ca::bootstrap_graphs_with(x, 5, search, options);
  REQUIRE(distributed.consensus == single.consensus);
  REQUIRE(distributed.pairs.size() == single.pairs.size());
  for (std::size_t i = 0; i < single.pairs.size(); ++i)
    REQUIRE(distributed.pairs[i].edge_frequency == single.pairs[i].edge_frequency);
}

TEST_CASE("mpi_pc with more ranks than variables equals pc()", "[mpi]") {
  const auto x = linear_gaussian(2, 100, 13);
  const ca::FisherZTest test(x);
  require_same(ca::mpi_pc(test), ca::pc(test));
  require_same(ca::mpi_fci(test), ca::fci(test));
}

TEST_CASE("MpiFisherZTest keeps 1/R of the correlation rows and gives pc() and fci() bit for bit", "[mpi]") {
  const auto table = ca::read_csv<double>(data_dir + "/causal-learn/data_linear_10.txt");
  const ca::FisherZTest whole(table.data, ca::PValueConvention::causal_learn);
  const ca::MpiFisherZTest spread(table.data, ca::MpiGroup(), ca::PValueConvention::causal_learn);
  const Index p = table.data.cols();
  REQUIRE(spread.row_bytes() == ((p - world_rank() + world_size() - 1) / world_size()) * p * 8);
  for (int threads : {1, 2}) {
    for (int priority : {0, 2, 3}) {
      const std::string file = "linear_10_pc_fisherz_0.05_stable_0_" + std::to_string(priority) + ".txt";
      INFO(file << ", " << world_size() << " ranks, " << threads << " threads");
      ca::PcOptions options;
      options.priority = priority;
      options.threads = threads;
      const auto distributed = ca::mpi_pc(spread, table.names, options);
      REQUIRE(ca::to_causal_learn_matrix(distributed.cpdag) == expected_matrix(file));
      require_same(distributed, ca::pc(whole, table.names, options));
    }
  }
  ca::FciOptions fci_options;  // possible-d-sep tests read entries no skeleton pair prepared
  require_same(ca::mpi_fci(spread, table.names, fci_options), ca::fci(whole, table.names, fci_options));
}

TEST_CASE("MpiFisherZTest equals FisherZTest over several blocks, sample chunks and either separating-set mode", "[mpi]") {
  // p = 300: three 128-column blocks, the last partial; p = 200 with n = 600: the samples in chunks.
  for (const auto& [p, n, seed] : {std::tuple<Index, Index, std::uint64_t>{300, 400, 91}, {200, 600, 92}}) {
    std::printf("MpiFisherZTest data: p %ld, n %ld, seed %llu\n", long(p), long(n), (unsigned long long)seed);
    const auto x = linear_gaussian(p, n, seed);
    const ca::FisherZTest whole(x);
    const ca::MpiFisherZTest spread(x);
    ca::Rng rng(seed);
    for (int draw = 0; draw < 300; ++draw) {  // tests no skeleton prepared: every entry read on demand
      const Index a = Index(rng.uniform_int(std::uint64_t(p))), b = (a + 1 + Index(rng.uniform_int(std::uint64_t(p - 1)))) % p;
      std::vector<Index> s;
      for (int k = draw % 5; k > 0; --k) {
        const Index v = Index(rng.uniform_int(std::uint64_t(p)));
        if (v != a && v != b && std::find(s.begin(), s.end(), v) == s.end()) s.push_back(v);
      }
      INFO("x " << a << ", y " << b << ", |S| " << s.size());
      REQUIRE(spread.test(a, b, s).p_value == whole.test(a, b, s).p_value);
      REQUIRE(spread.test(a, b, s).statistic == whole.test(a, b, s).statistic);
    }
    ca::PcOptions options;
    options.alpha = 0.05;
    options.threads = 2;
    for (auto mode : {ca::SepsetMode::causal_learn, ca::SepsetMode::first_found}) {
      options.sepset_mode = mode;
      require_same(ca::mpi_pc(spread, {}, options), ca::pc(whole, {}, options));
    }
  }
}

TEST_CASE("MpiFisherZTest refuses bad data and perfect correlations on every rank, as FisherZTest does", "[mpi]") {
  auto x = linear_gaussian(6, 50, 5);
  x.col(3).setConstant(2.0);
  REQUIRE_THROWS_WITH(ca::MpiFisherZTest(x), Contains("column 3") && Contains("(on MPI rank 0)"));
  x = linear_gaussian(6, 50, 5);
  x.col(4) = 3 * x.col(1);
  const ca::MpiFisherZTest spread(x);
  std::string expected;
  try {
    ca::FisherZTest(x).check_no_perfect_correlation();
  } catch (const ca::invalid_input& e) {
    expected = e.detail();
  }
  REQUIRE(!expected.empty());
  REQUIRE_THROWS_WITH(spread.check_no_perfect_correlation(), Contains(expected));
}
