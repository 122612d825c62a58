#pragma once
/// \file
/// Treatment-effect data: covariates X (n x p), a binary treatment T and an outcome Y, validated once.

#include <string>
#include <vector>

#include <Eigen/Core>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/core/scalar.hpp"

namespace causalattn {

/// The effect to estimate: the average over all units (ATE) or over the treated (ATT).
enum class Estimand { ate, att };

/// Name of an estimand ("ate" or "att").
template <typename Defer = void>
std::string estimand_name(Estimand e) {
  return e == Estimand::ate ? "ate" : "att";
}

/// Views of X (n x p, one row per unit), T (n, each 0 or 1) and Y (n), validated on construction.
/// The views refer to the caller's storage, which must outlive the object: column-major storage of
/// `Scalar` (a Matrix or Vector, a Map, a block of either). An expression Eigen would first have to
/// evaluate into a temporary (a row-major matrix, a strided Map, a cast, a product) does not
/// compile, since the view would outlive the temporary: evaluate it into a Matrix first. Float and
/// double inputs are accepted; estimators compute in double.
///
/// Throws `invalid_input` naming the argument and the offending row / column / value for: an empty
/// X, a row-count mismatch, a non-finite entry, a treatment other than 0 or 1, fewer than 2 units in
/// an arm (no treated or no control units included), or a covariate that is constant over all units.
/// O(n p).
/// Example:
/// \code
///   causalattn::TreatmentData<double> data(X, T, Y);
///   auto result = causalattn::entropy_balancing(data);
/// \endcode
template <class Scalar = double>
class TreatmentData {
 public:
  /// Validates and keeps views of the three inputs (see the class comment for what they may be).
  template <class DerivedX, class DerivedT, class DerivedY>
  TreatmentData(const Eigen::MatrixBase<DerivedX>& x, const Eigen::MatrixBase<DerivedT>& t, const Eigen::MatrixBase<DerivedY>& y)
      : x_(x.derived()), t_(t.derived()), y_(y.derived()) {
    static_assert(viewable<Matrix<Scalar>, DerivedX>() && viewable<Vector<Scalar>, DerivedT>() &&
                      viewable<Vector<Scalar>, DerivedY>(),
                  "TreatmentData keeps views: pass column-major storage of Scalar (evaluate a row-major matrix, "
                  "a strided Map or an expression into a Matrix first)");
    check_not_empty("x", x_);
    if (t_.size() != x_.rows()) {
      throw invalid_input("treatment", "has " + std::to_string(t_.size()) + " entries for " + std::to_string(x_.rows()) + " rows of x");
    }
    if (y_.size() != x_.rows()) {
      throw invalid_input("outcome", "has " + std::to_string(y_.size()) + " entries for " + std::to_string(x_.rows()) + " rows of x");
    }
    check_finite("x", x_);
    check_finite("outcome", y_);
    for (Index i = 0; i < t_.size(); ++i) {
      if (t_(i) == Scalar(1)) ++treated_;
      else if (t_(i) != Scalar(0)) {
        throw invalid_input("treatment", "row " + std::to_string(i) + " is " + detail::to_text(t_(i)) + ", must be 0 or 1");
      }
    }
    const Index controls = units() - treated_;
    if (treated_ < 2 || controls < 2) {
      throw invalid_input("treatment", "has " + std::to_string(treated_) + " treated and " + std::to_string(controls) +
                                           " control units; each arm needs at least 2");
    }
    check_no_constant_columns("x", x_);
  }

  Index units() const noexcept { return x_.rows(); }            ///< n
  Index covariates() const noexcept { return x_.cols(); }       ///< p
  Index treated() const noexcept { return treated_; }           ///< units with T = 1
  Index controls() const noexcept { return units() - treated_; }  ///< units with T = 0
  const Eigen::Ref<const Matrix<Scalar>>& x() const noexcept { return x_; }  ///< covariates
  const Eigen::Ref<const Vector<Scalar>>& t() const noexcept { return t_; }  ///< treatment, 0 / 1
  const Eigen::Ref<const Vector<Scalar>>& y() const noexcept { return y_; }  ///< outcome

 private:
  // True when Eigen::Ref<const Plain> views `Derived` in place (no temporary of its own).
  template <class Plain, class Derived>
  static constexpr bool viewable() {
    return bool(Eigen::internal::traits<Eigen::Ref<const Plain>>::template match<Derived>::MatchAtCompileTime);
  }

  Eigen::Ref<const Matrix<Scalar>> x_;
  Eigen::Ref<const Vector<Scalar>> t_, y_;
  Index treated_ = 0;
};

namespace detail {

/// The data in double with covariates optionally standardised (z-scores over all units): what every
/// estimator works on. `treated` and `control` list the units of each arm in row order.
struct Sample {
  Matrix<double> x;
  Vector<double> t, y;
  std::vector<Index> treated, control;

  Index units() const { return x.rows(); }
  /// Rows of `rows` of a matrix or vector, in order.
  template <class Derived>
  static Matrix<double> take(const Eigen::MatrixBase<Derived>& m, const std::vector<Index>& rows) {
    Matrix<double> out(Index(rows.size()), m.cols());
    for (std::size_t k = 0; k < rows.size(); ++k) out.row(Index(k)) = m.row(rows[k]).template cast<double>();
    return out;
  }
};

/// Units of each arm of a 0 / 1 treatment vector, ascending. O(n).
/// Example: `std::vector<Index> treated, control; causalattn::detail::split_arms(t, treated, control);`
template <class Derived>
void split_arms(const Eigen::MatrixBase<Derived>& t, std::vector<Index>& treated, std::vector<Index>& control) {
  treated.clear();
  control.clear();
  for (Index i = 0; i < t.size(); ++i) (t(i) == 1 ? treated : control).push_back(i);
}

/// Converts validated data into a `Sample`, standardising the covariates when asked. O(n p).
template <class Scalar>
Sample make_sample(const TreatmentData<Scalar>& data, bool standardize) {
  using Real = detail::deferred_t<Scalar, double>;
  detail::deferred_t<Scalar, Sample> s;
  s.x = data.x().template cast<double>();
  s.t = data.t().template cast<double>();
  s.y = data.y().template cast<double>();
  if (standardize) {
    const RowVector<Real> mean = s.x.colwise().mean();
    s.x.rowwise() -= mean;
    const RowVector<Real> sd = (s.x.colwise().squaredNorm() / double(s.x.rows())).cwiseSqrt();
    s.x.array().rowwise() /= sd.array();
  }
  split_arms(s.t, s.treated, s.control);
  return s;
}

}  // namespace detail
}  // namespace causalattn
