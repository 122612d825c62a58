#pragma once
/// \file
/// Umbrella header of the graph module: endpoint marks, Graph (DAG/CPDAG/PAG), Meek's rules,
/// DAG -> CPDAG, LaggedGraph.

#include "causalattn/graph/cpdag.hpp"
#include "causalattn/graph/graph.hpp"
#include "causalattn/graph/lagged_graph.hpp"
#include "causalattn/graph/mark.hpp"
#include "causalattn/graph/meek_rules.hpp"
