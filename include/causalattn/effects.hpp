#pragma once
/// \file
/// Umbrella header of the effects module: treatment data, the estimators (difference in means,
/// regression adjustment, IPW, AIPW, entropy balancing, kernel optimal balancing by SMO, CInA and zero-shot CInA-ZS), inference,
/// per-unit effects (T-learner), diagnostics and simulated confounded data sets with a known effect
/// (SCM families, the broad prior, Kang-Schafer).

#include "causalattn/effects/aipw.hpp"
#include "causalattn/effects/cate.hpp"
#include "causalattn/effects/categorical.hpp"
#include "causalattn/effects/cina.hpp"
#include "causalattn/effects/cina_options.hpp"
#include "causalattn/effects/cina_zs.hpp"
#include "causalattn/effects/cina_zs_model.hpp"
#include "causalattn/effects/cina_zs_training.hpp"
#include "causalattn/effects/crump.hpp"
#include "causalattn/effects/difference_in_means.hpp"
#include "causalattn/effects/effect_estimate.hpp"
#include "causalattn/effects/effect_options.hpp"
#include "causalattn/effects/effect_summary.hpp"
#include "causalattn/effects/entropy_balancing.hpp"
#include "causalattn/effects/estimate_effect.hpp"
#include "causalattn/effects/inference.hpp"
#include "causalattn/effects/ipw.hpp"
#include "causalattn/effects/kang_schafer.hpp"
#include "causalattn/effects/kernel_balancing.hpp"
#include "causalattn/effects/linear_model.hpp"
#include "causalattn/effects/logistic_model.hpp"
#include "causalattn/effects/missing_values.hpp"
#include "causalattn/effects/overlap.hpp"
#include "causalattn/effects/refutation.hpp"
#include "causalattn/effects/regression_adjustment.hpp"
#include "causalattn/effects/sensitivity.hpp"
#include "causalattn/effects/simulate.hpp"
#include "causalattn/effects/simulation_prior.hpp"
#include "causalattn/effects/solvers/cina_duality.hpp"
#include "causalattn/effects/solvers/gram.hpp"
#include "causalattn/effects/solvers/smo.hpp"
#include "causalattn/effects/treatment_data.hpp"
