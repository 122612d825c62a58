// libFuzzer target for the .npy reader: any byte string must either parse or throw
// causalattn::invalid_input. Any other exception escapes (and aborts), and sanitizers report
// out-of-bounds reads and undefined behaviour.
//
// Build: clang++ -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -I/usr/include/eigen3
//          tests/fuzz/npy_fuzzer.cpp -o npy_fuzz
// Run:   ./npy_fuzz -max_total_time=60 corpus/   (seed the corpus with files from causalattn::write_npy)

#include <cstddef>
#include <cstdint>
#include <string>

#include "causalattn/io/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Copy into an exactly sized heap buffer so that AddressSanitizer catches a read one past the end.
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    const auto array = causalattn::parse_npy<double>(bytes, "fuzz");
    // A successful parse must be self-consistent, and rank <= 2 must convert to a matrix.
    std::size_t count = 1;
    for (const std::size_t d : array.shape) count *= d;
    if (count != array.data.size()) __builtin_trap();
    if (array.shape.size() <= 2) (void)causalattn::npy_to_matrix(array, "fuzz");
  } catch (const causalattn::invalid_input&) {
  }
  try {
    (void)causalattn::parse_npy<float>(bytes, "fuzz");
  } catch (const causalattn::invalid_input&) {
  }
  return 0;
}
