# Helpers for the project's own targets (tests, examples, benchmarks); consumers never see them.

# causalattn_configure_target(<target>): warnings, -Werror when CAUSALATTN_WERROR, sanitizers when
# CAUSALATTN_SANITIZE is set.
function(causalattn_configure_target target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow)
    if(CAUSALATTN_WERROR)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
    if(CAUSALATTN_SANITIZE)
      target_compile_options(${target} PRIVATE -fsanitize=${CAUSALATTN_SANITIZE} -fno-omit-frame-pointer
                                               -fno-sanitize-recover=all)
      target_link_options(${target} PRIVATE -fsanitize=${CAUSALATTN_SANITIZE})
    endif()
  elseif(MSVC)
    target_compile_options(${target} PRIVATE /W4 /bigobj)
    if(CAUSALATTN_WERROR)
      target_compile_options(${target} PRIVATE /WX)
    endif()
  endif()
endfunction()

# causalattn_share_instances(<target>): a program built for the same instruction set as
# causalattn_instances (native with causalattn_use_native when CAUSALATTN_NATIVE is ON) links the
# compiled copy of the entry points listed in instances/extern_templates.hpp, which is force-included
# so that the program's own translation units declare them extern instead of instantiating them.
# Not for programs whose files define macros that change library code or use other instruction sets
# than the library's copy. The header installs the mesa mixer in every program that uses it.
function(causalattn_share_instances target)
  if(TARGET causalattn_instances)
    target_link_libraries(${target} PRIVATE causalattn_instances)
    target_compile_options(${target} PRIVATE -include "${PROJECT_SOURCE_DIR}/instances/extern_templates.hpp")
  endif()
endfunction()

# causalattn_use_native(<target> [PUBLIC]): -march=native for one of the project's own programs when
# CAUSALATTN_NATIVE is ON (the default when causalattn is the top-level project); PUBLIC passes it on
# to the targets that link <target>.
function(causalattn_use_native target)
  set(scope PRIVATE)
  if(ARGC GREATER 1)  # not if(ARGV1): a calling function's ARGV1 would leak in
    set(scope ${ARGV1})
  endif()
  if(CAUSALATTN_NATIVE)
    target_link_libraries(${target} ${scope} causalattn::native)
    # GCC 12 reports false -W(maybe-)uninitialized inside its own AVX-512 intrinsics (GCC bug 105593).
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      target_compile_options(${target} ${scope} -Wno-uninitialized -Wno-maybe-uninitialized)
    endif()
  endif()
endfunction()
