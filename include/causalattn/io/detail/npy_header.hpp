#pragma once
/// \file
/// Internals of the .npy reader and writer (`causalattn/io/npy.hpp`): byte-order helpers, shape
/// arithmetic with overflow checks, message formatting, and a parser for the header dictionary.
/// Not part of the public API; names and signatures may change without notice.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "causalattn/core/errors.hpp"

namespace causalattn {
namespace detail {

/// True when the host stores multi-byte integers least significant byte first. Decided at run time
/// from the object representation of a `std::uint32_t`, so it needs no compiler macros; compilers
/// fold it to a constant. O(1).
/// Example: `if (!host_is_little_endian()) value = byte_swap(value);`
inline bool host_is_little_endian() noexcept {
  const std::uint32_t probe = 1;
  unsigned char first = 0;
  std::memcpy(&first, &probe, 1);
  return first == 1;
}

/// Reverses the byte order of a 16-bit word. O(1). Example: `byte_swap(std::uint16_t{0x1122}) == 0x2211`.
constexpr std::uint16_t byte_swap(std::uint16_t v) noexcept { return std::uint16_t((v << 8) | (v >> 8)); }

/// Reverses the byte order of a 32-bit word. O(1). Example: `byte_swap(0x11223344u) == 0x44332211u`.
constexpr std::uint32_t byte_swap(std::uint32_t v) noexcept {
  return ((v & 0x000000FFu) << 24) | ((v & 0x0000FF00u) << 8) | ((v & 0x00FF0000u) >> 8) |
         ((v & 0xFF000000u) >> 24);
}

/// Reverses the byte order of a 64-bit word. O(1).
/// Example: `byte_swap(std::uint64_t{0x0102030405060708}) == 0x0807060504030201`.
constexpr std::uint64_t byte_swap(std::uint64_t v) noexcept {
  return (static_cast<std::uint64_t>(byte_swap(static_cast<std::uint32_t>(v & 0xFFFFFFFFu))) << 32) |
         byte_swap(static_cast<std::uint32_t>(v >> 32));
}

/// Reads an unsigned little-endian integer of `n <= 8` bytes starting at `p` (which the caller has
/// bound-checked), independent of host byte order. O(n).
/// Example: `read_le_uint("\x10\x00", 2) == 16`.
inline std::uint64_t read_le_uint(const char* p, std::size_t n) noexcept {
  std::uint64_t v = 0;
  for (std::size_t i = n; i-- > 0;) {
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  }
  return v;
}

/// Formats a shape the way NumPy prints it, as a Python tuple: "()", "(3,)", "(3, 4)". O(rank).
inline std::string format_shape(const std::vector<std::size_t>& shape) {
  std::string out = "(";
  for (std::size_t k = 0; k < shape.size(); ++k) {
    if (k > 0) out += ", ";
    out += std::to_string(shape[k]);
  }
  if (shape.size() == 1) out += ",";
  return out + ")";
}

/// Formats a multi-index for messages: "()", "(5)", "(2, 5)". O(rank).
inline std::string format_index(const std::vector<std::size_t>& index) {
  std::string out = "(";
  for (std::size_t k = 0; k < index.size(); ++k) {
    if (k > 0) out += ", ";
    out += std::to_string(index[k]);
  }
  return out + ")";
}

/// The multi-index of position `flat` of an array of this shape stored in C (row-major) order;
/// `flat` must be below the element count. O(rank).
/// Example: `c_order_index({3, 7}, 19) == {2, 5}`.
inline std::vector<std::size_t> c_order_index(const std::vector<std::size_t>& shape, std::size_t flat) {
  std::vector<std::size_t> index(shape.size(), 0);
  for (std::size_t k = shape.size(); k-- > 0;) {
    if (shape[k] == 0) break;  // unreachable for a valid flat index; guards the division
    index[k] = flat % shape[k];
    flat /= shape[k];
  }
  return index;
}

/// Escapes bytes for quoting inside an error message: printable ASCII is kept, anything else
/// becomes "\xNN", and text longer than `max_chars` bytes is cut with "...". O(min(n, max_chars)).
/// Example: `printable("\x93NUMPY") == "\\x93NUMPY"`.
inline std::string printable(std::string_view bytes, std::size_t max_chars = 40) {
  static const char hex[] = "0123456789abcdef";
  std::string out;
  const std::size_t n = bytes.size() < max_chars ? bytes.size() : max_chars;
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  if (bytes.size() > n) out += "...";
  return out;
}

/// Multiplies two sizes, returning false instead of wrapping around on overflow. O(1).
/// Example: `std::size_t r; checked_multiply(a, b, r)`.
inline bool checked_multiply(std::size_t a, std::size_t b, std::size_t& result) noexcept {
  if (a != 0 && b > std::numeric_limits<std::size_t>::max() / a) return false;
  result = a * b;
  return true;
}

/// What the header dictionary of a supported .npy file says.
struct NpyHeader {
  char byte_order = '<';            ///< '<' little-endian, '>' big-endian, '=' host order
  std::size_t item_size = 8;        ///< 2 (float16), 4 (float32) or 8 (float64)
  bool fortran_order = false;       ///< data stored column-major (first index fastest)
  std::vector<std::size_t> shape;   ///< one entry per dimension; empty for a scalar (rank 0)
};

/// Names a NumPy type kind letter for messages ("i" -> "signed integer"). O(1).
inline const char* dtype_kind_name(char kind) noexcept {
  switch (kind) {
    case 'b': return "boolean";
    case 'i': return "signed integer";
    case 'u': return "unsigned integer";
    case 'f': return "floating point";
    case 'c': return "complex";
    case 'm': return "timedelta";
    case 'M': return "datetime";
    case 'O': return "Python object";
    case 'S': case 'a': return "byte string";
    case 'U': return "unicode string";
    case 'V': return "raw/void";
    default: return nullptr;
  }
}

/// Non-recursive, single-pass parser for the header dictionary of a .npy file, a Python literal such
/// as `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }` followed by padding. Accepts
/// keys in any order, either quote style, any whitespace (including newlines), an optional trailing
/// comma, and Python 2's `L` suffix on shape entries. Every access is bound-checked. O(header size).
/// Example: `auto h = NpyHeaderParser(text, "x.npy", 10).parse();`
class NpyHeaderParser {
 public:
  /// \param text   the header text (between the length field and the data).
  /// \param source file name used in messages.
  /// \param base   byte offset of `text` within the file, so messages can give file offsets.
  NpyHeaderParser(std::string_view text, const std::string& source, std::size_t base)
      : text_(text), source_(source), base_(base) {}

  /// Parses the whole header and checks that exactly the three required keys are present.
  /// Throws `invalid_input(source, ...)` describing the first problem and its byte offset.
  NpyHeader parse() {
    NpyHeader header;
    bool seen_descr = false, seen_order = false, seen_shape = false;
    skip_space();
    if (peek() != '{') {
      fail("header is not a Python dict literal: expected '{' but found " + describe_here());
    }
    ++pos_;
    while (true) {
      skip_space();
      if (peek() == '}') break;
      const std::size_t key_at = pos_;
      if (peek() != '\'' && peek() != '"') {
        fail("header dict: expected a quoted key or '}' but found " + describe_here());
      }
      const std::string key = parse_string();
      bool* seen = nullptr;
      if (key == "descr") {
        seen = &seen_descr;
      } else if (key == "fortran_order") {
        seen = &seen_order;
      } else if (key == "shape") {
        seen = &seen_shape;
      } else {
        fail_at(key_at, "header dict has unknown key '" + printable(key) +
                            "'; a .npy header has exactly the keys 'descr', 'fortran_order' and 'shape'");
      }
      if (*seen) fail_at(key_at, "header dict has duplicate key '" + key + "'");
      *seen = true;
      skip_space();
      if (peek() != ':') fail("header dict: expected ':' after key '" + key + "' but found " + describe_here());
      ++pos_;
      skip_space();
      if (key == "descr") {
        parse_descr(header);
      } else if (key == "fortran_order") {
        header.fortran_order = parse_bool();
      } else {
        header.shape = parse_shape();
      }
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == '}') break;
      fail("header dict: expected ',' or '}' after the value of '" + key + "' but found " + describe_here());
    }
    ++pos_;  // the closing '}'
    skip_space();
    if (pos_ < text_.size()) {
      fail("unexpected text after the header dict: " + describe_here());
    }
    if (!seen_descr) fail_at(0, "header dict is missing the key 'descr' (the dtype)");
    if (!seen_order) fail_at(0, "header dict is missing the key 'fortran_order'");
    if (!seen_shape) fail_at(0, "header dict is missing the key 'shape'");
    return header;
  }

 private:
  static constexpr int end_of_text = -1;

  int peek() const noexcept {
    return pos_ < text_.size() ? static_cast<unsigned char>(text_[pos_]) : end_of_text;
  }

  static bool is_space(int c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  }

  static bool is_delimiter(int c) noexcept {
    return c == end_of_text || is_space(c) || c == ',' || c == ')' || c == '}' || c == ']' || c == ':';
  }

  void skip_space() noexcept {
    while (is_space(peek())) ++pos_;
  }

  /// The text from the current position to the next delimiter (at least one byte), for messages.
  std::string token_here() const {
    std::size_t end = pos_;
    while (end < text_.size() && (end == pos_ || !is_delimiter(static_cast<unsigned char>(text_[end])))) {
      ++end;
    }
    return printable(text_.substr(pos_, end - pos_), 24);
  }

  std::string describe_here() const {
    if (pos_ >= text_.size()) return "the end of the header";
    return "'" + token_here() + "'";
  }

  [[noreturn]] void fail_at(std::size_t at, const std::string& what) const {
    throw invalid_input(source_, what + " (at byte " + std::to_string(base_ + at) + ")");
  }

  [[noreturn]] void fail(const std::string& what) const { fail_at(pos_, what); }

  /// A single- or double-quoted string without escape sequences; `pos_` is on the opening quote.
  std::string parse_string() {
    const std::size_t start = pos_;
    const int quote = peek();
    ++pos_;
    std::string value;
    while (true) {
      const int c = peek();
      if (c == end_of_text || c == '\n' || c == '\r') fail_at(start, "header dict: unterminated string");
      if (c == '\\') fail("header dict: backslash escapes in strings are not supported");
      ++pos_;
      if (c == quote) break;
      value += static_cast<char>(c);
    }
    return value;
  }

  void parse_descr(NpyHeader& header) {
    const std::size_t at = pos_;
    const std::string supported =
        "only float32 ('<f4', '>f4', '=f4') and float64 ('<f8', '>f8', '=f8') are supported";
    if (peek() == '[') {
      fail("unsupported dtype: structured dtypes (a list of fields in 'descr') are not supported; " + supported);
    }
    if (peek() != '\'' && peek() != '"') {
      fail("header dict: 'descr' must be a dtype string such as '<f8', found " + describe_here());
    }
    const std::string descr = parse_string();
    if (descr.size() == 3 && (descr[0] == '<' || descr[0] == '>' || descr[0] == '=') && descr[1] == 'f' &&
        (descr[2] == '2' || descr[2] == '4' || descr[2] == '8')) {
      header.byte_order = descr[0];
      header.item_size = std::size_t(descr[2] - '0');
      return;
    }
    std::string what = "unsupported dtype '" + printable(descr) + "'";
    const std::size_t kind_at = !descr.empty() && (descr[0] == '<' || descr[0] == '>' || descr[0] == '=' ||
                                                   descr[0] == '|')
                                    ? 1
                                    : 0;
    if (kind_at < descr.size()) {
      const char kind = descr[kind_at];
      if (const char* name = dtype_kind_name(kind)) {
        // For these kinds the digits after the letter are the item size in bytes ('<i8').
        const std::string digits = descr.substr(kind_at + 1);
        const bool sized = std::string_view("biufc").find(kind) != std::string_view::npos &&
                           !digits.empty() && digits.size() <= 2 &&
                           digits.find_first_not_of("0123456789") == std::string::npos;
        what += std::string(" (") + (sized ? digits + "-byte " : std::string()) + name + ")";
      }
    }
    fail_at(at, what + "; " + supported);
  }

  bool parse_bool() {
    const std::string token = token_here();
    if (peek() != end_of_text && text_.substr(pos_).substr(0, 4) == "True" && is_delimiter(peek_at(pos_ + 4))) {
      pos_ += 4;
      return true;
    }
    if (peek() != end_of_text && text_.substr(pos_).substr(0, 5) == "False" &&
        is_delimiter(peek_at(pos_ + 5))) {
      pos_ += 5;
      return false;
    }
    fail("header dict: 'fortran_order' must be True or False, found " +
         (pos_ >= text_.size() ? std::string("the end of the header") : "'" + token + "'"));
  }

  int peek_at(std::size_t at) const noexcept {
    return at < text_.size() ? static_cast<unsigned char>(text_[at]) : end_of_text;
  }

  static bool is_digit(int c) noexcept { return c >= '0' && c <= '9'; }

  /// One shape entry: optional '+', decimal digits, optional Python 2 'L' suffix.
  std::size_t parse_dimension(std::size_t position) {
    const std::size_t start = pos_;
    const std::string entry = "shape entry " + std::to_string(position);
    if (peek() == '-') {
      fail(entry + " is negative: '" + token_here() + "'; dimensions must be non-negative integers");
    }
    if (peek() == '+') ++pos_;
    if (!is_digit(peek())) {
      pos_ = start;
      fail(entry + " is not an integer: " + describe_here());
    }
    std::size_t value = 0;
    bool too_large = false;
    while (is_digit(peek())) {
      const auto digit = static_cast<std::size_t>(peek() - '0');
      if (value > (std::numeric_limits<std::size_t>::max() - digit) / 10) too_large = true;
      if (!too_large) value = value * 10 + digit;
      ++pos_;
    }
    if (peek() == 'L' || peek() == 'l') ++pos_;
    if (!is_delimiter(peek())) {
      pos_ = start;
      fail(entry + " is not an integer: " + describe_here());
    }
    if (too_large) {
      pos_ = start;
      fail(entry + " " + describe_here() + " is too large: it does not fit in size_t (max " +
           std::to_string(std::numeric_limits<std::size_t>::max()) + ")");
    }
    return value;
  }

  std::vector<std::size_t> parse_shape() {
    const std::size_t start = pos_;
    if (peek() != '(') {
      fail("header dict: 'shape' must be a tuple of integers such as (3, 4), found " + describe_here());
    }
    ++pos_;
    std::vector<std::size_t> shape;
    bool trailing_comma = false;
    while (true) {
      skip_space();
      if (peek() == ')') break;
      shape.push_back(parse_dimension(shape.size()));
      skip_space();
      if (peek() == ',') {
        ++pos_;
        trailing_comma = true;
        continue;
      }
      trailing_comma = false;
      if (peek() == ')') break;
      fail("header dict: expected ',' or ')' in 'shape' but found " + describe_here());
    }
    ++pos_;  // the closing ')'
    if (shape.size() == 1 && !trailing_comma) {
      fail_at(start, "header dict: 'shape' must be a tuple, but (" + std::to_string(shape[0]) +
                         ") is an integer in Python; a 1-d shape is written (" + std::to_string(shape[0]) + ",)");
    }
    return shape;
  }

  std::string_view text_;
  std::string source_;
  std::size_t base_;
  std::size_t pos_ = 0;
};

}  // namespace detail
}  // namespace causalattn
