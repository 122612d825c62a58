#pragma once
// Catch2's session, run from a test executable's main (Catch2 is compiled once, in catch_session.cpp).

namespace causalattn::test {

/// Runs every test case selected by the command line; returns the number of failures (capped at 255).
int run_catch_session(int argc, char** argv);

}  // namespace causalattn::test
