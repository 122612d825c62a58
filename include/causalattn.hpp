#pragma once
/// \file
/// Everything in causalattn. Include a module header (causalattn/io.hpp, ...) instead to compile less.

#include "causalattn/core.hpp"
#include "causalattn/discovery.hpp"
#include "causalattn/effects.hpp"
#include "causalattn/graph.hpp"
#include "causalattn/io.hpp"
#include "causalattn/kernels.hpp"
#include "causalattn/metrics.hpp"
#include "causalattn/nn.hpp"
#include "causalattn/timeseries.hpp"
