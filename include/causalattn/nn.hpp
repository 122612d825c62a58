#pragma once
/// \file
/// Umbrella header of the nn module: parameters, Linear, LayerNorm, activations, MLP, multi-head
/// self-attention, encoder blocks, AdamW and schedules, parameter files, the training loop.
/// Knows nothing of causality.

#include "causalattn/nn/activation.hpp"
#include "causalattn/nn/encoder.hpp"
#include "causalattn/nn/layer_norm.hpp"
#include "causalattn/nn/linear.hpp"
#include "causalattn/nn/mlp.hpp"
#include "causalattn/nn/multi_head_attention.hpp"
#include "causalattn/nn/optimizer.hpp"
#include "causalattn/nn/parameter.hpp"
#include "causalattn/nn/sequence_layout.hpp"
#include "causalattn/nn/serialization.hpp"
#include "causalattn/nn/training.hpp"
