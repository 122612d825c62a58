#pragma once
/// \file
/// A small JSON value with a strict parser and a writer: enough for graph files, model metadata and
/// the command-line tool's `--format json` output, without a third-party dependency.

#include <cmath>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "causalattn/core/errors.hpp"
#include "causalattn/io/text.hpp"

namespace causalattn {

/// A JSON value: null, boolean, number (double), string, array or object (keys sorted on output).
/// Example:
/// \code
///   auto v = causalattn::JsonValue::parse(R"({"n": 3, "names": ["a", "b"]})");
///   double n = v.at("n").as_number();
///   causalattn::JsonValue out = causalattn::JsonValue::object();
///   out.set("ate", 1794.3);
///   std::string text = out.dump();   // {"ate":1794.3}
/// \endcode
class JsonValue {
 public:
  /// The kind of value held.
  enum class Type { null, boolean, number, string, array, object };
  /// The elements of an array.
  using Array = std::vector<JsonValue>;
  /// The members of an object, sorted by key.
  using Object = std::map<std::string, JsonValue>;

  /// null.
  JsonValue() = default;
  /// A boolean.
  JsonValue(bool b) : type_(Type::boolean), bool_(b) {}  // NOLINT(google-explicit-constructor)
  /// A number; must be finite (JSON has no NaN or infinity).
  JsonValue(double x) : type_(Type::number), number_(x) {  // NOLINT(google-explicit-constructor)
    if (!std::isfinite(x)) throw invalid_input("json", "cannot hold the non-finite number " + io::format_exact(x));
  }
  /// A number from an integer.
  JsonValue(int x) : JsonValue(static_cast<double>(x)) {}  // NOLINT(google-explicit-constructor)
  /// A number from an index or count.
  JsonValue(long long x) : JsonValue(static_cast<double>(x)) {}  // NOLINT(google-explicit-constructor)
  /// A number from an index or count.
  JsonValue(long x) : JsonValue(static_cast<double>(x)) {}  // NOLINT(google-explicit-constructor)
  /// A string.
  JsonValue(std::string s) : type_(Type::string), string_(std::move(s)) {}  // NOLINT(google-explicit-constructor)
  /// A string.
  JsonValue(const char* s) : JsonValue(std::string(s)) {}  // NOLINT(google-explicit-constructor)
  /// An array.
  JsonValue(Array a) : type_(Type::array), array_(std::move(a)) {}  // NOLINT(google-explicit-constructor)

  /// An empty object.
  static JsonValue object() {
    JsonValue v;
    v.type_ = Type::object;
    return v;
  }
  /// An empty array.
  static JsonValue array() { return JsonValue(Array{}); }

  /// Parses a complete JSON text (RFC 8259; nesting limited to 256 levels). Throws
  /// `invalid_input(source, ...)` naming the line and column of the first error. O(bytes).
  static JsonValue parse(std::string_view text, const std::string& source = "json");

  /// The kind of value held. O(1).
  Type type() const noexcept { return type_; }
  /// True for null. O(1).
  bool is_null() const noexcept { return type_ == Type::null; }
  /// True for an object. O(1).
  bool is_object() const noexcept { return type_ == Type::object; }
  /// True for an array. O(1).
  bool is_array() const noexcept { return type_ == Type::array; }

  /// The boolean; throws `invalid_input` naming `what` if this is not a boolean.
  bool as_bool(const std::string& what = "json value") const { return expect(Type::boolean, what).bool_; }
  /// The number; throws if this is not a number.
  double as_number(const std::string& what = "json value") const { return expect(Type::number, what).number_; }
  /// The string; throws if this is not a string.
  const std::string& as_string(const std::string& what = "json value") const {
    return expect(Type::string, what).string_;
  }
  /// The elements; throws if this is not an array.
  const Array& as_array(const std::string& what = "json value") const { return expect(Type::array, what).array_; }
  /// The members; throws if this is not an object.
  const Object& as_object(const std::string& what = "json value") const {
    return expect(Type::object, what).object_;
  }

  /// Member `key` of an object; throws `invalid_input` if this is not an object or has no such key.
  const JsonValue& at(const std::string& key) const {
    const auto& members = as_object("json object");
    const auto it = members.find(key);
    if (it == members.end()) throw invalid_input("json", "missing key '" + key + "'");
    return it->second;
  }
  /// True if this is an object with member `key`.
  bool contains(const std::string& key) const { return type_ == Type::object && object_.count(key) != 0; }
  /// Sets member `key` of an object (turns null into an object). Returns *this for chaining.
  JsonValue& set(const std::string& key, JsonValue value) {
    if (type_ == Type::null) type_ = Type::object;
    expect(Type::object, "json object");
    object_[key] = std::move(value);
    return *this;
  }
  /// Appends to an array (turns null into an array). Returns *this for chaining.
  JsonValue& push_back(JsonValue value) {
    if (type_ == Type::null) type_ = Type::array;
    expect(Type::array, "json array");
    array_.push_back(std::move(value));
    return *this;
  }

  /// Serialises compactly (indent < 0) or pretty-printed with `indent` spaces per level. Numbers are
  /// written with the fewest digits that read back exactly. O(size).
  std::string dump(int indent = -1) const {
    std::string out;
    dump_to(out, indent, 0);
    return out;
  }

  /// Deep equality: same type and the same content (numbers compared exactly).
  friend bool operator==(const JsonValue& x, const JsonValue& y) {
    if (x.type_ != y.type_) return false;
    switch (x.type_) {
      case Type::null: return true;
      case Type::boolean: return x.bool_ == y.bool_;
      case Type::number: return x.number_ == y.number_;
      case Type::string: return x.string_ == y.string_;
      case Type::array: return x.array_ == y.array_;
      case Type::object: return x.object_ == y.object_;
    }
    return false;
  }
  /// Negation of ==.
  friend bool operator!=(const JsonValue& x, const JsonValue& y) { return !(x == y); }

 private:
  const JsonValue& expect(Type t, const std::string& what) const {
    if (type_ != t) throw invalid_input("json", what + " has the wrong type (expected " + type_name(t) + ", got " + type_name(type_) + ")");
    return *this;
  }
  static std::string type_name(Type t) {
    switch (t) {
      case Type::null: return "null";
      case Type::boolean: return "boolean";
      case Type::number: return "number";
      case Type::string: return "string";
      case Type::array: return "array";
      case Type::object: return "object";
    }
    return "unknown";
  }
  static void dump_string(std::string& out, const std::string& s) {
    static const char* hex = "0123456789abcdef";
    out += '"';
    for (unsigned char c : s) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
          if (c < 0x20) {
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 15];
          } else {
            out += static_cast<char>(c);
          }
      }
    }
    out += '"';
  }
  void dump_to(std::string& out, int indent, int depth) const {
    const auto newline = [&](int d) {
      if (indent < 0) return;
      out += '\n';
      out.append(static_cast<std::size_t>(indent * d), ' ');
    };
    switch (type_) {
      case Type::null: out += "null"; break;
      case Type::boolean: out += bool_ ? "true" : "false"; break;
      case Type::number: out += io::format_exact(number_); break;
      case Type::string: dump_string(out, string_); break;
      case Type::array:
        out += '[';
        for (std::size_t i = 0; i < array_.size(); ++i) {
          if (i) out += ',';
          newline(depth + 1);
          array_[i].dump_to(out, indent, depth + 1);
        }
        if (!array_.empty()) newline(depth);
        out += ']';
        break;
      case Type::object: {
        out += '{';
        bool first = true;
        for (const auto& [key, value] : object_) {
          if (!first) out += ',';
          first = false;
          newline(depth + 1);
          dump_string(out, key);
          out += indent < 0 ? ":" : ": ";
          value.dump_to(out, indent, depth + 1);
        }
        if (!object_.empty()) newline(depth);
        out += '}';
        break;
      }
    }
  }

  Type type_ = Type::null;
  bool bool_ = false;
  double number_ = 0;
  std::string string_;
  Array array_;
  Object object_;
};

namespace detail {

/// Recursive-descent parser behind `JsonValue::parse`.
class JsonParser {
 public:
  JsonParser(std::string_view text, const std::string& source) : text_(text), source_(source) {}

  JsonValue parse_document() {
    JsonValue v = parse_value(0);
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the JSON value");
    return v;
  }

 private:
  static constexpr int max_depth = 256;

  [[noreturn]] void fail(const std::string& what) const {
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < pos_ && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    throw invalid_input(source_, "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + what);
  }
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) ++pos_;
  }
  bool consume(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  JsonValue parse_literal() {
    for (const auto& [word, value] : {std::pair<std::string_view, JsonValue>{"true", JsonValue(true)},
                                      {"false", JsonValue(false)}, {"null", JsonValue()}}) {
      if (text_.substr(pos_, word.size()) == word) {
        pos_ += word.size();
        return value;
      }
    }
    fail("invalid literal");
  }
  JsonValue parse_value(int depth) {
    if (depth > max_depth) fail("nesting deeper than 256 levels");
    skip_space();
    if (pos_ >= text_.size()) fail("unexpected end of input");
    const char c = text_[pos_];
    if (c == '{') return parse_object(depth);
    if (c == '[') return parse_array(depth);
    if (c == '"') return JsonValue(parse_string());
    if (c == 't' || c == 'f' || c == 'n') return parse_literal();
    if (c == '-' || (c >= '0' && c <= '9')) return JsonValue(parse_number());
    fail(std::string("unexpected character '") + c + "'");
  }
  JsonValue parse_object(int depth) {
    ++pos_;
    JsonValue v = JsonValue::object();
    if (consume('}')) return v;
    do {
      skip_space();
      if (pos_ >= text_.size() || text_[pos_] != '"') fail("expected a string key");
      std::string key = parse_string();
      if (v.contains(key)) fail("duplicate key '" + key + "'");
      if (!consume(':')) fail("expected ':' after a key");
      v.set(key, parse_value(depth + 1));
    } while (consume(','));
    if (!consume('}')) fail("expected ',' or '}' in an object");
    return v;
  }
  JsonValue parse_array(int depth) {
    ++pos_;
    JsonValue v = JsonValue::array();
    if (consume(']')) return v;
    do {
      v.push_back(parse_value(depth + 1));
    } while (consume(','));
    if (!consume(']')) fail("expected ',' or ']' in an array");
    return v;
  }
  double parse_number() {
    const std::size_t start = pos_;
    auto digits = [&] {
      const std::size_t from = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
      return pos_ - from;
    };
    if (text_[pos_] == '-') ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '0') {
      ++pos_;
    } else if (digits() == 0) {
      fail("invalid number");
    }
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      if (digits() == 0) fail("invalid number: digits expected after '.'");
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (digits() == 0) fail("invalid number: digits expected in the exponent");
    }
    double value = 0;
    if (io::parse_number(text_.substr(start, pos_ - start), value) != io::NumberStatus::ok ||
        !std::isfinite(value)) {
      fail("number " + io::excerpt(text_.substr(start, pos_ - start)) + " is out of the range of double");
    }
    return value;
  }
  unsigned parse_hex4() {
    if (pos_ + 4 > text_.size()) fail("truncated \\u escape");
    unsigned code = 0;
    for (int i = 0; i < 4; ++i) {
      const char h = text_[pos_++];
      code <<= 4;
      if (h >= '0' && h <= '9') code |= static_cast<unsigned>(h - '0');
      else if (h >= 'a' && h <= 'f') code |= static_cast<unsigned>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') code |= static_cast<unsigned>(h - 'A' + 10);
      else fail("invalid hex digit in \\u escape");
    }
    return code;
  }
  static void append_utf8(std::string& out, unsigned code) {
    if (code < 0x80) {
      out += static_cast<char>(code);
    } else if (code < 0x800) {
      out += static_cast<char>(0xC0 | (code >> 6));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      out += static_cast<char>(0xE0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (code >> 18));
      out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    }
  }
  std::string parse_string() {
    ++pos_;  // opening quote
    std::string out;
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) break;
      const char e = text_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned code = parse_hex4();
          if (code >= 0xD800 && code <= 0xDBFF) {
            if (text_.substr(pos_, 2) != "\\u") fail("unpaired surrogate in \\u escape");
            pos_ += 2;
            const unsigned low = parse_hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail("invalid low surrogate in \\u escape");
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          } else if (code >= 0xDC00 && code <= 0xDFFF) {
            fail("unpaired surrogate in \\u escape");
          }
          append_utf8(out, code);
          break;
        }
        default: fail(std::string("invalid escape '\\") + e + "'");
      }
    }
    fail("unterminated string");
  }

  std::string_view text_;
  const std::string& source_;
  std::size_t pos_ = 0;
};

}  // namespace detail

inline JsonValue JsonValue::parse(std::string_view text, const std::string& source) {
  return detail::JsonParser(text, source).parse_document();
}

}  // namespace causalattn
