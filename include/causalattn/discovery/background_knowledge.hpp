#pragma once
/// \file
/// Background knowledge for constraint-based discovery: forbidden and required directed edges and
/// tiers (a temporal order: no edge may point from a later tier into an earlier one).

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "causalattn/core/errors.hpp"
#include "causalattn/core/scalar.hpp"

namespace causalattn {

/// What is known before looking at the data, over p variables indexed 0..p-1.
///
/// - `forbid(a, b)`: the edge a -> b may not appear. An edge forbidden in both directions is
///   removed from the skeleton without a test.
/// - `require(a, b)`: a -> b must appear. A required edge is never removed from the skeleton (unlike
///   causal-learn, which may remove it and then silently ignore the requirement) and is oriented
///   a -> b before the colliders.
/// - `set_tier(v, t)`: v belongs to tier t >= 0; edges from a higher tier to a lower one are
///   forbidden, and with `forbid_within_tiers(true)` so are edges inside a tier (causal-learn's
///   rule). Variables without a tier are unconstrained.
/// Queries are O(1); storage is O(p^2).
/// Example:
/// \code
///   causalattn::BackgroundKnowledge bk(4);
///   bk.set_tier(0, 0).set_tier(1, 0).set_tier(2, 1).set_tier(3, 1).forbid(0, 1);
///   options.knowledge = bk;            // PcOptions
/// \endcode
class BackgroundKnowledge {
 public:
  /// Knowledge over no variables: the same as knowing nothing.
  BackgroundKnowledge() = default;
  /// No constraints yet over p variables (p >= 0).
  explicit BackgroundKnowledge(Index p)
      : p_(check_size(p)), forbidden_(std::size_t(p * p), 0), required_(std::size_t(p * p), 0), tier_(std::size_t(p), -1) {}

  /// Number of variables (0 = no knowledge at all).
  Index variables() const { return p_; }
  /// True when nothing is known: no rule, no tier.
  bool empty() const { return rules_ == 0; }

  /// Forbids from -> to. Throws `invalid_input` for an index out of range or from == to.
  BackgroundKnowledge& forbid(Index from, Index to) {
    check_pair(from, to, "forbid");
    forbidden_[at(from, to)] = 1;
    ++rules_;
    return *this;
  }
  /// Requires from -> to. Throws `invalid_input` for an index out of range or from == to.
  BackgroundKnowledge& require(Index from, Index to) {
    check_pair(from, to, "require");
    required_[at(from, to)] = 1;
    ++rules_;
    return *this;
  }
  /// Puts `node` into tier `tier` (>= 0; lower tiers come first in time). Throws `invalid_input` if
  /// `node` is already in another tier.
  BackgroundKnowledge& set_tier(Index node, int tier) {
    check_node(node, "node");
    if (tier < 0) throw invalid_input("tier", "is " + std::to_string(tier) + " for variable " + std::to_string(node) + ", must be >= 0");
    const int before = tier_[std::size_t(node)];
    if (before >= 0 && before != tier) {
      throw invalid_input("tier", "variable " + std::to_string(node) + " is already in tier " + std::to_string(before) + ", not " +
                                      std::to_string(tier) + ": a variable belongs to one tier");
    }
    tier_[std::size_t(node)] = tier;
    ++rules_;
    return *this;
  }
  /// Whether edges between two variables of the same tier are forbidden (default false).
  BackgroundKnowledge& forbid_within_tiers(bool forbid = true) {
    within_tiers_ = forbid;
    return *this;
  }

  /// True if from -> to is forbidden, explicitly or by the tiers. O(1).
  bool forbidden(Index from, Index to) const {
    if (p_ == 0) return false;
    if (forbidden_[at(from, to)]) return true;
    const int a = tier_[std::size_t(from)], b = tier_[std::size_t(to)];
    if (a < 0 || b < 0 || from == to) return false;
    return a > b || (within_tiers_ && a == b);
  }
  /// True if from -> to is required. O(1).
  bool required(Index from, Index to) const { return p_ != 0 && required_[at(from, to)] != 0; }
  /// True if both directions are forbidden, so the pair can never be adjacent. O(1).
  bool banned(Index a, Index b) const { return forbidden(a, b) && forbidden(b, a); }

  /// Throws `invalid_input` if the knowledge contradicts itself: a required edge that is also
  /// forbidden (explicitly or by tiers), a pair required in both directions, or required edges
  /// that form a directed cycle (naming it, e.g. "variable 0 -> variable 2 -> variable 0"). O(p^2).
  void validate() const {
    for (Index a = 0; a < p_; ++a)
      for (Index b = 0; b < p_; ++b) {
        if (!required(a, b)) continue;
        const std::string edge = std::to_string(a) + " -> " + std::to_string(b);
        if (forbidden(a, b)) throw invalid_input("knowledge", "requires and forbids the edge " + edge);
        if (required(b, a)) throw invalid_input("knowledge", "requires both " + edge + " and its reverse");
      }
    const std::vector<Index> cycle = required_cycle();
    if (!cycle.empty()) {
      std::string path;
      for (Index v : cycle) path += "variable " + std::to_string(v) + " -> ";
      throw invalid_input("knowledge", "requires the directed cycle " + path + "variable " + std::to_string(cycle.front()));
    }
  }

  /// A directed cycle among the required edges (its variables in order), or empty if there is none.
  /// Depth-first search, O(p^2).
  std::vector<Index> required_cycle() const {
    std::vector<int> state(std::size_t(p_), 0);  // 0 unseen, 1 on the current path, 2 done
    std::vector<Index> path;
    std::vector<std::pair<Index, Index>> stack;  // (node, next successor to try)
    for (Index root = 0; root < p_; ++root) {
      if (state[std::size_t(root)] != 0) continue;
      stack.push_back({root, 0});
      state[std::size_t(root)] = 1;
      path.push_back(root);
      while (!stack.empty()) {
        auto& [node, next] = stack.back();
        if (next == p_) {
          state[std::size_t(node)] = 2;
          path.pop_back();
          stack.pop_back();
          continue;
        }
        const Index to = next++;
        if (!required(node, to)) continue;
        if (state[std::size_t(to)] == 1) return {std::find(path.begin(), path.end(), to), path.end()};
        if (state[std::size_t(to)] == 0) {
          state[std::size_t(to)] = 1;
          path.push_back(to);
          stack.push_back({to, 0});
        }
      }
    }
    return {};
  }

 private:
  static Index check_size(Index p) {
    if (p < 0) throw invalid_input("p", "is " + std::to_string(p) + ", must be >= 0");
    return p;
  }
  void check_node(Index v, const char* argument) const {
    if (v < 0 || v >= p_) {
      throw invalid_input(argument, "is " + std::to_string(v) + ", must lie in [0, " + std::to_string(p_) + ")");
    }
  }
  void check_pair(Index from, Index to, const char* rule) const {
    check_node(from, "from");
    check_node(to, "to");
    if (from == to) throw invalid_input("to", std::string(rule) + " of a self-loop on variable " + std::to_string(from));
  }
  std::size_t at(Index a, Index b) const { return std::size_t(a * p_ + b); }

  Index p_ = 0;
  std::vector<char> forbidden_, required_;
  std::vector<int> tier_;
  bool within_tiers_ = false;
  long long rules_ = 0;
};

}  // namespace causalattn
