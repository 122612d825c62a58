#pragma once
/// \file
/// PC's orientation phase with the reference implementation's exact semantics: background
/// knowledge first, then unshielded colliders by the chosen rule and conflict priority, then
/// Meek's rules R1-R3 (with causal-learn's cycle guard and the definite variants for definite max-P).

#include <algorithm>
#include <array>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "causalattn/core/threads.hpp"
#include "causalattn/discovery/background_knowledge.hpp"
#include "causalattn/discovery/detail/endpoint_graph.hpp"
#include "causalattn/discovery/detail/pc_skeleton.hpp"
#include "causalattn/discovery/pc_options.hpp"

namespace causalattn::detail {

/// What the tests of x _||_ z | S say over S in the power sets of adj(x) and of adj(z) (the
/// reference's "CondSets"), split by whether S contains y.
struct TripleEvidence {
  double max_p_with = 0;     ///< largest p-value over sets containing y
  double max_p_without = 0;  ///< largest p-value over sets without y
  int separating_with = 0;     ///< separating sets (p > alpha) containing y
  int separating_without = 0;  ///< separating sets without y
};

/// The evidence of every triple (x, y, z), x < z, of `triples` whose `needed` flag is set (others
/// stay empty): the tests x _||_ z | S over the subsets of adj(x) and of adj(z) of size at most
/// `max_depth` (-1 = all), each distinct set tested once per pair and shared by all the pair's
/// triples. Pairs are spread over `threads` (the test must be thread-safe); the result does not
/// depend on the thread count. Adds the tests run to `tests`. O(2^deg(x) + 2^deg(z)) tests per pair.
template <class Test>
std::vector<TripleEvidence> triple_evidence(const EndpointGraph& g, const Test& test,
                                            const std::vector<std::array<Index, 3>>& triples, const std::vector<char>& needed,
                                            double alpha, int max_depth, int threads, long long& tests) {
  std::vector<std::size_t> order;  // the needed triples, grouped by pair
  for (std::size_t i = 0; i < triples.size(); ++i)
    if (needed[i]) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::tie(triples[a][0], triples[a][2]) < std::tie(triples[b][0], triples[b][2]);
  });
  std::vector<std::size_t> group_start;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const auto& t = triples[order[k]];
    if (k == 0 || t[0] != triples[order[k - 1]][0] || t[2] != triples[order[k - 1]][2]) group_start.push_back(k);
  }
  group_start.push_back(order.size());
  std::vector<TripleEvidence> evidence(triples.size());
  std::vector<long long> tests_by_group(group_start.size() - 1, 0);
  parallel_for(Index(0), Index(group_start.size()) - 1, threads, [&](Index group) {
    const Index x = triples[order[group_start[std::size_t(group)]]][0], z = triples[order[group_start[std::size_t(group)]]][2];
    std::set<std::vector<Index>> sets;
    for (Index side : {x, z}) {
      const auto& pool = g.adjacents(side);
      const Index largest = max_depth < 0 ? Index(pool.size()) : std::min<Index>(Index(pool.size()), max_depth);
      for (Index k = 0; k <= largest; ++k)
        for_each_subset(pool, k, [&](const std::vector<Index>& s) {
          sets.insert(s);
          return true;
        });
    }
    std::vector<std::pair<const std::vector<Index>*, double>> p_values;
    p_values.reserve(sets.size());
    for (const auto& s : sets) p_values.emplace_back(&s, test.test(x, z, s).p_value);
    tests_by_group[std::size_t(group)] = (long long)sets.size();
    for (std::size_t k = group_start[std::size_t(group)]; k < group_start[std::size_t(group) + 1]; ++k) {
      const Index y = triples[order[k]][1];
      TripleEvidence& e = evidence[order[k]];
      for (const auto& [s, pv] : p_values) {
        const bool separates = pv > alpha;
        if (std::find(s->begin(), s->end(), y) != s->end()) {
          e.max_p_with = std::max(e.max_p_with, pv);
          e.separating_with += separates;
        } else {
          e.max_p_without = std::max(e.max_p_without, pv);
          e.separating_without += separates;
        }
      }
    }
  });
  for (long long t : tests_by_group) tests += t;
  return evidence;
}

/// Triple label under the conservative or the majority rule.
enum class TripleLabel { collider, non_collider, ambiguous };

/// Labels a triple from its separating sets: conservative needs unanimity, majority a strict majority;
/// no separating set at all is ambiguous under both.
template <typename = void>
TripleLabel label_by_separating_sets(const TripleEvidence& e, ColliderRule rule) {
  const int with = e.separating_with, total = e.separating_with + e.separating_without;
  if (total == 0) return TripleLabel::ambiguous;
  if (rule == ColliderRule::conservative) {
    if (with == 0) return TripleLabel::collider;
    return with == total ? TripleLabel::non_collider : TripleLabel::ambiguous;
  }
  if (2 * with < total) return TripleLabel::collider;
  return 2 * with > total ? TripleLabel::non_collider : TripleLabel::ambiguous;
}

/// True if the collider x -> y <- z contradicts the knowledge (x -> y or z -> y forbidden, or
/// y -> x or y -> z required); such a collider is never oriented.
template <typename = void>
bool collider_contradicts(const BackgroundKnowledge& bk, Index x, Index y, Index z) {
  return bk.forbidden(x, y) || bk.forbidden(z, y) || bk.required(y, x) || bk.required(y, z);
}

/// Orients every undirected edge the knowledge decides (one direction forbidden or required), in
/// ascending pair order, before the colliders.
template <typename = void>
void orient_by_knowledge(EndpointGraph& g, const BackgroundKnowledge& bk) {
  for (Index a = 0; a < g.size(); ++a) {
    const std::vector<Index> later(std::upper_bound(g.adjacents(a).begin(), g.adjacents(a).end(), a), g.adjacents(a).end());
    for (Index b : later) {
      if (!g.undirected(a, b)) continue;
      if (bk.forbidden(b, a) || bk.required(a, b)) g.orient(a, b);
      else if (bk.forbidden(a, b) || bk.required(b, a)) g.orient(b, a);
    }
  }
}

/// Orients x -> y <- z unless y already points to x or z ("keep existing colliders").
template <typename = void>
bool orient_collider_if_free(EndpointGraph& g, Index x, Index y, Index z) {
  if (g.directed(y, x) || g.directed(y, z)) return false;
  g.orient(x, y);
  g.orient(z, y);
  return true;
}

/// Applies a collider under priority 0 (overwrite) or 1 (bi-directed on conflict).
template <typename = void>
void orient_collider_now(EndpointGraph& g, Index x, Index y, Index z, int priority) {
  if (priority == 0) {
    g.orient(x, y);
    g.orient(z, y);
    return;
  }
  for (Index a : {x, z}) {
    if (g.undirected(a, y)) g.orient(a, y);
    else if (g.mark(a, y) == 1 && g.mark(y, a) == -1) g.bidirect(a, y);
  }
}

/// One step of Meek's rules: orients a -> b unless b is recorded as an ancestor of a (the
/// reference's cycle guard) or the knowledge forbids a -> b or requires b -> a. True if oriented.
template <typename = void>
bool meek_orient(EndpointGraph& g, const BackgroundKnowledge& bk, Index a, Index b) {
  if (g.recorded_ancestor(a, b) || bk.forbidden(a, b) || bk.required(b, a)) return false;
  g.orient(a, b);
  return true;
}

/// Sorted list of triples (x, y, z) with x < z, queried in either direction.
class TripleSet {
 public:
  explicit TripleSet(std::vector<std::array<Index, 3>> triples) : triples_(std::move(triples)) {
    std::sort(triples_.begin(), triples_.end());
  }
  bool contains(Index a, Index b, Index c) const {
    const std::array<Index, 3> key = a < c ? std::array<Index, 3>{a, b, c} : std::array<Index, 3>{c, b, a};
    return std::binary_search(triples_.begin(), triples_.end(), key);
  }
  const std::vector<std::array<Index, 3>>& list() const { return triples_; }

 private:
  std::vector<std::array<Index, 3>> triples_;
};

/// Meek's rules R1-R3 as the reference applies them: triples, triangles and kites listed once from
/// the graph on entry, repeated passes until nothing changes. R1 does not fire through an ambiguous
/// triple i - j - k, nor R3 through an ambiguous j - i - k (conservative and majority rules).
template <typename = void>
void reference_meek(EndpointGraph& g, const BackgroundKnowledge& bk, const TripleSet& ambiguous) {
  const auto ut = g.unshielded_triples();
  const auto tri = g.triangles();
  const auto kites = g.kites();
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [i, j, k] : ut)
      if (g.directed(i, j) && g.undirected(j, k) && !ambiguous.contains(i, j, k)) changed |= meek_orient(g, bk, j, k);
    for (const auto& [i, j, k] : tri)
      if (g.directed(i, j) && g.directed(j, k) && g.undirected(i, k)) changed |= meek_orient(g, bk, i, k);
    for (const auto& [i, j, k, l] : kites)
      if (g.undirected(i, j) && g.undirected(i, k) && g.directed(j, l) && g.directed(k, l) && g.undirected(i, l) &&
          !ambiguous.contains(j, i, k))
        changed |= meek_orient(g, bk, i, l);
  }
}

/// A collider found by a rule, with the p-value that ranks it under priorities 3 and 4.
struct RankedCollider {
  std::array<Index, 3> triple;
  double key;
};

/// Orients ranked colliders in key order (ascending for priority 3, descending for 4), keeping
/// existing ones; appends the oriented triples to `oriented` when given.
template <typename = void>
void orient_ranked(EndpointGraph& g, std::vector<RankedCollider> ranked, bool ascending,
                          std::vector<std::array<Index, 3>>* oriented) {
  std::stable_sort(ranked.begin(), ranked.end(), [ascending](const RankedCollider& a, const RankedCollider& b) {
    return ascending ? a.key < b.key : a.key > b.key;
  });
  for (const auto& r : ranked)
    if (orient_collider_if_free(g, r.triple[0], r.triple[1], r.triple[2]) && oriented) oriented->push_back(r.triple);
}

/// Definite max-P (causal-learn's uc_rule 2): colliders and non-colliders every test agrees on, the
/// colliders oriented by priority, then the definite Meek rules, then the ordinary ones.
template <class Test>
void orient_definite_max_p(EndpointGraph& g, const Test& test, const std::vector<std::array<Index, 3>>& triples,
                           const PcOptions& options, long long& tests) {
  const int priority = options.effective_priority();
  const auto& bk = options.knowledge;
  std::vector<RankedCollider> colliders;
  std::vector<std::array<Index, 3>> non_collider_list, oriented_list;
  const auto evidence = triple_evidence(g, test, triples, std::vector<char>(triples.size(), 1), options.alpha, options.max_depth,
                                        options.threads, tests);
  for (std::size_t i = 0; i < triples.size(); ++i) {
    const auto& t = triples[i];
    const auto [x, y, z] = t;
    const auto& e = evidence[i];
    const bool uc = !(e.max_p_with > options.alpha), nuc = !(e.max_p_without > options.alpha);
    if (uc && !(nuc && !(e.max_p_without > e.max_p_with))) {
      if (!collider_contradicts(bk, x, y, z)) colliders.push_back({t, priority <= 3 ? e.max_p_with : e.max_p_without});
    } else if (nuc) {
      non_collider_list.push_back(t);
    }
  }
  if (priority == 2) {
    for (const auto& r : colliders)
      if (orient_collider_if_free(g, r.triple[0], r.triple[1], r.triple[2])) oriented_list.push_back(r.triple);
  } else {
    orient_ranked(g, colliders, priority == 3, &oriented_list);
  }
  const TripleSet non_colliders(non_collider_list), oriented(oriented_list);
  const auto tri = g.triangles();
  const auto kites = g.kites();
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [i, j, k] : non_collider_list) {
      if (g.directed(i, j) && g.undirected(j, k)) changed |= meek_orient(g, bk, j, k);
      else if (g.directed(k, j) && g.undirected(j, i)) changed |= meek_orient(g, bk, j, i);
    }
    for (const auto& [i, j, k] : tri)
      if (g.directed(i, j) && g.directed(j, k) && g.undirected(i, k)) changed |= meek_orient(g, bk, i, k);
    for (const auto& [i, j, k, l] : kites)
      if (oriented.contains(j, l, k) && non_colliders.contains(j, i, k) && g.undirected(i, l)) changed |= meek_orient(g, bk, i, l);
  }
  reference_meek(g, bk, TripleSet({}));
}

/// Orients the skeleton `g`: background knowledge, colliders by the chosen rule and priority, Meek's
/// rules. The triples' evidence (their tests over neighbour subsets) is gathered first, in parallel
/// over pairs, then the colliders are oriented in the reference's order. Adds the tests run to
/// `tests`; returns the ambiguous triples (conservative and majority rules only).
template <class Test>
std::vector<std::array<Index, 3>> orient(EndpointGraph& g, const Skeleton& sk, const Test& test, const PcOptions& options,
                                         long long& tests) {
  const auto& bk = options.knowledge;
  if (!bk.empty()) orient_by_knowledge(g, bk);
  std::vector<std::array<Index, 3>> triples;
  for (const auto& t : g.unshielded_triples())
    if (t[0] < t[2]) triples.push_back(t);
  if (options.collider_rule == ColliderRule::definite_max_p) {
    orient_definite_max_p(g, test, triples, options, tests);
    return {};
  }
  const int priority = options.effective_priority();
  // Which triples are colliders by the sepset rule, and which need their evidence.
  std::vector<char> sepset_collider(triples.size(), 0), needed(triples.size(), 1);
  if (options.collider_rule == ColliderRule::sepset) {
    for (std::size_t i = 0; i < triples.size(); ++i) {
      const auto [x, y, z] = triples[i];
      // A pair the knowledge banned was never tested: no separating set, so no evidence of a collider.
      const auto& s = sk.sepset(x, z);
      sepset_collider[i] = !bk.banned(x, z) && std::find(s.begin(), s.end(), y) == s.end();
      needed[i] = sepset_collider[i] && priority >= 3 && !collider_contradicts(bk, x, y, z);
    }
  }
  const auto evidence = triple_evidence(g, test, triples, needed, options.alpha, options.max_depth, options.threads, tests);
  std::vector<RankedCollider> ranked;
  std::vector<std::array<Index, 3>> ambiguous;
  for (std::size_t i = 0; i < triples.size(); ++i) {
    const auto& t = triples[i];
    const auto [x, y, z] = t;
    const TripleEvidence& e = evidence[i];
    bool collider = false;
    switch (options.collider_rule) {
      case ColliderRule::sepset: collider = sepset_collider[i] != 0; break;
      case ColliderRule::max_p: collider = e.max_p_without > e.max_p_with; break;
      default: {
        const TripleLabel label = label_by_separating_sets(e, options.collider_rule);
        if (label == TripleLabel::ambiguous) ambiguous.push_back(t);
        collider = label == TripleLabel::collider;
      }
    }
    if (!collider || collider_contradicts(bk, x, y, z)) continue;
    if (priority <= 1) orient_collider_now(g, x, y, z, priority);
    else if (priority == 2) orient_collider_if_free(g, x, y, z);
    else ranked.push_back({t, priority == 3 ? e.max_p_with : e.max_p_without});
  }
  if (priority >= 3) orient_ranked(g, std::move(ranked), priority == 3, nullptr);
  TripleSet ambiguous_set(std::move(ambiguous));
  reference_meek(g, bk, ambiguous_set);
  return ambiguous_set.list();
}

}  // namespace causalattn::detail
