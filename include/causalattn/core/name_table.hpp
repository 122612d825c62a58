#pragma once
/// \file
/// Tables of names for enumerations (an estimator, a test kind, ...): the name of a value and the
/// value of a name, with the error a user reads when the name is unknown.

#include <array>
#include <cstddef>
#include <string>
#include <utility>

#include "causalattn/core/errors.hpp"

namespace causalattn {

/// A fixed table of (name, value) pairs of an enumeration.
template <class Enum, std::size_t N>
using NameTable = std::array<std::pair<const char*, Enum>, N>;

/// The name of `value` in `table`; throws `invalid_input` naming `argument` when the table lacks
/// it (a value cast from an integer). O(N).
/// Example: `causalattn::name_in_table(causalattn::effect_method_names, causalattn::EffectMethod::ols, "method")` is "ols".
template <class Enum, std::size_t N>
std::string name_in_table(const NameTable<Enum, N>& table, Enum value, const std::string& argument) {
  for (const auto& [name, v] : table)
    if (v == value) return name;
  throw invalid_input(argument, "is " + std::to_string(static_cast<long long>(value)) + ", not one of the named values");
}

/// The value called `name` in `table`; throws `invalid_input` naming `argument` and listing the
/// names ("must be a, b or c") otherwise. O(N).
/// Example: `auto m = causalattn::value_in_table(causalattn::effect_method_names, "aipw", "method");`
template <class Enum, std::size_t N>
Enum value_in_table(const NameTable<Enum, N>& table, const std::string& name, const std::string& argument) {
  std::string names;
  for (std::size_t k = 0; k < N; ++k) {
    if (name == table[k].first) return table[k].second;
    names += (k == 0 ? "" : k + 1 == N ? " or " : ", ") + std::string(table[k].first);
  }
  throw invalid_input(argument, "is '" + name + "', must be " + names);
}

}  // namespace causalattn
