// libFuzzer target: the parameter-file reader must return tensors or throw invalid_input, for float
// and double, and never read past the end or allocate beyond what the bytes can hold.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "causalattn/nn/serialization.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    (void)causalattn::parse_parameters<double>(bytes);
  } catch (const causalattn::invalid_input&) {
  }
  try {
    (void)causalattn::parse_parameters<float>(bytes);
  } catch (const causalattn::invalid_input&) {
  }
  return 0;
}
