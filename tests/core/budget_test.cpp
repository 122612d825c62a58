#include "causalattn/core/budget.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>
#include <vector>

namespace ca = causalattn;
using Catch::Matchers::Contains;

TEST_CASE("TimeBudget: unlimited at 0, and once passed throws what was done and the option", "[core][budget]") {
  const ca::TimeBudget unlimited(0);
  CHECK_FALSE(unlimited.expired());
  CHECK_NOTHROW(unlimited.check("pc", "3 tests", "options.max_seconds"));
  const ca::TimeBudget tiny(1e-6);
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  CHECK(tiny.expired());
  CHECK_THROWS_AS(tiny.check("pc", "3 tests", "options.max_seconds"), ca::budget_exceeded);
  CHECK_THROWS_WITH(tiny.check("pc", "3 tests", "options.max_seconds"),
                    Contains("pc stopped after 3 tests in") && Contains("the budget options.max_seconds = 1e-06 ran out"));
  const ca::TimeBudget ample(3600);
  CHECK_FALSE(ample.expired());
  CHECK_NOTHROW(ample.check("pc", "3 tests", "options.max_seconds"));
}

TEST_CASE("ThrottledProgress: the first report at once (or after first_after), then at most once a second", "[core][budget]") {
  std::vector<long long> seen;
  const ca::ThrottledProgress tick([&](long long done, long long) { seen.push_back(done); });
  for (long long k = 0; k < 1000; ++k) tick(k, 1000);
  REQUIRE(seen.size() == 1);  // a thousand calls within far less than a second
  CHECK(seen[0] == 0);
  const ca::ThrottledProgress later([&](long long done, long long) { seen.push_back(done); }, 3600);
  later(7, 10);
  CHECK(seen.size() == 1);
  const ca::ThrottledProgress turns;  // no report of its own: callers take turns with claim()
  turns(1, 2);                        // a no-op that takes no turn
  CHECK(static_cast<bool>(turns.claim()));
  CHECK_FALSE(static_cast<bool>(turns.claim()));  // the next turn is a second later
}
