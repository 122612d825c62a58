// The cdnod binding's search (its own translation unit, as pc's and fci's).

#include "causalattn/discovery/cdnod.hpp"

#include "discovery_search.hpp"

namespace causalattn::python {

DiscoveryResult run_cdnod(const py::array& data, const py::array& context, double alpha, const std::string& test, bool stable,
                          int uc_rule, int uc_priority, int max_depth, const std::optional<std::vector<std::string>>& names,
                          const std::string& context_name, const std::string& kci_width, std::uint64_t seed, int threads) {
  return python_names(
      [&] {
        const PcOptions options = pc_options(alpha, stable, uc_rule, uc_priority, max_depth, threads);
        const Vector<double> c = real_vector(context, "context");
        const Matrix<double> joined = with_matrix(data, "data", [&](const auto& x) { return with_context(x, c); });
        std::vector<std::string> all_names = names_or_default(names);
        if (!all_names.empty()) all_names.push_back(context_name);
        const Index context_index = joined.cols() - 1;
        return with_test_on(joined, {test, kci_width, seed, threads}, [&](const auto& ci_test) {
          py::gil_scoped_release release;
          CdnodResult r = cdnod(ci_test, all_names, context_index, options);
          return DiscoveryResult{std::move(r.cpdag), std::move(r.sepset), std::move(r.max_p_value), r.tests,
                                 std::move(r.changing)};
        });
      },
      {{"options.priority", "uc_priority"}});
}

}  // namespace causalattn::python
