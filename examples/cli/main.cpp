// causalattn: the command-line tool. The subcommands live in the *_commands.cpp files (causalattn_cli_lib;
// with CAUSALATTN_USE_MPI, this file and discovery_commands.cpp compiled with MPI over the others).
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"
#ifdef CAUSALATTN_USE_MPI
#include <chrono>
#include <mpi.h>
#include <thread>
#endif

#ifdef CAUSALATTN_USE_MPI
namespace {

/// The subcommand of `args` (the first word that is not a global option or its value).
std::string subcommand(const std::vector<std::string>& args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--format") ++i;
    else if (args[i].empty() || args[i][0] != '-') return args[i];
  }
  return "";
}

/// Under mpirun: rank 0 runs the tool as usual; the other ranks compute beside it, write no result,
/// and print their diagnostics only when they fail (each line prefixed with the rank). Only pc and
/// fci share their work over ranks; any other command is refused when there is more than one, and
/// --help or --version is answered by rank 0 alone.
int run_over_mpi(const std::vector<std::string>& args) {
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  const std::string command = subcommand(args);
  if (ranks > 1 && command.empty() && rank != 0) return 0;
  if (ranks > 1 && !command.empty() && command != "pc" && command != "fci") {
    if (rank == 0) {
      std::cerr << "causalattn: error: only pc and fci run over MPI ranks; run '" << command << "' without mpirun\n";
    }
    return 2;
  }
  int code = 0;
  if (rank == 0) {
    code = causalattn_cli::run_cli(causalattn_cli::make_registry(), args, std::cout, std::cerr);
  } else {
    std::ostringstream out, err;
    code = causalattn_cli::run_cli(causalattn_cli::make_registry(), args, out, err, false);
    std::istringstream lines(err.str());
    std::string report;  // written at once, so that other ranks' lines do not cut into it
    for (std::string line; code != 0 && std::getline(lines, line);)
      if (line.find('\r') == std::string::npos) report += "[rank " + std::to_string(rank) + "] " + line + "\n";
    std::cerr << report << std::flush;
  }
  return code;
}

/// Every rank meets the others before MPI_Finalize. A rank that failed waits for them at most 60 s:
/// when they failed too (the library throws an error on every rank) they arrive at once; when they
/// still wait for it in a collective (it could not read the data file, say), MPI_Abort ends the job.
void finish_over_mpi(int code) {
  MPI_Request request;
  MPI_Ibarrier(MPI_COMM_WORLD, &request);
  if (code == 0) {
    MPI_Wait(&request, MPI_STATUS_IGNORE);
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  for (int arrived = 0; !arrived;) {
    MPI_Test(&request, &arrived, MPI_STATUS_IGNORE);
    if (arrived) return;
    if (std::chrono::steady_clock::now() - start > std::chrono::seconds(60)) {
      std::cerr.flush();
      MPI_Abort(MPI_COMM_WORLD, code);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace
#endif

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
#ifdef CAUSALATTN_USE_MPI
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
  if (provided < MPI_THREAD_SERIALIZED) {  // the distributed Fisher z reads entries from the search's threads
    std::cerr << "causalattn: error: the MPI library does not support threads (MPI_THREAD_SERIALIZED)\n";
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  const int code = run_over_mpi(args);
  finish_over_mpi(code);
  MPI_Finalize();
  return code;
#else
  return causalattn_cli::run_cli(causalattn_cli::make_registry(), args, std::cout, std::cerr);
#endif
}
