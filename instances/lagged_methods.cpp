// The compiled copy of the lagged-graph methods listed in extern_templates.hpp.
#include "extern_templates.hpp"

namespace causalattn {
CAUSALATTN_LAGGED_METHODS_INSTANCES(CAUSALATTN_DEFINE_INSTANCE)
}  // namespace causalattn
