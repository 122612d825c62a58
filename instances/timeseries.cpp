// The compiled copy of the timeseries entry points listed in extern_templates.hpp.
#include "extern_templates.hpp"

namespace causalattn {
CAUSALATTN_TIMESERIES_INSTANCES(CAUSALATTN_DEFINE_INSTANCE)
}  // namespace causalattn
