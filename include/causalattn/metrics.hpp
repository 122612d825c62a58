#pragma once
/// \file
/// Umbrella header of the metrics module: structural Hamming distance and adjacency / arrowhead /
/// lagged-link confusion counts, AUROC and AUPRC of scores, and treatment-effect errors (ATE, PEHE).

#include "causalattn/metrics/ate_error.hpp"
#include "causalattn/metrics/graph_metrics.hpp"
#include "causalattn/metrics/lagged_metrics.hpp"
#include "causalattn/metrics/score_metrics.hpp"
