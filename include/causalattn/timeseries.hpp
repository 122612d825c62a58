#pragma once
/// \file
/// The timeseries module: simulators with known lagged graphs, the autoregressive transformer and
/// its gradient attribution, lagged scores and their binarisation, and the Granger and PCMCI
/// baselines.

#include "causalattn/timeseries/ar_training.hpp"
#include "causalattn/timeseries/ar_transformer.hpp"
#include "causalattn/timeseries/attribution.hpp"
#include "causalattn/timeseries/ensemble_attribution.hpp"
#include "causalattn/timeseries/granger.hpp"
#include "causalattn/timeseries/lagged_design.hpp"
#include "causalattn/timeseries/lagged_scores.hpp"
#include "causalattn/timeseries/pcmci.hpp"
#include "causalattn/timeseries/segmented_attribution.hpp"
#include "causalattn/timeseries/simulate.hpp"
#include "causalattn/timeseries/summary_graph.hpp"
