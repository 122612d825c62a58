#pragma once
/// \file
/// Scalar aliases and the tolerances tied to each scalar type.

#include <Eigen/Core>
#include <type_traits>

namespace causalattn {

/// Dynamic column-major matrix of `Scalar` (rows = samples).
template <class Scalar = double>
using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;

/// Dynamic column vector of `Scalar`.
template <class Scalar = double>
using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

/// Dynamic row vector of `Scalar`.
template <class Scalar = double>
using RowVector = Eigen::Matrix<Scalar, 1, Eigen::Dynamic>;

/// Index type used for sizes and positions (Eigen's, signed).
using Index = Eigen::Index;

namespace detail {
/// `deferred_t<Defer, T>` is T, spelled so that it depends on `Defer`. A function template on a
/// defaulted dummy parameter `Defer` that declares its parameters and locals through it (for
/// example `Matrix<deferred_t<Defer, double>>`) is type-checked, and its Eigen expression types
/// instantiated, only when it is called, not when its header is parsed.
template <class Defer, class T>
struct deferred {
  using type = T;
};
template <class Defer, class T>
using deferred_t = typename deferred<Defer, T>::type;
}  // namespace detail

/// True for the scalar types the library is instantiated and tested with (float, double).
template <class Scalar>
inline constexpr bool is_supported_scalar_v =
    std::is_same_v<Scalar, float> || std::is_same_v<Scalar, double>;

/// Relative precision that tests and convergence checks use for `Scalar`: 1e-3 for float,
/// 1e-6 for double (Eigen's `test_precision` convention). O(1).
/// Example: `REQUIRE(err < causalattn::test_precision<float>());`
template <class Scalar>
constexpr Scalar test_precision() noexcept {
  static_assert(is_supported_scalar_v<Scalar>, "causalattn supports float and double scalars");
  if constexpr (std::is_same_v<Scalar, float>) {
    return Scalar(1e-3);
  } else {
    return Scalar(1e-6);
  }
}

}  // namespace causalattn
