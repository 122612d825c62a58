#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "causalattn/core/random.hpp"
#include "causalattn/discovery/pc.hpp"

namespace ca = causalattn;
using ca::Index;

TEST_CASE("PC's search_progress reports the depth, the tests done in it within its bound, and the total",
          "[discovery][pc][progress]") {
  // A Fisher z test that pauses 1.1 s at its first depth-1 call, so that the throttled report
  // (at most one a second, the first after one second) comes during depth 1.
  struct SlowTest {
    const ca::FisherZTest& inner;
    mutable std::atomic<bool> paused{false};
    Index variables() const { return inner.variables(); }
    ca::CiTestResult test(Index x, Index y, const std::vector<Index>& s) const {
      if (s.size() == 1 && !paused.exchange(true)) std::this_thread::sleep_for(std::chrono::milliseconds(1100));
      return inner.test(x, y, s);
    }
  };
  ca::Rng rng(5);
  ca::Matrix<double> x = ca::normal_matrix(500, 6, rng);
  for (Index j = 1; j < 6; ++j) x.col(j) += 0.8 * x.col(j - 1);  // a chain: depth 1 separates it
  const ca::FisherZTest fisher(x);
  const SlowTest slow{fisher};
  std::mutex mutex;
  std::vector<ca::SearchProgress> reports;
  ca::PcOptions options;
  options.threads = 1;
  options.search_progress = [&](const ca::SearchProgress& p) {
    const std::lock_guard<std::mutex> lock(mutex);
    reports.push_back(p);
  };
  const auto result = ca::pc(slow, {}, options);
  REQUIRE_FALSE(reports.empty());
  for (const auto& p : reports) {
    INFO("depth " << p.depth << ": " << p.depth_tests << " of <= " << p.depth_bound << ", " << p.tests << " in all");
    REQUIRE(p.depth == 1);
    REQUIRE(p.depth_tests >= 1);
    REQUIRE(p.depth_tests <= p.depth_bound);
    REQUIRE(p.tests == result.tests_per_depth[0] + p.depth_tests);  // depth 0 tested every pair once
    REQUIRE(p.seconds >= 1.0);
  }
}
