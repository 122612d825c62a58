#include "causalattn/discovery/cdnod.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "causalattn/discovery/kci.hpp"
#include "causalattn/io/csv.hpp"
#include "causalattn/io/endpoint_matrix.hpp"
#include "sanitized.hpp"

namespace ca = causalattn;
using ca::Index;
using Catch::Matchers::Contains;

namespace {
const std::string cdnod_dir = std::string(CAUSALATTN_DATA_DIR) + "/causal-learn/kci/";
}  // namespace

TEST_CASE("CD-NOD equals causal-learn's cdnod entry for entry (Fisher z and KCI, 3 and 4 domains)", "[discovery][cdnod]") {
  for (const std::string k : {"k3", "k4"}) {
    const auto table = ca::read_csv<double>(cdnod_dir + "cdnod_" + k + ".csv");
    const ca::Matrix<double> x = table.data.leftCols(5), c = table.data.col(5);
    const ca::Matrix<double> data = ca::with_context(x, c);
    for (const std::string test : {"fisherz", "kci"}) {
      // KCI on 1000 rows costs 50 s under the sanitizers; there the 450-row case checks its memory
      // safety, and the optimised build checks both cases' graphs.
      if (ca::test::sanitized() && test == "kci" && k == "k4") continue;
      INFO(k << " " << test);
      ca::CdnodResult result;
      if (test == "fisherz") {
        result = ca::cdnod(ca::FisherZTest(data, ca::PValueConvention::causal_learn), table.names, 5);
      } else {
        ca::KciOptions options;
        options.convention = ca::PValueConvention::causal_learn;
        result = ca::cdnod(ca::KciTest(data, options), table.names, 5);
      }
      const ca::IntMatrix expected = ca::parse_int_matrix(
          ca::io::read_file_bytes(cdnod_dir + "cdnod_" + k + "_" + test + "_expected.txt"));
      const ca::IntMatrix actual = ca::to_causal_learn_matrix(result.cpdag);
      REQUIRE(actual == expected);
      // The changing mechanisms are the context's children: a tail at c, an arrowhead at v.
      std::vector<Index> children;
      for (Index v = 0; v < 5; ++v)
        if (expected(5, v) == -1 && expected(v, 5) == 1) children.push_back(v);
      REQUIRE(result.changing == children);
      REQUIRE(result.context == 5);
    }
  }
}

TEST_CASE("CD-NOD: the context can be any column, and bad context input is refused", "[discovery][cdnod]") {
  const auto table = ca::read_csv<double>(cdnod_dir + "cdnod_k3.csv");
  // The same data with c moved to the front: the same graph up to the relabelling.
  ca::Matrix<double> front(table.data.rows(), 6);
  front.col(0) = table.data.col(5);
  front.rightCols(5) = table.data.leftCols(5);
  const auto moved = ca::cdnod(ca::FisherZTest(front, ca::PValueConvention::causal_learn), {}, 0);
  const auto last = ca::cdnod(ca::FisherZTest(table.data, ca::PValueConvention::causal_learn), {}, 5);
  for (Index a = 0; a < 6; ++a)
    for (Index b = 0; b < 6; ++b) {
      const Index ma = a == 5 ? 0 : a + 1, mb = b == 5 ? 0 : b + 1;
      REQUIRE(moved.cpdag.mark_at(ma, mb) == last.cpdag.mark_at(a, b));
    }
  const ca::Matrix<double> x = table.data.leftCols(5);
  REQUIRE_THROWS_WITH(ca::with_context(x, ca::Matrix<double>::Constant(x.rows(), 1, 2.0)), Contains("single value"));
  REQUIRE_THROWS_WITH(ca::with_context(x, ca::Matrix<double>::Ones(x.rows() - 1, 1)), Contains("context"));
  ca::Matrix<double> c = table.data.col(5);
  c(4, 0) = std::numeric_limits<double>::quiet_NaN();
  REQUIRE_THROWS_AS(ca::with_context(x, c), ca::invalid_input);
  REQUIRE_THROWS_WITH(ca::cdnod(ca::FisherZTest(table.data), {}, 6), Contains("context"));
  ca::PcOptions late;  // knowledge that puts the context after a variable contradicts C -> V
  late.knowledge = ca::BackgroundKnowledge(6);
  late.knowledge.set_tier(5, 1).set_tier(0, 0);
  REQUIRE_THROWS_WITH(ca::cdnod(ca::FisherZTest(table.data), {}, 5, late), Contains("options.knowledge"));
  REQUIRE_THROWS_WITH(ca::cdnod(ca::FisherZTest(table.data), {}, -1), Contains("context"));
}
