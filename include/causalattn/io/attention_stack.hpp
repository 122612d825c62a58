#pragma once
/// \file
/// Attention matrices as PyTorch code saves them (`numpy.save(path, torch.stack(attn).numpy())`),
/// turned into one n x n matrix per layer and head.

#include <string>
#include <vector>

#include "causalattn/core/errors.hpp"
#include "causalattn/core/scalar.hpp"
#include "causalattn/io/npy.hpp"

namespace causalattn {

/// How `attention_stack` treats a batch axis (rank-5 arrays [layers, batch, heads, n, n]).
struct AttentionStackOptions {
  /// Which batch element to take; -1 (default) averages the attention over the batch.
  int batch = -1;
};

/// The attention of every layer and head: `[layer][head]`, each n x n (row i = the attention of
/// query token i over the keys). Accepts the ranks a model's attention comes in: [n, n],
/// [heads, n, n], [layers, heads, n, n] and [layers, batch, heads, n, n] (the batch selected or
/// averaged, see `AttentionStackOptions`). Throws `invalid_input` naming `source` for another rank,
/// non-square last two axes, an axis of length 0 (naming it) or a batch index out of range.
/// O(size of the array).
/// Example:
/// \code
///   auto stack = causalattn::attention_stack(causalattn::read_npy<double>("attn.npy"));
///   const causalattn::Matrix<double>& deepest_first_head = stack.back().front();
/// \endcode
template <class Scalar>
std::vector<std::vector<Matrix<Scalar>>> attention_stack(const NpyArray<Scalar>& array, const AttentionStackOptions& options = {},
                                                         const std::string& source = "attention") {
  const auto& shape = array.shape;
  const std::size_t rank = shape.size();
  if (rank < 2 || rank > 5) {
    throw invalid_input(source, "has shape " + detail::format_shape(shape) +
                                    "; expected [n, n], [heads, n, n], [layers, heads, n, n] or [layers, batch, heads, n, n]");
  }
  auto axis_name = [rank](std::size_t k) -> std::string {
    const std::size_t from_end = rank - 1 - k;
    if (from_end < 2) return from_end == 0 ? "keys" : "queries";
    if (from_end == 2) return "heads";
    return rank == 5 && k == 1 ? "batch" : "layers";
  };
  for (std::size_t k = 0; k < rank; ++k) {
    if (shape[k] == 0) {
      throw invalid_input(source, "has shape " + detail::format_shape(shape) + ": axis " + std::to_string(k) + " (" + axis_name(k) +
                                      ") has length 0, so there is no attention to read");
    }
  }
  if (shape[rank - 1] != shape[rank - 2]) {
    throw invalid_input(source, "has shape " + detail::format_shape(shape) + ": the last two axes (queries, keys) must be equal");
  }
  const std::size_t n = shape[rank - 1], heads = rank >= 3 ? shape[rank - 3] : 1;
  const std::size_t layers = rank >= 4 ? shape[0] : 1, batch = rank == 5 ? shape[1] : 1;
  if (rank == 5 && (options.batch < -1 || options.batch >= int(batch))) {
    throw invalid_input("options.batch", "is " + std::to_string(options.batch) + ", the array has " + std::to_string(batch) +
                                             " batch element(s) (-1 averages them)");
  }
  if (array.data.size() != layers * batch * heads * n * n) {
    throw invalid_input(source, "has " + std::to_string(array.data.size()) + " values for shape " + detail::format_shape(shape));
  }
  const auto size = static_cast<Index>(n);
  std::vector<std::vector<Matrix<Scalar>>> out(layers);
  for (std::size_t l = 0; l < layers; ++l) {
    for (std::size_t h = 0; h < heads; ++h) {
      Matrix<Scalar> a = Matrix<Scalar>::Zero(size, size);
      const std::size_t first = rank == 5 && options.batch >= 0 ? std::size_t(options.batch) : 0;
      const std::size_t last = rank == 5 && options.batch >= 0 ? first + 1 : batch;
      for (std::size_t b = first; b < last; ++b) {
        const std::size_t offset = ((l * batch + b) * heads + h) * n * n;
        for (std::size_t i = 0; i < n; ++i)
          for (std::size_t j = 0; j < n; ++j) a(Index(i), Index(j)) += array.data[offset + i * n + j];
      }
      if (last - first > 1) a /= Scalar(last - first);
      out[l].push_back(std::move(a));
    }
  }
  return out;
}

}  // namespace causalattn
