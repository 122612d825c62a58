#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "causalattn/io/json.hpp"

namespace ca = causalattn;
using Catch::Matchers::Contains;

TEST_CASE("JSON values parse, dump and parse back equal", "[io][json]") {
  const std::string text =
      R"( {"a": [1, -2.5e-3, true, false, null], "b": {"c": "x\"y\\z\n\u00e9\ud83d\ude00"}, "d": 0.1} )";
  const auto v = ca::JsonValue::parse(text);
  REQUIRE(v.at("a").as_array().size() == 5);
  REQUIRE(v.at("a").as_array()[1].as_number() == -2.5e-3);
  REQUIRE(v.at("b").at("c").as_string() == "x\"y\\z\n\xc3\xa9\xf0\x9f\x98\x80");
  REQUIRE(v.at("d").as_number() == 0.1);
  REQUIRE(ca::JsonValue::parse(v.dump()) == v);
  REQUIRE(ca::JsonValue::parse(v.dump(2)) == v);
  REQUIRE(ca::JsonValue::parse("[]").dump() == "[]");
  REQUIRE(ca::JsonValue::parse("\"\\u0001\"").dump() == "\"\\u0001\"");
}

TEST_CASE("JSON parser rejects malformed text with line and column", "[io][json]") {
  auto fails = [](const std::string& text, const std::string& expected) {
    INFO(text);
    REQUIRE_THROWS_WITH(ca::JsonValue::parse(text, "f.json"), Contains("f.json") && Contains(expected));
  };
  fails("", "unexpected end");
  fails("{\"a\": 1,}", "expected a string key");
  fails("{\"a\" 1}", "expected ':'");
  fails("{\"a\": 1, \"a\": 2}", "duplicate key 'a'");
  fails("[1, 2", "expected ',' or ']'");
  fails("[01]", "expected ',' or ']'");
  fails("1.", "digits expected after '.'");
  fails("1e999", "out of the range");
  fails("\"abc", "unterminated string");
  fails("\"\\x\"", "invalid escape");
  fails("\"\\ud800\"", "surrogate");
  fails("tru", "invalid literal");
  fails("{}\n  x", "line 2, column 3: unexpected text");
  fails(std::string(300, '[') + std::string(300, ']'), "nesting deeper");
  REQUIRE_THROWS_WITH(ca::JsonValue::parse("1").as_string("'name'"), Contains("'name'") && Contains("expected string"));
  REQUIRE_THROWS_AS(ca::JsonValue(std::numeric_limits<double>::quiet_NaN()), ca::invalid_input);
}
