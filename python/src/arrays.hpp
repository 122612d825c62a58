#pragma once
/// \file
/// NumPy arrays in and out of the bindings: a 2-D float64 or float32 array seen as an Eigen map
/// without a copy (any layout NumPy can give: C or Fortran order, slices), and Eigen matrices
/// returned as NumPy arrays.

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <string>
#include <utility>

#include <Eigen/Core>

#include "causalattn/core/errors.hpp"
#include "causalattn/core/scalar.hpp"

namespace causalattn::python {

namespace py = pybind11;

/// A read-only view of a 2-D array with its element strides (rows, columns).
template <typename Scalar>
using ArrayView =
    Eigen::Map<const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>, 0, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>>;

/// Calls `use(view)` with `array` (named `name` in errors) seen as an `ArrayView<double>` or
/// `ArrayView<float>`, no copy. Throws `invalid_input` naming `name` unless the array is 2-D,
/// float64 or float32, with at least one row and one column and element strides >= 0.
/// O(1). Example: `with_matrix(data, "data", [](const auto& x) { return x.rows(); });`
template <class Use>
auto with_matrix(const py::array& array, const std::string& name, Use&& use) {
  if (array.ndim() != 2) {
    throw invalid_input(name, "has " + std::to_string(array.ndim()) + " dimensions; a 2-D array (rows x columns) is needed");
  }
  const bool is_double = py::isinstance<py::array_t<double>>(array), is_float = py::isinstance<py::array_t<float>>(array);
  if (!is_double && !is_float) {
    throw invalid_input(name, "has dtype " + std::string(py::str(array.dtype())) + "; float64 or float32 is needed");
  }
  const Index rows = Index(array.shape(0)), cols = Index(array.shape(1));
  if (rows == 0 || cols == 0) {
    throw invalid_input(name, "has shape (" + std::to_string(rows) + ", " + std::to_string(cols) + "); it is empty");
  }
  const Index item = Index(array.itemsize());
  const Index row_stride = Index(array.strides(0)), col_stride = Index(array.strides(1));
  if (row_stride < 0 || col_stride < 0 || row_stride % item != 0 || col_stride % item != 0) {
    throw invalid_input(name, "has byte strides (" + std::to_string(row_stride) + ", " + std::to_string(col_stride) +
                                  ") that are negative or not whole elements; pass numpy.ascontiguousarray(" + name + ")");
  }
  const Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic> stride(col_stride / item, row_stride / item);
  if (is_double) return use(ArrayView<double>(static_cast<const double*>(array.data()), rows, cols, stride));
  return use(ArrayView<float>(static_cast<const float*>(array.data()), rows, cols, stride));
}

using Renames = std::initializer_list<std::pair<const char*, const char*>>;

/// `e` under the Python keyword's name: an argument listed in `renames` (C++ name, Python name) is
/// renamed, and an "options.x" argument becomes "x". O(renames).
inline invalid_input with_python_name(const invalid_input& e, Renames renames) {
  for (const auto& [cpp, python] : renames)
    if (e.argument() == cpp) return invalid_input(python, e.detail());
  if (e.argument().rfind("options.", 0) == 0) return invalid_input(e.argument().substr(8), e.detail());
  return e;
}

/// Runs `f()`, rethrowing an `invalid_input` under the Python keyword's name (`with_python_name`).
/// Example: `return python_names([&] { return pc(test, {}, options); }, {{"options.priority", "uc_priority"}});`
template <class F>
auto python_names(F&& f, Renames renames = {}) {
  try {
    return f();
  } catch (const invalid_input& e) {
    throw with_python_name(e, renames);
  }
}

/// The value `table` pairs with the name `value` of keyword argument `argument`; otherwise throws
/// `invalid_input` naming the argument and listing the names. O(table size).
/// Example: `auto e = choice<Estimand>("estimand", "att", {{"ate", Estimand::ate}, {"att", Estimand::att}});`
template <class Value>
Value choice(const std::string& argument, const std::string& value, std::initializer_list<std::pair<const char*, Value>> table) {
  std::string names;
  for (const auto& [name, result] : table) {
    if (value == name) return result;
    names += (names.empty() ? "'" : ", '") + std::string(name) + "'";
  }
  throw invalid_input(argument, "is '" + value + "'; use " + names);
}

/// A 1-D array of real numbers (bool, integer or floating) as doubles, named `name` in errors. O(n).
inline Vector<double> real_vector(const py::array& array, const std::string& name) {
  if (array.ndim() != 1) throw invalid_input(name, "has " + std::to_string(array.ndim()) + " dimensions; a 1-D array is needed");
  const char kind = array.dtype().kind();
  if (kind != 'b' && kind != 'i' && kind != 'u' && kind != 'f') {
    throw invalid_input(name, "has dtype " + std::string(py::str(array.dtype())) + "; real numbers are needed");
  }
  const auto values = py::array_t<double, py::array::forcecast>::ensure(array);
  Vector<double> out(Index(values.size()));
  for (Index i = 0; i < out.size(); ++i) out(i) = values.at(i);
  return out;
}

/// `array` (checked as `with_matrix` does) copied into a column-major double matrix. O(rows cols).
inline Matrix<double> double_matrix(const py::array& array, const std::string& name) {
  return with_matrix(array, name, [](const auto& view) { return Matrix<double>(view.template cast<double>()); });
}

/// An Eigen vector as a new 1-D NumPy array, a copy. O(n).
template <typename Scalar>
py::array_t<Scalar> to_numpy(const Vector<Scalar>& v) {
  py::array_t<Scalar> out(v.size());
  std::copy(v.data(), v.data() + v.size(), out.mutable_data());
  return out;
}

/// An Eigen matrix as a new 2-D NumPy array (C order), a copy. O(rows cols).
template <class Derived>
py::array_t<typename Derived::Scalar> to_numpy(const Eigen::MatrixBase<Derived>& m) {
  py::array_t<typename Derived::Scalar> out({m.rows(), m.cols()});
  auto view = out.template mutable_unchecked<2>();
  for (Index i = 0; i < m.rows(); ++i)
    for (Index j = 0; j < m.cols(); ++j) view(i, j) = m(i, j);
  return out;
}

}  // namespace causalattn::python
