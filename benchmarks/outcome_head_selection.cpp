// How CInA-ZS's outcome head settings were chosen: trains heads with each setting on the same prior
// data (simulate_prior_datasets(datasets, 20261205), n capped at 600) and prints their error on
// validation data only: 300 prior data sets (seed 781), 100 in-family ones (seed 782) and 100
// out-of-family ones (seed 790). The data RESULTS.md reports (seeds 777-780, IHDP, LaLonde) never
// enter here.
//
//   outcome_head_selection [datasets=3000] [epochs=8] [threads=0]
//
// Rows: the random (untrained) head and heads trained with (hidden, basis functions, learning rate).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "causalattn/effects/outcome_head.hpp"
#include "causalattn/effects/simulation_prior.hpp"

namespace ca = causalattn;

namespace {

/// Mean absolute ATE error and mean PEHE of the head's plug-in over `sets`.
void validate(const ca::OutcomeHead& head, const std::vector<ca::SimulatedDataset>& sets, double& mae, double& pehe) {
  mae = pehe = 0;
  for (const auto& d : sets) {
    const ca::OutcomeHeadFit fit = ca::fit_outcome_head(head, d.x, d.t, d.y);
    mae += std::abs(fit.ate - d.ate) / double(sets.size());
    pehe += std::sqrt((fit.mu1 - fit.mu0 - (d.mu1 - d.mu0)).squaredNorm() / double(d.x.rows())) / double(sets.size());
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t datasets = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 3000;
  const int epochs = argc > 2 ? std::atoi(argv[2]) : 8;
  const int threads = argc > 3 ? std::atoi(argv[3]) : 0;
  const std::uint64_t seed = 20261205;
  const auto train = ca::simulate_prior_datasets(datasets, seed, threads, 600);
  const auto prior = ca::simulate_prior_datasets(300, 781, threads);
  const auto family = ca::simulate_datasets(ca::in_family(), 100, 782, threads);
  const auto shifted = ca::simulate_datasets(ca::out_of_family(), 100, 790, threads);
  std::printf(
      "outcome_head_selection: %zu training sets (seed %llu, n <= 600), %d epochs; validation: prior seed 781 (300), "
      "in-family seed 782 (100), out-of-family seed 790 (100)\n\n",
      datasets, static_cast<unsigned long long>(seed), epochs);
  std::printf(
      "| head | prior MAE | prior PEHE | in-family MAE | in-family PEHE | out-of-family MAE | final training loss "
      "|\n|---|---|---|---|---|---|---|\n");
  struct Setting {
    ca::Index hidden, outputs;
    double learning_rate;
  };
  const Setting settings[] = {{16, 4, 0}, {16, 4, 0.003}, {16, 4, 0.02}, {16, 8, 0.001}, {8, 2, 0.003}};
  for (const Setting& s : settings) {
    ca::OutcomeHead head(s.hidden, s.outputs, seed);
    double final_loss = NAN;
    if (s.learning_rate > 0) {
      ca::OutcomeHeadTrainingOptions options;
      options.epochs = epochs;
      options.learning_rate = s.learning_rate;
      options.seed = seed;
      options.threads = threads;
      final_loss = ca::train_outcome_head(head, train, options).back();
    }
    double prior_mae, prior_pehe, family_mae, family_pehe, shifted_mae, shifted_pehe;
    validate(head, prior, prior_mae, prior_pehe);
    validate(head, family, family_mae, family_pehe);
    validate(head, shifted, shifted_mae, shifted_pehe);
    const std::string name = std::to_string(s.hidden) + " x " + std::to_string(s.outputs) +
                             (s.learning_rate > 0 ? ", lr " + std::to_string(s.learning_rate).substr(0, 5) : ", untrained");
    std::printf("| %s | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f |\n", name.c_str(), prior_mae, prior_pehe, family_mae,
                family_pehe, shifted_mae, final_loss);
    std::fflush(stdout);
  }
  return 0;
}
