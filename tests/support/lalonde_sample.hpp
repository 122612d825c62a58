#pragma once
// Test helper: a bundled Lalonde sample as X (the 8 covariates), T and Y (re78).

#include <string>

#include "causalattn/io/csv.hpp"

namespace causalattn::test {

/// A Lalonde sample: covariates age, educ, black, hisp, married, nodegree, re74, re75; treatment
/// `treat`; outcome `re78`.
struct LalondeSample {
  Matrix<double> x;
  Vector<double> t, y;
};

/// Reads examples/data/lalonde/<name>.csv ("lalonde_nsw_dw", "lalonde_dw_psid", "lalonde_dw_cps").
inline LalondeSample lalonde_sample(const std::string& name) {
  CsvOptions options;
  options.columns = {"treat", "re78", "age", "educ", "black", "hisp", "married", "nodegree", "re74", "re75"};
  const auto table = read_csv<double>(std::string(CAUSALATTN_DATA_DIR) + "/lalonde/" + name + ".csv", options);
  return {table.data.rightCols(8), table.data.col(0), table.data.col(1)};
}

}  // namespace causalattn::test
