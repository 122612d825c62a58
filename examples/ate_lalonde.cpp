// Every estimator on the Lalonde samples, beside the experimental benchmark.
//
// The NSW experiment randomised job training: its difference in means, $1794, is the accepted
// effect on the treated (ATT). The PSID and CPS samples replace the experimental controls with
// survey respondents, so the naive difference is badly confounded; the estimators below adjust for
// age, education, race, marital status, degree and 1974/75 earnings.
//
// Usage: causalattn_ate_lalonde [DATA_DIR]   (DATA_DIR defaults to examples/data)
#include <cstdio>
#include <string>
#include <vector>

#include "causalattn/effects.hpp"
#include "causalattn/io/csv.hpp"

namespace ca = causalattn;

int main(int argc, char** argv) {
  const std::string data = argc > 1 ? argv[1] : "examples/data";
  const std::vector<std::string> covariates = {"age", "educ", "black", "hisp", "married", "nodegree", "re74", "re75"};
  const std::pair<const char*, ca::EffectMethod> methods[] = {
      {"naive", ca::EffectMethod::naive}, {"ols", ca::EffectMethod::ols},   {"ipw", ca::EffectMethod::ipw},
      {"aipw", ca::EffectMethod::aipw},   {"ebal", ca::EffectMethod::ebal}, {"balance", ca::EffectMethod::balance}};
  ca::EffectOptions options;
  options.estimand = ca::Estimand::att;
  std::printf("ATT of job training on 1978 earnings (experimental benchmark $1794)\n");
  std::printf("%-18s", "sample");
  for (const auto& [name, method] : methods) std::printf("%18s", name);
  std::printf("\n");
  for (const char* sample : {"lalonde_nsw_dw", "lalonde_dw_psid", "lalonde_dw_cps"}) {
    ca::CsvOptions csv;
    csv.columns = {"treat", "re78"};
    csv.columns.insert(csv.columns.end(), covariates.begin(), covariates.end());
    const auto table = ca::read_csv<double>(data + "/lalonde/" + sample + ".csv", csv);
    const ca::Matrix<double> x = table.data.rightCols(ca::Index(covariates.size()));
    const ca::Vector<double> t = table.data.col(0), y = table.data.col(1);
    const ca::TreatmentData<double> units(x, t, y);
    std::printf("%-18s", sample);
    for (const auto& [name, method] : methods) {
      // Kernel balancing holds the controls' Gram matrix: 2 GB for CPS's 15,992 controls.
      if (method == ca::EffectMethod::balance && units.controls() > 5000) {
        std::printf("%18s", "n/a (O(n^2))");
        continue;
      }
      const ca::EffectEstimate r = ca::estimate_effect(method, units, options);
      std::printf("%10.0f (%5.0f)", r.estimate, r.std_error);
    }
    std::printf("\n");
  }
  std::printf("(standard errors in parentheses; IPW, AIPW and the balancing estimators land near the benchmark)\n");
  return 0;
}
