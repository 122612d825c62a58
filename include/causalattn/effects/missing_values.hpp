#pragma once
/// \file
/// Missing values in treatment-effect data: refuse them (naming the first), drop the incomplete
/// units, or mean-impute each covariate and add its missingness indicator. Missing cells are NaN
/// (what `read_csv` gives with `CsvOptions::allow_missing`).

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "causalattn/core/errors.hpp"
#include "causalattn/core/name_table.hpp"
#include "causalattn/core/names.hpp"
#include "causalattn/core/scalar.hpp"
#include "causalattn/effects/treatment_data.hpp"

namespace causalattn {

/// What to do with missing (NaN) cells.
enum class MissingPolicy {
  error,           ///< refuse them, naming the first (default)
  complete_cases,  ///< drop every unit with a missing cell
  indicator,       ///< covariates: mean-impute and add a 0/1 "<name>_missing" column; units missing T or Y are dropped
};

/// Every policy with its name, in the order of `MissingPolicy` (the CLI's --missing names).
inline constexpr NameTable<MissingPolicy, 3> missing_policy_names = {{{"error", MissingPolicy::error},
                                                                      {"complete-cases", MissingPolicy::complete_cases},
                                                                      {"indicator", MissingPolicy::indicator}}};

/// Treatment-effect data after a missing-value policy: owns X, T and Y (complete), the covariate
/// names (indicator columns appended) and what the policy did.
template <class Scalar = double>
struct CompleteTreatmentData {
  Matrix<Scalar> x;                   ///< covariates, no NaN
  Vector<Scalar> t, y;                ///< treatment and outcome of the units kept
  std::vector<std::string> names;     ///< one per column of x
  std::vector<Index> rows;            ///< for each unit kept, its row in the input
  std::vector<Index> missing;         ///< missing cells per input covariate
  Index missing_treatment = 0;        ///< units whose treatment was missing
  Index missing_outcome = 0;          ///< units whose outcome was missing
  std::vector<std::string> warnings;  ///< one line per action taken (units dropped, columns added)

  /// The validated view estimators take (see `TreatmentData`); valid while this object lives.
  TreatmentData<Scalar> data() const { return TreatmentData<Scalar>(x, t, y); }
};

/// Applies `policy` to X (n x p), T and Y whose missing cells are NaN. `names` name the covariates
/// (X1..Xp when empty). `error`: throws `invalid_input` naming "x" (row, column and name),
/// "treatment" or "outcome" and the row of the first missing cell. `complete_cases`: keeps the
/// units without a missing cell; the warning counts the units dropped and the missing cells per
/// column. `indicator`: drops the units missing T or Y (they cannot be imputed), then replaces
/// each missing covariate cell by the mean of the column's observed cells and appends, for each
/// covariate that still has a missing cell, one column "<name>_missing" (1 where it was missing),
/// the standard practical choice (unbiased under the missing-indicator assumptions, never worse
/// than dropping units for balance). Throws `invalid_input` when a covariate has no observed cell,
/// or when no unit is left. Infinite values are left to `TreatmentData`'s checks. O(n p).
/// Example:
/// \code
///   auto complete = causalattn::apply_missing_policy(X, T, Y, causalattn::MissingPolicy::indicator, names);
///   auto r = causalattn::aipw(complete.data());
/// \endcode
template <class Scalar>
CompleteTreatmentData<Scalar> apply_missing_policy(const Eigen::Ref<const Matrix<Scalar>>& x,
                                                   const Eigen::Ref<const Vector<Scalar>>& t,
                                                   const Eigen::Ref<const Vector<Scalar>>& y, MissingPolicy policy,
                                                   std::vector<std::string> names = {}) {
  const Index n = x.rows(), p = x.cols();
  name_in_table(missing_policy_names, policy, "policy");
  names = variable_names_or_default(std::move(names), p);
  if (t.size() != n)
    throw invalid_input("treatment", "has " + std::to_string(t.size()) + " entries for " + std::to_string(n) + " rows of x");
  if (y.size() != n)
    throw invalid_input("outcome", "has " + std::to_string(y.size()) + " entries for " + std::to_string(n) + " rows of x");
  CompleteTreatmentData<Scalar> out;
  out.missing.assign(std::size_t(p), 0);
  std::vector<char> incomplete_x(std::size_t(n), 0), keep(std::size_t(n), 1);
  for (Index i = 0; i < n; ++i) {
    for (Index j = 0; j < p; ++j) {
      if (!std::isnan(x(i, j))) continue;
      if (policy == MissingPolicy::error) {
        throw invalid_input("x", "row " + std::to_string(i) + ", column " + std::to_string(j) + " ('" + names[std::size_t(j)] +
                                     "') is missing; choose a missing-value policy (complete cases or indicator)");
      }
      ++out.missing[std::size_t(j)];
      incomplete_x[std::size_t(i)] = 1;
    }
    for (const auto& [argument, v] : {std::pair<const char*, Scalar>{"treatment", t(i)}, {"outcome", y(i)}}) {
      if (!std::isnan(v)) continue;
      if (policy == MissingPolicy::error) {
        throw invalid_input(argument, "row " + std::to_string(i) +
                                          " is missing; choose a missing-value policy (complete cases or indicator)");
      }
      ++(argument[0] == 't' ? out.missing_treatment : out.missing_outcome);
      keep[std::size_t(i)] = 0;
    }
    if (policy == MissingPolicy::complete_cases && incomplete_x[std::size_t(i)]) keep[std::size_t(i)] = 0;
  }
  for (Index i = 0; i < n; ++i)
    if (keep[std::size_t(i)]) out.rows.push_back(i);
  const Index m = Index(out.rows.size());
  if (m == 0) throw invalid_input("x", "every unit has a missing value; none is left");
  if (m < n) {
    std::string per_column;
    for (Index j = 0; j < p; ++j)
      if (out.missing[std::size_t(j)] > 0)
        per_column += (per_column.empty() ? "" : ", ") + names[std::size_t(j)] + " " +
                      std::to_string(out.missing[std::size_t(j)]);
    if (out.missing_treatment > 0)
      per_column += (per_column.empty() ? "" : ", ") + std::string("treatment ") + std::to_string(out.missing_treatment);
    if (out.missing_outcome > 0)
      per_column += (per_column.empty() ? "" : ", ") + std::string("outcome ") + std::to_string(out.missing_outcome);
    out.warnings.push_back(std::to_string(n - m) + " of " + std::to_string(n) +
                           " units dropped for missing values (missing cells: " + per_column + ")");
  }
  // Columns still holding a missing cell among the units kept get an indicator (indicator policy).
  std::vector<Index> flagged, imputed;
  std::vector<double> means(std::size_t(p), 0);
  for (Index j = 0; j < p && policy == MissingPolicy::indicator; ++j) {
    double sum = 0;
    Index observed = 0;
    for (const Index i : out.rows)
      if (!std::isnan(x(i, j))) {
        sum += double(x(i, j));
        ++observed;
      }
    if (observed == 0)
      throw invalid_input("x", "column " + std::to_string(j) + " ('" + names[std::size_t(j)] + "') has no observed value");
    means[std::size_t(j)] = sum / double(observed);
    if (observed < m) {
      flagged.push_back(j);
      imputed.push_back(m - observed);
    }
  }
  out.x.resize(m, p + Index(flagged.size()));
  out.t.resize(m);
  out.y.resize(m);
  out.names = names;
  for (Index r = 0; r < m; ++r) {
    const Index i = out.rows[std::size_t(r)];
    out.t(r) = t(i);
    out.y(r) = y(i);
    for (Index j = 0; j < p; ++j) out.x(r, j) = std::isnan(x(i, j)) ? Scalar(means[std::size_t(j)]) : x(i, j);
    for (std::size_t k = 0; k < flagged.size(); ++k)
      out.x(r, p + Index(k)) = std::isnan(x(i, flagged[k])) ? Scalar(1) : Scalar(0);
  }
  for (std::size_t k = 0; k < flagged.size(); ++k) {
    out.names.push_back(names[std::size_t(flagged[k])] + "_missing");
    out.warnings.push_back(names[std::size_t(flagged[k])] + ": " + std::to_string(imputed[k]) +
                           " missing cells mean-imputed, indicator column '" + out.names.back() + "' added");
  }
  return out;
}

}  // namespace causalattn
