// libFuzzer target: the Tetrad text parser must return a graph or throw invalid_input, and a graph
// it returns must survive a write/read round trip.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "causalattn/io/tetrad.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto g = causalattn::parse_tetrad_text(text);
    if (causalattn::parse_tetrad_text(causalattn::to_tetrad_text(g)) != g) std::abort();
  } catch (const causalattn::invalid_input&) {
  }
  return 0;
}
