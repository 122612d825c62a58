#pragma once
// Whether this test executable runs under AddressSanitizer (GCC's or clang's), for the few tests that
// size their work or their bounds to the sanitizer build.

#if defined(__SANITIZE_ADDRESS__)
#define CAUSALATTN_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CAUSALATTN_TEST_SANITIZED 1
#endif
#endif

namespace causalattn::test {

/// True when this test executable (and so the tool built with it) runs under AddressSanitizer.
constexpr bool sanitized() {
#ifdef CAUSALATTN_TEST_SANITIZED
  return true;
#else
  return false;
#endif
}

}  // namespace causalattn::test
