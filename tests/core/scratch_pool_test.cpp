#include "causalattn/core/detail/scratch_pool.hpp"

#include <catch2/catch.hpp>
#include <vector>

namespace ca = causalattn;

TEST_CASE("ScratchPool lends distinct objects at once and reuses returned ones", "[core][scratch]") {
  ca::detail::ScratchPool<std::vector<int>> pool;
  const std::vector<int>* first = nullptr;
  {
    auto a = pool.acquire();
    auto b = pool.acquire();
    REQUIRE(&*a != &*b);  // two leases at once never share
    a->assign(1000, 7);
    first = &*a;
  }
  auto again = pool.acquire();
  auto other = pool.acquire();
  // Both objects came back; the one filled keeps its contents for the next user.
  const bool reused = &*again == first || &*other == first;
  REQUIRE(reused);
  const auto& filled = &*again == first ? *again : *other;
  REQUIRE(filled.size() == 1000);
}
