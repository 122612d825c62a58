#pragma once
/// \file
/// The separating sets of a search (`SepsetTable`): p x p in use, stored sparsely.

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

#include "causalattn/core/scalar.hpp"

namespace causalattn {

/// The separating set of every pair of p variables, empty unless the search stored one; read as
/// `table(x, y)` or `table[x][y]`. Only non-empty sets take memory (per row, sorted by column), so
/// a search at p = 20,000, where most pairs are removed with the empty set, does not hold p^2
/// vectors. Rows can be written from different threads at once (one thread per row).
/// Example:
/// \code
///   causalattn::SepsetTable t(3);
///   t.set(0, 2, {1});
///   bool has = !t(0, 2).empty() && t[2][0].empty();  // true: the table is not mirrored by itself
/// \endcode
class SepsetTable {
 public:
  /// A read-only view of one row: `row[y]` is the set of (x, y).
  class Row {
   public:
    /// The set stored for column `y`, or an empty one. O(log stored sets of the row).
    const std::vector<Index>& operator[](std::size_t y) const { return table_->get(x_, Index(y)); }

   private:
    friend class SepsetTable;
    Row(const SepsetTable* table, Index x) : table_(table), x_(x) {}
    const SepsetTable* table_;
    Index x_;
  };

  /// No variables.
  SepsetTable() = default;
  /// p variables, every set empty. O(p).
  explicit SepsetTable(Index p) : rows_(std::size_t(p)) {}

  /// Number of variables. O(1).
  Index size() const noexcept { return Index(rows_.size()); }

  /// The set of (x, y) (empty when none was stored). Indices are not checked. O(log stored sets of row x).
  const std::vector<Index>& operator()(Index x, Index y) const { return get(x, y); }
  /// Row x, for `table[x][y]`. O(1).
  Row operator[](std::size_t x) const { return Row(this, Index(x)); }

  /// Stores `set` for (x, y) only (an empty set erases the entry). O(stored sets of row x).
  void set(Index x, Index y, std::vector<Index> set) {
    auto& row = rows_[std::size_t(x)];
    const auto at = std::lower_bound(row.begin(), row.end(), y, [](const Entry& e, Index column) { return e.first < column; });
    const bool found = at != row.end() && at->first == y;
    if (set.empty()) {
      if (found) row.erase(at);
    } else if (found) {
      at->second = std::move(set);
    } else {
      row.insert(at, Entry(y, std::move(set)));
    }
  }

  /// Non-empty sets stored, over all pairs (both orders counted). O(p).
  std::size_t stored() const {
    std::size_t total = 0;
    for (const auto& row : rows_) total += row.size();
    return total;
  }

  /// Equal when both have the same size and the same set for every pair. O(stored sets).
  friend bool operator==(const SepsetTable& a, const SepsetTable& b) { return a.rows_ == b.rows_; }
  /// Not equal. O(stored sets).
  friend bool operator!=(const SepsetTable& a, const SepsetTable& b) { return !(a == b); }

 private:
  using Entry = std::pair<Index, std::vector<Index>>;

  const std::vector<Index>& get(Index x, Index y) const {
    static const std::vector<Index> empty;
    const auto& row = rows_[std::size_t(x)];
    const auto at = std::lower_bound(row.begin(), row.end(), y, [](const Entry& e, Index column) { return e.first < column; });
    return at != row.end() && at->first == y ? at->second : empty;
  }

  std::vector<std::vector<Entry>> rows_;
};

}  // namespace causalattn
