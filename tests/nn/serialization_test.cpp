#include <catch2/catch.hpp>

#include <filesystem>

#include "causalattn/core/random.hpp"
#include "causalattn/nn/encoder.hpp"
#include "causalattn/nn/serialization.hpp"

namespace ca = causalattn;
using ca::Matrix;
using Catch::Matchers::Contains;

namespace {

template <class Scalar>
struct Model {
  ca::Encoder<Scalar> encoder;
  ca::ParameterRegistry<Scalar> params;
  explicit Model(std::uint64_t seed) : encoder(options(), rng_for(seed)) { encoder.register_parameters(params, "encoder"); }
  static ca::EncoderOptions options() {
    ca::EncoderOptions o;
    o.width = 6;
    o.hidden = 10;
    o.layers = 2;
    o.attention.heads = 3;
    return o;
  }
  static ca::Rng& rng_for(std::uint64_t seed) {
    static ca::Rng rng(0);
    rng = ca::Rng(seed);
    return rng;
  }
};

}  // namespace

TEMPLATE_TEST_CASE("save then load reproduces every parameter bit for bit", "[nn][serialization]", float, double) {
  Model<TestType> a(1), b(2);
  const std::string bytes = ca::serialize_parameters(a.params);
  REQUIRE(ca::serialize_parameters(b.params) != bytes);  // different seeds, different weights
  ca::load_parameters(bytes, b.params);
  for (std::size_t k = 0; k < a.params.size(); ++k) {
    REQUIRE(a.params.entries()[k].name == b.params.entries()[k].name);
    REQUIRE(a.params.entries()[k].parameter->value == b.params.entries()[k].parameter->value);
  }
  REQUIRE(ca::serialize_parameters(b.params) == bytes);
  const auto path = (std::filesystem::temp_directory_path() / "causalattn_params_test.bin").string();
  ca::save_parameters(path, a.params);
  Model<TestType> c(3);
  ca::load_parameters_file(path, c.params);
  REQUIRE(ca::serialize_parameters(c.params) == bytes);
  std::filesystem::remove(path);
}

TEST_CASE("every corruption class is rejected with a clear message", "[nn][serialization]") {
  Model<double> model(1);
  const std::string good = ca::serialize_parameters(model.params);
  auto fails = [&](const std::string& bytes, const std::string& expected) {
    Model<double> target(5);
    const std::string before = ca::serialize_parameters(target.params);
    REQUIRE_THROWS_WITH(ca::load_parameters(bytes, target.params, "m.bin"), Contains("m.bin") && Contains(expected));
    REQUIRE(ca::serialize_parameters(target.params) == before);  // untouched on failure
  };
  fails("", "truncated");
  fails(std::string("NOTMAGIC") + good.substr(8), "bad magic");
  std::string v = good;
  v[8] = 9;
  fails(v, "format version 9 is not supported");
  std::string dtype = good;
  dtype[12] = 4;
  fails(dtype, "the file holds float values");
  fails(good.substr(0, good.size() - 1), "truncated");
  fails(good + "x", "unexpected bytes after the checksum");
  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x01;
  REQUIRE_THROWS_AS(ca::load_parameters(flipped, model.params), ca::invalid_input);
  std::string huge = good;
  for (int i = 16; i < 24; ++i) huge[std::size_t(i)] = '\xff';  // tensor count 2^64 - 1
  fails(huge, "cannot fit in the file");
  // Fuzzer finding: a 0 x 2^60 tensor made the reader loop over empty columns for minutes.
  ca::Parameter<double> one = ca::Parameter<double>::zeros(1, 1);
  ca::ParameterRegistry<double> single;
  single.add("w", one);
  std::string empty_shape = ca::serialize_parameters(single);
  const std::size_t rows_at = 8 + 4 + 4 + 8 + 4 + 1;
  for (int i = 0; i < 8; ++i) empty_shape[rows_at + std::size_t(i)] = 0;                         // rows = 0
  for (int i = 0; i < 8; ++i) empty_shape[rows_at + 8 + std::size_t(i)] = i == 7 ? '\x10' : 0;  // cols = 2^60
  REQUIRE_THROWS_WITH(ca::parse_parameters<double>(empty_shape), Contains("empty shape 0 x 1152921504606846976"));
  // A structurally valid file of a different model: name and shape mismatches.
  ca::Parameter<double> p = ca::Parameter<double>::zeros(2, 2);
  ca::ParameterRegistry<double> other;
  other.add("encoder.block0.norm1.gamma", p);
  fails(ca::serialize_parameters(other), "holds 1 tensors, the model has");
  // Every truncation point is caught, never read past the end.
  for (std::size_t cut = 0; cut < good.size(); cut += 7) {
    REQUIRE_THROWS_AS(ca::parse_parameters<double>(good.substr(0, cut)), ca::invalid_input);
  }
  // Every single-bit flip is caught (by a field check or the checksum).
  for (std::size_t at = 0; at < good.size(); at += 5) {
    std::string bad = good;
    bad[at] ^= 0x10;
    REQUIRE_THROWS_AS(ca::parse_parameters<double>(bad), ca::invalid_input);
  }
}

TEST_CASE("non-finite parameters are neither written nor read", "[nn][serialization]") {
  Model<float> model(1);
  model.params.entries()[0].parameter->value(0, 0) = std::nanf("");
  REQUIRE_THROWS_WITH(ca::serialize_parameters(model.params), Contains("non-finite value nan at row 0, column 0"));
}
