#pragma once
/// \file
/// Umbrella header of the core module: errors, input checks, scalar aliases, seeded RNG, threads,
/// version.

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/core/name_table.hpp"
#include "causalattn/core/names.hpp"
#include "causalattn/core/random.hpp"
#include "causalattn/core/scalar.hpp"
#include "causalattn/core/text_column.hpp"
#include "causalattn/core/threads.hpp"
#include "causalattn/core/version.hpp"
