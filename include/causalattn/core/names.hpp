#pragma once
/// \file
/// Default variable names.

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

}  // namespace causalattn
