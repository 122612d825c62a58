// read_csv with allow_missing: missing cells of numeric columns become NaN and are counted per
// column; by default they are refused with the line, column and name; text columns always refuse.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "causalattn/io/csv.hpp"

namespace ca = causalattn;
using ca::Index;
using Catch::Matchers::Contains;

TEST_CASE("read_csv reports missing cells as NaN with counts per column when asked", "[io][csv][missing]") {
  const std::string text = "a,b,c\n1,,3\nNA,5,6\n7,8,9\n.,null,12\n";
  CHECK_THROWS_WITH(ca::parse_csv<double>(text), Contains("line 2, column 2 ('b')") && Contains("empty cell"));
  ca::CsvOptions options;
  options.allow_missing = true;
  for (const bool as_float : {false, true}) {
    CAPTURE(as_float);
    const auto table_d = ca::parse_csv<double>(text, options);
    const auto table_f = ca::parse_csv<float>(text, options);
    const ca::Matrix<double> data = as_float ? ca::Matrix<double>(table_f.data.cast<double>()) : table_d.data;
    const auto& missing = as_float ? table_f.missing : table_d.missing;
    REQUIRE(data.rows() == 4);
    CHECK(missing == std::vector<Index>{2, 2, 0});
    CHECK(std::isnan(data(0, 1)));
    CHECK(std::isnan(data(1, 0)));
    CHECK(std::isnan(data(3, 0)));
    CHECK(std::isnan(data(3, 1)));
    CHECK(data(2, 0) == 7);
    CHECK(data(3, 2) == 12);
    CHECK(data.array().isNaN().count() == 4);
  }
  // A selection counts only its columns, in its order.
  options.columns = {"c", "b"};
  CHECK(ca::parse_csv<double>(text, options).missing == std::vector<Index>{0, 2});
  // Still refused: text that is not a number, infinities, missing cells of text columns.
  options.columns = {};
  CHECK_THROWS_WITH(ca::parse_csv<double>("a,b\n1,x\n", options), Contains("'x' is not a number"));
  CHECK_THROWS_WITH(ca::parse_csv<double>("a,b\n1,inf\n", options), Contains("non-finite"));
  options.text_columns = {"b"};
  CHECK_THROWS_WITH(ca::parse_csv<double>("a,b\n1,\n", options), Contains("'b'") && Contains("empty cell"));
  // Without allow_missing every table reports zero missing cells per column.
  CHECK(ca::parse_csv<double>("a,b\n1,2\n").missing == std::vector<Index>{0, 0});
}
