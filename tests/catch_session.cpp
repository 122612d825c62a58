// Catch2 itself, compiled once for every test executable; their mains are catch_main.cpp (the module
// suites) and mpi/main.cpp (test_mpi).
#define CATCH_CONFIG_RUNNER
#include "catch_session.hpp"

#include <catch2/catch.hpp>

int causalattn::test::run_catch_session(int argc, char** argv) { return Catch::Session().run(argc, argv); }
