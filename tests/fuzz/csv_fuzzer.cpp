// libFuzzer target: the CSV reader must turn any byte string into a table or an invalid_input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "causalattn/io/csv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  causalattn::CsvOptions options;
  options.max_line_bytes = 1024;
  try {
    (void)causalattn::parse_csv<double>(text, options);
  } catch (const causalattn::invalid_input&) {
  }
  options.delimiter = causalattn::Delimiter::whitespace;
  options.has_header = false;
  try {
    (void)causalattn::parse_csv<float>(text, options);
  } catch (const causalattn::invalid_input&) {
  }
  return 0;
}
