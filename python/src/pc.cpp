// The pc binding's search (its own translation unit: six CI tests instantiate the search six times).

#include "causalattn/discovery/pc.hpp"

#include "discovery_search.hpp"

namespace causalattn::python {

DiscoveryResult run_pc(const py::array& data, double alpha, const std::string& test, bool stable, int uc_rule, int uc_priority,
                       int max_depth, const std::optional<std::vector<std::string>>& names, const std::string& kci_width,
                       std::uint64_t seed, int threads) {
  return python_names(
      [&] {
        const PcOptions options = pc_options(alpha, stable, uc_rule, uc_priority, max_depth, threads);
        return with_test(data, {test, kci_width, seed, threads}, [&](const auto& ci_test) {
          py::gil_scoped_release release;
          PcResult r = pc(ci_test, names_or_default(names), options);
          return DiscoveryResult{std::move(r.cpdag), std::move(r.sepset), std::move(r.max_p_value), r.tests, {}};
        });
      },
      {{"options.priority", "uc_priority"}});
}

}  // namespace causalattn::python
