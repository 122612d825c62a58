#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <vector>

#include "causalattn/core/random.hpp"

namespace ca = causalattn;

TEST_CASE("splitmix64 matches the published reference sequence", "[core][random]") {
  // Reference outputs for seed 1234567 as published with Vigna's splitmix64.c and reproduced by the
  // rand_xoshiro crate's test suite.
  std::uint64_t state = 1234567;
  const std::array<std::uint64_t, 5> expected{6457827717110365317ULL, 3203168211198807973ULL,
                                              9817491932198370423ULL, 4593380528125082431ULL,
                                              16408922859458223821ULL};
  for (auto e : expected) REQUIRE(ca::splitmix64(state) == e);
}

TEST_CASE("equal seeds give equal streams, different seeds and substreams differ", "[core][random]") {
  ca::Rng a(42), b(42), c(43);
  bool all_equal_c = true;
  for (int i = 0; i < 100; ++i) {
    const auto va = a();
    REQUIRE(va == b());
    all_equal_c = all_equal_c && (va == c());
  }
  REQUIRE_FALSE(all_equal_c);
  // A substream depends on the seed and the index, not on how far the parent has advanced.
  ca::Rng fresh(42);
  REQUIRE(a.substream(7)() == fresh.substream(7)());
  REQUIRE(fresh.substream(7)() != fresh.substream(8)());
  REQUIRE(a.seed() == 42);
}

TEST_CASE("uniform draws on the unit interval have the right mean and variance", "[core][random]") {
  ca::Rng rng(2024);
  const int n = 200000;
  double sum = 0, sum2 = 0, lo = 1, hi = 0;
  for (int i = 0; i < n; ++i) {
    const double u = rng.uniform();
    sum += u;
    sum2 += u * u;
    lo = std::min(lo, u);
    hi = std::max(hi, u);
  }
  REQUIRE(lo >= 0.0);
  REQUIRE(hi < 1.0);
  // Standard error of the mean is sqrt(1/12/n) ~ 6.5e-4: 5 standard errors.
  REQUIRE(sum / n == Approx(0.5).margin(3.3e-3));
  REQUIRE(sum2 / n - (sum / n) * (sum / n) == Approx(1.0 / 12).margin(2e-3));
}

TEST_CASE("normal draws have mean 0, variance 1 and normal tails", "[core][random]") {
  ca::Rng rng(7);
  const int n = 200000;
  double sum = 0, sum2 = 0;
  int beyond_two = 0;
  for (int i = 0; i < n; ++i) {
    const double z = rng.normal();
    sum += z;
    sum2 += z * z;
    beyond_two += std::abs(z) > 2 ? 1 : 0;
  }
  REQUIRE(sum / n == Approx(0).margin(5 * std::sqrt(1.0 / n)));
  REQUIRE(sum2 / n == Approx(1).margin(5 * std::sqrt(2.0 / n)));
  // P(|Z| > 2) = 0.0455; binomial standard error ~ 4.7e-4.
  REQUIRE(double(beyond_two) / n == Approx(0.0455).margin(2.5e-3));
}

TEST_CASE("uniform_int is unbiased (chi-square) and rejects n = 0", "[core][random]") {
  ca::Rng rng(11);
  const int k = 7, n = 70000;
  std::vector<int> counts(k, 0);
  for (int i = 0; i < n; ++i) counts[rng.uniform_int(k)]++;
  double chi2 = 0;
  for (int c : counts) chi2 += (c - n / double(k)) * (c - n / double(k)) / (n / double(k));
  REQUIRE(chi2 < 22.46);  // 0.999 quantile of chi-square with 6 degrees of freedom
  REQUIRE_THROWS_AS(rng.uniform_int(0), ca::invalid_input);
}

TEST_CASE("shuffle permutes and is reproducible", "[core][random]") {
  std::vector<int> a(50), b(50);
  std::iota(a.begin(), a.end(), 0);
  b = a;
  ca::Rng r1(5), r2(5);
  r1.shuffle(a.begin(), a.end());
  r2.shuffle(b.begin(), b.end());
  REQUIRE(a == b);
  std::vector<int> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 50; ++i) REQUIRE(sorted[i] == i);
  REQUIRE_FALSE(std::is_sorted(a.begin(), a.end()));
}

TEMPLATE_TEST_CASE("normal_matrix fills column by column from the stream", "[core][random]", float, double) {
  ca::Rng r1(3), r2(3);
  auto m = ca::normal_matrix<TestType>(3, 2, r1);
  for (ca::Index j = 0; j < 2; ++j)
    for (ca::Index i = 0; i < 3; ++i) REQUIRE(m(i, j) == static_cast<TestType>(r2.normal()));
}
