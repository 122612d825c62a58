#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "causalattn/core/errors.hpp"
#include "causalattn/core/random.hpp"
#include "causalattn/core/scalar.hpp"
#include "causalattn/io/npy.hpp"

namespace ca = causalattn;
using Catch::Matchers::Contains;

namespace {

using Shape = std::vector<std::size_t>;

bool host_little_endian() {
  const std::uint16_t one = 1;
  unsigned char first = 0;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

// The bytes of `v` in the requested byte order, taken from its bit pattern with shifts so that the
// result does not depend on the host (and not on the library's own swapping code).
template <class T>
std::string bytes_of(T v, bool big_endian) {
  using Word = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  Word w;
  std::memcpy(&w, &v, sizeof w);
  std::string out(sizeof(T), '\0');
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    out[big_endian ? sizeof(T) - 1 - i : i] = static_cast<char>((w >> (8 * i)) & 0xFF);
  }
  return out;
}

template <class T>
std::string payload(const std::vector<T>& values, bool big_endian = false) {
  std::string out;
  for (T v : values) out += bytes_of(v, big_endian);
  return out;
}

// A .npy file assembled by hand from the format description: "\x93NUMPY", major and minor version,
// header length (little-endian, 2 bytes for version 1.x and 4 bytes otherwise), the dict padded
// with spaces and ended by '\n' so that the preamble is a multiple of `align`, then the data.
std::string npy_file(const std::string& dict, const std::string& data, int major = 1, std::size_t align = 64,
                     int minor = 0) {
  const std::size_t length_bytes = major == 1 ? 2 : 4;
  std::string header = dict;
  const std::size_t unpadded = 8 + length_bytes + header.size() + 1;
  header.append((align - unpadded % align) % align, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += static_cast<char>(minor);
  for (std::size_t i = 0; i < length_bytes; ++i) out += static_cast<char>((header.size() >> (8 * i)) & 0xFF);
  return out + header + data;
}

std::string dict_for(const std::string& descr, const std::string& shape, bool fortran = false) {
  return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape +
         ", }";
}

std::string from_hex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return out;
}

// The message of the invalid_input that parsing throws; any other exception escapes and fails the
// test. Also checks that the exception names the source.
template <class Scalar = double>
std::string parse_error(const std::string& bytes) {
  try {
    ca::parse_npy<Scalar>(bytes, "f.npy");
  } catch (const ca::invalid_input& e) {
    CHECK(e.argument() == "f.npy");
    return e.what();
  }
  return "<no exception>";
}

template <class T>
bool same_bits(T a, T b) {
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

// Random values over many binades plus the awkward ones: -0, the smallest subnormal, the extremes.
template <class Scalar>
ca::Matrix<Scalar> awkward_matrix(ca::Index rows, ca::Index cols, ca::Rng& rng) {
  ca::Matrix<Scalar> m(rows, cols);
  for (ca::Index j = 0; j < cols; ++j) {
    for (ca::Index i = 0; i < rows; ++i) {
      m(i, j) = static_cast<Scalar>(rng.normal() * std::pow(10.0, rng.uniform(-30.0, 30.0)));
    }
  }
  const Scalar specials[] = {Scalar(-0.0), std::numeric_limits<Scalar>::denorm_min(),
                             std::numeric_limits<Scalar>::max(), std::numeric_limits<Scalar>::lowest(),
                             std::numeric_limits<Scalar>::min()};
  for (std::size_t k = 0; k < 5 && static_cast<ca::Index>(k) < m.size(); ++k) {
    m(rng.uniform_int(static_cast<std::uint64_t>(rows)), rng.uniform_int(static_cast<std::uint64_t>(cols))) =
        specials[k];
  }
  return m;
}

std::filesystem::path temp_path(const std::string& name) {
  std::random_device rd;
  return std::filesystem::temp_directory_path() /
         ("causalattn_npy_test_" + std::to_string(rd()) + "_" + name);
}

}  // namespace

TEMPLATE_TEST_CASE("to_npy then parse_npy is bit-identical in C and Fortran order", "[io][npy]", float, double) {
  ca::Rng rng(20240607);
  const std::pair<ca::Index, ca::Index> shapes[] = {{1, 1}, {7, 3}, {33, 257}, {3, 7}, {1, 9}, {9, 1}};
  for (const auto& [rows, cols] : shapes) {
    CAPTURE(rows, cols);
    const ca::Matrix<TestType> m = awkward_matrix<TestType>(rows, cols, rng);
    const std::string c_file = ca::to_npy(m);
    const std::string f_file = ca::to_npy(m, true);
    const auto c_array = ca::parse_npy<TestType>(c_file);
    const auto f_array = ca::parse_npy<TestType>(f_file);
    const Shape expected_shape = {static_cast<std::size_t>(rows), static_cast<std::size_t>(cols)};
    REQUIRE(c_array.shape == expected_shape);
    REQUIRE(f_array.shape == expected_shape);
    REQUIRE(c_array.data.size() == static_cast<std::size_t>(m.size()));
    bool all_same = true;
    for (ca::Index i = 0; i < rows; ++i) {
      for (ca::Index j = 0; j < cols; ++j) {
        const auto k = static_cast<std::size_t>(i * cols + j);
        all_same = all_same && same_bits(c_array.data[k], m(i, j)) && same_bits(f_array.data[k], m(i, j));
      }
    }
    REQUIRE(all_same);
    // The two files store the data in different orders but read to the same C-order values.
    REQUIRE(std::memcmp(c_array.data.data(), f_array.data.data(), c_array.data.size() * sizeof(TestType)) == 0);
    if (rows > 1 && cols > 1) REQUIRE(c_file != f_file);
    REQUIRE(c_file.size() == f_file.size());
    // npy_to_matrix gives back the matrix itself, bit for bit.
    const ca::Matrix<TestType> back = ca::npy_to_matrix(c_array, "m");
    REQUIRE(back.rows() == rows);
    REQUIRE(back.cols() == cols);
    REQUIRE(std::memcmp(back.data(), m.data(), static_cast<std::size_t>(m.size()) * sizeof(TestType)) == 0);
    // An expression is evaluated: the C order of m^T is the column-major storage of m.
    const auto t_array = ca::parse_npy<TestType>(ca::to_npy(m.transpose()));
    REQUIRE(t_array.shape == Shape{expected_shape[1], expected_shape[0]});
    REQUIRE(std::memcmp(t_array.data.data(), m.data(), static_cast<std::size_t>(m.size()) * sizeof(TestType)) ==
            0);
  }
}

TEMPLATE_TEST_CASE("written files have a 64-byte preamble ending in a newline and NumPy's header", "[io][npy]",
                   float, double) {
  const std::string descr = sizeof(TestType) == 4 ? "<f4" : "<f8";
  const std::pair<ca::Index, ca::Index> shapes[] = {{0, 0}, {1, 1}, {7, 3}, {0, 123456789}, {12345, 0}};
  for (const auto& [rows, cols] : shapes) {
    for (const bool fortran : {false, true}) {
      CAPTURE(rows, cols, fortran);
      const ca::Matrix<TestType> m = ca::Matrix<TestType>::Constant(rows, cols, TestType(0.5));
      const std::string file = ca::to_npy(m, fortran);
      REQUIRE(file.substr(0, 8) == std::string("\x93NUMPY\x01\x00", 8));
      const std::size_t header_len =
          static_cast<unsigned char>(file[8]) + 256u * static_cast<unsigned char>(file[9]);
      const std::size_t preamble = 10 + header_len;
      REQUIRE(preamble % 64 == 0);
      REQUIRE(file.size() == preamble + static_cast<std::size_t>(m.size()) * sizeof(TestType));
      REQUIRE(file[preamble - 1] == '\n');
      const std::string dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") +
                               ", 'shape': (" + std::to_string(rows) + ", " + std::to_string(cols) + "), }";
      REQUIRE(file.substr(10, dict.size()) == dict);
      REQUIRE(file.substr(10 + dict.size(), header_len - dict.size() - 1) ==
              std::string(header_len - dict.size() - 1, ' '));
      const auto array = ca::parse_npy<TestType>(file);
      REQUIRE(array.shape == Shape{static_cast<std::size_t>(rows), static_cast<std::size_t>(cols)});
    }
  }
  // Little-endian payload whatever the host: 1.0 is 00 00 80 3f (float) / 00 .. f0 3f (double).
  const std::string one = ca::to_npy(ca::Matrix<TestType>::Ones(1, 1));
  REQUIRE(one.size() == 128 + sizeof(TestType));
  REQUIRE(one.substr(128) == (sizeof(TestType) == 4 ? std::string("\x00\x00\x80\x3f", 4)
                                                   : std::string("\x00\x00\x00\x00\x00\x00\xf0\x3f", 8)));
}

TEST_CASE("a file written by NumPy 1.24 is read (big-endian float32, Fortran order)", "[io][npy]") {
  // np.save(f, np.asfortranarray(np.array([[1.5, -2.0, 0.25], [4.0, 1e-3, -0.0]], dtype='>f4')))
  const std::string file = from_hex(
      "934e554d5059010076007b276465736372273a20273e6634272c2027666f727472616e5f6f72646572273a20547275652c20"
      "277368617065273a2028322c2033292c207d2020202020202020202020202020202020202020202020202020202020202020"
      "2020202020202020202020202020202020202020202020202020200a3fc0000040800000c00000003a83126f3e8000008000"
      "0000");
  REQUIRE(file.size() == 152);
  const auto array = ca::parse_npy<float>(file);
  REQUIRE(array.shape == Shape{2, 3});
  const std::vector<float> expected = {1.5f, -2.0f, 0.25f, 4.0f, 1e-3f, -0.0f};
  for (std::size_t k = 0; k < 6; ++k) REQUIRE(same_bits(array.data[k], expected[k]));
  const auto as_double = ca::parse_npy<double>(file);
  for (std::size_t k = 0; k < 6; ++k) REQUIRE(same_bits(as_double.data[k], static_cast<double>(expected[k])));
}

TEMPLATE_TEST_CASE("a big-endian >f8 2x3 array is read in C and Fortran order", "[io][npy]", float, double) {
  const std::vector<double> c_values = {1.5, -2.25, 3e-10, 4e10, 0.1, -0.0};  // [[a, b, c], [d, e, f]]
  const std::vector<double> f_values = {1.5, 4e10, -2.25, 0.1, 3e-10, -0.0};  // column by column
  const auto c_array = ca::parse_npy<TestType>(npy_file(dict_for(">f8", "(2, 3)"), payload(c_values, true)));
  const auto f_array =
      ca::parse_npy<TestType>(npy_file(dict_for(">f8", "(2, 3)", true), payload(f_values, true)));
  for (const auto* array : {&c_array, &f_array}) {
    REQUIRE(array->shape == Shape{2, 3});
    REQUIRE(array->data.size() == 6);
    for (std::size_t k = 0; k < 6; ++k) REQUIRE(same_bits(array->data[k], static_cast<TestType>(c_values[k])));
    const ca::Matrix<TestType> m = ca::npy_to_matrix(*array, "be");
    REQUIRE(m.rows() == 2);
    REQUIRE(m.cols() == 3);
    REQUIRE(m(0, 2) == static_cast<TestType>(3e-10));
    REQUIRE(m(1, 0) == static_cast<TestType>(4e10));
    REQUIRE(std::signbit(m(1, 2)));
  }
  // The same values little-endian give the same array; read as big-endian they would not.
  const auto le = ca::parse_npy<TestType>(npy_file(dict_for("<f8", "(2, 3)"), payload(c_values, false)));
  REQUIRE(le.data == c_array.data);
}

TEMPLATE_TEST_CASE("a <f4 rank-3 array flattens in C order; npy_to_matrix rejects rank 3", "[io][npy]", float,
                   double) {
  auto value = [](std::size_t i, std::size_t j, std::size_t k) { return static_cast<float>(100 * i + 10 * j + k); };
  std::vector<float> c_order, f_order;
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 3; ++j)
      for (std::size_t k = 0; k < 4; ++k) c_order.push_back(value(i, j, k));
  for (std::size_t k = 0; k < 4; ++k)
    for (std::size_t j = 0; j < 3; ++j)
      for (std::size_t i = 0; i < 2; ++i) f_order.push_back(value(i, j, k));
  const auto c_array = ca::parse_npy<TestType>(npy_file(dict_for("<f4", "(2, 3, 4)"), payload(c_order)));
  const auto f_array = ca::parse_npy<TestType>(npy_file(dict_for("<f4", "(2, 3, 4)", true), payload(f_order)));
  for (const auto* array : {&c_array, &f_array}) {
    REQUIRE(array->shape == Shape{2, 3, 4});
    REQUIRE(array->data.size() == 24);
    for (std::size_t i = 0; i < 2; ++i)
      for (std::size_t j = 0; j < 3; ++j)
        for (std::size_t k = 0; k < 4; ++k) REQUIRE(array->data[(i * 3 + j) * 4 + k] == value(i, j, k));
    REQUIRE_THROWS_AS(ca::npy_to_matrix(*array, "cube.npy"), ca::invalid_input);
    REQUIRE_THROWS_WITH(ca::npy_to_matrix(*array, "cube.npy"),
                        Contains("cube.npy") && Contains("(2, 3, 4)") && Contains("rank 3") &&
                            Contains("rank <= 2"));
  }
  // A rank-4 Fortran array with a length-1 axis: the transposition handles any rank.
  std::vector<float> f4;
  for (std::size_t l = 0; l < 2; ++l)
    for (std::size_t k = 0; k < 1; ++k)
      for (std::size_t j = 0; j < 3; ++j)
        for (std::size_t i = 0; i < 2; ++i) f4.push_back(static_cast<float>(1000 * i + 100 * j + 10 * k + l));
  const auto r4 = ca::parse_npy<TestType>(npy_file(dict_for("<f4", "(2, 3, 1, 2)", true), payload(f4)));
  REQUIRE(r4.shape == Shape{2, 3, 1, 2});
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 3; ++j)
      for (std::size_t l = 0; l < 2; ++l) REQUIRE(r4.data[(i * 3 + j) * 2 + l] == TestType(1000 * i + 100 * j + l));
}

TEMPLATE_TEST_CASE("version 2.0 and 3.0 headers, old 16-byte alignment and unpadded headers", "[io][npy]", float,
                   double) {
  const std::vector<double> values = {1, 2, 3, 4, 5, 6};
  const std::string dict = dict_for("<f8", "(3, 2)");
  for (const int major : {2, 3}) {
    const std::string file = npy_file(dict, payload(values), major);
    REQUIRE(file[6] == static_cast<char>(major));
    REQUIRE((12 + (static_cast<unsigned char>(file[8]) | static_cast<unsigned char>(file[9]) << 8)) % 64 == 0);
    const auto array = ca::parse_npy<TestType>(file);
    REQUIRE(array.shape == Shape{3, 2});
    REQUIRE(array.data == std::vector<TestType>{1, 2, 3, 4, 5, 6});
  }
  const auto old = ca::parse_npy<TestType>(npy_file(dict, payload(values), 1, 16));
  REQUIRE(old.data == std::vector<TestType>{1, 2, 3, 4, 5, 6});
  // No padding at all, and no final newline: still a valid Python literal.
  std::string bare = "\x93NUMPY\x01";
  bare += '\0';
  bare += static_cast<char>(dict.size());
  bare += '\0';
  const auto unpadded = ca::parse_npy<TestType>(bare + dict + payload(values));
  REQUIRE(unpadded.data == std::vector<TestType>{1, 2, 3, 4, 5, 6});
}

TEMPLATE_TEST_CASE("rank-0 and rank-1 arrays", "[io][npy]", float, double) {
  const auto scalar = ca::parse_npy<TestType>(npy_file(dict_for("<f8", "()"), payload<double>({-7.5})));
  REQUIRE(scalar.shape.empty());
  REQUIRE(scalar.data == std::vector<TestType>{TestType(-7.5)});
  const ca::Matrix<TestType> one = ca::npy_to_matrix(scalar, "s");
  REQUIRE(one.rows() == 1);
  REQUIRE(one.cols() == 1);
  REQUIRE(one(0, 0) == TestType(-7.5));

  const auto vec = ca::parse_npy<TestType>(npy_file(dict_for("<f4", "(4,)"), payload<float>({1, 2, 3, 4})));
  REQUIRE(vec.shape == Shape{4});
  REQUIRE(vec.data == std::vector<TestType>{1, 2, 3, 4});
  const ca::Matrix<TestType> column = ca::npy_to_matrix(vec, "v");
  REQUIRE(column.rows() == 4);
  REQUIRE(column.cols() == 1);
  REQUIRE(column(3, 0) == 4);
  // Fortran order means nothing for rank 0 and 1.
  const auto f_vec = ca::parse_npy<TestType>(npy_file(dict_for("<f4", "(4,)", true), payload<float>({1, 2, 3, 4})));
  REQUIRE(f_vec.data == vec.data);
}

TEMPLATE_TEST_CASE("empty shapes are allowed; npy_to_matrix keeps the zero dimension", "[io][npy]", float, double) {
  for (const bool fortran : {false, true}) {
    const auto empty = ca::parse_npy<TestType>(npy_file(dict_for("<f8", "(0, 3)", fortran), ""));
    REQUIRE(empty.shape == Shape{0, 3});
    REQUIRE(empty.data.empty());
    const ca::Matrix<TestType> m = ca::npy_to_matrix(empty, "e");
    REQUIRE(m.rows() == 0);
    REQUIRE(m.cols() == 3);
  }
  const auto zero_vec = ca::parse_npy<TestType>(npy_file(dict_for("<f4", "(0,)"), ""));
  REQUIRE(zero_vec.shape == Shape{0});
  REQUIRE(ca::npy_to_matrix(zero_vec, "z").rows() == 0);
  REQUIRE(ca::npy_to_matrix(zero_vec, "z").cols() == 1);
  // An empty array must not carry data.
  REQUIRE_THAT(parse_error<TestType>(npy_file(dict_for("<f8", "(0, 3)"), payload<double>({1.0}))),
               Contains("8 trailing bytes"));
}

TEMPLATE_TEST_CASE("float16 files (attention saved from half-precision PyTorch) are read exactly", "[io][npy]", float, double) {
  // IEEE half bit patterns and the values they encode: 1, -2, 0.5, the largest half 65504, the
  // smallest subnormal 2^-24, a subnormal 1023 x 2^-24, -0 and 1 + 2^-10 (one unit past 1).
  const std::vector<std::uint16_t> bits = {0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001, 0x03FF, 0x8000, 0x3C01};
  const std::vector<double> values = {1, -2, 0.5, 65504, std::ldexp(1.0, -24), 1023 * std::ldexp(1.0, -24), -0.0,
                                      1 + std::ldexp(1.0, -10)};
  for (const bool big : {false, true}) {
    std::string data;
    for (std::uint16_t b : bits) {
      const char lo = char(b & 0xFF), hi = char(b >> 8);
      data += big ? std::string{hi, lo} : std::string{lo, hi};
    }
    const auto a = ca::parse_npy<TestType>(npy_file(dict_for(big ? ">f2" : "<f2", "(2, 4)"), data));
    REQUIRE(a.file_item_size == 2);
    REQUIRE(a.shape == std::vector<std::size_t>{2, 4});
    for (std::size_t k = 0; k < values.size(); ++k) REQUIRE(double(a.data[k]) == values[k]);
    REQUIRE(std::signbit(a.data[6]));
  }
  // Infinity and NaN in half precision are rejected like any non-finite value.
  REQUIRE_THAT(parse_error(npy_file(dict_for("<f2", "(1,)"), std::string("\x00\x7C", 2))), Contains("non-finite"));
}

TEST_CASE("native byte order and the header dict's Python syntax variations", "[io][npy]") {
  const std::vector<double> values = {0.5, -1.0};
  const auto native =
      ca::parse_npy<double>(npy_file(dict_for("=f8", "(2,)"), payload(values, !host_little_endian())));
  REQUIRE(native.data == values);
  const auto native_f4 =
      ca::parse_npy<double>(npy_file(dict_for("=f4", "(2,)"), payload<float>({0.5f, -1.0f}, !host_little_endian())));
  REQUIRE(native_f4.data == values);
  const std::string variants[] = {
      "{\"shape\": (2,), \"fortran_order\": False, \"descr\": \"<f8\"}",
      "{ 'descr' : '<f8' ,\n  'fortran_order' : False ,\t'shape' : ( 2 , ) , }",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (2L,), }",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (+2,)}",
  };
  for (const auto& dict : variants) {
    CAPTURE(dict);
    const auto array = ca::parse_npy<double>(npy_file(dict, payload(values)));
    REQUIRE(array.shape == Shape{2});
    REQUIRE(array.data == values);
  }
}

TEST_CASE("corrupt preambles are rejected with messages that say why", "[io][npy]") {
  const std::string good = npy_file(dict_for("<f8", "(2, 3)"), payload<double>({1, 2, 3, 4, 5, 6}));
  REQUIRE_NOTHROW(ca::parse_npy<double>(good));
  REQUIRE_THAT(parse_error(""), Contains("causalattn: f.npy: ") && Contains("too short") && Contains("0 bytes"));
  REQUIRE_THAT(parse_error("\x93NUM"), Contains("too short"));
  REQUIRE_THAT(parse_error("PK\x03\x04 zip file, not npy"), Contains("bad magic") && Contains("PK\\x03\\x04"));
  std::string bad_magic = good;
  bad_magic[5] = 'Z';
  REQUIRE_THAT(parse_error(bad_magic), Contains("bad magic") && Contains("\\x93NUMPZ"));
  REQUIRE_THAT(parse_error(good.substr(0, 7)), Contains("truncated") && Contains("version"));
  std::string v9 = good;
  v9[6] = 9;
  REQUIRE_THAT(parse_error(v9), Contains("version 9.0") && Contains("1.0, 2.0 and 3.0"));
  std::string v1_1 = good;
  v1_1[7] = 1;
  REQUIRE_THAT(parse_error(v1_1), Contains("version 1.1"));
  REQUIRE_THAT(parse_error(good.substr(0, 9)), Contains("header length field"));
  // Header length beyond the end of the file.
  std::string long_header = good;  // 176 bytes: the length field may claim at most 166
  long_header[8] = static_cast<char>(167);
  long_header[9] = 0;
  REQUIRE_THAT(parse_error(long_header), Contains("header length") && Contains("says 167") && Contains("only 166"));
  const std::string v2 = npy_file(dict_for("<f8", "(2, 3)"), payload<double>({1, 2, 3, 4, 5, 6}), 2);
  std::string v2_long = v2;
  v2_long[11] = 1;  // 2^24 + ...
  REQUIRE_THAT(parse_error(v2_long), Contains("header length"));
  REQUIRE_THAT(parse_error(v2.substr(0, 11)), Contains("header length field"));
}

TEST_CASE("malformed header dicts are rejected naming the key or value", "[io][npy]") {
  const std::string six = payload<double>({1, 2, 3, 4, 5, 6});
  auto err = [&](const std::string& dict) { return parse_error(npy_file(dict, six)); };
  REQUIRE_THAT(err("[1, 2]"), Contains("not a Python dict"));
  REQUIRE_THAT(err(""), Contains("not a Python dict"));
  REQUIRE_THAT(err("{'fortran_order': False, 'shape': (2, 3), }"), Contains("missing") && Contains("'descr'"));
  REQUIRE_THAT(err("{'descr': '<f8', 'shape': (2, 3), }"), Contains("missing") && Contains("'fortran_order'"));
  REQUIRE_THAT(err("{'descr': '<f8', 'fortran_order': False}"), Contains("missing") && Contains("'shape'"));
  REQUIRE_THAT(err(dict_for("<i8", "(2, 3)")), Contains("unsupported dtype '<i8' (8-byte signed integer)") &&
                                                   Contains("float32") && Contains("float64"));
  REQUIRE_THAT(err(dict_for("<f16", "(2, 3)")), Contains("'<f16'") && Contains("16-byte floating point"));
  REQUIRE_THAT(err(dict_for("|u1", "(2, 3)")), Contains("'|u1'") && Contains("unsigned integer"));
  REQUIRE_THAT(err(dict_for("<c16", "(2, 3)")), Contains("complex"));
  REQUIRE_THAT(err("{'descr': [('x', '<f8'), ('y', '<f8')], 'fortran_order': False, 'shape': (3,), }"),
               Contains("structured") && Contains("float64"));
  REQUIRE_THAT(err("{'descr': 8, 'fortran_order': False, 'shape': (2, 3), }"), Contains("'descr' must be"));
  REQUIRE_THAT(err("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"),
               Contains("duplicate key 'descr'"));
  REQUIRE_THAT(err("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), 'foo': 1}"),
               Contains("unknown key 'foo'"));
  REQUIRE_THAT(err("{'descr': '<f8', 'fortran_order': 0, 'shape': (2, 3), }"),
               Contains("'fortran_order' must be True or False") && Contains("'0'"));
  REQUIRE_THAT(err("{'descr': '<f8', 'fortran_order': 'False', 'shape': (2, 3), }"), Contains("fortran_order"));
  REQUIRE_THAT(err("{'descr': '<f8', 'fortran_order': Falsey, 'shape': (2, 3), }"), Contains("'Falsey'"));
  REQUIRE_THAT(err(dict_for("<f8", "(2, -3)")), Contains("shape entry 1 is negative") && Contains("-3"));
  REQUIRE_THAT(err(dict_for("<f8", "(2, 3.0)")), Contains("shape entry 1 is not an integer") && Contains("3.0"));
  REQUIRE_THAT(err(dict_for("<f8", "(6)")), Contains("must be a tuple") && Contains("(6,)"));
  REQUIRE_THAT(err(dict_for("<f8", "[2, 3]")), Contains("'shape' must be a tuple"));
  REQUIRE_THAT(err(dict_for("<f8", "(2,, 3)")), Contains("not an integer"));
  REQUIRE_THAT(err(dict_for("<f8", "(2 3)")), Contains("expected ',' or ')'"));
  REQUIRE_THAT(err(dict_for("<f8", "(99999999999999999999999999, 1)")), Contains("does not fit in size_t"));
  REQUIRE_THAT(err("{'descr': '<f8' 'fortran_order': False, 'shape': (2, 3), }"),
               Contains("expected ',' or '}' after the value of 'descr'"));
  REQUIRE_THAT(err("{'descr': '<f8"), Contains("unterminated string"));
  REQUIRE_THAT(err(dict_for("<f8", "(2, 3)") + " x"), Contains("unexpected text after the header dict"));
  REQUIRE_THAT(err("{'descr' '<f8'}"), Contains("expected ':'"));
  // The element count of a shape must fit in size_t, checked without wrapping around.
  const std::size_t max = std::numeric_limits<std::size_t>::max();
  const std::string overflow = "(" + std::to_string(max / 2 + 1) + ", 2)";
  REQUIRE_THAT(err(dict_for("<f8", overflow)), Contains("element count overflows size_t"));
  const std::string wraps_to_4 = "(" + std::to_string(max / 3 + 1) + ", 3, 2)";  // modulo 2^64 the product is 4
  REQUIRE_THAT(err(dict_for("<f8", wraps_to_4)), Contains("overflows size_t"));
  REQUIRE_THAT(err(dict_for("<f8", "(" + std::to_string(max / 8 + 1) + ",)")),
               Contains("size in bytes overflows size_t"));
  REQUIRE_THAT(err(dict_for("<f8", "(0, " + std::to_string(max / 2 + 1) + ", 2)")), Contains("overflows size_t"));
  // Offsets in messages point into the file.
  REQUIRE_THAT(err("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), 'foo': 1}"), Contains("at byte 68"));
}

TEMPLATE_TEST_CASE("a data section of the wrong length is rejected with both byte counts", "[io][npy]", float,
                   double) {
  const std::string good = npy_file(dict_for("<f8", "(2, 3)"), payload<double>({1, 2, 3, 4, 5, 6}));
  REQUIRE(good.size() == 128 + 48);
  REQUIRE_THAT(parse_error<TestType>(good.substr(0, good.size() - 1)),
               Contains("47 bytes") && Contains("needs 48 bytes") && Contains("truncated") && Contains("(2, 3)"));
  REQUIRE_THAT(parse_error<TestType>(good + "x"), Contains("49 bytes") && Contains("needs 48") &&
                                                      Contains("1 trailing bytes"));
  REQUIRE_THAT(parse_error<TestType>(good.substr(0, 128)), Contains("0 bytes") && Contains("needs 48"));
  const std::string f4 = npy_file(dict_for("<f4", "(5,)"), payload<float>({1, 2, 3, 4, 5}));
  REQUIRE_THAT(parse_error<TestType>(f4.substr(0, f4.size() - 3)),
               Contains("17 bytes") && Contains("float32") && Contains("needs 20 bytes") && Contains("5 elements"));
}

TEMPLATE_TEST_CASE("non-finite values are rejected with the index of the first", "[io][npy]", float, double) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  // 3 x 7, NaN at (2, 5) and a later infinity at (2, 6).
  std::vector<double> c(21, 1.0), f(21, 1.0);
  c[2 * 7 + 5] = nan;
  c[2 * 7 + 6] = inf;
  f[5 * 3 + 2] = nan;  // the same logical positions, stored column by column
  f[6 * 3 + 2] = inf;
  REQUIRE_THAT(parse_error<TestType>(npy_file(dict_for("<f8", "(3, 7)"), payload(c))),
               Contains("non-finite value nan at index (2, 5)") && Contains("flat index 19"));
  REQUIRE_THAT(parse_error<TestType>(npy_file(dict_for("<f8", "(3, 7)", true), payload(f))),
               Contains("nan at index (2, 5)"));
  std::vector<float> v(6, 2.0f);
  v[4] = -std::numeric_limits<float>::infinity();
  REQUIRE_THAT(parse_error<TestType>(npy_file(dict_for(">f4", "(6,)"), payload(v, true))),
               Contains("non-finite value -inf at index (4)"));
  REQUIRE_THAT(parse_error<TestType>(npy_file(dict_for("<f8", "()"), payload<double>({inf}))),
               Contains("inf at index ()"));
}

TEST_CASE("float64 values outside float's normal range are rejected when reading as float", "[io][npy]") {
  const std::string big = npy_file(dict_for("<f8", "(2, 2)"), payload<double>({1, 2, 3, 1e300}));
  REQUIRE_THAT(parse_error<float>(big), Contains("e+300") && Contains("index (1, 1)") &&
                                            Contains("outside the normal range of float") && Contains("as double"));
  REQUIRE(ca::parse_npy<double>(big).data[3] == 1e300);
  const std::string neg = npy_file(dict_for(">f8", "(3,)"), payload<double>({-3.5e38, 0, 0}, true));
  REQUIRE_THAT(parse_error<float>(neg), Contains("-3.5") && Contains("e+38") && Contains("index (0)"));
  // The extremes of float's normal range and zero survive exactly; a value that would underflow to
  // zero or a subnormal is rejected like the CSV reader rejects it (no silent zero).
  const double flt_max = std::numeric_limits<float>::max(), flt_min = std::numeric_limits<float>::min();
  const auto edge =
      ca::parse_npy<float>(npy_file(dict_for("<f8", "(4,)"), payload<double>({flt_max, -flt_max, flt_min, 0.0})));
  REQUIRE(edge.data[0] == std::numeric_limits<float>::max());
  REQUIRE(edge.data[1] == -std::numeric_limits<float>::max());
  REQUIRE(edge.data[2] == std::numeric_limits<float>::min());
  REQUIRE(edge.data[3] == 0.0f);
  const std::string tiny = npy_file(dict_for("<f8", "(2,)"), payload<double>({1.0, -1e-300}));
  REQUIRE_THAT(parse_error<float>(tiny), Contains("e-300") && Contains("index (1)") &&
                                             Contains("outside the normal range of float"));
  REQUIRE(ca::parse_npy<double>(tiny).data[1] == -1e-300);
}

TEST_CASE("every truncation and single-byte corruption throws only invalid_input", "[io][npy]") {
  ca::Rng rng(7);
  const std::string files[] = {
      ca::to_npy(awkward_matrix<double>(2, 3, rng)),
      ca::to_npy(awkward_matrix<float>(3, 2, rng), true),
      npy_file(dict_for(">f4", "(2, 1, 2)", true), payload<float>({1, 2, 3, 4}, true), 2),
  };
  for (const auto& file : files) {
    REQUIRE_NOTHROW(ca::parse_npy<double>(file));
    std::size_t rejected = 0;
    for (std::size_t n = 0; n < file.size(); ++n) {
      try {
        ca::parse_npy<double>(std::string_view(file).substr(0, n));
      } catch (const ca::invalid_input&) {
        ++rejected;
      }
    }
    REQUIRE(rejected == file.size());
    const unsigned char replacements[] = {0x00, 0x01, 0x20, 0x27, 0x28, 0x2c, 0x30, 0x39, 0x7b, 0x7d, 0x80, 0xff};
    for (std::size_t pos = 0; pos < file.size(); ++pos) {
      for (const unsigned char r : replacements) {
        std::string corrupt = file;
        corrupt[pos] = static_cast<char>(r);
        for (int which = 0; which < 2; ++which) {
          try {
            if (which == 0) {
              ca::parse_npy<double>(corrupt);
            } else {
              ca::parse_npy<float>(corrupt);
            }
          } catch (const ca::invalid_input&) {
          }
        }
      }
    }
  }
}

TEMPLATE_TEST_CASE("write_npy, read_npy and read_npy_matrix use files and name the path", "[io][npy]", float,
                   double) {
  ca::Rng rng(99);
  const ca::Matrix<TestType> m = awkward_matrix<TestType>(5, 4, rng);
  const auto path = temp_path("roundtrip.npy");
  for (const bool fortran : {false, true}) {
    ca::write_npy(path.string(), m, fortran);
    const ca::Matrix<TestType> back = ca::read_npy_matrix<TestType>(path.string());
    REQUIRE(back.rows() == 5);
    REQUIRE(back.cols() == 4);
    REQUIRE(std::memcmp(back.data(), m.data(), sizeof(TestType) * 20) == 0);
    REQUIRE(ca::read_npy<TestType>(path.string()).shape == Shape{5, 4});
  }
  std::filesystem::remove(path);
  const std::string missing = (std::filesystem::temp_directory_path() / "causalattn_no_such_file.npy").string();
  REQUIRE_THROWS_AS(ca::read_npy<TestType>(missing), ca::invalid_input);
  REQUIRE_THROWS_WITH(ca::read_npy<TestType>(missing), Contains(missing) && Contains("cannot open"));
  REQUIRE_THROWS_WITH(ca::read_npy_matrix<TestType>(missing), Contains(missing));
  // Parse errors from a file name the file.
  const auto bad = temp_path("bad.npy");
  ca::write_npy(bad.string(), m);
  std::filesystem::resize_file(bad, std::filesystem::file_size(bad) - 1);
  REQUIRE_THROWS_WITH(ca::read_npy<TestType>(bad.string()), Contains(bad.string()) && Contains("truncated"));
  std::filesystem::remove(bad);
  REQUIRE_THROWS_WITH(ca::write_npy("/nonexistent_dir_causalattn/x.npy", m), Contains("cannot open"));
}

TEMPLATE_TEST_CASE("the writers reject non-finite values naming row and column", "[io][npy]", float, double) {
  ca::Matrix<TestType> m = ca::Matrix<TestType>::Ones(3, 4);
  m(1, 2) = std::numeric_limits<TestType>::quiet_NaN();
  REQUIRE_THROWS_AS(ca::to_npy(m), ca::invalid_input);
  REQUIRE_THROWS_WITH(ca::to_npy(m, true), Contains("matrix") && Contains("nan") && Contains("row 1") &&
                                               Contains("column 2"));
  const auto path = temp_path("nonfinite.npy");
  REQUIRE_THROWS_WITH(ca::write_npy(path.string(), m), Contains(path.string()) && Contains("row 1"));
  REQUIRE_FALSE(std::filesystem::exists(path));  // nothing is written when the matrix is rejected
}

TEST_CASE("npy_to_matrix checks hand-built arrays", "[io][npy]") {
  ca::NpyArray<double> a;
  a.shape = {2, 3};
  a.data = {1, 2, 3, 4, 5};
  REQUIRE_THROWS_WITH(ca::npy_to_matrix(a, "a"), Contains("has 5 values") && Contains("needs 6"));
  a.data.push_back(6);
  const ca::Matrix<double> m = ca::npy_to_matrix(a, "a");
  REQUIRE(m(1, 0) == 4);
  REQUIRE(m(0, 2) == 3);
  a.shape = {0, std::numeric_limits<std::size_t>::max()};
  a.data.clear();
  REQUIRE_THROWS_WITH(ca::npy_to_matrix(a, "a"), Contains("too large for an Eigen matrix"));
  a.shape = {std::numeric_limits<std::size_t>::max() / 2, 4};
  REQUIRE_THROWS_WITH(ca::npy_to_matrix(a, "a"), Contains("more than size_t can count"));
}
