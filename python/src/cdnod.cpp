// The cdnod binding's search (its own translation unit, as pc's and fci's).

#include "causalattn/discovery/cdnod.hpp"

#include "discovery_search.hpp"

namespace causalattn::python {

DiscoveryResult run_cdnod(const py::array& data, const py::array& context, double alpha, const std::string& test, bool stable,
                          int uc_rule, int uc_priority, int max_depth, const std::optional<std::vector<std::string>>& names,
                          const std::string& context_name, const std::string& kci_width, std::uint64_t seed, int threads) {
  PcOptions options;
  set_skeleton_options(options, alpha, stable, max_depth, threads);
  if (uc_rule < 0 || uc_rule > 4) throw invalid_input("uc_rule", "is " + std::to_string(uc_rule) + "; use 0..4");
  options.collider_rule = ColliderRule(uc_rule);
  options.priority = uc_priority;
  if (context.ndim() != 1) {
    throw invalid_input("context", "has " + std::to_string(context.ndim()) + " dimensions; one value per row (1-D) is needed");
  }
  const Matrix<double> joined = with_matrix(data, "data", [&](const auto& x) {
    const char kind = context.dtype().kind();
    if (kind != 'b' && kind != 'i' && kind != 'u' && kind != 'f') {
      throw invalid_input("context", "has dtype " + std::string(py::str(context.dtype())) + "; numbers are needed");
    }
    const auto c = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(context);
    return with_context(x, Eigen::Map<const Vector<double>>(c.data(), c.size()));
  });
  std::vector<std::string> all_names = names_or_default(names);
  if (!all_names.empty()) all_names.push_back(context_name);
  const Index context_index = joined.cols() - 1;
  return with_test_on(joined, {test, kci_width, seed}, [&](const auto& ci_test) {
    py::gil_scoped_release release;
    CdnodResult r = cdnod(ci_test, all_names, context_index, options);
    return DiscoveryResult{std::move(r.cpdag), std::move(r.sepset), std::move(r.max_p_value), r.tests, std::move(r.changing)};
  });
}

}  // namespace causalattn::python
