#pragma once
/// \file
/// Trainable parameters and the registry that optimisers and serialisation walk over.

#include <string>
#include <unordered_map>
#include <vector>

#include "causalattn/core/errors.hpp"
#include "causalattn/core/random.hpp"
#include "causalattn/core/scalar.hpp"

namespace causalattn {

/// A trainable tensor (stored as a matrix; a bias is 1 x n) and its accumulated gradient.
template <class Scalar>
struct Parameter {
  Matrix<Scalar> value;  ///< current value
  Matrix<Scalar> grad;   ///< dLoss/dvalue, accumulated by backward passes until `zero_grad`

  /// A rows x cols parameter filled with zeros (gradient too).
  static Parameter zeros(Index rows, Index cols) {
    return {Matrix<Scalar>::Zero(rows, cols), Matrix<Scalar>::Zero(rows, cols)};
  }
  /// Uniform in [-bound, bound] from `rng` (gradient zero).
  static Parameter uniform(Index rows, Index cols, Scalar bound, Rng& rng) {
    Parameter p = zeros(rows, cols);
    for (Index j = 0; j < cols; ++j)
      for (Index i = 0; i < rows; ++i) p.value(i, j) = static_cast<Scalar>(rng.uniform(-bound, bound));
    return p;
  }
};

/// Named pointers to the parameters of a model, in registration order. Layers add their parameters
/// with a dotted prefix ("block0.attention.query.weight"); the registry does not own them, so the
/// model must outlive it and must not move while it is in use.
/// Example:
/// \code
///   causalattn::ParameterRegistry<float> params;
///   model.register_parameters(params, "model");
///   causalattn::AdamW<float> opt(params, {});
/// \endcode
template <class Scalar>
class ParameterRegistry {
 public:
  /// One registered parameter.
  struct Entry {
    std::string name;
    Parameter<Scalar>* parameter;
  };

  /// Registers `p` under `name` (unique, non-empty; else `invalid_input`). O(1) expected.
  void add(const std::string& name, Parameter<Scalar>& p) {
    if (name.empty()) throw invalid_input("name", "parameter names cannot be empty");
    const auto [position, added] = index_.emplace(name, entries_.size());
    if (!added) throw invalid_input("name", "parameter '" + name + "' is registered twice");
    try {
      entries_.push_back({name, &p});
    } catch (...) {
      index_.erase(position);
      throw;
    }
  }
  /// All entries in registration order.
  const std::vector<Entry>& entries() const noexcept { return entries_; }
  /// Number of parameters (tensors).
  std::size_t size() const noexcept { return entries_.size(); }
  /// Total number of scalar values over all parameters. O(count).
  Index scalar_count() const {
    Index n = 0;
    for (const auto& e : entries_) n += e.parameter->value.size();
    return n;
  }
  /// Sets every gradient to zero (call before each backward pass). O(scalars).
  void zero_grad() {
    for (auto& e : entries_) e.parameter->grad.setZero();
  }
  /// The parameter called `name`; throws `invalid_input` if none. O(1) expected.
  Parameter<Scalar>& at(const std::string& name) const {
    const auto found = index_.find(name);
    if (found == index_.end()) throw invalid_input("name", "no parameter named '" + name + "'");
    return *entries_[found->second].parameter;
  }

 private:
  std::vector<Entry> entries_;
  std::unordered_map<std::string, std::size_t> index_;  // name -> position in entries_
};

}  // namespace causalattn
