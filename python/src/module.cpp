// The compiled part of the `causalattn` Python package: errors mapped to Python's, then each part.

#include <pybind11/pybind11.h>

#include "bindings.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/core/version.hpp"

PYBIND11_MODULE(_causalattn, m) {
  m.doc() = "causalattn: causal discovery, treatment effects and lagged graphs over self-attention (C++ core)";
  m.attr("__version__") = CAUSALATTN_VERSION_STRING;
  pybind11::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const causalattn::invalid_input& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const causalattn::numerical_error& e) {
      PyErr_SetString(PyExc_ArithmeticError, e.what());
    } catch (const causalattn::budget_exceeded& e) {
      PyErr_SetString(PyExc_TimeoutError, e.what());
    }
  });
  causalattn::python::bind_discovery(m);
  causalattn::python::bind_effects(m);
  causalattn::python::bind_attention(m);
  causalattn::python::bind_timeseries(m);
}
