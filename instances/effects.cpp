// The compiled copy of the effects entry points listed in extern_templates.hpp.
#include "extern_templates.hpp"

namespace causalattn {
CAUSALATTN_EFFECTS_INSTANCES(CAUSALATTN_DEFINE_INSTANCE)
}  // namespace causalattn
