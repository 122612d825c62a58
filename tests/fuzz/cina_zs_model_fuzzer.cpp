// libFuzzer target for the CInA-ZS model loader: any byte string must load a model or throw
// causalattn::invalid_input, without reading out of bounds or allocating more than the bytes
// justify. The checksum would stop almost every mutation at once, so the input is also tried as a
// file body with its checksum appended: the config checks and the tensor matching get fuzzed too.
#include <cstddef>
#include <cstdint>
#include <string>

#include "causalattn/effects/cina_zs_model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const std::string sealed = [&] {
    std::string out = bytes;
    const std::uint64_t checksum = causalattn::detail::fnv1a64(bytes);
    for (int k = 0; k < 8; ++k) out += char((checksum >> (8 * k)) & 0xFF);
    return out;
  }();
  for (const std::string* file : {&bytes, &sealed}) {
    try {
      (void)causalattn::parse_cina_zs<float>(*file, "fuzz");
    } catch (const causalattn::invalid_input&) {
    }
  }
  return 0;
}
