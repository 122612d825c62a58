// A typical user program: PC with Fisher z on a CSV file, the CPDAG printed as DOT.
#include <causalattn/discovery/fisher_z.hpp>
#include <causalattn/discovery/pc.hpp>
#include <causalattn/io/csv.hpp>
#include <causalattn/io/dot.hpp>

#include <iostream>

int main(int argc, char** argv) {
  namespace ca = causalattn;
  if (argc < 2) return 2;
  const auto table = ca::read_csv<double>(argv[1]);
  const ca::FisherZTest test(table.data);
  const ca::PcResult found = ca::pc(test, table.names);
  std::cout << ca::to_dot(found.cpdag);
}
