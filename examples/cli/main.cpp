// causalattn: the command-line tool. The subcommands live in the *_commands.cpp files (causalattn_cli_lib).
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"
#ifdef CAUSALATTN_USE_MPI
#include <mpi.h>
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
/// fci share their work over ranks; any other command is refused when there is more than one.
int run_over_mpi(const std::vector<std::string>& args) {
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  const std::string command = subcommand(args);
  if (ranks > 1 && command != "pc" && command != "fci") {
    if (rank == 0) {
      std::cerr << "causalattn: error: only pc and fci run over MPI ranks; run '" << command << "' without mpirun\n";
    }
    return 2;
  }
  if (rank == 0) return causalattn_cli::run_cli(causalattn_cli::make_registry(), args, std::cout, std::cerr);
  std::ostringstream out, err;
  const int code = causalattn_cli::run_cli(causalattn_cli::make_registry(), args, out, err, false);
  if (code != 0) {
    std::istringstream lines(err.str());
    for (std::string line; std::getline(lines, line);)
      if (line.find('\r') == std::string::npos) std::cerr << "[rank " << rank << "] " << line << "\n";
  }
  return code;
}

}  // namespace
#endif

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
#ifdef CAUSALATTN_USE_MPI
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  const int code = run_over_mpi(args);
  MPI_Finalize();
  return code;
#else
  return causalattn_cli::run_cli(causalattn_cli::make_registry(), args, std::cout, std::cerr);
#endif
}
