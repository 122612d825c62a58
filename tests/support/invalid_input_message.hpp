#pragma once
// Test helper: the message of the invalid_input a callable throws.

#include <string>

#include "causalattn/core/errors.hpp"

namespace causalattn::test {

/// The message of the invalid_input that f throws; any other exception propagates and fails the test.
template <class F>
std::string invalid_input_message(F&& f) {
  try {
    f();
  } catch (const invalid_input& e) {
    return e.what();
  }
  return "<no invalid_input thrown>";
}

}  // namespace causalattn::test
