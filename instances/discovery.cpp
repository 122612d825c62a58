// The compiled copy of the discovery entry points listed in extern_templates.hpp.
#include "extern_templates.hpp"

namespace causalattn {
CAUSALATTN_DISCOVERY_INSTANCES(CAUSALATTN_DEFINE_INSTANCE)
}  // namespace causalattn
