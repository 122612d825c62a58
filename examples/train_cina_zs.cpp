// Trains the CInA-ZS model that ships as examples/models/cina_zs_default.bin, reproducibly from a
// seed, with a progress bar on stderr.
//
//   causalattn_train_cina_zs OUTPUT.bin [datasets] [epochs] [seed] [generator] [HEAD_FROM.bin]
//
// Defaults: 4096 in-family simulated data sets of 100-400 units (Erdos-Renyi SCMs over 5-20
// covariates, mixed linear / nonlinear mechanisms, see effects/simulate.hpp), 24 epochs, seed
// 20261123, fitted to each data set's exact balancing weights on the model's kernel
// (CinaZsTarget::exact_dual: unsupervised, no outcomes used). `generator` "prior" draws
// the data sets from the broad prior instead (effects/simulation_prior.hpp: p 1-50, treated
// shares 5-95%, weak overlap, binary and skewed covariates), n capped at 400 as in family;
// "mixed" draws half from each (the prior's from seed + 1). With HEAD_FROM.bin, the output also
// carries that model file's outcome head (trained apart, by causalattn_train_cina_zs_outcome_head).
// The shipped model is `OUTPUT.bin 4096 24 20261123 mixed PREVIOUS.bin`, PREVIOUS.bin the shipped
// file before it (benchmarks/RESULTS.md, "CInA-ZS's balancing network retrained").
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>

#include "causalattn/effects/cina_zs_training.hpp"
#include "causalattn/effects/simulation_prior.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0]
              << " OUTPUT.bin [datasets=4096] [epochs=24] [seed=20261123] [generator=in-family|prior|mixed] [HEAD_FROM.bin]\n";
    return 2;
  }
  const std::string output = argv[1];
  const std::size_t datasets = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 4096;
  const int epochs = argc > 3 ? std::atoi(argv[3]) : 24;
  const std::uint64_t seed = argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 20261123;
  const std::string generator = argc > 5 ? argv[5] : "in-family";
  if (generator != "in-family" && generator != "prior" && generator != "mixed") {
    std::cerr << "error: generator is \"" << generator << "\", must be in-family, prior or mixed\n";
    return 2;
  }
  try {
    std::optional<causalattn::OutcomeHead> head;  // read before training, so a bad file fails at once
    if (argc > 6) {
      const auto donor = causalattn::load_cina_zs<float>(argv[6]);
      if (!donor.outcome_head()) throw causalattn::invalid_input(argv[6], "has no outcome head (HEAD_FROM.bin)");
      head = *donor.outcome_head();
    }
    causalattn::SimulationFamily family = causalattn::in_family();
    family.n_min = 100;
    family.n_max = 400;
    const std::size_t from_prior = generator == "prior" ? datasets : generator == "mixed" ? datasets / 2 : 0;
    const std::uint64_t prior_seed = generator == "mixed" ? seed + 1 : seed;
    std::cout << "simulating " << datasets - from_prior << " in-family data sets (n " << family.n_min << "-" << family.n_max
              << ", p " << family.p_min << "-" << family.p_max << "), seed " << seed;
    if (from_prior > 0) {
      std::cout << ", and " << from_prior << " prior data sets (n capped at " << family.n_max << "), seed " << prior_seed;
    }
    std::cout << "\n";
    auto data = causalattn::simulate_datasets(family, datasets - from_prior, seed);
    for (auto& d : causalattn::simulate_prior_datasets(from_prior, prior_seed, 0, family.n_max)) data.push_back(std::move(d));
    causalattn::CinaZsModel<float> model(causalattn::CinaZsConfig{}, seed);
    causalattn::CinaZsTrainingOptions options;
    options.epochs = epochs;
    options.learning_rate = 3e-3;
    options.seed = seed;
    options.progress = [](const causalattn::CinaZsProgress& p) {
      const int filled = int(40 * p.step / p.total_steps);
      std::fprintf(stderr, "\r[%-40s] step %lld/%lld epoch %d loss %.4f %.0fs", std::string(std::size_t(filled), '#').c_str(), p.step,
                   p.total_steps, p.epoch + 1, p.loss, p.seconds);
      if (p.step == p.total_steps) std::fprintf(stderr, "\n");
    };
    const auto report = causalattn::train_cina_zs(model, data, options);
    std::cout << "loss per epoch:";
    for (double loss : report.epoch_loss) std::cout << " " << loss;
    std::cout << "\nsteps " << report.steps << ", wall time " << report.seconds << " s\n";
    if (head) model.set_outcome_head(*head);
    causalattn::save_cina_zs(output, model);
    const std::string bytes = causalattn::serialize_cina_zs(model);
    std::printf("wrote %s (%zu bytes), checksum fnv1a64 0x%016llx\n", output.c_str(), bytes.size(),
                static_cast<unsigned long long>(causalattn::detail::fnv1a64(bytes)));
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
