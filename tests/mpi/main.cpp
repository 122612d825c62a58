// The Catch2 main of test_mpi: MPI is initialised around the session, every rank runs every test
// case, and the exit code is nonzero when any rank failed. A failed assertion ends the job at once
// (MPI_Abort): the failing rank would otherwise go on to the next test case while the others wait
// in a collective, and the job would hang instead of failing. Run under mpirun (ctest does). Catch2
// itself is compiled once for every test executable (../catch_session.cpp).
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>
#include <iostream>
#include <mpi.h>

#include "catch_session.hpp"

namespace {

/// Prints a failed assertion with its rank, then aborts the job.
struct AbortOnFailure : Catch::TestEventListenerBase {
  using TestEventListenerBase::TestEventListenerBase;
  bool assertionEnded(const Catch::AssertionStats& stats) override {
    if (stats.assertionResult.isOk()) return true;
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    const auto& result = stats.assertionResult;
    std::cerr << "[rank " << rank << "] " << result.getSourceInfo() << ": FAILED: " << result.getExpressionInMacro()
              << "\n  with expansion: " << result.getExpandedExpression() << "\n";
    if (result.hasMessage()) std::cerr << "  " << result.getMessage() << "\n";
    for (const auto& info : stats.infoMessages) std::cerr << "  " << info.message << "\n";
    std::cerr.flush();
    MPI_Abort(MPI_COMM_WORLD, 1);
    return true;
  }
};

}  // namespace

CATCH_REGISTER_LISTENER(AbortOnFailure)

int main(int argc, char** argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
  const int failed = causalattn::test::run_catch_session(argc, argv);
  int any_failed = 0;
  MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return any_failed != 0 ? 1 : 0;
}
