#include <catch2/catch.hpp>

#include <sstream>
#include <string>

#include "causalattn/core/random.hpp"
#include "causalattn/io/csv.hpp"

namespace ca = causalattn;
using Catch::Matchers::Contains;

TEMPLATE_TEST_CASE("parse_csv reads headed numeric tables in every delimiter", "[io][csv]", float, double) {
  const char* texts[] = {
      "a,b,c\n1,2,3\n4,5.5,-6e-1\n",
      "a\tb\tc\n1\t2\t3\n4\t5.5\t-6e-1\n",
      "a;b;c\n1;2;3\n4;5.5;-6e-1\n",
      "  a  b c\n1 2    3\n 4\t5.5 -6e-1  \n",
      "\xEF\xBB\xBF\"a\",\"b\",\"c\"\r\n1, 2 ,\"3\"\r\n4,+5.5,-6e-1\r\n\r\n\n",
  };
  for (const char* text : texts) {
    INFO(text);
    const auto t = ca::parse_csv<TestType>(text);
    REQUIRE(t.names == std::vector<std::string>{"a", "b", "c"});
    REQUIRE(t.data.rows() == 2);
    REQUIRE(t.data.cols() == 3);
    REQUIRE(t.data(0, 2) == TestType(3));
    REQUIRE(t.data(1, 1) == TestType(5.5));
    REQUIRE(t.data(1, 2) == TestType(-0.6));
  }
}

TEST_CASE("quoted fields keep delimiters and escaped quotes", "[io][csv]") {
  const auto t = ca::parse_csv<double>("\"x, the first\",\"say \"\"hi\"\"\"\n1,2\n");
  REQUIRE(t.names == std::vector<std::string>{"x, the first", "say \"hi\""});
  REQUIRE(t.column("say \"hi\"") == 1);
}

TEST_CASE("column selection by name returns the columns in the requested order", "[io][csv]") {
  ca::CsvOptions options;
  options.columns = {"re78", "treat"};
  const auto t = ca::parse_csv<double>("id,treat,re78\nNSW1,1,9930.05\nNSW2,0,0\n", options);
  REQUIRE(t.names == std::vector<std::string>{"re78", "treat"});
  REQUIRE(t.data(0, 0) == 9930.05);
  REQUIRE(t.data(0, 1) == 1);
  REQUIRE(t.data(1, 1) == 0);
  options.columns = {"age"};
  REQUIRE_THROWS_WITH(ca::parse_csv<double>("id,treat\n1,2\n", options),
                      Contains("options.columns") && Contains("no column named 'age'") && Contains("id, treat"));
}

TEST_CASE("files without a header are read when asked, and rejected otherwise", "[io][csv]") {
  REQUIRE_THROWS_WITH(ca::parse_csv<double>("1,2\n3,4\n"), Contains("header") && Contains("missing"));
  ca::CsvOptions options;
  options.has_header = false;
  const auto t = ca::parse_csv<double>("1,2\n3,4\n", options);
  REQUIRE(t.names == std::vector<std::string>{"X1", "X2"});
  REQUIRE(t.data.rows() == 2);
  REQUIRE(t.data(0, 0) == 1);
  options.has_header = true;
  options.allow_numeric_header = true;
  REQUIRE(ca::parse_csv<double>("1,2\n3,4\n", options).names == std::vector<std::string>{"1", "2"});
}

TEST_CASE("every malformed input names the source, line and column", "[io][csv]") {
  auto fails = [](const std::string& text, const std::string& expected) {
    INFO(text);
    REQUIRE_THROWS_WITH(ca::parse_csv<double>(text, {}, "data.csv"), Contains("data.csv") && Contains(expected));
  };
  fails("", "is empty");
  fails("\n\n", "is empty");
  fails("a,b\n", "no data rows");
  fails("a,b\n1,2\n3\n", "line 3 has 1 fields, the header has 2");
  fails("a,b\n1,2\n3,4,5\n", "line 3 has 3 fields");
  fails("a,b\n1,x\n", "line 2, column 2 ('b'): 'x' is not a number");
  fails("a,b\n1,2abc\n", "'2abc' is not a number");
  fails("a,b\n1,\n", "line 2, column 2 ('b'): empty cell");
  fails("a,b\n,1\n", "line 2, column 1 ('a'): empty cell");
  fails("a,b\n1,NA\n", "missing value 'NA'");
  fails("a,b\n1,nan\n", "missing value 'nan'");
  fails("a,b\n1,inf\n", "non-finite value 'inf'");
  fails("a,b\n1,1e999\n", "out of the range of double");
  fails("a,b\n1,2\n\n3,4\n", "line 3 is blank but data rows follow it");
  fails("a,,c\n1,2,3\n", "line 1, column 2: the header has an empty column name");
  fails("a,b,a\n1,2,3\n", "column name 'a' appears twice (columns 1 and 3)");
  fails("a,b\n1,\"2\n", "line 2, column 2: quoted field is not closed");
  fails("a,b\n1,\"2\"x\n", "after a closing quote");
  fails("\na,b\n1,2\n", "line 1 is empty");
  REQUIRE_THROWS_WITH(ca::parse_csv<float>("a\n1e39\n"), Contains("out of the range of float"));
}

TEST_CASE("a 1 MB line is rejected with the limit in the message, and read when the limit allows", "[io][csv]") {
  std::string text = "a\n";
  text += std::string(1000000, '1');
  text += "\n";
  REQUIRE_THROWS_WITH(ca::parse_csv<double>(text), Contains("line 2 is 1000000 bytes long") &&
                                                       Contains("max_line_bytes = 524288"));
  ca::CsvOptions options;
  options.max_line_bytes = 2000000;
  REQUIRE_THROWS_WITH(ca::parse_csv<double>(text, options), Contains("out of the range"));
  options.max_line_bytes = 0;
  REQUIRE_THROWS_WITH(ca::parse_csv<double>("a\n1\n", options), Contains("options.max_line_bytes"));
}

TEMPLATE_TEST_CASE("write_csv then parse_csv round-trips values exactly", "[io][csv]", float, double) {
  const std::uint64_t seed = 31337;
  INFO("seed " << seed);
  ca::Rng rng(seed);
  ca::Matrix<TestType> m = ca::normal_matrix<TestType>(37, 5, rng) * TestType(1e3);
  m(0, 0) = TestType(1e-30);
  m(1, 1) = TestType(-0.0);
  std::ostringstream out;
  ca::write_csv(out, {"a", "b c", "d,e", "f\"g", "h"}, m);
  const auto t = ca::parse_csv<TestType>(out.str());
  REQUIRE(t.names == std::vector<std::string>{"a", "b c", "d,e", "f\"g", "h"});
  REQUIRE(t.data == m);
  REQUIRE_THROWS_WITH(ca::write_csv(out, {"a"}, m), Contains("names") && Contains("5 columns"));
}

TEST_CASE("read_csv reads the bundled data files and names a missing path", "[io][csv]") {
  const std::string dir = CAUSALATTN_DATA_DIR;
  const auto lalonde = ca::read_csv<double>(dir + "/lalonde/lalonde_nsw_dw.csv");
  REQUIRE(lalonde.data.rows() == 445);
  REQUIRE(lalonde.names.front() == "treat");
  REQUIRE(lalonde.data.col(lalonde.column("treat")).sum() == 185);
  const auto linear = ca::read_csv<float>(dir + "/causal-learn/data_linear_10.txt");
  REQUIRE(linear.data.rows() == 10000);
  REQUIRE(linear.data.cols() == 20);
  REQUIRE(linear.names[19] == "X20");
  REQUIRE(linear.data(0, 0) == 0.4267f);
  REQUIRE_THROWS_WITH(ca::read_csv<double>(dir + "/no/such/file.csv"), Contains("no/such/file.csv") &&
                                                                            Contains("cannot open"));
}

TEST_CASE("review regressions: signs, duplicate selections, unwritable names, directories", "[io][csv]") {
  REQUIRE_THROWS_WITH(ca::parse_csv<double>("a\n+-1\n"), Contains("'+-1' is not a number"));
  REQUIRE(ca::parse_csv<double>("a\n+1\n").data(0, 0) == 1.0);
  ca::CsvOptions options;
  options.columns = {"a", "b", "a"};
  REQUIRE_THROWS_WITH(ca::parse_csv<double>("a,b\n1,2\n", options), Contains("'a' is selected twice"));
  std::ostringstream out;
  const ca::Matrix<double> m = ca::Matrix<double>::Ones(1, 2);
  REQUIRE_THROWS_WITH(ca::write_csv(out, {"a", "b\nc"}, m), Contains("entry 1") && Contains("line break"));
  REQUIRE_THROWS_WITH(ca::write_csv(out, {"", "b"}, m), Contains("entry 0"));
  REQUIRE_THROWS_WITH(ca::read_csv<double>(CAUSALATTN_DATA_DIR), Contains("is a directory"));
}
