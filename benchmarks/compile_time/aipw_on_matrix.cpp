// A typical user program: one estimator (AIPW) on data already held in Eigen matrices.
#include <causalattn/effects/aipw.hpp>
#include <causalattn/core/random.hpp>

#include <iostream>

int main() {
  namespace ca = causalattn;
  ca::Rng rng(7);
  const ca::Matrix<double> x = ca::normal_matrix<double>(500, 4, rng);
  ca::Vector<double> t(500), y(500);
  for (ca::Index i = 0; i < 500; ++i) {
    t(i) = x(i, 0) + 0.5 * rng.normal() > 0 ? 1.0 : 0.0;
    y(i) = 2.0 * t(i) + x.row(i).sum() + rng.normal();
  }
  const ca::TreatmentData<double> units(x, t, y);
  const ca::EffectEstimate estimate = ca::aipw(units, ca::EffectOptions{});
  std::cout << "AIPW " << estimate.estimate << " +- " << estimate.std_error << "\n";
}
