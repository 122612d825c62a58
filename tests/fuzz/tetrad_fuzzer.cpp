// libFuzzer target: the Tetrad text parser must return a graph or throw invalid_input, and a graph
// it returns must be writable and read back unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "causalattn/io/tetrad.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  causalattn::Graph g;
  try {
    g = causalattn::parse_tetrad_text(text);
  } catch (const causalattn::invalid_input&) {
    return 0;
  }
  // Outside the try: anything the parser accepts, the writer must handle.
  if (causalattn::parse_tetrad_text(causalattn::to_tetrad_text(g)) != g) std::abort();
  return 0;
}
