#pragma once
/// \file
/// CSV / whitespace-delimited table reader (header row, numeric cells) and writer.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include <Eigen/Core>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/core/names.hpp"
#include "causalattn/core/scalar.hpp"
#include "causalattn/core/text_column.hpp"
#include "causalattn/io/text.hpp"

namespace causalattn {

/// Field separator of a table file.
enum class Delimiter {
  automatic,  ///< from the header line: ',' if present, else tab, else ';', else runs of blanks
  comma,      ///< ','
  tab,        ///< one tab per separator (empty cells are visible)
  semicolon,  ///< ';'
  whitespace  ///< runs of spaces and tabs; leading and trailing blanks ignored
};

/// Options of `parse_csv` / `read_csv`. Defaults read a headed, auto-delimited numeric table.
struct CsvOptions {
  /// Field separator; default `automatic` (see `Delimiter`).
  Delimiter delimiter = Delimiter::automatic;
  /// Columns to return, by header name and in this order; empty (default) = all columns. Columns
  /// not selected are not parsed, so they may hold text (ids, labels).
  std::vector<std::string> columns;
  /// Columns returned as text, by header name and in this order, in `CsvTable::text` (their cells
  /// are not parsed as numbers; an empty or missing cell is an error). They may not also be in
  /// `columns`; with `columns` empty, every other column is numeric. Default none.
  std::vector<std::string> text_columns;
  /// True (default): the first line holds column names. False: every line is data and the columns
  /// are named X1..Xp.
  bool has_header = true;
  /// False (default): a header whose every field is a number is rejected as "missing header",
  /// which catches data files without one. True: accept numeric column names.
  bool allow_numeric_header = false;
  /// Longest accepted line in bytes, terminator excluded; default 524288 (512 KiB), range >= 1.
  /// Longer lines are rejected, so a corrupt or binary file fails fast with a clear message.
  std::size_t max_line_bytes = std::size_t{512} * 1024;
  /// False (default): an empty or missing (NA, NaN, null, ...) cell is an error naming it. True: a
  /// missing cell of a numeric column is read as NaN and counted in `CsvTable::missing` (text
  /// columns still refuse them), for a missing-value policy to handle (see `apply_missing_policy`).
  bool allow_missing = false;
  /// Largest accepted file in bytes; default 1 GiB. Checked while reading (a longer stream, e.g.
  /// /dev/zero or an endless pipe, stops there with a clear message).
  std::size_t max_bytes = std::size_t{1} << 30;

  /// Throws `invalid_input` if an option is out of range.
  void validate() const {
    if (max_line_bytes == 0) throw invalid_input("options.max_line_bytes", "is 0, must be >= 1");
    if (max_bytes == 0) throw invalid_input("options.max_bytes", "is 0, must be >= 1");
    auto check_names = [](const std::string& option, const std::vector<std::string>& names) {
      for (std::size_t k = 0; k < names.size(); ++k) {
        if (names[k].empty()) throw invalid_input(option, "entry " + std::to_string(k) + " is an empty column name");
        for (std::size_t m = 0; m < k; ++m)
          if (names[m] == names[k]) {
            throw invalid_input(option, "column '" + names[k] + "' is selected twice (entries " + std::to_string(m) + " and " +
                                            std::to_string(k) + ")");
          }
      }
    };
    check_names("options.columns", columns);
    check_names("options.text_columns", text_columns);
    for (const auto& name : text_columns)
      if (std::find(columns.begin(), columns.end(), name) != columns.end()) {
        throw invalid_input("options.text_columns", "column '" + name + "' is also in options.columns (numeric)");
      }
  }
};

/// A numeric table: column names and an n x p column-major matrix (rows = data lines).
template <class Scalar = double>
struct CsvTable {
  std::vector<std::string> names;  ///< column names, one per matrix column
  Matrix<Scalar> data;             ///< values, rows = samples
  std::vector<TextColumn> text;    ///< the columns of `CsvOptions::text_columns`, in that order
  /// Missing cells per column of `data` (NaN there); all 0 unless `CsvOptions::allow_missing`.
  std::vector<Index> missing;

  /// Index of the numeric column called `name`; throws `invalid_input` if there is none (saying so
  /// when `name` is one of the text columns). O(p).
  Index column(const std::string& name) const {
    for (std::size_t j = 0; j < names.size(); ++j)
      if (names[j] == name) return static_cast<Index>(j);
    for (const auto& t : text)
      if (t.name == name)
        throw invalid_input("column", "'" + name + "' is a text column (see CsvTable::text), not a numeric one");
    throw invalid_input("column", "no column named '" + name + "'");
  }
};

namespace detail {

/// Splits one line into fields: quotes ("a, b" and "" for a quote inside) are honoured, blanks
/// around unquoted fields are trimmed. Fields cannot span lines.
class FieldSplitter {
 public:
  FieldSplitter(const std::string& source, Delimiter delimiter) : source_(source), delimiter_(delimiter) {}

  /// Splits `line` (1-based number `line_number`) into `fields`, reusing their storage.
  void split(std::string_view line, std::size_t line_number, std::vector<std::string>& fields) const {
    std::size_t count = 0;
    std::size_t pos = 0;
    const bool blanks = delimiter_ == Delimiter::whitespace;
    if (blanks) pos = skip_blanks(line, pos);
    if (blanks && pos == line.size()) {
      fields.clear();
      return;
    }
    for (;;) {
      if (count == fields.size()) fields.emplace_back();
      std::string& field = fields[count++];
      field.clear();
      pos = skip_blanks(line, pos);
      if (pos < line.size() && line[pos] == '"') {
        pos = read_quoted(line, pos + 1, line_number, count, field);
        pos = skip_blanks(line, pos);
        if (pos < line.size() && !is_separator(line[pos])) {
          throw error(line_number, count, "unexpected character '" + std::string(1, line[pos]) +
                                              "' after a closing quote");
        }
      } else {
        const std::size_t start = pos;
        while (pos < line.size() && !is_separator(line[pos])) ++pos;
        field.assign(io::trim(line.substr(start, pos - start)));
      }
      if (pos >= line.size()) break;
      pos = blanks ? skip_blanks(line, pos) : pos + 1;  // consume the separator
      if (blanks && pos == line.size()) break;
    }
    fields.resize(count);
  }

 private:
  char separator() const {
    switch (delimiter_) {
      case Delimiter::tab: return '\t';
      case Delimiter::semicolon: return ';';
      default: return ',';
    }
  }
  bool is_separator(char c) const { return delimiter_ == Delimiter::whitespace ? io::is_blank(c) : c == separator(); }
  std::size_t skip_blanks(std::string_view line, std::size_t pos) const {
    while (pos < line.size() && io::is_blank(line[pos]) && !(delimiter_ == Delimiter::tab && line[pos] == '\t')) ++pos;
    return pos;
  }
  std::size_t read_quoted(std::string_view line, std::size_t pos, std::size_t line_number, std::size_t column,
                          std::string& field) const {
    while (pos < line.size()) {
      if (line[pos] != '"') {
        field.push_back(line[pos++]);
      } else if (pos + 1 < line.size() && line[pos + 1] == '"') {
        field.push_back('"');
        pos += 2;
      } else {
        return pos + 1;
      }
    }
    throw error(line_number, column, "quoted field is not closed on this line (fields cannot span lines)");
  }
  invalid_input error(std::size_t line_number, std::size_t column, const std::string& what) const {
    return invalid_input(source_, "line " + std::to_string(line_number) + ", column " + std::to_string(column) +
                                      ": " + what);
  }

  const std::string& source_;
  Delimiter delimiter_;
};

/// The delimiter `automatic` resolves to for a header line (quoted text ignored).
inline Delimiter detect_delimiter(std::string_view header) {
  bool quoted = false, comma = false, tab = false, semicolon = false;
  for (char c : header) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    comma = comma || c == ',';
    tab = tab || c == '\t';
    semicolon = semicolon || c == ';';
  }
  if (comma) return Delimiter::comma;
  if (tab) return Delimiter::tab;
  if (semicolon) return Delimiter::semicolon;
  return Delimiter::whitespace;
}

/// True for the spellings of a missing value that spreadsheets, R and pandas write.
inline bool is_missing_token(std::string_view s) {
  for (std::string_view token : {"NA", "N/A", "n/a", "na", "NaN", "nan", "NAN", "null", "NULL", "None", "?", "."})
    if (s == token) return true;
  return false;
}

/// True if every field parses as a finite number.
inline bool all_numeric(const std::vector<std::string>& fields) {
  for (const auto& f : fields) {
    double v = 0;
    if (io::parse_number(f, v) != io::NumberStatus::ok) return false;
  }
  return !fields.empty();
}

}  // namespace detail

/// Parses a table held in memory. The first line is the header (unless `options.has_header` is
/// false); every other line is one sample: numbers, except in `options.text_columns`, which are
/// returned as text in `CsvTable::text`. Accepts ',' / tab / ';' / blank-separated
/// fields, double-quoted fields, CRLF line ends, a UTF-8 byte-order mark and trailing blank lines.
/// Every malformed input throws `invalid_input` naming `source`, the 1-based line and column and the
/// column name: ragged rows, non-numeric, empty or missing (NA) cells (unless
/// `options.allow_missing`: then NaN, counted per column), non-finite or out-of-range
/// numbers, empty input, a missing or duplicated header name, unknown selected columns, blank lines
/// between rows, lines longer than `options.max_line_bytes`.
/// \param text    the file contents.
/// \param options delimiter, column selection, header handling, line limit.
/// \param source  name used in error messages (the path, for `read_csv`).
/// Complexity O(bytes). Example:
/// \code
///   auto t = causalattn::parse_csv<double>("x,y\n1,2\n3,4\n");
///   // t.names == {"x", "y"}, t.data == [[1, 2], [3, 4]]
/// \endcode
template <class Scalar = double>
CsvTable<Scalar> parse_csv(std::string_view text, const CsvOptions& options = {}, const std::string& source = "csv") {
  static_assert(is_supported_scalar_v<Scalar>, "parse_csv reads float or double");
  options.validate();
  text = io::strip_bom(text);
  if (io::trim(text).find_first_not_of("\r\n") == std::string_view::npos) {
    throw invalid_input(source, "is empty (no header and no data)");
  }

  io::LineReader lines(text);
  auto check_length = [&](std::string_view line, std::size_t number) {
    if (line.size() > options.max_line_bytes) {
      throw invalid_input(source, "line " + std::to_string(number) + " is " + std::to_string(line.size()) +
                                      " bytes long, more than options.max_line_bytes = " +
                                      std::to_string(options.max_line_bytes));
    }
  };
  lines.next();
  check_length(lines.line(), 1);
  if (io::trim(lines.line()).empty()) {
    throw invalid_input(source, "line 1 is empty; expected the header with column names");
  }
  const Delimiter delimiter =
      options.delimiter == Delimiter::automatic ? detail::detect_delimiter(lines.line()) : options.delimiter;
  const detail::FieldSplitter splitter(source, delimiter);

  std::vector<std::string> fields;
  splitter.split(lines.line(), 1, fields);
  std::vector<std::string> header;
  bool first_line_is_data = false;
  if (options.has_header) {
    header = fields;
    std::unordered_map<std::string, std::size_t> seen;
    for (std::size_t j = 0; j < header.size(); ++j) {
      if (header[j].empty()) {
        throw invalid_input(source, "line 1, column " + std::to_string(j + 1) + ": the header has an empty column name");
      }
      if (!seen.emplace(header[j], j).second) {
        throw invalid_input(source, "line 1: column name '" + header[j] + "' appears twice (columns " +
                                        std::to_string(seen[header[j]] + 1) + " and " + std::to_string(j + 1) + ")");
      }
    }
    if (!options.allow_numeric_header && detail::all_numeric(header)) {
      throw invalid_input(source, "line 1 holds only numbers, so the header with column names is missing "
                                  "(set options.has_header = false if it is data, or options.allow_numeric_header = true if the "
                                  "numbers are the names)");
    }
  } else {
    header = default_variable_names(static_cast<Index>(fields.size()));
    first_line_is_data = true;
  }
  const std::size_t width = header.size();

  // Selected columns, in the order asked for.
  auto find_column = [&](const std::string& option, const std::string& name) {
    std::size_t j = 0;
    while (j < width && header[j] != name) ++j;
    if (j == width) {
      std::string available;
      for (std::size_t k = 0; k < width && k < 30; ++k) available += (k ? ", " : "") + header[k];
      if (width > 30) available += ", ...";
      throw invalid_input(option, "no column named '" + name + "' in " + source + " (columns: " + available + ")");
    }
    return j;
  };
  std::vector<std::size_t> selected, text_selected;
  for (const auto& name : options.text_columns) text_selected.push_back(find_column("options.text_columns", name));
  if (options.columns.empty()) {
    for (std::size_t j = 0; j < width; ++j)
      if (std::find(text_selected.begin(), text_selected.end(), j) == text_selected.end()) selected.push_back(j);
  } else {
    for (const auto& name : options.columns) selected.push_back(find_column("options.columns", name));
  }
  std::vector<TextColumn> text_values(text_selected.size());
  for (std::size_t k = 0; k < text_selected.size(); ++k) text_values[k].name = header[text_selected[k]];

  // The rows, counted before any is parsed (the non-blank lines), so the table is allocated once at
  // its final size: the peak memory is the text plus the table. A valid row holds `width` non-empty
  // cells and width - 1 delimiters, so the table never exceeds 8 / (2 width - 1) bytes per byte of
  // text, whatever the lines claim (shorter lines are refused when they are parsed).
  std::size_t expected_rows = first_line_is_data ? 1 : 0;
  for (io::LineReader counter = lines; counter.next();) expected_rows += io::trim(counter.line()).empty() ? 0 : 1;
  expected_rows = std::min(expected_rows, text.size() / (2 * width - 1) + 1);
  Matrix<Scalar> data(static_cast<Index>(expected_rows), static_cast<Index>(selected.size()));
  std::vector<Scalar> row_values(selected.size());
  std::vector<Index> missing(selected.size(), 0);
  std::size_t rows = 0;
  std::size_t blank_line = 0;  // a blank line is fine only if nothing but blank lines follows it
  auto parse_row = [&](std::size_t number) {
    if (fields.size() != width) {
      throw invalid_input(source, "line " + std::to_string(number) + " has " + std::to_string(fields.size()) +
                                      " fields, the header has " + std::to_string(width));
    }
    auto where_of = [&](std::size_t j) {
      return "line " + std::to_string(number) + ", column " + std::to_string(j + 1) + " ('" + header[j] + "')";
    };
    auto check_present = [&](std::size_t j) {
      const std::string& cell = fields[j];
      const bool text_column = std::find(text_selected.begin(), text_selected.end(), j) != text_selected.end();
      const std::string why = text_column ? " (a text column cannot hold missing values)"
                                          : " (read as NaN with options.allow_missing)";
      if (cell.empty()) throw invalid_input(source, where_of(j) + ": empty cell" + why);
      if (detail::is_missing_token(cell)) throw invalid_input(source, where_of(j) + ": missing value '" + cell + "'" + why);
    };
    for (const std::size_t j : text_selected) check_present(j);
    for (std::size_t k = 0; k < selected.size(); ++k) {
      const std::size_t j = selected[k];
      const std::string& cell = fields[j];
      const auto where = [&] { return where_of(j); };
      if (options.allow_missing && (cell.empty() || detail::is_missing_token(cell))) {
        row_values[k] = std::numeric_limits<Scalar>::quiet_NaN();
        ++missing[k];
        continue;
      }
      check_present(j);
      Scalar v{};
      switch (io::parse_number(cell, v)) {
        case io::NumberStatus::not_a_number:
          throw invalid_input(source, where() + ": '" + io::excerpt(cell) + "' is not a number");
        case io::NumberStatus::out_of_range:
          throw invalid_input(source, where() + ": " + io::excerpt(cell) + " is out of the range of " +
                                          (std::is_same_v<Scalar, float> ? "float" : "double"));
        case io::NumberStatus::ok: break;
      }
      if (!std::isfinite(v)) throw invalid_input(source, where() + ": non-finite value '" + cell + "'");
      row_values[k] = v;
    }
    if (rows == expected_rows) {  // cannot happen for a row that passed the checks above (see expected_rows)
      throw invalid_input(source, "line " + std::to_string(number) + " holds more rows than its text can");
    }
    for (std::size_t k = 0; k < selected.size(); ++k) data(static_cast<Index>(rows), static_cast<Index>(k)) = row_values[k];
    for (std::size_t k = 0; k < text_selected.size(); ++k) text_values[k].push_back(fields[text_selected[k]]);
    ++rows;
  };

  if (first_line_is_data) parse_row(1);
  while (lines.next()) {
    check_length(lines.line(), lines.number());
    const bool blank = io::trim(lines.line()).empty();
    if (blank) {
      if (blank_line == 0) blank_line = lines.number();
      continue;
    }
    if (blank_line != 0) {
      throw invalid_input(source, "line " + std::to_string(blank_line) + " is blank but data rows follow it");
    }
    splitter.split(lines.line(), lines.number(), fields);
    parse_row(lines.number());
  }
  if (rows == 0) throw invalid_input(source, "has a header but no data rows");

  CsvTable<Scalar> table;
  for (std::size_t j : selected) table.names.push_back(header[j]);
  if (rows != expected_rows) data.conservativeResize(static_cast<Index>(rows), Eigen::NoChange);
  table.data = std::move(data);
  table.text = std::move(text_values);
  table.missing = std::move(missing);
  return table;
}

/// Reads a table file; see `parse_csv` for the format and the errors (which name `path`).
/// Complexity O(file size). Example: `auto t = causalattn::read_csv("lalonde.csv", {.columns = {"re78"}});`
template <class Scalar = double>
CsvTable<Scalar> read_csv(const std::string& path, const CsvOptions& options = {}) {
  options.validate();
  io::ReadLimits limits = io::text_limits("a text table", options.max_bytes);
  limits.max_line_bytes = options.max_line_bytes;
  return parse_csv<Scalar>(io::read_file_bytes(path, limits), options, path);
}

/// Writes `names` and `data` as comma-separated text with a header; numbers are written with the
/// fewest digits that read back to the same value, names are quoted when they contain ',', '"' or
/// blanks. Throws `invalid_input` on a name/column count mismatch, an empty name or one holding a
/// line break (`read_csv` could not read either back), or a non-finite value. O(n p).
/// Example: `causalattn::write_csv(std::cout, {"x", "y"}, M);`
template <class Derived>
void write_csv(std::ostream& out, const std::vector<std::string>& names, const Eigen::DenseBase<Derived>& data) {
  if (static_cast<Index>(names.size()) != data.cols()) {
    throw invalid_input("names", "has " + std::to_string(names.size()) + " entries but data has " +
                                     std::to_string(data.cols()) + " columns");
  }
  check_finite("data", data);
  for (std::size_t j = 0; j < names.size(); ++j) {
    if (names[j].empty() || names[j].find_first_of("\r\n") != std::string::npos) {
      throw invalid_input("names", "entry " + std::to_string(j) + " is empty or holds a line break");
    }
  }
  for (std::size_t j = 0; j < names.size(); ++j) {
    const std::string& name = names[j];
    const bool quote = name.find_first_of(",\" \t;") != std::string::npos;
    if (j) out << ',';
    if (!quote) {
      out << name;
      continue;
    }
    out << '"';
    for (char c : name) out << (c == '"' ? "\"\"" : std::string(1, c));
    out << '"';
  }
  out << '\n';
  for (Index i = 0; i < data.rows(); ++i) {
    for (Index j = 0; j < data.cols(); ++j) out << (j ? "," : "") << io::format_exact(data(i, j));
    out << '\n';
  }
}

}  // namespace causalattn
