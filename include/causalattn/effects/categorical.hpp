#pragma once
/// \file
/// Categorical covariates as dummy (indicator) columns: a text column such as a village name enters
/// a treatment-effect model as one 0/1 column per level, the reference level dropped.

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "causalattn/core/errors.hpp"
#include "causalattn/core/scalar.hpp"
#include "causalattn/core/text_column.hpp"

namespace causalattn {

/// The dummy coding of one categorical column. `levels` are the distinct values in byte order (so
/// the coding does not depend on the row order or the locale); `levels[0]` is the reference level,
/// which gets no column; column k - 1 of `dummies` is 1 where the value is `levels[k]`.
struct CategoricalCoding {
  std::string name;                 ///< the column's name
  std::vector<std::string> levels;  ///< distinct values, sorted; levels[0] is the reference
  std::vector<std::string> names;   ///< "name[level]" for levels 1.., one per column of `dummies`
  Matrix<double> dummies;           ///< n x (levels - 1), entries 0 or 1
};

/// Dummy-codes a text column (see `CategoricalCoding`). Throws `invalid_input` naming the column
/// for a column without rows, an empty value (naming its row), a single level (a constant
/// covariate), and a coding larger than `max_cells` entries of the n x (levels - 1) matrix (default
/// 2^27, 1 GiB of doubles), which is checked before it is allocated. O(n + L log L) time for L
/// levels; memory O(n L).
/// Example:
/// \code
///   auto village = causalattn::dummy_code(causalattn::TextColumn::from_values("village", {"b", "a", "b"}));
///   // village.levels == {"a", "b"}; village.dummies == [1; 0; 1] (column "village[b]")
/// \endcode
template <typename Defer = void>
CategoricalCoding dummy_code(const TextColumn& column, std::size_t max_cells = std::size_t{1} << 27) {
  const std::string& name = column.name;
  const std::size_t n = column.codes.size();
  if (n == 0) throw invalid_input(name, "the categorical column has no rows");
  for (std::size_t i = 0; i < n; ++i)
    if (column.value(Index(i)).empty()) throw invalid_input(name, "row " + std::to_string(i) + " is empty (a missing level)");
  std::vector<Index> order(column.levels.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = Index(k);
  std::sort(order.begin(), order.end(),
            [&](Index a, Index b) { return column.levels[std::size_t(a)] < column.levels[std::size_t(b)]; });
  const std::size_t columns = order.size() - 1;
  if (columns == 0) {
    throw invalid_input(name, "every row holds the level '" + column.levels[0] + "': a constant categorical covariate");
  }
  if (columns > max_cells / n) {
    throw invalid_input(name, std::to_string(order.size()) + " levels over " + std::to_string(n) + " rows need " +
                                  std::to_string(columns) + " dummy columns, more than the limit of " +
                                  std::to_string(max_cells) + " cells");
  }
  CategoricalCoding coding;
  coding.name = name;
  std::vector<Index> rank(order.size());
  for (std::size_t k = 0; k < order.size(); ++k) {
    rank[std::size_t(order[k])] = Index(k);
    coding.levels.push_back(column.levels[std::size_t(order[k])]);
    if (k > 0) coding.names.push_back(name + "[" + coding.levels.back() + "]");
  }
  coding.dummies = Matrix<double>::Zero(Index(n), Index(columns));
  for (std::size_t i = 0; i < n; ++i) {
    const Index r = rank[std::size_t(column.codes[i])];
    if (r > 0) coding.dummies(Index(i), r - 1) = 1;
  }
  return coding;
}

}  // namespace causalattn
