#pragma once
/// \file
/// Text utilities of the io module, public because the parsers, the parameter files (nn) and the
/// command-line tool all need them: whole-file loading, line iteration, trimming, locale-free number
/// parsing and exact formatting. Namespace `causalattn::io`.
/// Example: `double v; if (causalattn::io::parse_number("2.5", v) == causalattn::io::NumberStatus::ok) ...`

#include <charconv>
#include <cstddef>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <system_error>
#include <vector>

#include "causalattn/core/errors.hpp"

namespace causalattn::io {

/// Reads a whole file as bytes; throws `invalid_input(path, ...)` if it cannot be opened or read.
inline std::string read_file_bytes(const std::string& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR) {
    throw invalid_input(path, "is a directory, not a file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw invalid_input(path, "cannot open file for reading");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw invalid_input(path, "read error");
  return bytes;
}

/// Writes `bytes` to a file; throws `invalid_input(path, ...)` on failure.
inline void write_file_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw invalid_input(path, "cannot open file for writing");
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw invalid_input(path, "write error");
}

/// Removes a leading UTF-8 byte-order mark.
inline std::string_view strip_bom(std::string_view text) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  return text;
}

/// True for the blanks that separate fields: space and tab.
constexpr bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

/// `s` without leading and trailing spaces, tabs and carriage returns.
inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (is_blank(s.front()) || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (is_blank(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

/// Splits `s` at blanks into words.
inline std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> words;
  std::size_t pos = 0;
  while (pos < s.size()) {
    while (pos < s.size() && is_blank(s[pos])) ++pos;
    const std::size_t start = pos;
    while (pos < s.size() && !is_blank(s[pos])) ++pos;
    if (pos > start) words.push_back(s.substr(start, pos - start));
  }
  return words;
}

/// Iterates over the lines of a text, numbering them from 1 and dropping "\n" / "\r\n".
class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}

  /// Moves to the next line; false at the end of the text.
  bool next() {
    if (pos_ >= text_.size()) return false;
    const std::size_t end = text_.find('\n', pos_);
    const std::size_t stop = end == std::string_view::npos ? text_.size() : end;
    line_ = text_.substr(pos_, stop - pos_);
    if (!line_.empty() && line_.back() == '\r') line_.remove_suffix(1);
    pos_ = end == std::string_view::npos ? text_.size() : end + 1;
    ++number_;
    return true;
  }
  /// The current line without its terminator.
  std::string_view line() const noexcept { return line_; }
  /// 1-based number of the current line.
  std::size_t number() const noexcept { return number_; }

 private:
  std::string_view text_;
  std::string_view line_;
  std::size_t pos_ = 0;
  std::size_t number_ = 0;
};

/// Outcome of parsing one number.
enum class NumberStatus { ok, not_a_number, out_of_range };

/// Parses all of `text` (an optional leading '+' allowed) as a `T` in the C locale.
template <class T>
NumberStatus parse_number(std::string_view text, T& value) {
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
    if (!text.empty() && text.front() == '-') return NumberStatus::not_a_number;  // "+-1"
  }
  if (text.empty() || text.front() == '+' || text.front() == ' ') return NumberStatus::not_a_number;
  const char* first = text.data();
  const char* last = first + text.size();
  const auto [ptr, ec] = std::from_chars(first, last, value);
  if (ec == std::errc::result_out_of_range) return NumberStatus::out_of_range;
  if (ec != std::errc() || ptr != last) return NumberStatus::not_a_number;
  return NumberStatus::ok;
}

/// Shortens `s` for an error message (at most `limit` characters, with "...").
inline std::string excerpt(std::string_view s, std::size_t limit = 40) {
  if (s.size() <= limit) return std::string(s);
  return std::string(s.substr(0, limit)) + "...";
}

/// Formats a floating-point value so that reading it back gives the same value.
template <class T>
std::string format_exact(T value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

}  // namespace causalattn::io
