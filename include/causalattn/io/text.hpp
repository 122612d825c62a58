#pragma once
/// \file
/// Text utilities of the io module, public because the parsers, the parameter files (nn) and the
/// command-line tool all need them: whole-file loading, line iteration, trimming, locale-free number
/// parsing and exact formatting. Namespace `causalattn::io`.
/// Example: `double v; if (causalattn::io::parse_number("2.5", v) == causalattn::io::NumberStatus::ok) ...`

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstddef>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>
#include <system_error>
#include <vector>

#include "causalattn/core/errors.hpp"

namespace causalattn::io {

/// What a reader accepts, checked while it reads (a file is never loaded whole before its limits
/// apply, so /dev/zero, a pipe without end or a binary file given as text fail at once).
struct ReadLimits {
  std::size_t max_bytes = std::size_t{1} << 30;  ///< largest accepted file (default 1 GiB)
  std::size_t max_line_bytes = 0;                ///< longest accepted line of a text file; 0 = no limit
  bool text = false;                             ///< reject NUL bytes (a binary file where text is expected)
  std::string_view magic;                        ///< bytes the file must start with (binary formats); empty = any
  std::string_view what = "file";                ///< what the file should be, for messages ("a .npy file")
};

/// Reads a file as bytes, at most `limits.max_bytes`, 1 MiB at a time; throws `invalid_input(path,
/// ...)` if it cannot be opened or read, is a directory, exceeds a limit, holds a NUL byte where
/// text is expected or does not start with `limits.magic`. A regular file's size is checked before
/// anything is read. O(bytes read).
/// Example: `causalattn::io::ReadLimits text; text.text = true; auto bytes = causalattn::io::read_file_bytes("g.txt", text);`
inline std::string read_file_bytes(const std::string& path, const ReadLimits& limits = {}) {
  auto mib = [](std::size_t bytes) { return std::to_string((bytes + (std::size_t{1} << 20) - 1) >> 20) + " MiB"; };
  struct stat status {};
  if (::stat(path.c_str(), &status) == 0) {
    if ((status.st_mode & S_IFMT) == S_IFDIR) throw invalid_input(path, "is a directory, not a file");
    if ((status.st_mode & S_IFMT) == S_IFREG && std::uint64_t(status.st_size) > limits.max_bytes) {
      throw invalid_input(path, "is " + mib(std::size_t(status.st_size)) + ", more than the " + mib(limits.max_bytes) +
                                    " this reader accepts");
    }
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw invalid_input(path, "cannot open file for reading");
  std::string bytes;
  std::vector<char> chunk(std::size_t{1} << 20);
  std::size_t line = 0, line_number = 1;  // bytes since the last newline; current line
  while (in) {
    in.read(chunk.data(), std::streamsize(chunk.size()));
    const std::size_t got = std::size_t(in.gcount());
    if (got == 0) break;
    if (bytes.size() + got > limits.max_bytes) {
      throw invalid_input(path, "has more than the " + mib(limits.max_bytes) + " this reader accepts (stopped reading there)");
    }
    if (limits.text || limits.max_line_bytes > 0) {
      for (std::size_t k = 0; k < got; ++k) {
        const char c = chunk[k];
        if (limits.text && c == '\0') {
          throw invalid_input(path, "line " + std::to_string(line_number) + " holds a NUL byte: not " + std::string(limits.what) +
                                        " (a binary file?)");
        }
        if (c == '\n') {
          line = 0;
          ++line_number;
        } else if (limits.max_line_bytes > 0 && ++line > limits.max_line_bytes) {
          throw invalid_input(path, "line " + std::to_string(line_number) + " is longer than " + std::to_string(limits.max_line_bytes) +
                                        " bytes: not " + std::string(limits.what) + "?");
        }
      }
    }
    bytes.append(chunk.data(), got);
    if (!limits.magic.empty() && bytes.size() >= limits.magic.size() && bytes.size() == got &&
        std::string_view(bytes).substr(0, limits.magic.size()) != limits.magic) {
      throw invalid_input(path, "is not " + std::string(limits.what) + " (its first bytes differ)");
    }
  }
  if (in.bad()) throw invalid_input(path, "read error");
  if (!limits.magic.empty() && std::string_view(bytes).substr(0, limits.magic.size()) != limits.magic) {
    throw invalid_input(path, "is not " + std::string(limits.what) + " (its first bytes differ)");
  }
  return bytes;
}

/// The limits of a text format's reader: NUL bytes rejected, at most `max_bytes`.
/// Example: `auto text = causalattn::io::read_file_bytes(path, causalattn::io::text_limits("a Tetrad graph file"));`
inline ReadLimits text_limits(std::string_view what, std::size_t max_bytes = std::size_t{256} << 20) {
  ReadLimits limits;
  limits.text = true;
  limits.max_bytes = max_bytes;
  limits.what = what;
  return limits;
}

/// Writes `bytes` to a file; throws `invalid_input(path, ...)` if it cannot be opened or any byte
/// fails to reach it (a full disk, /dev/full). A regular file (or a new one) is written to a
/// temporary file beside it and renamed over it, so a failed write leaves the old file untouched.
inline void write_file_bytes(const std::string& path, const std::string& bytes) {
  struct stat status {};
  const bool exists = ::stat(path.c_str(), &status) == 0;
  if (exists && (status.st_mode & S_IFMT) == S_IFDIR) throw invalid_input(path, "is a directory, not a file");
  const bool replace = !exists || (status.st_mode & S_IFMT) == S_IFREG;
  const std::string target = replace ? path + ".tmp" + std::to_string(::getpid()) : path;
  {
    std::ofstream out(target, std::ios::binary | std::ios::trunc);
    if (!out) throw invalid_input(path, "cannot open file for writing");
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      out.close();
      if (replace) std::remove(target.c_str());
      throw invalid_input(path, "write error (disk full?)");
    }
    out.close();
    if (!out) {
      if (replace) std::remove(target.c_str());
      throw invalid_input(path, "write error (disk full?)");
    }
  }
  if (replace && std::rename(target.c_str(), path.c_str()) != 0) {
    std::remove(target.c_str());
    throw invalid_input(path, "cannot replace the file");
  }
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
