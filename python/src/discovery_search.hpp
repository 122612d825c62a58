#pragma once
/// \file
/// What the pc and fci bindings share: their result, the CI test chosen by name, and the two
/// searches (each in its own translation unit, so that a parallel build compiles them side by side).

#include <cstdint>
#include <optional>
#include <pybind11/pybind11.h>
#include <string>
#include <vector>

#include "arrays.hpp"
#include "causalattn/discovery/discrete_tests.hpp"
#include "causalattn/discovery/fisher_z.hpp"
#include "causalattn/discovery/kci.hpp"
#include "causalattn/discovery/pc_options.hpp"
#include "causalattn/discovery/random_feature_tests.hpp"
#include "causalattn/discovery/sepset_table.hpp"
#include "causalattn/discovery/skeleton_options.hpp"
#include "causalattn/graph/graph.hpp"

namespace causalattn::python {

/// What pc and fci return to Python.
struct DiscoveryResult {
  Graph graph;
  SepsetTable sepset;
  Matrix<double> max_p_value;
  long long tests = 0;
  std::vector<Index> changing;  ///< CD-NOD: the variables adjacent to the context (empty for pc, fci)
};

/// The settings every search shares (keyword arguments of pc and fci).
struct TestChoice {
  std::string name = "fisherz";
  std::string kci_width = "empirical";
  std::uint64_t seed = 0;
  int threads = 0;  ///< threads of Fisher z's correlation step (0 = all)
};

/// Runs `search(test)` with the CI test named `selected.name` on the columns of `x` (read in place
/// by Fisher z): fisherz, gsq, chisq, kci, rcit or rcot. p-values follow causal-learn's rounding, so
/// its graphs are reproduced.
template <class Derived, class Search>
DiscoveryResult with_test_on(const Eigen::MatrixBase<Derived>& x, const TestChoice& selected, Search&& search) {
  if (selected.name == "fisherz") {
    std::optional<FisherZTest> test;
    {
      py::gil_scoped_release release;
      test.emplace(x, PValueConvention::causal_learn, selected.threads);
    }
    test->check_no_perfect_correlation();
    return search(*test);
  }
  const Matrix<double> values = x.template cast<double>();
  if (selected.name == "kci") {
    KciOptions options;
    options.convention = PValueConvention::causal_learn;
    options.width = choice<KernelWidth>("kci_width", selected.kci_width,
                                        {{"empirical", KernelWidth::empirical}, {"median", KernelWidth::median}});
    return search(KciTest(values, options));
  }
  if (selected.name == "rcit" || selected.name == "rcot") {
    RffOptions options;
    options.seed = selected.seed;
    if (selected.name == "rcit") return search(RcitTest(values, options));
    return search(RcotTest(values, options));
  }
  if (selected.name == "gsq" || selected.name == "chisq") {
    return search(DiscreteCiTest(values, selected.name == "gsq" ? DiscreteStatistic::g_square : DiscreteStatistic::chi_square));
  }
  throw invalid_input("test", "is '" + selected.name + "'; use fisherz, gsq, chisq, kci, rcit or rcot");
}

/// `with_test_on` the NumPy array `data` (2-D, float64 or float32, any layout).
template <class Search>
DiscoveryResult with_test(const py::array& data, const TestChoice& selected, Search&& search) {
  return with_matrix(data, "data", [&](const auto& x) { return with_test_on(x, selected, search); });
}

/// The skeleton options of both searches, checked.
inline void set_skeleton_options(SkeletonOptions& options, double alpha, bool stable, int max_depth, int threads) {
  options.alpha = alpha;
  options.stable = stable;
  options.max_depth = max_depth;
  options.threads = threads;
}

/// PC's options from pc's and cdnod's keyword arguments (uc_rule 0..4, else `invalid_input`).
inline PcOptions pc_options(double alpha, bool stable, int uc_rule, int uc_priority, int max_depth, int threads) {
  PcOptions options;
  set_skeleton_options(options, alpha, stable, max_depth, threads);
  if (uc_rule < 0 || uc_rule > 4) throw invalid_input("uc_rule", "is " + std::to_string(uc_rule) + "; use 0..4");
  options.collider_rule = ColliderRule(uc_rule);
  options.priority = uc_priority;
  return options;
}

inline std::vector<std::string> names_or_default(const std::optional<std::vector<std::string>>& names) {
  return names ? *names : std::vector<std::string>{};
}

/// pc on `data` with causal-learn's keyword names (see the pc docstring in discovery.cpp).
DiscoveryResult run_pc(const py::array& data, double alpha, const std::string& test, bool stable, int uc_rule, int uc_priority,
                       int max_depth, const std::optional<std::vector<std::string>>& names, const std::string& kci_width,
                       std::uint64_t seed, int threads);

/// cdnod on `data` with the context column `context` (see the cdnod docstring in discovery.cpp).
DiscoveryResult run_cdnod(const py::array& data, const py::array& context, double alpha, const std::string& test, bool stable,
                          int uc_rule, int uc_priority, int max_depth, const std::optional<std::vector<std::string>>& names,
                          const std::string& context_name, const std::string& kci_width, std::uint64_t seed, int threads);

/// fci on `data` (see the fci docstring in discovery.cpp).
DiscoveryResult run_fci(const py::array& data, double alpha, const std::string& test, bool stable, int max_depth,
                        int max_path_length, const std::optional<std::vector<std::string>>& names, const std::string& kci_width,
                        std::uint64_t seed, int threads);

}  // namespace causalattn::python
