#pragma once
/// \file
/// Default variable names, and the check that given names fit the variables.

#include <string>
#include <vector>

#include "causalattn/core/errors.hpp"
#include "causalattn/core/scalar.hpp"

namespace causalattn {

/// Names X1..Xp, used for data without a header and graphs without names. O(p).
/// Example: `auto names = causalattn::default_variable_names(3);  // {"X1", "X2", "X3"}`
inline std::vector<std::string> default_variable_names(Index p) {
  if (p < 0) throw invalid_input("p", "number of variables is " + std::to_string(p) + ", must be >= 0");
  std::vector<std::string> names;
  names.reserve(static_cast<std::size_t>(p));
  for (Index i = 0; i < p; ++i) names.push_back("X" + std::to_string(i + 1));
  return names;
}

/// `names`, or `default_variable_names(p)` when it is empty. Throws `invalid_input` naming
/// `names` unless it is empty or has p entries. O(p).
/// Example: `causalattn::variable_names_or_default({}, 2)` is {"X1", "X2"}.
inline std::vector<std::string> variable_names_or_default(std::vector<std::string> names, Index p) {
  if (names.empty()) return default_variable_names(p);
  if (Index(names.size()) != p) throw invalid_input("names", "has " + std::to_string(names.size()) + " entries for " + std::to_string(p) + " variables");
  return names;
}

}  // namespace causalattn
