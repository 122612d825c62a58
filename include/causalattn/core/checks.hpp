#pragma once
/// \file
/// Input checks that throw `invalid_input` naming the argument and the offending row, column and
/// value. Rows and columns in messages are 0-based, as in Eigen.

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "causalattn/core/errors.hpp"

namespace causalattn {
namespace detail {

/// Formats a number for an error message with enough digits to identify it ("nan", "-inf", "0.1").
template <class T>
std::string to_text(T value) {
  std::ostringstream out;
  out.imbue(std::locale::classic());
  if constexpr (std::is_floating_point_v<T>) {
    // The shortest of digits10 and max_digits10 that reads back as the same value: 0.7, not 0.69999999999999996.
    out.precision(std::numeric_limits<T>::digits10);
    out << value;
    std::istringstream back(out.str());
    back.imbue(std::locale::classic());
    T read{};
    if ((back >> read) && read == value) return out.str();
    out.str("");
    out.precision(std::numeric_limits<T>::max_digits10);
  }
  out << value;
  return out.str();
}

}  // namespace detail

/// Throws unless every entry of column `j` of `m` is finite, naming the first bad row. O(rows).
/// Example: `check_finite_column("X", X, 3);`
template <class Derived>
void check_finite_column(const std::string& argument, const Eigen::DenseBase<Derived>& m, Eigen::Index j) {
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    const auto v = m(i, j);
    if (!std::isfinite(v)) {
      throw invalid_input(argument, "non-finite value " + detail::to_text(v) + " at row " + std::to_string(i) + ", column " +
                                        std::to_string(j));
    }
  }
}

/// Throws unless every entry of `m` is finite (columns in order, the first bad entry named). O(rows * cols).
/// \param argument name used in the message. Example: `check_finite("X", X);`
template <class Derived>
void check_finite(const std::string& argument, const Eigen::DenseBase<Derived>& m) {
  for (Eigen::Index j = 0; j < m.cols(); ++j) check_finite_column(argument, m, j);
}

/// Throws if `m` has no rows or no columns. O(1).
/// Example: `check_not_empty("X", X);`
template <class Derived>
void check_not_empty(const std::string& argument, const Eigen::EigenBase<Derived>& m) {
  if (m.rows() == 0 || m.cols() == 0) {
    throw invalid_input(argument, "is empty (" + std::to_string(m.rows()) + " x " +
                                      std::to_string(m.cols()) + "); at least one row and column are needed");
  }
}

/// Throws unless `m` is exactly `rows x cols`; pass -1 to leave a dimension free. O(1).
/// Example: `check_shape("weights", w, X.rows(), 1);`
template <class Derived>
void check_shape(const std::string& argument, const Eigen::EigenBase<Derived>& m, Eigen::Index rows,
                 Eigen::Index cols) {
  const bool rows_ok = rows < 0 || m.rows() == rows;
  const bool cols_ok = cols < 0 || m.cols() == cols;
  if (!rows_ok || !cols_ok) {
    auto want = [](Eigen::Index n) { return n < 0 ? std::string("any") : std::to_string(n); };
    throw invalid_input(argument, "has shape " + std::to_string(m.rows()) + " x " + std::to_string(m.cols()) +
                                      ", expected " + want(rows) + " x " + want(cols));
  }
}

/// Throws unless `a` and `b` have the same number of rows (samples). O(1).
/// Example: `check_same_rows("X", X, "treatment", t);`
template <class DerivedA, class DerivedB>
void check_same_rows(const std::string& name_a, const Eigen::EigenBase<DerivedA>& a, const std::string& name_b,
                     const Eigen::EigenBase<DerivedB>& b) {
  if (a.rows() != b.rows()) {
    throw invalid_input(name_b, "has " + std::to_string(b.rows()) + " rows but " + name_a + " has " +
                                    std::to_string(a.rows()) + "; they must match");
  }
}

/// Throws if `m` is not square. O(1). Example: `check_square("covariance", C);`
template <class Derived>
void check_square(const std::string& argument, const Eigen::EigenBase<Derived>& m) {
  if (m.rows() != m.cols()) {
    throw invalid_input(argument, "must be square, got " + std::to_string(m.rows()) + " x " +
                                      std::to_string(m.cols()));
  }
}

/// Throws if column `j` of `m` is constant (all entries equal). O(rows).
/// Example: `check_not_constant_column("X", X, 0);`
template <class Derived>
void check_not_constant_column(const std::string& argument, const Eigen::DenseBase<Derived>& m, Eigen::Index j) {
  for (Eigen::Index i = 1; i < m.rows(); ++i)
    if (!(m(i, j) == m(0, j))) return;
  if (m.rows() > 0) {
    throw invalid_input(argument, "column " + std::to_string(j) + " is constant (every row equals " + detail::to_text(m(0, j)) + ")");
  }
}

/// Throws if a column of `m` is constant (all entries equal), which makes variances, correlations
/// and standardisation undefined. O(rows * cols).
/// Example: `check_no_constant_columns("X", X);`
template <class Derived>
void check_no_constant_columns(const std::string& argument, const Eigen::DenseBase<Derived>& m) {
  for (Eigen::Index j = 0; j < m.cols(); ++j) check_not_constant_column(argument, m, j);
}

/// Throws unless `value` is finite and > 0 (>= 0 when `allow_zero`), naming `argument`. Used by
/// options' `validate()`. O(1).
/// Example: `check_finite_positive("options.learning_rate", learning_rate);`
inline void check_finite_positive(const std::string& argument, double value, bool allow_zero = false) {
  if (!(allow_zero ? value >= 0 : value > 0) || !std::isfinite(value)) {
    throw invalid_input(argument, "is " + detail::to_text(value) + ", must be finite and " + (allow_zero ? ">= 0" : "> 0"));
  }
}

/// Throws unless `lo <= value <= hi` and `value` is not NaN. Used by options' `validate()`. O(1).
/// Example: `check_in_range("options.alpha", alpha, 0.0, 1.0);`
template <class T>
void check_in_range(const std::string& argument, T value, T lo, T hi) {
  if (!(value >= lo && value <= hi)) {
    throw invalid_input(argument, "is " + detail::to_text(value) + ", must lie in [" + detail::to_text(lo) +
                                      ", " + detail::to_text(hi) + "]");
  }
}

/// Throws unless every entry of `indices` lies in [0, size) and none repeats; `noun` names what an
/// index stands for in the message ("node 7 is out of range [0, 5)", "lists node 2 twice"). O(size + |indices|).
/// Example: `check_distinct_indices("latent", latent, dag.size(), "node");`
inline void check_distinct_indices(const std::string& argument, const std::vector<Eigen::Index>& indices, Eigen::Index size,
                                   const std::string& noun) {
  std::vector<char> seen(static_cast<std::size_t>(size), 0);
  for (const Eigen::Index v : indices) {
    if (v < 0 || v >= size) {
      throw invalid_input(argument, noun + " " + std::to_string(v) + " is out of range [0, " + std::to_string(size) + ")");
    }
    if (seen[static_cast<std::size_t>(v)]) throw invalid_input(argument, "lists " + noun + " " + std::to_string(v) + " twice");
    seen[static_cast<std::size_t>(v)] = 1;
  }
}

}  // namespace causalattn
