// The main of the module test executables.
#include "catch_session.hpp"

int main(int argc, char** argv) { return causalattn::test::run_catch_session(argc, argv); }
