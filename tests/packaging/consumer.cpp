// A downstream program: uses the library the way a consumer would and checks the results.
#include <causalattn.hpp>

#include <iostream>

int main() {
  namespace ca = causalattn;
  const auto table = ca::parse_csv<double>("x,y\n1,2\n3,4\n");
  ca::Graph g(table.names);
  g.add_directed(0, 1);
  const auto back = ca::parse_tetrad_text(ca::to_tetrad_text(g));
  // The shipped CInA-ZS model is found where this build or installation put it.
  const auto model = ca::CinaZsModel<float>::load_default();
  const bool ok = table.data(1, 1) == 4.0 && back == g && model.config().max_covariates == 20;
  std::cout << "causalattn " << ca::version_string() << (ok ? " consumer ok" : " consumer FAILED") << "\n";
  return ok ? 0 : 1;
}
