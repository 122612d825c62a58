#pragma once
/// \file
/// The parts of the `causalattn` Python module, each bound in its own translation unit.

#include <pybind11/pybind11.h>

namespace causalattn::python {

/// pc, fci and their result type. Example: `bind_discovery(module);`
void bind_discovery(pybind11::module_& m);

/// The treatment-effect estimators (`_ate`) and their result. Example: `bind_effects(module);`
void bind_effects(pybind11::module_& m);

/// Graphs from attention matrices (`attention_graph`) and their result types.
/// Example: `bind_attention(module);`
void bind_attention(pybind11::module_& m);

/// Lagged causal scores (`lagged`: transformer, PCMCI, Granger). Example: `bind_timeseries(module);`
void bind_timeseries(pybind11::module_& m);

}  // namespace causalattn::python
