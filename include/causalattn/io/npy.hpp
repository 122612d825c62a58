#pragma once
/// \file
/// Reading and writing NumPy `.npy` files (format versions 1.0, 2.0 and 3.0) of float16, float32 or
/// float64 data, so matrices can move between NumPy and causalattn without a text round trip.
///
/// A `.npy` file is the magic string "\x93NUMPY", a major and a minor version byte, the length of
/// the header (little-endian uint16 in version 1.0, uint32 in 2.0 and 3.0), the header itself (a
/// Python dict literal such as `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`,
/// padded with spaces and ended by '\n'), and then the raw array data.
///
/// Reading is strict about content and lenient about layout: any padding is accepted, keys may come
/// in any order, but the data must be float16, float32 or float64, exactly as long as the shape requires,
/// and finite. Every problem throws `invalid_input` naming the file (or the `source` given) and
/// the offending byte offset, key, value or index. No input makes the reader read out of bounds.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/core/scalar.hpp"
#include "causalattn/io/detail/npy_header.hpp"
#include "causalattn/io/text.hpp"

namespace causalattn {

/// An n-dimensional array read from a `.npy` file: its shape and its values in C (row-major)
/// order, i.e. the last index varies fastest, whatever the order in the file (Fortran-order files
/// are transposed on reading). `data.size()` is the product of `shape`; a rank-0 array (shape `()`)
/// has one value, and a shape containing 0 (e.g. `(0, 3)`) has none.
/// Example:
/// \code
///   causalattn::NpyArray<double> a = causalattn::read_npy("x.npy");  // shape (2, 3)
///   double v = a.data[1 * a.shape[1] + 2];                             // element [1, 2]
/// \endcode
template <class Scalar = double>
struct NpyArray {
  static_assert(is_supported_scalar_v<Scalar>, "causalattn supports float and double scalars");

  /// Length of each dimension; empty for a scalar.
  std::vector<std::size_t> shape;
  /// The values in C (row-major) order.
  std::vector<Scalar> data;
  /// Bytes per value in the file (2 float16, 4 float32, 8 float64): the precision the values carry.
  std::size_t file_item_size = sizeof(Scalar);
};

namespace detail {

static_assert(std::numeric_limits<double>::is_iec559 && std::numeric_limits<float>::is_iec559,
              "the .npy reader assumes IEEE-754 float and double");

/// The unsigned word with the same size as the floating type `Real`.
template <class Real>
using npy_word_t =
    std::conditional_t<sizeof(Real) == 2, std::uint16_t, std::conditional_t<sizeof(Real) == 4, std::uint32_t, std::uint64_t>>;

/// The float an IEEE 754 half-precision bit pattern encodes (subnormals, infinities and NaN
/// included); exact, since every half is a float. O(1).
/// Example: `half_to_float(0x3C00) == 1.0f`
inline float half_to_float(std::uint16_t h) noexcept {
  const std::uint32_t sign = std::uint32_t(h >> 15) << 31, exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF;
  float magnitude;
  if (exponent == 0) {
    magnitude = std::ldexp(float(mantissa), -24);  // subnormal (or zero): mantissa x 2^-24
  } else if (exponent == 31) {
    magnitude = mantissa == 0 ? std::numeric_limits<float>::infinity() : std::numeric_limits<float>::quiet_NaN();
  } else {
    magnitude = std::ldexp(float(mantissa | 0x400), int(exponent) - 25);
  }
  std::uint32_t bits;
  std::memcpy(&bits, &magnitude, 4);
  bits |= sign;
  float out;
  std::memcpy(&out, &bits, 4);
  return out;
}

/// Loads one `Real` from possibly unaligned memory, swapping bytes when `swap` is set. O(1).
template <class Real>
Real load_npy_value(const char* p, bool swap) noexcept {
  npy_word_t<Real> word;
  std::memcpy(&word, p, sizeof word);
  if (swap) word = byte_swap(word);
  Real value;
  std::memcpy(&value, &word, sizeof value);
  return value;
}

/// Decodes `count` values of type `Src` (whose byte size the header says) from `bytes`, which holds
/// exactly `count * sizeof(Src)` bytes, into C order. O(count).
template <class Src>
std::vector<Src> decode_npy_values(std::string_view bytes, const NpyHeader& header, std::size_t count) {
  const bool host_little = host_is_little_endian();
  const bool file_little = header.byte_order == '<' || (header.byte_order == '=' && host_little);
  const bool swap = file_little != host_little;
  std::vector<Src> out(count);
  const char* p = bytes.data();
  const std::size_t rank = header.shape.size();
  if (!header.fortran_order || rank < 2 || count == 0) {
    for (std::size_t i = 0; i < count; ++i) out[i] = load_npy_value<Src>(p + i * sizeof(Src), swap);
    return out;
  }
  // Fortran order: the file lists elements with the first index fastest. Walk that order with a
  // multi-index counter and keep the matching C-order offset up to date. count > 0 here, so every
  // dimension is >= 1 and every stride is at most count.
  std::vector<std::size_t> c_stride(rank, 1), index(rank, 0);
  for (std::size_t k = rank - 1; k > 0; --k) c_stride[k - 1] = c_stride[k] * header.shape[k];
  std::size_t c = 0;
  for (std::size_t s = 0; s < count; ++s) {
    out[c] = load_npy_value<Src>(p + s * sizeof(Src), swap);
    for (std::size_t k = 0; k < rank; ++k) {
      if (++index[k] < header.shape[k]) {
        c += c_stride[k];
        break;
      }
      c -= (header.shape[k] - 1) * c_stride[k];
      index[k] = 0;
    }
  }
  return out;
}

/// Checks decoded values (finite; when narrowing, within float's normal range, so nothing silently
/// becomes infinite, zero or subnormal) and converts them. O(n).
template <class Scalar, class Src>
std::vector<Scalar> finish_npy_values(std::vector<Src>&& values, const std::vector<std::size_t>& shape,
                                      const std::string& source) {
  constexpr bool narrowing = sizeof(Src) > sizeof(Scalar);
  for (std::size_t k = 0; k < values.size(); ++k) {
    const Src v = values[k];
    const bool finite = std::isfinite(v);
    const bool out_of_range =
        narrowing && finite &&
        (std::fabs(v) > static_cast<Src>(std::numeric_limits<Scalar>::max()) ||
         (v != 0 && std::fabs(v) < static_cast<Src>(std::numeric_limits<Scalar>::min())));
    if (!finite || out_of_range) {
      const std::string where = " at index " + format_index(c_order_index(shape, k)) + " (flat index " +
                                std::to_string(k) + " in C order)";
      if (!finite) throw invalid_input(source, "non-finite value " + to_text(v) + where);
      throw invalid_input(source, "value " + to_text(v) + where +
                                      " is outside the normal range of float (magnitudes " +
                                      to_text(std::numeric_limits<Scalar>::min()) + " to " +
                                      to_text(std::numeric_limits<Scalar>::max()) +
                                      "); read the file as double instead");
    }
  }
  if constexpr (std::is_same_v<Src, Scalar>) {
    return std::move(values);
  } else {
    std::vector<Scalar> out(values.size());
    for (std::size_t k = 0; k < values.size(); ++k) out[k] = static_cast<Scalar>(values[k]);
    return out;
  }
}

/// Serialises `m` as a version 1.0 `.npy` file; non-finite entries are reported under `argument`.
template <class Derived>
std::string to_npy_bytes(const Eigen::DenseBase<Derived>& m, bool fortran_order, const std::string& argument) {
  using Scalar = typename Derived::Scalar;
  static_assert(is_supported_scalar_v<Scalar>, "to_npy writes float or double matrices");
  const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> plain = m.derived();
  check_finite(argument, plain);

  std::string dict = std::string("{'descr': '") + (sizeof(Scalar) == 4 ? "<f4" : "<f8") +
                     "', 'fortran_order': " + (fortran_order ? "True" : "False") + ", 'shape': (" +
                     std::to_string(plain.rows()) + ", " + std::to_string(plain.cols()) + "), }";
  // magic (6) + version (2) + header length (2) + dict + padding + '\n' is a multiple of 64. The
  // dict of a rank-2 shape is under 120 bytes, so the length always fits version 1.0's uint16.
  const std::size_t unpadded = 10 + dict.size() + 1;
  const std::size_t preamble = (unpadded + 63) / 64 * 64;
  dict.append(preamble - unpadded, ' ');
  dict += '\n';
  const std::size_t header_len = dict.size();

  const std::size_t count = static_cast<std::size_t>(plain.size());
  std::string out;
  out.reserve(preamble + count * sizeof(Scalar));
  out.append("\x93NUMPY", 6);
  out += static_cast<char>(1);
  out += static_cast<char>(0);
  out += static_cast<char>(header_len & 0xFF);
  out += static_cast<char>((header_len >> 8) & 0xFF);
  out += dict;

  const bool swap = !host_is_little_endian();
  auto put = [&](Scalar v) {
    npy_word_t<Scalar> word;
    std::memcpy(&word, &v, sizeof word);
    if (swap) word = byte_swap(word);
    char raw[sizeof(Scalar)];
    std::memcpy(raw, &word, sizeof raw);
    out.append(raw, sizeof raw);
  };
  if (fortran_order) {
    for (Index j = 0; j < plain.cols(); ++j) {
      for (Index i = 0; i < plain.rows(); ++i) put(plain(i, j));
    }
  } else {
    for (Index i = 0; i < plain.rows(); ++i) {
      for (Index j = 0; j < plain.cols(); ++j) put(plain(i, j));
    }
  }
  return out;
}

}  // namespace detail

/// Parses the bytes of a whole `.npy` file held in memory. Accepts format versions 1.0, 2.0 and 3.0,
/// dtypes '<f2', '>f2', '=f2' (float16, as PyTorch's half attention), '<f4', '>f4', '=f4', '<f8', '>f8', '=f8'
/// ('=' is the host's byte order, as NumPy reads it),
/// C or Fortran order (the result is always C order), any rank, and any header padding. float32
/// data read as double is exact; float64 data read as float is rounded, and a magnitude above
/// `FLT_MAX` or a non-zero magnitude below `FLT_MIN` throws rather than becoming infinite, zero or
/// subnormal.
/// Throws `invalid_input(source, ...)` for a bad magic string, an unsupported version, a truncated
/// or malformed header (not a dict; missing, duplicate or unknown keys; unsupported dtype; a shape
/// entry that is negative, not an integer, or whose product overflows size_t), a data section
/// shorter or longer than the shape needs (both byte counts are given), and NaN or infinite values
/// (with the index of the first one in C order). O(file size).
/// \param bytes  the file's contents.
/// \param source name for messages, normally the file name.
/// Example:
/// \code
///   std::string bytes = causalattn::to_npy(X);
///   causalattn::NpyArray<float> a = causalattn::parse_npy<float>(bytes, "X");
/// \endcode
template <class Scalar = double>
NpyArray<Scalar> parse_npy(std::string_view bytes, const std::string& source = "npy") {
  static_assert(is_supported_scalar_v<Scalar>, "parse_npy reads into float or double");
  constexpr std::string_view magic("\x93NUMPY", 6);
  const std::size_t size = bytes.size();
  if (size < magic.size() && magic.substr(0, size) == bytes) {
    throw invalid_input(source, "is too short to be a .npy file (" + std::to_string(size) +
                                    " bytes; the magic string alone is 6)");
  }
  if (bytes.substr(0, magic.size()) != magic) {
    throw invalid_input(source, "is not a .npy file: bad magic string '" +
                                    detail::printable(bytes.substr(0, magic.size())) +
                                    "' (expected '\\x93NUMPY')");
  }
  if (size < 8) {
    throw invalid_input(source, "is truncated: it ends after " + std::to_string(size) +
                                    " bytes, before the format version");
  }
  const int major = static_cast<unsigned char>(bytes[6]);
  const int minor = static_cast<unsigned char>(bytes[7]);
  if (major < 1 || major > 3 || minor != 0) {
    throw invalid_input(source, "unsupported .npy format version " + std::to_string(major) + "." +
                                    std::to_string(minor) + "; versions 1.0, 2.0 and 3.0 are supported");
  }
  const std::size_t length_bytes = major == 1 ? 2 : 4;
  const std::size_t header_at = 8 + length_bytes;
  if (size < header_at) {
    throw invalid_input(source, "is truncated: it ends after " + std::to_string(size) +
                                    " bytes, inside the header length field (bytes 8 to " +
                                    std::to_string(header_at - 1) + ")");
  }
  const auto header_len = static_cast<std::size_t>(detail::read_le_uint(bytes.data() + 8, length_bytes));
  if (header_len > size - header_at) {
    throw invalid_input(source, "is truncated: the header length field says " + std::to_string(header_len) +
                                    " bytes but only " + std::to_string(size - header_at) +
                                    " bytes follow it");
  }
  const detail::NpyHeader header =
      detail::NpyHeaderParser(bytes.substr(header_at, header_len), source, header_at).parse();

  // Element count, with overflow checks. The product of the non-zero dimensions must fit in size_t
  // (in elements and in bytes) even when a zero dimension makes the array empty, so that the result
  // does not depend on the order of the dimensions.
  std::size_t nonzero_product = 1;
  bool has_zero = false;
  for (const std::size_t d : header.shape) {
    if (d == 0) {
      has_zero = true;
    } else if (!detail::checked_multiply(nonzero_product, d, nonzero_product)) {
      throw invalid_input(source, "shape " + detail::format_shape(header.shape) +
                                      " is too large: its element count overflows size_t");
    }
  }
  std::size_t nonzero_bytes = 0;
  if (!detail::checked_multiply(nonzero_product, header.item_size, nonzero_bytes)) {
    throw invalid_input(source, "shape " + detail::format_shape(header.shape) +
                                    " is too large: its size in bytes overflows size_t");
  }
  const std::size_t count = has_zero ? 0 : nonzero_product;
  const std::size_t expected = has_zero ? 0 : nonzero_bytes;
  const std::size_t data_at = header_at + header_len;
  const std::size_t actual = size - data_at;
  if (actual != expected) {
    throw invalid_input(source, "data section is " + std::to_string(actual) + " bytes but shape " +
                                    detail::format_shape(header.shape) + " of " +
                                    (header.item_size == 2 ? "float16" : header.item_size == 4 ? "float32" : "float64") + " needs " +
                                    std::to_string(expected) + " bytes (" + std::to_string(count) +
                                    " elements x " + std::to_string(header.item_size) + " bytes): " +
                                    (actual < expected ? "the data is truncated"
                                                       : std::to_string(actual - expected) + " trailing bytes"));
  }

  NpyArray<Scalar> array;
  array.shape = header.shape;
  array.file_item_size = header.item_size;
  const std::string_view payload = bytes.substr(data_at);
  if (header.item_size == 2) {
    const std::vector<std::uint16_t> halves = detail::decode_npy_values<std::uint16_t>(payload, header, count);
    std::vector<float> values(halves.size());
    for (std::size_t k = 0; k < halves.size(); ++k) values[k] = detail::half_to_float(halves[k]);
    array.data = detail::finish_npy_values<Scalar>(std::move(values), header.shape, source);
  } else if (header.item_size == 4) {
    array.data = detail::finish_npy_values<Scalar>(detail::decode_npy_values<float>(payload, header, count),
                                                   header.shape, source);
  } else {
    array.data = detail::finish_npy_values<Scalar>(detail::decode_npy_values<double>(payload, header, count),
                                                   header.shape, source);
  }
  return array;
}

/// Reads a whole `.npy` file (in binary) and parses it with `parse_npy`, naming `path` in every
/// message; a missing or unreadable file, one over 8 GiB or one without the .npy magic throws
/// `invalid_input(path, ...)` (checked while reading). O(file size).
/// Example: `auto a = causalattn::read_npy<float>("weights.npy");`
template <class Scalar = double>
NpyArray<Scalar> read_npy(const std::string& path) {
  io::ReadLimits limits;
  limits.max_bytes = std::size_t{8} << 30;
  limits.magic = std::string_view("\x93NUMPY", 6);
  limits.what = "a .npy file";
  return parse_npy<Scalar>(io::read_file_bytes(path, limits), path);
}

/// Converts an array of rank at most 2 to a column-major Eigen matrix: shape (r, c) gives r x c,
/// shape (n,) gives n x 1 and shape () gives 1 x 1; empty shapes such as (0, 3) give a 0 x 3
/// matrix. Throws `invalid_input(source, ...)` for rank >= 3, for a dimension beyond
/// `Eigen::Index`, or if `data.size()` does not match `shape` (possible only for hand-built
/// arrays). O(size).
/// Example: `causalattn::Matrix<double> X = causalattn::npy_to_matrix(causalattn::read_npy("x.npy"), "x.npy");`
template <class Scalar>
Matrix<Scalar> npy_to_matrix(const NpyArray<Scalar>& array, const std::string& source = "npy") {
  const auto& shape = array.shape;
  if (shape.size() > 2) {
    throw invalid_input(source, "has shape " + detail::format_shape(shape) + " (rank " +
                                    std::to_string(shape.size()) + "); a matrix needs rank <= 2");
  }
  const std::size_t rows = shape.empty() ? 1 : shape[0];
  const std::size_t cols = shape.size() == 2 ? shape[1] : 1;
  constexpr auto index_max = static_cast<std::size_t>(std::numeric_limits<Index>::max());
  if (rows > index_max || cols > index_max) {
    throw invalid_input(source, "shape " + detail::format_shape(shape) +
                                    " has a dimension too large for an Eigen matrix");
  }
  std::size_t count = 0;
  const bool fits = detail::checked_multiply(rows, cols, count);
  if (!fits || count != array.data.size()) {
    throw invalid_input(source, "has " + std::to_string(array.data.size()) + " values but shape " +
                                    detail::format_shape(shape) + " needs " +
                                    (fits ? std::to_string(count) : std::string("more than size_t can count")));
  }
  using RowMajor = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  return Eigen::Map<const RowMajor>(array.data.data(), static_cast<Index>(rows), static_cast<Index>(cols));
}

/// Reads a `.npy` file of rank <= 2 straight into a column-major matrix (`read_npy` followed by
/// `npy_to_matrix`, both naming `path`). O(file size).
/// Example: `causalattn::Matrix<double> X = causalattn::read_npy_matrix("x.npy");`
template <class Scalar = double>
Matrix<Scalar> read_npy_matrix(const std::string& path) {
  return npy_to_matrix(read_npy<Scalar>(path), path);
}

/// Serialises a float or double matrix as the bytes of a version 1.0 `.npy` file with dtype '<f8'
/// (double) or '<f4' (float), shape (rows, cols) (also for vectors), and the header padded with
/// spaces so that the preamble is a multiple of 64 bytes, as NumPy writes it. The data are in
/// C order, or column by column with 'fortran_order': True when `fortran_order` is set.
/// Expressions are evaluated first. Throws `invalid_input("matrix", ...)` naming the row and column
/// of a non-finite entry. O(rows * cols).
/// Example: `std::string bytes = causalattn::to_npy(X);  // np.load(io.BytesIO(bytes)) == X`
template <class Derived>
std::string to_npy(const Eigen::DenseBase<Derived>& m, bool fortran_order = false) {
  return detail::to_npy_bytes(m, fortran_order, "matrix");
}

/// Writes `m` to `path` as a `.npy` file (see `to_npy`), replacing any existing file. Throws
/// `invalid_input(path, ...)` for a non-finite entry (with its row and column), a file that cannot
/// be opened, or a failed write. O(rows * cols).
/// Example: `causalattn::write_npy("X.npy", X);  // np.load("X.npy")`
template <class Derived>
void write_npy(const std::string& path, const Eigen::DenseBase<Derived>& m, bool fortran_order = false) {
  io::write_file_bytes(path, detail::to_npy_bytes(m, fortran_order, path));
}

}  // namespace causalattn
