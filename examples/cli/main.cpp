// causalattn: the command-line tool. The subcommands live in the *_commands.cpp files (causalattn_cli_lib).
#include <iostream>
#include <string>
#include <vector>

#include "commands.hpp"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return causalattn_cli::run_cli(causalattn_cli::make_registry(), args, std::cout, std::cerr);
}
