// libFuzzer target for the attention reader: a .npy stack as PyTorch saves it, turned into
// [layer][head] matrices and, when small, into graphs. Any byte string must give graphs or throw
// causalattn::invalid_input; sanitizers report out-of-bounds access and undefined behaviour.
#include <cstddef>
#include <cstdint>
#include <string>

#include "causalattn/discovery/attention.hpp"
#include "causalattn/io/attention_stack.hpp"
#include "causalattn/io/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    const auto array = causalattn::parse_npy<double>(bytes, "fuzz");
    for (const int batch : {-1, 0}) {
      causalattn::AttentionStackOptions options;
      options.batch = batch;
      const auto stack = causalattn::attention_stack(array, options, "fuzz");
      if (stack.empty() || stack.back().empty()) __builtin_trap();  // never an empty result without an error
      if (stack.back().front().rows() <= 6) {
        causalattn::AttentionGraphOptions graph;
        graph.threads = 1;
        graph.row_sum_tolerance = causalattn::attention_row_sum_tolerance(stack.back().front().rows(), array.file_item_size);
        (void)causalattn::deepest_layer_consensus(stack, graph);
      }
    }
  } catch (const causalattn::invalid_input&) {
  }
  return 0;
}
