#pragma once
/// \file
/// Umbrella header of the discovery module: correlations, partial correlations, CI tests (Fisher z,
/// G-square, chi-square, d-separation oracle), background knowledge, the PC, FCI and CD-NOD
/// algorithms, DAG-to-MAG/PAG, graphs read from attention matrices, and CLEANN explanations. The
/// nonparametric tests are left out because they bring Eigen's eigensolvers (parsing this header
/// takes 1.5x <Eigen/Dense> without them, 2.8x with): include causalattn/discovery/kci.hpp
/// (`KciTest`) and causalattn/discovery/random_feature_tests.hpp (`RcitTest`, `RcotTest`) directly.

#include "causalattn/discovery/attention.hpp"
#include "causalattn/discovery/background_knowledge.hpp"
#include "causalattn/discovery/bootstrap.hpp"
#include "causalattn/discovery/bootstrap_result.hpp"
#include "causalattn/discovery/cdnod.hpp"
#include "causalattn/discovery/correlation.hpp"
#include "causalattn/discovery/d_separation.hpp"
#include "causalattn/discovery/dag_to_pag.hpp"
#include "causalattn/discovery/discrete_tests.hpp"
#include "causalattn/discovery/explanation.hpp"
#include "causalattn/discovery/fci.hpp"
#include "causalattn/discovery/fci_options.hpp"
#include "causalattn/discovery/fisher_z.hpp"
#include "causalattn/discovery/partial_correlation.hpp"
#include "causalattn/discovery/pc.hpp"
#include "causalattn/discovery/pc_options.hpp"
#include "causalattn/discovery/sepset_table.hpp"
#include "causalattn/discovery/skeleton_options.hpp"
