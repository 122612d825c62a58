#include <catch2/catch.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "causalattn/core/random.hpp"
#include "causalattn/core/threads.hpp"
#include "causalattn/core/version.hpp"

namespace ca = causalattn;
using Catch::Matchers::Contains;

TEST_CASE("resolve_threads: 0 means all, negative is rejected", "[core][threads]") {
  REQUIRE(ca::resolve_threads(0) >= 1);
  REQUIRE(ca::resolve_threads(1) == 1);
  if (ca::has_openmp()) REQUIRE(ca::resolve_threads(3) == 3);
  REQUIRE_THROWS_WITH(ca::resolve_threads(-2, "options.threads"), Contains("options.threads") && Contains("-2"));
}

TEST_CASE("parallel_for gives identical results for any thread count", "[core][threads]") {
  const ca::Rng rng(99);
  auto run = [&](int threads) {
    std::vector<double> out(1000);
    ca::parallel_for(0, 1000, threads, [&](int i) {
      auto local = rng.substream(static_cast<std::uint64_t>(i));
      out[static_cast<std::size_t>(i)] = local.normal();
    });
    return out;
  };
  const auto one = run(1);
  REQUIRE(run(2) == one);
  REQUIRE(run(0) == one);
}

TEST_CASE("parallel_for rethrows the exception of the lowest failing index", "[core][threads]") {
  for (int threads : {1, 2}) {
    try {
      ca::parallel_for(0, 100, threads, [](int i) {
        if (i % 10 == 3) throw std::runtime_error("failed at " + std::to_string(i));
      });
      FAIL("no exception");
    } catch (const std::runtime_error& e) {
      REQUIRE(std::string(e.what()) == "failed at 3");
    }
  }
}

TEST_CASE("ThreadLimit caps OpenMP and Eigen's own products for its scope, then restores", "[core][threads]") {
  const int before = Eigen::nbThreads();
  {
    const ca::ThreadLimit limit(1);
    REQUIRE(Eigen::nbThreads() == 1);  // Eigen follows OpenMP's limit: its GEMMs run on one thread
    REQUIRE(ca::resolve_threads(0) == 1);  // "all threads" now means one
    int seen = 0;
    ca::parallel_for_workers(0, 64, 0, [&](int, int worker) { seen = std::max(seen, worker + 1); });
    REQUIRE(seen == 1);
  }
  REQUIRE(Eigen::nbThreads() == before);
  const ca::ThreadLimit none(0);  // 0 leaves the limit alone
  REQUIRE(Eigen::nbThreads() == before);
  REQUIRE_THROWS_WITH(ca::ThreadLimit(-1), Catch::Matchers::Contains("threads"));
}

TEST_CASE("version macros agree with the version string", "[core]") {
  const std::string expected = std::to_string(CAUSALATTN_VERSION_MAJOR) + "." +
                               std::to_string(CAUSALATTN_VERSION_MINOR) + "." +
                               std::to_string(CAUSALATTN_VERSION_PATCH);
  REQUIRE(expected == ca::version_string());
  REQUIRE(CAUSALATTN_VERSION == CAUSALATTN_MAKE_VERSION(CAUSALATTN_VERSION_MAJOR, CAUSALATTN_VERSION_MINOR,
                                                        CAUSALATTN_VERSION_PATCH));
}
