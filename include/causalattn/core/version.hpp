#pragma once
/// \file
/// Library version. CMake reads the three macros below, so they are the single source of truth.

#define CAUSALATTN_VERSION_MAJOR 0
#define CAUSALATTN_VERSION_MINOR 2
#define CAUSALATTN_VERSION_PATCH 0

#define CAUSALATTN_DETAIL_STRINGIFY_(x) #x
#define CAUSALATTN_DETAIL_STRINGIFY(x) CAUSALATTN_DETAIL_STRINGIFY_(x)

/// The version as a string literal, "MAJOR.MINOR.PATCH", built from the three macros above.
#define CAUSALATTN_VERSION_STRING                                                      \
  CAUSALATTN_DETAIL_STRINGIFY(CAUSALATTN_VERSION_MAJOR)                                \
  "." CAUSALATTN_DETAIL_STRINGIFY(CAUSALATTN_VERSION_MINOR) "." CAUSALATTN_DETAIL_STRINGIFY( \
      CAUSALATTN_VERSION_PATCH)

/// Encodes a version as one comparable integer: `CAUSALATTN_VERSION >= CAUSALATTN_MAKE_VERSION(0, 2, 0)`.
#define CAUSALATTN_MAKE_VERSION(major, minor, patch) ((major) * 10000 + (minor) * 100 + (patch))

/// The version as one comparable integer.
#define CAUSALATTN_VERSION \
  CAUSALATTN_MAKE_VERSION(CAUSALATTN_VERSION_MAJOR, CAUSALATTN_VERSION_MINOR, CAUSALATTN_VERSION_PATCH)

namespace causalattn {

/// The library version at run time, e.g. "0.2.0". O(1).
/// Example: `std::cout << causalattn::version_string();`
constexpr const char* version_string() noexcept { return CAUSALATTN_VERSION_STRING; }

}  // namespace causalattn
