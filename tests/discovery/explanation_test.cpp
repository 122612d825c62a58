// CLEANN explanation search (`explain`): planted minimal sets, the nearest-first order, the call
// budget, candidate restriction, unreachable tokens and input checks.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <tuple>
#include <utility>
#include <vector>

#include "causalattn/core/random.hpp"
#include "causalattn/discovery/explanation.hpp"
#include "causalattn/graph/graph.hpp"
#include "random_graphs.hpp"

namespace ca = causalattn;
using ca::Index;
using Catch::Matchers::Contains;
using Sets = std::vector<std::vector<Index>>;

namespace {

/// A graph on p nodes with the given undirected edges.
ca::Graph undirected_graph(Index p, const std::vector<std::pair<Index, Index>>& edges) {
  ca::Graph g(p);
  for (const auto& [a, b] : edges) g.add_undirected(a, b);
  return g;
}

/// The path 0 - 1 - ... - (p-1), so node v is at distance v from node 0.
ca::Graph chain(Index p) {
  ca::Graph g(p);
  for (Index v = 0; v + 1 < p; ++v) g.add_undirected(v, v + 1);
  return g;
}

/// True if `set` (ascending) holds every node of `part` (ascending).
bool holds(const std::vector<Index>& set, const std::vector<Index>& part) {
  return std::includes(set.begin(), set.end(), part.begin(), part.end());
}

/// A callback that records every set it is shown and answers `changes(set)`.
template <class Changes>
auto recording(Sets& seen, Changes changes) {
  return [&seen, changes](const std::vector<Index>& masked) {
    seen.push_back(masked);
    return changes(masked);
  };
}

const auto never = [](const std::vector<Index>&) { return false; };

/// C(n, k).
long long binomial(long long n, long long k) {
  long long c = 1;
  for (long long i = 1; i <= k; ++i) c = c * (n - k + i) / i;
  return c;
}

/// Every k-subset (ascending) of `nodes`, for k = 1..max_k, in the order the search must try them,
/// computed independently of the library: by size, then (number of unreachable members, sum of
/// reachable distances, members' ranks in the order by (distance, unreachable last, index)).
Sets reference_order(const std::vector<Index>& distance, std::vector<Index> nodes, Index max_k) {
  auto rank_key = [&](Index v) { return std::make_tuple(distance[std::size_t(v)] < 0, distance[std::size_t(v)], v); };
  std::sort(nodes.begin(), nodes.end(), [&](Index a, Index b) { return rank_key(a) < rank_key(b); });
  const auto m = Index(nodes.size());
  Sets out;
  for (Index k = 1; k <= std::min(max_k, m); ++k) {
    using Key = std::tuple<Index, Index, std::vector<Index>>;
    std::vector<Key> keyed;
    std::vector<Index> ranks;
    auto enumerate = [&](auto&& self, Index from) -> void {
      if (Index(ranks.size()) == k) {
        Index unreachable = 0, sum = 0;
        for (Index r : ranks) {
          const Index d = distance[std::size_t(nodes[std::size_t(r)])];
          if (d < 0) ++unreachable; else sum += d;
        }
        keyed.emplace_back(unreachable, sum, ranks);
        return;
      }
      for (Index r = from; r < m; ++r) {
        ranks.push_back(r);
        self(self, r + 1);
        ranks.pop_back();
      }
    };
    enumerate(enumerate, 0);
    std::sort(keyed.begin(), keyed.end());
    for (const auto& key : keyed) {
      std::vector<Index> set;
      for (Index r : std::get<2>(key)) set.push_back(nodes[std::size_t(r)]);
      std::sort(set.begin(), set.end());
      out.push_back(set);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("a planted pair is found exactly and alone, its supersets never tried", "[discovery][explanation]") {
  const ca::Graph g = chain(10);
  auto changes = [](const std::vector<Index>& s) { return holds(s, {3, 7}); };
  Sets seen;
  const auto e = ca::explain(g, 0, recording(seen, changes));
  REQUIRE(e.minimal_sets == Sets{{3, 7}});
  REQUIRE_FALSE(e.budget_exhausted);
  // Sizes 1 and 2 in full, then stop: the first size that explained is the last.
  REQUIRE(e.calls == 9 + 36);
  REQUIRE(std::all_of(seen.begin(), seen.end(), [](const auto& s) { return s.size() <= 2; }));

  ca::ExplanationOptions all;
  all.all_sizes = true;
  seen.clear();
  const auto every = ca::explain(g, 0, recording(seen, changes), all);
  REQUIRE(every.minimal_sets == Sets{{3, 7}});
  REQUIRE(every.calls == 9 + 36 + 84 - 7);  // the 7 triples holding 3 and 7 are skipped
  auto superset = [](const auto& s) { return s.size() > 2 && holds(s, {3, 7}); };
  REQUIRE(std::none_of(seen.begin(), seen.end(), superset));
}

TEST_CASE("a planted single token beats pairs; with all sizes the pair follows it", "[discovery][explanation]") {
  const ca::Graph g = chain(10);
  auto changes = [](const std::vector<Index>& s) { return holds(s, {5}) || holds(s, {2, 4}); };
  Sets seen;
  const auto e = ca::explain(g, 0, recording(seen, changes));
  REQUIRE(e.minimal_sets == Sets{{5}});
  REQUIRE(e.calls == 9);

  ca::ExplanationOptions all;
  all.all_sizes = true;
  seen.clear();
  const auto every = ca::explain(g, 0, recording(seen, changes), all);
  REQUIRE(every.minimal_sets == Sets{{5}, {2, 4}});
  REQUIRE(every.calls == 9 + binomial(8, 2) + binomial(8, 3) - 6);  // minus the triples holding 2 and 4
  for (const auto& s : seen) {
    INFO("set of size " << s.size());
    if (s.size() > 1) REQUIRE_FALSE(holds(s, {5}));
  }
}

TEST_CASE("two planted minimal sets of one size are both returned, nearest first", "[discovery][explanation]") {
  const ca::Graph g = chain(10);
  auto changes = [](const std::vector<Index>& s) { return holds(s, {6, 8}) || holds(s, {1, 2}); };
  const auto e = ca::explain(g, 0, changes);
  REQUIRE(e.minimal_sets == Sets{{1, 2}, {6, 8}});
  REQUIRE(e.calls == 9 + 36);
}

TEST_CASE("sets are tried by size, then by distance to the target, each ascending", "[discovery][explanation]") {
  SECTION("chain 0-1-2-3-4, target 0") {
    Sets seen;
    ca::ExplanationOptions options;
    options.max_set_size = 3;
    const auto e = ca::explain(chain(5), 0, recording(seen, never), options);
    const Sets expected = {{1}, {2}, {3}, {4},
                           {1, 2}, {1, 3}, {1, 4}, {2, 3}, {2, 4}, {3, 4},  // sums 3, 4, 5, 5, 6, 7
                           {1, 2, 3}, {1, 2, 4}, {1, 3, 4}, {2, 3, 4}};
    REQUIRE(seen == expected);
    REQUIRE(e.distance == std::vector<Index>{0, 1, 2, 3, 4});
    REQUIRE(e.minimal_sets.empty());
  }
  SECTION("labels out of distance order: path 0-4-2-1-3, target 0") {
    ca::Graph g(5);
    g.add_directed(4, 0);
    g.add_directed(4, 2);
    g.set_edge(2, 1, ca::Mark::circle, ca::Mark::arrow);
    g.add_bidirected(1, 3);
    Sets seen;
    ca::ExplanationOptions options;
    options.max_set_size = 2;
    const auto e = ca::explain(g, 0, recording(seen, never), options);
    REQUIRE(e.distance == std::vector<Index>{0, 3, 2, 4, 1});  // marks and directions do not matter
    // Ranks: 4, 2, 1, 3 (distances 1..4). Pairs by sum: {4,2}=3, {4,1}=4, {4,3}=5 before {2,1}=5
    // (ranks (0,3) before (1,2)), {2,3}=6, {1,3}=7.
    const Sets expected = {{4}, {2}, {1}, {3}, {2, 4}, {1, 4}, {3, 4}, {1, 2}, {2, 3}, {1, 3}};
    REQUIRE(seen == expected);
  }
  SECTION("ties in distance go by index") {
    const ca::Graph g = undirected_graph(5, {{2, 3}, {2, 1}, {2, 4}, {4, 0}});  // 0 behind 4
    Sets seen;
    ca::ExplanationOptions options;
    options.max_set_size = 1;
    ca::explain(g, 2, recording(seen, never), options);
    REQUIRE(seen == Sets{{1}, {3}, {4}, {0}});
  }
}

TEST_CASE("the order equals an independent brute-force ranking on random marked graphs", "[discovery][explanation]") {
  const std::uint64_t seed = 20231210;
  std::printf("explanation order: seed %llu\n", static_cast<unsigned long long>(seed));
  INFO("seed " << seed);
  ca::Rng rng(seed);
  for (int trial = 0; trial < 40; ++trial) {
    INFO("trial " << trial);
    const Index p = 3 + Index(rng.uniform_int(7));
    const ca::Graph g = ca::test::random_marked_graph(p, 0.3, rng);  // often disconnected
    const Index target = Index(rng.uniform_int(std::uint64_t(p)));
    ca::ExplanationOptions options;
    options.max_set_size = 1 + Index(rng.uniform_int(4));
    options.max_calls = 100000;
    Sets seen;
    const auto e = ca::explain(g, target, recording(seen, never), options);
    std::vector<Index> others;
    for (Index v = 0; v < p; ++v)
      if (v != target) others.push_back(v);
    REQUIRE(seen == reference_order(e.distance, others, options.max_set_size));
    REQUIRE(e.calls == static_cast<long long>(seen.size()));
    REQUIRE_FALSE(e.budget_exhausted);
  }
}

TEST_CASE("the call budget stops the search and says so", "[discovery][explanation]") {
  const ca::Graph g = chain(10);
  Sets seen;
  ca::ExplanationOptions options;
  options.max_calls = 5;
  const auto e = ca::explain(g, 0, recording(seen, never), options);
  REQUIRE(e.calls == 5);
  REQUIRE(seen.size() == 5);
  REQUIRE(e.budget_exhausted);
  REQUIRE(e.minimal_sets.empty());

  // A large budget tries every subset of size 1..3 of the 9 candidates once.
  options.max_calls = 1000000;
  seen.clear();
  const auto full = ca::explain(g, 0, recording(seen, never), options);
  const long long subsets = binomial(9, 1) + binomial(9, 2) + binomial(9, 3);
  REQUIRE(full.calls == subsets);
  REQUIRE_FALSE(full.budget_exhausted);
  Sets distinct = seen;
  std::sort(distinct.begin(), distinct.end());
  REQUIRE(std::unique(distinct.begin(), distinct.end()) == distinct.end());

  // A budget of exactly the number of subsets is not exhausted; one less is.
  options.max_calls = subsets;
  REQUIRE_FALSE(ca::explain(g, 0, never, options).budget_exhausted);
  options.max_calls = subsets - 1;
  REQUIRE(ca::explain(g, 0, never, options).budget_exhausted);

  // The budget also ends a search that has found something, keeping what it found.
  options.max_calls = 12;
  options.all_sizes = true;
  const auto partial = ca::explain(g, 0, [](const std::vector<Index>& s) { return holds(s, {2}); }, options);
  REQUIRE(partial.minimal_sets == Sets{{2}});
  REQUIRE(partial.calls == 12);
  REQUIRE(partial.budget_exhausted);

  // A set size larger than the candidates is capped: all 2^3 - 1 non-empty subsets.
  options = {};
  options.max_set_size = 10;
  options.candidates = {1, 2, 3};
  REQUIRE(ca::explain(g, 0, never, options).calls == 7);
}

TEST_CASE("only the given candidates are masked, nearest first", "[discovery][explanation]") {
  const ca::Graph g = chain(10);
  ca::ExplanationOptions options;
  options.candidates = {7, 2, 5};
  Sets seen;
  const auto e = ca::explain(g, 0, recording(seen, never), options);
  REQUIRE(seen == Sets{{2}, {5}, {7}, {2, 5}, {2, 7}, {5, 7}, {2, 5, 7}});
  REQUIRE(e.calls == 7);
  REQUIRE(e.distance.size() == 10);  // over the whole graph

  // A planted set outside the candidates cannot be found.
  const auto none = ca::explain(g, 0, [](const std::vector<Index>& s) { return holds(s, {3}); }, options);
  REQUIRE(none.minimal_sets.empty());
}

TEST_CASE("unreachable tokens come after every reachable one, at every size", "[discovery][explanation]") {
  // Component {0, 1, 4, 6} with the target 4; component {2, 3, 5}.
  const ca::Graph g = undirected_graph(7, {{4, 6}, {6, 1}, {1, 0}, {5, 2}, {2, 3}});
  Sets seen;
  ca::ExplanationOptions options;
  options.max_set_size = 2;
  const auto e = ca::explain(g, 4, recording(seen, never), options);
  REQUIRE(e.distance == std::vector<Index>{3, 2, -1, -1, 0, -1, 1});
  auto unreachable_count = [&](const std::vector<Index>& s) {
    return std::count_if(s.begin(), s.end(), [&](Index v) { return e.distance[std::size_t(v)] < 0; });
  };
  REQUIRE(std::vector<Sets::value_type>(seen.begin(), seen.begin() + 6) == Sets{{6}, {1}, {0}, {2}, {3}, {5}});
  // Pairs: all reachable ones, then one unreachable member, then two.
  const Sets pairs(seen.begin() + 6, seen.end());
  REQUIRE(pairs.size() == 15);
  for (std::size_t i = 1; i < pairs.size(); ++i) {
    INFO("pair " << i);
    REQUIRE(unreachable_count(pairs[i - 1]) <= unreachable_count(pairs[i]));
  }
  REQUIRE(pairs.front() == std::vector<Index>{1, 6});
  REQUIRE(pairs[3] == std::vector<Index>{2, 6});  // far reachable pair {0, 1} (sum 5) still before it

  // A graph with no edges: every candidate unreachable, ranked by index.
  seen.clear();
  options.max_set_size = 1;
  const auto isolated = ca::explain(ca::Graph(4), 2, recording(seen, never), options);
  REQUIRE(seen == Sets{{0}, {1}, {3}});
  REQUIRE(isolated.distance == std::vector<Index>{-1, -1, 0, -1});
}

TEST_CASE("a callback taking std::vector<int> works the same", "[discovery][explanation]") {
  const ca::Graph g = chain(10);
  std::vector<std::vector<int>> seen;
  auto prediction_changes = [&seen](const std::vector<int>& masked) {
    seen.push_back(masked);
    return std::find(masked.begin(), masked.end(), 3) != masked.end() &&
           std::find(masked.begin(), masked.end(), 7) != masked.end();
  };
  const auto e = ca::explain(g, 0, prediction_changes);
  REQUIRE(e.minimal_sets == Sets{{3, 7}});
  REQUIRE(e.calls == 45);
  REQUIRE(seen.size() == 45);
  REQUIRE(seen.front() == std::vector<int>{1});
  REQUIRE(seen[9] == std::vector<int>{1, 2});
}

TEST_CASE("a callback's exception propagates", "[discovery][explanation]") {
  auto throwing = [](const std::vector<Index>& s) -> bool {
    if (s.size() == 2) throw std::runtime_error("model failed");
    return false;
  };
  REQUIRE_THROWS_WITH(ca::explain(chain(4), 0, throwing), Contains("model failed"));
}

TEST_CASE("bad targets and options are rejected, naming the argument and value", "[discovery][explanation]") {
  const ca::Graph g = chain(5);
  REQUIRE_THROWS_AS(ca::explain(g, 5, never), ca::invalid_input);
  REQUIRE_THROWS_WITH(ca::explain(g, 5, never), Contains("target: is 5, out of range [0, 5)"));
  REQUIRE_THROWS_WITH(ca::explain(g, -1, never), Contains("target: is -1"));
  REQUIRE_THROWS_WITH(ca::explain(ca::Graph(), 0, never), Contains("target: is 0, out of range [0, 0)"));

  ca::ExplanationOptions options;
  options.max_set_size = 0;
  REQUIRE_THROWS_WITH(ca::explain(g, 0, never, options), Contains("options.max_set_size: is 0, must be >= 1"));
  options = {};
  options.max_calls = 0;
  REQUIRE_THROWS_WITH(ca::explain(g, 0, never, options), Contains("options.max_calls: is 0, must be >= 1"));
  options.max_calls = -3;
  REQUIRE_THROWS_WITH(ca::explain(g, 0, never, options), Contains("options.max_calls: is -3"));

  options = {};
  options.candidates = {1, 9};
  REQUIRE_THROWS_WITH(ca::explain(g, 0, never, options),
                      Contains("options.candidates: entry 1 (node 9) is out of range [0, 5)"));
  options.candidates = {-2};
  REQUIRE_THROWS_WITH(ca::explain(g, 0, never, options),
                      Contains("options.candidates: entry 0 (node -2) is out of range"));
  options.candidates = {2, 0};
  REQUIRE_THROWS_WITH(ca::explain(g, 0, never, options),
                      Contains("options.candidates: entry 1 (node 0) is the target"));
  options.candidates = {3, 1, 3};
  REQUIRE_THROWS_WITH(ca::explain(g, 0, never, options),
                      Contains("options.candidates: entry 2 (node 3) repeats entry 0"));

  // Nothing is called before the input is checked.
  long long calls = 0;
  auto counting = [&calls](const std::vector<Index>&) {
    ++calls;
    return false;
  };
  REQUIRE_THROWS_AS(ca::explain(g, 0, counting, options), ca::invalid_input);
  REQUIRE(calls == 0);
}

TEST_CASE("a graph with only the target has nothing to mask", "[discovery][explanation]") {
  const auto e = ca::explain(ca::Graph(1), 0, never);
  REQUIRE(e.minimal_sets.empty());
  REQUIRE(e.calls == 0);
  REQUIRE_FALSE(e.budget_exhausted);
  REQUIRE(e.distance == std::vector<Index>{0});
}
