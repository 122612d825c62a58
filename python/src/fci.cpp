// The fci binding's search (its own translation unit, as pc's).

#include "causalattn/discovery/fci.hpp"

#include "discovery_search.hpp"

namespace causalattn::python {

DiscoveryResult run_fci(const py::array& data, double alpha, const std::string& test, bool stable, int max_depth,
                        int max_path_length, const std::optional<std::vector<std::string>>& names, const std::string& kci_width,
                        std::uint64_t seed, int threads) {
  return python_names([&] {
    FciOptions options;
    set_skeleton_options(options, alpha, stable, max_depth, threads);
    options.max_path_length = max_path_length;
    return with_test(data, {test, kci_width, seed, threads}, [&](const auto& ci_test) {
      py::gil_scoped_release release;
      FciResult r = fci(ci_test, names_or_default(names), options);
      return DiscoveryResult{std::move(r.pag), std::move(r.sepset), std::move(r.max_p_value), r.tests, {}};
    });
  });
}

}  // namespace causalattn::python
