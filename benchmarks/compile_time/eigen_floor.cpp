// The floor of the -O2 rows: a 10-line program on Eigen alone (one GEMM, an LLT and an LDLT solve),
// the least any Eigen-based estimator compiles.
#include <Eigen/Dense>
#include <iostream>

int main() {
  const Eigen::MatrixXd x = Eigen::MatrixXd::Random(500, 5);
  const Eigen::VectorXd y = Eigen::VectorXd::Random(500);
  const Eigen::MatrixXd gram = x.transpose() * x;
  const Eigen::VectorXd by_llt = gram.llt().solve(x.transpose() * y);
  const Eigen::VectorXd by_ldlt = gram.ldlt().solve(x.transpose() * y);
  std::cout << by_llt.transpose() << " " << by_ldlt.sum() << "\n";
}
