#pragma once
/// \file
/// A text column held as a dictionary: its distinct values once and an index per row, so memory
/// grows with the rows like a numeric column, not with the text of every cell.

#include <string>
#include <unordered_map>
#include <vector>

#include "causalattn/core/scalar.hpp"

namespace causalattn {

/// A named text column: `levels` are the distinct values in order of first appearance and
/// `codes[i]` is the level of row i.
/// Example: `auto c = causalattn::TextColumn::from_values("city", {"b", "a", "b"});  // levels {"b", "a"}, codes {0, 1, 0}`
struct TextColumn {
  std::string name;                 ///< the column's name
  std::vector<std::string> levels;  ///< distinct values, in order of first appearance
  std::vector<Index> codes;         ///< per row, an index into `levels`

  /// Number of rows. O(1).
  Index rows() const noexcept { return Index(codes.size()); }
  /// The value of row i. O(1).
  const std::string& value(Index i) const { return levels[std::size_t(codes[std::size_t(i)])]; }
  /// Adds a row holding `value`. Amortised O(length of value).
  void push_back(const std::string& value) {
    const auto found = index_.emplace(value, Index(levels.size()));
    if (found.second) levels.push_back(value);
    codes.push_back(found.first->second);
  }
  /// The column of `values` called `name`. O(total length of the values).
  static TextColumn from_values(const std::string& name, const std::vector<std::string>& values) {
    TextColumn column;
    column.name = name;
    for (const auto& v : values) column.push_back(v);
    return column;
  }

 private:
  std::unordered_map<std::string, Index> index_;
};

}  // namespace causalattn
