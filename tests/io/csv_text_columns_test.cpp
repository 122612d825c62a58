// read_csv's text columns: dictionary-coded, bounded like numeric ones, missing cells named.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "causalattn/io/csv.hpp"

namespace ca = causalattn;
using ca::Index;
using Catch::Matchers::Contains;

TEST_CASE("read_csv returns text columns as dictionaries and names missing text cells", "[io][csv]") {
  ca::CsvOptions options;
  options.text_columns = {"city"};
  const auto table = ca::parse_csv<double>("x,city,y\n1,Oslo,2\n3,\"Alta, N\",4\n5,Oslo,6\n", options);
  CHECK(table.names == std::vector<std::string>{"x", "y"});
  REQUIRE(table.text.size() == 1);
  CHECK(table.text[0].name == "city");
  CHECK(table.text[0].levels == std::vector<std::string>{"Oslo", "Alta, N"});
  CHECK(table.text[0].codes == std::vector<Index>{0, 1, 0});
  CHECK_THROWS_WITH(table.column("city"), Contains("'city' is a text column"));
  CHECK_THROWS_WITH(table.column("town"), Contains("no column named 'town'"));
  CHECK_THROWS_WITH(ca::parse_csv<double>("x,city\n1,Oslo\n2,NA\n", options), Contains("line 3") && Contains("'city'"));
  options.columns = {"x", "city"};
  CHECK_THROWS_WITH(ca::parse_csv<double>("x,city\n1,Oslo\n", options), Contains("options.text_columns") && Contains("also"));
  options.columns = {};
  options.text_columns = {"town"};
  CHECK_THROWS_WITH(ca::parse_csv<double>("x,city\n1,Oslo\n", options), Contains("options.text_columns") && Contains("'town'"));
}
