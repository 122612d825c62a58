// The compiled copy of the CInA-ZS training entry points listed in extern_templates.hpp.
#include "extern_templates.hpp"

namespace causalattn {
CAUSALATTN_EFFECTS_TRAINING_INSTANCES(CAUSALATTN_DEFINE_INSTANCE)
}  // namespace causalattn
