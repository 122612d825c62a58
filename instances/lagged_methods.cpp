// The compiled copy of the lagged-graph methods listed in extern_templates.hpp.
#include "extern_templates.hpp"

/// Defines one specialisation in this translation unit.
#define CAUSALATTN_DEFINE_INSTANCE(...) template __VA_ARGS__;

namespace causalattn {
CAUSALATTN_LAGGED_METHODS_INSTANCES(CAUSALATTN_DEFINE_INSTANCE)
}  // namespace causalattn
