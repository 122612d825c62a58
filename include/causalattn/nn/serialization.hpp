#pragma once
/// \file
/// A versioned, checksummed binary format for model parameters, and its strict reader.
///
/// Layout (all integers little-endian):
///   "CATTNPRM" (8 bytes) | u32 format version (1) | u32 scalar bytes (4 float, 8 double) |
///   u64 tensor count | per tensor: u32 name length, name (UTF-8), u64 rows, u64 cols,
///   rows * cols values column-major (IEEE 754, little-endian) | u64 FNV-1a-64 of all bytes before it.

#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "causalattn/core/checks.hpp"
#include "causalattn/core/errors.hpp"
#include "causalattn/io/text.hpp"
#include "causalattn/nn/parameter.hpp"

namespace causalattn {

/// Current version of the parameter file format.
inline constexpr std::uint32_t parameter_format_version = 1;

/// A named tensor read from a parameter file.
template <class Scalar>
struct NamedTensor {
  std::string name;      ///< parameter name
  Matrix<Scalar> value;  ///< its value
};

namespace detail {

inline constexpr char parameter_magic[8] = {'C', 'A', 'T', 'T', 'N', 'P', 'R', 'M'};
inline constexpr std::uint32_t max_parameter_name = 4096;

/// FNV-1a, 64 bit.
template <typename = void>
std::uint64_t fnv1a64(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

/// Appends `value` as `bytes` little-endian bytes.
template <typename = void>
void put_le(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((value >> (8 * i)) & 0xFF);
}

/// The IEEE bit pattern of a float or double as an unsigned integer.
template <class Scalar>
std::uint64_t scalar_bits(Scalar v) {
  if constexpr (sizeof(Scalar) == 4) {
    std::uint32_t b;
    std::memcpy(&b, &v, 4);
    return b;
  } else {
    std::uint64_t b;
    std::memcpy(&b, &v, 8);
    return b;
  }
}

/// What a parameter file may be: starts with the magic bytes, at most 4 GiB.
inline io::ReadLimits parameter_file_limits() {
  io::ReadLimits limits;
  limits.max_bytes = std::size_t{4} << 30;
  limits.magic = std::string_view(parameter_magic, sizeof parameter_magic);
  limits.what = "a causalattn parameter file";
  return limits;
}

/// Bounds-checked little-endian reader over untrusted bytes.
class ByteReader {
 public:
  ByteReader(std::string_view bytes, const std::string& source) : bytes_(bytes), source_(source) {}
  std::uint64_t uint(int width, const char* what) {
    need(static_cast<std::size_t>(width), what);
    std::uint64_t v = 0;
    for (int i = 0; i < width; ++i) v |= std::uint64_t(static_cast<unsigned char>(bytes_[pos_ + std::size_t(i)])) << (8 * i);
    pos_ += static_cast<std::size_t>(width);
    return v;
  }
  std::string_view take(std::size_t n, const char* what) {
    need(n, what);
    const auto s = bytes_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::size_t position() const noexcept { return pos_; }
  std::size_t remaining() const noexcept { return bytes_.size() - pos_; }
  [[noreturn]] void fail(const std::string& what) const {
    throw invalid_input(source_, what + " (at byte " + std::to_string(pos_) + ")");
  }

 private:
  void need(std::size_t n, const char* what) const {
    if (n > remaining()) {
      fail(std::string("truncated: ") + what + " needs " + std::to_string(n) + " bytes, " + std::to_string(remaining()) +
           " remain");
    }
  }
  std::string_view bytes_;
  const std::string& source_;
  std::size_t pos_ = 0;
};

}  // namespace detail

/// The parameters of `registry` in the causalattn parameter format (see the file comment). Throws
/// `invalid_input` if a value is not finite. O(parameters).
/// Example: `std::string bytes = causalattn::serialize_parameters(params);`
template <class Scalar>
std::string serialize_parameters(const ParameterRegistry<Scalar>& registry) {
  static_assert(is_supported_scalar_v<Scalar>, "parameters are float or double");
  std::string out(detail::parameter_magic, sizeof detail::parameter_magic);
  detail::put_le(out, parameter_format_version, 4);
  detail::put_le(out, sizeof(Scalar), 4);
  detail::put_le(out, registry.size(), 8);
  for (const auto& e : registry.entries()) {
    const Matrix<Scalar>& v = e.parameter->value;
    check_finite(e.name, v);
    detail::put_le(out, e.name.size(), 4);
    out += e.name;
    detail::put_le(out, static_cast<std::uint64_t>(v.rows()), 8);
    detail::put_le(out, static_cast<std::uint64_t>(v.cols()), 8);
    for (Index j = 0; j < v.cols(); ++j)
      for (Index i = 0; i < v.rows(); ++i) detail::put_le(out, detail::scalar_bits(v(i, j)), int(sizeof(Scalar)));
  }
  detail::put_le(out, detail::fnv1a64(out), 8);
  return out;
}

/// Parses a parameter file held in memory. Every defect throws `invalid_input(source, ...)` naming
/// it and the byte offset: wrong magic, unsupported version, a scalar type other than `Scalar`, a
/// truncated or oversized field, an empty, overlong or duplicate name, an empty or oversized shape,
/// a non-finite value, trailing bytes, or a checksum mismatch (corruption). Nothing is allocated
/// beyond what the remaining bytes can hold. O(bytes).
/// Example: `auto tensors = causalattn::parse_parameters<float>(bytes, "model.bin");`
template <class Scalar>
std::vector<NamedTensor<Scalar>> parse_parameters(std::string_view bytes, const std::string& source = "parameters") {
  static_assert(is_supported_scalar_v<Scalar>, "parameters are float or double");
  detail::ByteReader in(bytes, source);
  if (in.take(8, "magic") != std::string_view(detail::parameter_magic, 8)) {
    throw invalid_input(source, "not a causalattn parameter file (bad magic bytes)");
  }
  const auto version = in.uint(4, "version");
  if (version != parameter_format_version) {
    in.fail("format version " + std::to_string(version) + " is not supported (this build reads version " +
            std::to_string(parameter_format_version) + ")");
  }
  const auto scalar_bytes = in.uint(4, "scalar size");
  if (scalar_bytes != sizeof(Scalar)) {
    in.fail("the file holds " + std::string(scalar_bytes == 4 ? "float" : scalar_bytes == 8 ? "double" : "unknown") +
            " values (" + std::to_string(scalar_bytes) + " bytes), the model is " +
            (sizeof(Scalar) == 4 ? "float" : "double"));
  }
  const auto count = in.uint(8, "tensor count");
  if (count > in.remaining() / 21) in.fail("tensor count " + std::to_string(count) + " cannot fit in the file");
  std::vector<NamedTensor<Scalar>> tensors;
  std::set<std::string, std::less<>> names;  // duplicate names in O(log n), not by scanning (150k tensors)
  for (std::uint64_t t = 0; t < count; ++t) {
    const auto name_length = in.uint(4, "name length");
    if (name_length == 0 || name_length > detail::max_parameter_name) {
      in.fail("tensor " + std::to_string(t) + " has a name of " + std::to_string(name_length) + " bytes (1 to 4096 allowed)");
    }
    std::string name(in.take(static_cast<std::size_t>(name_length), "name"));
    if (!names.insert(name).second) in.fail("tensor name '" + name + "' appears twice");
    const auto rows = in.uint(8, "rows"), cols = in.uint(8, "cols");
    const std::uint64_t max_values = in.remaining() / sizeof(Scalar);
    if (rows == 0 || cols == 0) {
      in.fail("tensor '" + name + "' has the empty shape " + std::to_string(rows) + " x " + std::to_string(cols));
    }
    if (rows > max_values || cols > max_values / rows) {
      in.fail("tensor '" + name + "' of shape " + std::to_string(rows) + " x " + std::to_string(cols) +
              " is larger than the rest of the file");
    }
    Matrix<Scalar> value(static_cast<Index>(rows), static_cast<Index>(cols));
    for (Index j = 0; j < value.cols(); ++j) {
      for (Index i = 0; i < value.rows(); ++i) {
        const std::uint64_t bits = in.uint(int(sizeof(Scalar)), "value");
        Scalar v;
        if constexpr (sizeof(Scalar) == 4) {
          const auto b32 = static_cast<std::uint32_t>(bits);
          std::memcpy(&v, &b32, 4);
        } else {
          std::memcpy(&v, &bits, 8);
        }
        if (!std::isfinite(v)) {
          in.fail("tensor '" + name + "' holds the non-finite value " + detail::to_text(v) + " at row " +
                  std::to_string(i) + ", column " + std::to_string(j));
        }
        value(i, j) = v;
      }
    }
    tensors.push_back({std::move(name), std::move(value)});
  }
  const std::size_t body = in.position();
  const auto stored = in.uint(8, "checksum");
  if (in.remaining() != 0) in.fail(std::to_string(in.remaining()) + " unexpected bytes after the checksum");
  if (stored != detail::fnv1a64(bytes.substr(0, body))) {
    throw invalid_input(source, "checksum mismatch: the file is corrupted");
  }
  return tensors;
}

/// Loads a parameter file held in memory into `registry`: the file must hold exactly the
/// registry's names with the same shapes (else `invalid_input` naming the first difference); the
/// registry is only modified when everything checks out. O(bytes).
/// Example: `causalattn::load_parameters(bytes, params);`
template <class Scalar>
void load_parameters(std::string_view bytes, ParameterRegistry<Scalar>& registry, const std::string& source = "parameters") {
  auto tensors = parse_parameters<Scalar>(bytes, source);
  if (tensors.size() != registry.size()) {
    throw invalid_input(source, "holds " + std::to_string(tensors.size()) + " tensors, the model has " +
                                    std::to_string(registry.size()));
  }
  std::map<std::string, Parameter<Scalar>*, std::less<>> by_name;
  for (const auto& e : registry.entries()) by_name.emplace(e.name, e.parameter);
  std::vector<Parameter<Scalar>*> targets;
  for (const auto& t : tensors) {
    const auto found = by_name.find(t.name);
    Parameter<Scalar>* target = found == by_name.end() ? nullptr : found->second;
    if (target == nullptr) throw invalid_input(source, "tensor '" + t.name + "' is not a parameter of the model");
    if (target->value.rows() != t.value.rows() || target->value.cols() != t.value.cols()) {
      throw invalid_input(source, "tensor '" + t.name + "' has shape " + std::to_string(t.value.rows()) + " x " +
                                      std::to_string(t.value.cols()) + ", the model expects " +
                                      std::to_string(target->value.rows()) + " x " + std::to_string(target->value.cols()));
    }
    targets.push_back(target);
  }
  for (std::size_t k = 0; k < tensors.size(); ++k) targets[k]->value = std::move(tensors[k].value);
}

/// Writes `serialize_parameters(registry)` to `path`.
template <class Scalar>
void save_parameters(const std::string& path, const ParameterRegistry<Scalar>& registry) {
  io::write_file_bytes(path, serialize_parameters(registry));
}

/// Reads `path` and loads it into `registry` (errors name `path`).
template <class Scalar>
void load_parameters_file(const std::string& path, ParameterRegistry<Scalar>& registry) {
  load_parameters(io::read_file_bytes(path, detail::parameter_file_limits()), registry, path);
}

}  // namespace causalattn
