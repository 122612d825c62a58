// PC at large p: Fisher z, alpha 0.01 (or as given), stable skeleton, causal-learn separating sets,
// on a random linear-Gaussian DAG (the PC anchors' generator: weights +-U(0.5, 2), N(0, 1) noise).
// Prints the time of each phase (simulation, correlation, skeleton by depth, orientation), the
// tests per depth, the peak resident memory and the skeleton's recall and precision against the
// true DAG, so the scaling in p and in threads can be read off one table.
// Run: pc_large_p <p> [n=2000] [degree=2] [threads=0] [alpha=0.01] [seed=20261205] [priority=-1] [csv]
// Built with CAUSALATTN_USE_MPI, the same program is also pc_large_p_mpi: `mpirun -np R
// pc_large_p_mpi ...` runs mpi_pc (every rank simulates the same data), checks the result equals
// what rank 0 finds with pc() alone (when a trailing argument is "check"), and prints the bytes each
// rank received per depth and every rank's peak memory. With a trailing "rows" the ranks test through
// MpiFisherZTest (each keeps its rows of the correlation matrix) instead of a whole FisherZTest each.
// (with a csv path, the data are written there for timing `causalattn pc` on them, and PC is not run;
// priority 2 is pcalg's default, which orients colliders without the max-p searches over
// neighbour subsets that causal-learn's default 3 runs.)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "causalattn/discovery/pc.hpp"
#include "causalattn/io/csv.hpp"
#include "linear_gaussian_dag.hpp"
#include "resident_memory.hpp"
#ifdef CAUSALATTN_USE_MPI
#include <optional>

#include "causalattn/mpi/discovery.hpp"
#include "causalattn/mpi/fisher_z.hpp"
#endif

namespace {

namespace ca = causalattn;
using causalattn::test::peak_resident_mb;
using causalattn::test::proportional_resident_mb;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
#ifdef CAUSALATTN_USE_MPI
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
  const ca::MpiGroup group;
  bool check = false, rows = false;
  for (; argc > 2 && (std::string(argv[argc - 1]) == "check" || std::string(argv[argc - 1]) == "rows"); --argc)
    (std::string(argv[argc - 1]) == "check" ? check : rows) = true;
  if (group.rank() != 0) std::freopen("/dev/null", "w", stdout);
#endif
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <p> [n=2000] [degree=2] [threads=0] [alpha=0.01] [seed=20261205] [priority=-1] [csv]\n",
                 argv[0]);
#ifdef CAUSALATTN_USE_MPI
    MPI_Finalize();
#endif
    return 2;
  }
  const auto argument = [&](int i, const char* fallback) { return std::string(argc > i ? argv[i] : fallback); };
  const ca::Index p = std::stol(argument(1, "")), n = std::stol(argument(2, "2000"));
  const double degree = std::stod(argument(3, "2"));
  ca::PcOptions options;
  options.threads = std::stoi(argument(4, "0"));
  options.alpha = std::stod(argument(5, "0.01"));
  const unsigned long long seed = std::stoull(argument(6, "20261205"));
  options.priority = std::stoi(argument(7, "-1"));
  std::printf("pc_large_p: p %ld, n %ld, degree %g, threads %d, alpha %g, seed %llu, priority %d\n", long(p), long(n), degree,
              ca::resolve_threads(options.threads), options.alpha, seed, options.effective_priority());

  auto start = std::chrono::steady_clock::now();
  std::vector<std::pair<ca::Index, ca::Index>> truth;
  const ca::Matrix<double> data = causalattn_bench::simulate_linear_gaussian_dag(p, n, degree, seed, &truth);
  std::printf("simulate      %8.2f s  (%zu true edges)\n", seconds_since(start), truth.size());
  if (argc > 8) {
    bool written = true;
#ifdef CAUSALATTN_USE_MPI
    if (group.rank() == 0) {
#endif
      std::ofstream out(argv[8]);
      ca::write_csv(out, ca::default_variable_names(p), data);
      written = bool(out);
      std::printf("wrote %s\n", argv[8]);
#ifdef CAUSALATTN_USE_MPI
    }
    MPI_Finalize();
#endif
    return written ? 0 : 1;
  }

  start = std::chrono::steady_clock::now();
#ifdef CAUSALATTN_USE_MPI
  std::optional<ca::FisherZTest> whole;
  std::optional<ca::MpiFisherZTest> spread;
  if (rows) {
    spread.emplace(data, group, ca::PValueConvention::accurate, options.threads);
  } else {
    whole.emplace(data, ca::PValueConvention::accurate, options.threads);
  }
  std::printf("correlation   %8.2f s%s, peak resident memory so far %.0f MB\n", seconds_since(start),
              rows ? " (this rank's rows)" : "", peak_resident_mb());
  std::printf("ranks %d\n", group.size());
  const auto result = rows ? ca::mpi_pc(*spread, {}, options, group) : ca::mpi_pc(*whole, {}, options, group);
  // traffic(): one gather per depth, then the p-value table's columns in pieces.
  const auto& traffic = group.traffic();
  const std::size_t depths = result.tests_per_depth.size();
  long long table = 0;
  for (std::size_t i = depths; i < traffic.size(); ++i) table += traffic[i];
  std::printf("skeleton      %8.2f s\n", result.seconds_skeleton);
  for (std::size_t d = 0; d < depths; ++d)
    std::printf("  depth %2zu    %8.2f s  %lld tests  %lld bytes received\n", d, result.seconds_per_depth[d],
                result.tests_per_depth[d], traffic[d]);
  std::printf("  p-value table gathered: %lld bytes received\n", table);
#else
  const ca::FisherZTest test(data, ca::PValueConvention::accurate, options.threads);
  std::printf("correlation   %8.2f s\n", seconds_since(start));
  const auto result = ca::pc(test, {}, options);
  std::printf("skeleton      %8.2f s\n", result.seconds_skeleton);
  for (std::size_t d = 0; d < result.tests_per_depth.size(); ++d)
    std::printf("  depth %2zu    %8.2f s  %lld tests\n", d, result.seconds_per_depth[d], result.tests_per_depth[d]);
#endif
  std::printf("orientation   %8.2f s\n", result.seconds_orientation);

  long long found = 0, recovered = 0;
  for (ca::Index x = 0; x < p; ++x)
    for (ca::Index y = x + 1; y < p; ++y) found += result.skeleton.adjacent(x, y);
  for (const auto& [x, y] : truth) recovered += result.skeleton.adjacent(x, y);
  std::printf("edges %lld, true %zu, recall %.4f, precision %.4f, tests %lld\n", found, truth.size(),
              truth.empty() ? 1.0 : double(recovered) / double(truth.size()), found ? double(recovered) / double(found) : 0.0,
              result.tests);
#ifdef CAUSALATTN_USE_MPI
  const double mine = peak_resident_mb();
  std::vector<double> peaks(static_cast<std::size_t>(group.size()));
  MPI_Gather(&mine, 1, MPI_DOUBLE, peaks.data(), 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  const double pss = proportional_resident_mb();  // while the test's window is still mapped
  std::vector<double> psss(static_cast<std::size_t>(group.size()));
  MPI_Gather(&pss, 1, MPI_DOUBLE, psss.data(), 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  const double fetched = rows ? double(spread->fetched_bytes()) / 1048576.0 : 0.0;
  std::vector<double> fetcheds(static_cast<std::size_t>(group.size()));
  MPI_Gather(&fetched, 1, MPI_DOUBLE, fetcheds.data(), 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  const double held = rows ? double(spread->row_bytes()) / 1048576.0 : double(whole->correlation().size()) * 8 / 1048576.0;
  std::vector<double> helds(static_cast<std::size_t>(group.size()));
  MPI_Gather(&held, 1, MPI_DOUBLE, helds.data(), 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  for (int k = 0; k < group.size(); ++k) {
    std::printf(
        "rank %d: peak resident memory %.0f MB, proportional at the end %.0f MB, correlation entries held %.0f MB, "
        "fetched %.1f MB\n",
        k, peaks[std::size_t(k)], psss[std::size_t(k)], helds[std::size_t(k)], fetcheds[std::size_t(k)]);
  }
  int same = 1;
  if (check && group.rank() == 0) {
    const auto single = ca::pc(whole ? *whole : ca::FisherZTest(data, ca::PValueConvention::accurate, options.threads), {},
                               options);
    same = single.cpdag == result.cpdag && single.sepset == result.sepset && single.max_p_value == result.max_p_value &&
           single.tests_per_depth == result.tests_per_depth;
    std::printf("equal to pc() in one process: %s\n", same ? "yes" : "NO");
  }
  spread.reset();  // (collective: before MPI_Finalize)
  MPI_Finalize();
  return same ? 0 : 1;
#else
  std::printf("peak resident memory %.0f MB, proportional at the end %.0f MB\n", peak_resident_mb(), proportional_resident_mb());
  return 0;
#endif
}
