#pragma once
/// \file
/// Umbrella header of the io module: CSV tables, NumPy .npy arrays (and attention stacks saved from
/// PyTorch), JSON, and graph files (Tetrad
/// text, DOT, JSON, causal-learn and pcalg matrices).

#include "causalattn/io/attention_stack.hpp"
#include "causalattn/io/bootstrap_io.hpp"
#include "causalattn/io/csv.hpp"
#include "causalattn/io/dot.hpp"
#include "causalattn/io/endpoint_matrix.hpp"
#include "causalattn/io/graph_io.hpp"
#include "causalattn/io/graph_json.hpp"
#include "causalattn/io/json.hpp"
#include "causalattn/io/npy.hpp"
#include "causalattn/io/svg_plots.hpp"
#include "causalattn/io/tetrad.hpp"
#include "causalattn/io/text.hpp"
