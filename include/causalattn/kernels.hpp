#pragma once
/// \file
/// Umbrella header of the kernels module: stable softmax, tiled attention forward and backward, the
/// naive baseline. Knows nothing of causality.

#include "causalattn/kernels/attention_backward.hpp"
#include "causalattn/kernels/attention_forward.hpp"
#include "causalattn/kernels/attention_naive.hpp"
#include "causalattn/kernels/attention_options.hpp"
#include "causalattn/kernels/mesa.hpp"
#include "causalattn/kernels/mesa_reference.hpp"
#include "causalattn/kernels/serial_gemm.hpp"
#include "causalattn/kernels/softmax.hpp"
