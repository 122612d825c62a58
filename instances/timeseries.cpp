// The compiled copy of the timeseries entry points listed in extern_templates.hpp.
#include "extern_templates.hpp"

/// Defines one specialisation in this translation unit.
#define CAUSALATTN_DEFINE_INSTANCE(...) template __VA_ARGS__;

namespace causalattn {
CAUSALATTN_TIMESERIES_INSTANCES(CAUSALATTN_DEFINE_INSTANCE)
}  // namespace causalattn
