// The compiled copy of the attention kernels listed in extern_templates.hpp.
#include "extern_templates.hpp"

namespace causalattn {
CAUSALATTN_KERNEL_INSTANCES(CAUSALATTN_DEFINE_INSTANCE)
}  // namespace causalattn
