#pragma once
/// \file
/// Umbrella header of the discovery module: correlations, partial correlations, CI tests (Fisher z,
/// G-square, chi-square, d-separation oracle), background knowledge and the PC algorithm.

#include "causalattn/discovery/background_knowledge.hpp"
#include "causalattn/discovery/correlation.hpp"
#include "causalattn/discovery/d_separation.hpp"
#include "causalattn/discovery/discrete_tests.hpp"
#include "causalattn/discovery/fisher_z.hpp"
#include "causalattn/discovery/partial_correlation.hpp"
#include "causalattn/discovery/pc.hpp"
#include "causalattn/discovery/pc_options.hpp"
