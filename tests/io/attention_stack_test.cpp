#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "causalattn/io/attention_stack.hpp"

namespace ca = causalattn;
using Catch::Matchers::Contains;

namespace {
// An array whose value at flat C-order index k is k, with the given shape.
ca::NpyArray<double> counting(const std::vector<std::size_t>& shape) {
  ca::NpyArray<double> a;
  a.shape = shape;
  std::size_t count = 1;
  for (std::size_t d : shape) count *= d;
  for (std::size_t k = 0; k < count; ++k) a.data.push_back(double(k));
  return a;
}
}  // namespace

TEST_CASE("attention stacks of every rank PyTorch saves become [layer][head] matrices", "[io][attention]") {
  const auto two = ca::attention_stack(counting({3, 3}));
  REQUIRE(two.size() == 1);
  REQUIRE(two[0].size() == 1);
  REQUIRE(two[0][0](1, 2) == 5);  // row-major: row 1, column 2 = 1 * 3 + 2
  const auto four = ca::attention_stack(counting({2, 3, 2, 2}));
  REQUIRE(four.size() == 2);
  REQUIRE(four[1].size() == 3);
  REQUIRE(four[1][2](1, 0) == (1 * 3 + 2) * 4 + 2);
  // [layers, batch, heads, n, n]: the batch averaged by default, or one element picked.
  const auto five = counting({2, 2, 1, 2, 2});
  const auto mean = ca::attention_stack(five);
  REQUIRE(mean.size() == 2);
  REQUIRE(mean[1][0](0, 1) == ((1 * 2 + 0) * 4 + 1 + (1 * 2 + 1) * 4 + 1) / 2.0);
  ca::AttentionStackOptions second;
  second.batch = 1;
  REQUIRE(ca::attention_stack(five, second)[1][0](0, 1) == (1 * 2 + 1) * 4 + 1);
}

TEST_CASE("attention stacks with an empty axis, a wrong rank or a bad batch are refused by name", "[io][attention]") {
  REQUIRE_THROWS_WITH(ca::attention_stack(counting({0, 2, 3, 3}), {}, "a.npy"),
                      Contains("a.npy") && Contains("axis 0 (layers) has length 0"));
  REQUIRE_THROWS_WITH(ca::attention_stack(counting({2, 0, 3, 3})), Contains("axis 1 (heads)"));
  REQUIRE_THROWS_WITH(ca::attention_stack(counting({1, 1, 1, 0, 0})), Contains("axis 3 (queries)"));
  REQUIRE_THROWS_WITH(ca::attention_stack(counting({4})), Contains("expected [n, n]"));
  REQUIRE_THROWS_WITH(ca::attention_stack(counting({1, 1, 1, 1, 2, 2})), Contains("expected [n, n]"));
  REQUIRE_THROWS_WITH(ca::attention_stack(counting({2, 3})), Contains("last two axes"));
  ca::AttentionStackOptions bad;
  bad.batch = 2;
  REQUIRE_THROWS_WITH(ca::attention_stack(counting({1, 2, 1, 2, 2}), bad), Contains("options.batch") && Contains("2 batch"));
}
