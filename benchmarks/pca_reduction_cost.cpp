// What the reduction of covariates to principal components costs CInA-ZS's network: on in-family
// data sets with p = 20 covariates (which the network reads whole) its weighting estimate of the
// ATE from all 20, and from the 10 and the 5 leading principal components (`cina_zs_covariates`,
// the reduction the network applies to more than 20 covariates), beside entropy balancing on all
// 20. Mean absolute error against each set's ATE, +- its standard error. Seeds 95000.. are disjoint
// from every seed used for training, selection or reporting elsewhere.
//
//   pca_reduction_cost [sets=200]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "causalattn/effects.hpp"

namespace ca = causalattn;

int main(int argc, char** argv) {
  const int sets = argc > 1 ? std::atoi(argv[1]) : 200;
  if (sets < 2) {
    std::fprintf(stderr, "usage: pca_reduction_cost [sets >= 2]\n");
    return 2;
  }
  const std::uint64_t base = 95000;
  const auto model = ca::CinaZsModel<float>::load_default();
  ca::SimulationFamily family = ca::in_family();
  family.p_min = family.p_max = 20;
  ca::EffectOptions weighting;
  weighting.cina_zs_estimate = ca::CinaZsEstimate::weighting;
  const ca::Index components[] = {20, 10, 5};
  double sum[4] = {0, 0, 0, 0}, squares[4] = {0, 0, 0, 0};
  for (int s = 0; s < sets; ++s) {
    const ca::SimulatedDataset ds = ca::simulate_dataset(family, base + std::uint64_t(s));
    double error[4];
    for (int j = 0; j < 3; ++j) {
      const ca::Matrix<double> x = components[j] == 20 ? ds.x : ca::cina_zs_covariates(ds.x, components[j]);
      error[j] = std::abs(ca::cina_zs(model, ca::TreatmentData<double>(x, ds.t, ds.y), weighting).estimate - ds.ate);
    }
    error[3] = std::abs(ca::entropy_balancing(ca::TreatmentData<double>(ds.x, ds.t, ds.y)).estimate - ds.ate);
    for (int j = 0; j < 4; ++j) {
      sum[j] += error[j];
      squares[j] += error[j] * error[j];
    }
  }
  std::printf("in-family data sets with p = 20: %d sets, seeds %llu..%llu\n", sets, (unsigned long long)base,
              (unsigned long long)(base + std::uint64_t(sets) - 1));
  const char* rows[] = {"CInA-ZS weighting, all 20 covariates", "CInA-ZS weighting, 10 principal components",
                        "CInA-ZS weighting, 5 principal components", "entropy balancing, all 20 covariates"};
  for (int j = 0; j < 4; ++j) {
    const double mean = sum[j] / sets, variance = std::max(0.0, squares[j] / sets - mean * mean);
    std::printf("%-46s MAE %.4f +- %.4f\n", rows[j], mean, std::sqrt(variance / (sets - 1)));
  }
}
