#pragma once
// This process's resident memory, for the tests and benchmarks that bound or report it (Linux).

#include <fstream>
#include <string>
#ifdef __linux__
#include <sys/resource.h>
#endif

namespace causalattn::test {

/// The peak resident set size of this process so far, in MiB (getrusage's ru_maxrss, which Linux
/// reports in KiB); -1 on other systems, where the unit differs. O(1).
/// Example: `double before = causalattn::test::peak_resident_mb();`
inline double peak_resident_mb() {
#ifdef __linux__
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_maxrss) / 1024.0;
#else
  return -1;
#endif
}

/// The proportional set size now (shared pages divided among the processes mapping them), in MiB,
/// from /proc/self/smaps_rollup; 0 where that file is not there. O(size of the file).
/// Example: `double mine = causalattn::test::proportional_resident_mb();`
inline double proportional_resident_mb() {
  std::ifstream in("/proc/self/smaps_rollup");
  std::string label;
  double kb = 0;
  while (in >> label) {
    if (label == "Pss:" && (in >> kb)) return kb / 1024.0;
    in.ignore(1 << 20, '\n');
  }
  return 0;
}

}  // namespace causalattn::test
