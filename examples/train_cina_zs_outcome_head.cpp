// Trains CInA-ZS's outcome head on the broad simulation prior and writes the model with it. The
// shipped examples/models/cina_zs_default.bin carries a head trained by this program; its balancing
// network was retrained later by causalattn_train_cina_zs, which takes the head from a model file
// (HEAD_FROM.bin).
//
//   causalattn_train_cina_zs_outcome_head BASE.bin OUTPUT.bin [datasets=3000] [epochs=8] [seed=20261205]
//
// BASE.bin's network is kept as it is; any head it has is replaced. The head (16 tanh units, 4
// basis functions) starts from `seed` and is trained by Adam (learning rate 0.003, batches of 16)
// on `datasets` data sets of `simulate_prior_datasets(datasets, seed)` with n capped at 600 (the
// loss is per unit, so larger sets add time, not signal). The settings were chosen on validation
// data (benchmarks/outcome_head_selection.cpp), never on the data RESULTS.md reports.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <unistd.h>

#include "causalattn/effects/cina_zs_model.hpp"
#include "causalattn/effects/simulation_prior.hpp"

int main(int argc, char** argv) {
  namespace ca = causalattn;
  if (argc < 3) {
    std::cerr << "usage: " << argv[0] << " BASE.bin OUTPUT.bin [datasets=3000] [epochs=8] [seed=20261205]\n";
    return 2;
  }
  const std::size_t datasets = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 3000;
  const int epochs = argc > 4 ? std::atoi(argv[4]) : 8;
  const std::uint64_t seed = argc > 5 ? std::strtoull(argv[5], nullptr, 10) : 20261205;
  try {
    auto model = ca::load_cina_zs<float>(argv[1]);
    std::cout << "simulating " << datasets << " prior data sets (n capped at 600), seed " << seed << "\n";
    const auto data = ca::simulate_prior_datasets(datasets, seed, 0, 600);
    ca::OutcomeHead head(16, 4, seed);
    ca::OutcomeHeadTrainingOptions options;
    options.epochs = epochs;
    options.learning_rate = 0.003;
    options.seed = seed;
    const bool terminal = ::isatty(2) != 0;  // a bar redrawn with \r only makes sense on a terminal
    options.progress = [terminal](long long step, long long total, int epoch, double loss, double seconds) {
      if (!terminal) return;
      const int filled = int(40 * step / total);
      std::fprintf(stderr, "\r[%-40s] step %lld/%lld epoch %d loss %.4f %.0fs", std::string(std::size_t(filled), '#').c_str(),
                   step, total, epoch + 1, loss, seconds);
      if (step == total) std::fprintf(stderr, "\n");
    };
    const auto start = std::chrono::steady_clock::now();
    const auto losses = ca::train_outcome_head(head, data, options);
    std::cout << "loss per epoch:";
    for (double loss : losses) std::printf(" %.4f", loss);
    std::printf("\nwall time %.1f s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    model.set_outcome_head(head);
    ca::save_cina_zs(argv[2], model);
    const std::string bytes = ca::serialize_cina_zs(model);
    std::printf("wrote %s (%zu bytes), checksum fnv1a64 0x%016llx\n", argv[2], bytes.size(),
                static_cast<unsigned long long>(ca::detail::fnv1a64(bytes)));
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
