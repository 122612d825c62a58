// MpiGroup's collectives on their own (this file includes its header first: self-containment).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "causalattn/mpi/group.hpp"

namespace ca = causalattn;
using Catch::Matchers::Contains;

TEST_CASE("MpiGroup::all_gather returns every rank's bytes in rank order, empty ones included", "[mpi]") {
  const ca::MpiGroup group;
  std::vector<char> mine(static_cast<std::size_t>(group.rank() % 2 == 0 ? 3 * group.rank() + 1 : 0), char('a' + group.rank()));
  std::vector<long long> offsets;
  const auto all = group.all_gather(mine, offsets);
  REQUIRE(offsets.size() == std::size_t(group.size()) + 1);
  for (int k = 0; k < group.size(); ++k) {
    const long long expected = k % 2 == 0 ? 3 * k + 1 : 0;
    REQUIRE(offsets[std::size_t(k) + 1] - offsets[std::size_t(k)] == expected);
    for (long long i = offsets[std::size_t(k)]; i < offsets[std::size_t(k) + 1]; ++i)
      REQUIRE(all[std::size_t(i)] == char('a' + k));
  }
}

TEST_CASE("MpiGroup::run throws the lowest failing rank's error, with its type, on every rank", "[mpi]") {
  const ca::MpiGroup group;
  const int last = group.size() - 1;
  REQUIRE_NOTHROW(group.run([] {}));
  REQUIRE_THROWS_WITH(group.run([&] {
    if (group.rank() == last) throw ca::invalid_input("x.csv", "row 3 is short");
  }),
                      "causalattn: x.csv: row 3 is short (on MPI rank " + std::to_string(last) + ")");
  REQUIRE_THROWS_WITH(group.run([&] {  // the lowest failing rank's error wins
    if (group.rank() == 0) throw ca::numerical_error("first");
    if (group.rank() == last) throw ca::numerical_error("last");
  }),
                      "causalattn: first (on MPI rank 0)");
  REQUIRE_THROWS_AS(group.run([&] {
    if (group.rank() == last) throw std::bad_alloc();
  }),
                    std::bad_alloc);
  REQUIRE_THROWS_WITH(group.run([&] {
    if (group.rank() == 0) throw ca::budget_exceeded("pc stopped after 5 tests");
  }),
                      Contains("pc stopped after 5 tests (on MPI rank 0)"));
  REQUIRE_THROWS_WITH(group.run([] { throw std::runtime_error("plain"); }), Contains("plain (on MPI rank 0)"));
}

TEST_CASE("MpiGroup::check_same names the first rank that differs from rank 0", "[mpi]") {
  const ca::MpiGroup group;
  REQUIRE_NOTHROW(group.check_same(42, "data", "the data"));
  if (group.size() > 1) {
    REQUIRE_THROWS_WITH(group.check_same(group.rank() == 0 ? 1 : 2, "data", "the data"),
                        Contains("data: the data differ between MPI ranks: rank 1's checksum 0x0000000000000002 is not rank 0's "
                                 "0x0000000000000001"));
  }
}
