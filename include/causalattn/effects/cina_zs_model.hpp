#pragma once
/// \file
/// The zero-shot CInA model (CInA-ZS, methods/cina.md section 5): a permutation-equivariant
/// transformer encoder over the units of a data set whose final keys give the balancing kernel and
/// whose value head gives each unit's balancing weight. Tokens, the network and its file format.

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <type_traits>
#include <vector>

#include <Eigen/Eigenvalues>

#include "causalattn/core/checks.hpp"
#include "causalattn/effects/outcome_head.hpp"
#include "causalattn/nn/encoder.hpp"
#include "causalattn/nn/serialization.hpp"

#ifdef CAUSALATTN_EMBED_CINA_ZS_MODEL
#include "causalattn/effects/cina_zs_embedded.hpp"
#endif

namespace causalattn {

/// Shape of a CInA-ZS network (stored in its model file).
struct CinaZsConfig {
  Index max_covariates = 20;  ///< p_max: covariates per token (fewer are zero-padded and masked, more reduced by PCA)
  Index width = 32;           ///< model width, divisible by heads
  Index hidden = 64;          ///< MLP hidden width of each block
  Index layers = 2;           ///< encoder blocks
  Index heads = 2;            ///< attention heads
  /// Bandwidth of the balancing kernel: the key map K = z A (z the padded covariates, A p_max x p_max)
  /// starts at key_scale x I and keeps the Frobenius norm key_scale x sqrt(p_max), > 0 (as
  /// `CinaOptions::key_scale`).
  double key_scale = 0.2;
  double lambda_relative = 0.1;  ///< training's lambda = this x the mean diagonal of each data set's kernel, > 0

  /// Throws `invalid_input` naming the first bad field ("config.width", ...).
  void validate() const {
    auto fail = [](const char* field, const std::string& value, const char* rule) {
      throw invalid_input(std::string("config.") + field, "is " + value + ", must be " + rule);
    };
    if (max_covariates < 1 || max_covariates > 1024) fail("max_covariates", std::to_string(max_covariates), "in [1, 1024]");
    if (heads < 1 || heads > 256) fail("heads", std::to_string(heads), "in [1, 256]");
    if (width < 1 || width > 4096 || width % heads != 0) fail("width", std::to_string(width), "in [1, 4096] and divisible by heads");
    if (hidden < 1 || hidden > 16384) fail("hidden", std::to_string(hidden), "in [1, 16384]");
    if (layers < 1 || layers > 64) fail("layers", std::to_string(layers), "in [1, 64]");
    if (!(key_scale > 0) || !std::isfinite(key_scale)) fail("key_scale", detail::to_text(key_scale), "finite and > 0");
    if (!(lambda_relative > 0) || !std::isfinite(lambda_relative)) {
      fail("lambda_relative", detail::to_text(lambda_relative), "finite and > 0");
    }
  }
};

/// Covariates as CInA-ZS reads them: z-scores over the units; with more than `max_covariates`
/// columns, the leading `max_covariates` principal components of the z-scores, each scaled to unit
/// variance (signs fixed so each component's largest loading is positive), dropping components
/// whose variance is below 1e-10 of the largest (rank deficiency: they would be rounding noise
/// blown up to unit variance). Throws `invalid_input` for empty, non-finite or constant columns
/// or max_covariates < 1. O(n p^2 + p^3).
/// Example: `Matrix<double> z = causalattn::cina_zs_covariates(x, 20);`
template <typename Defer = void>
Matrix<double> cina_zs_covariates(const Matrix<detail::deferred_t<Defer, double>>& x, Index max_covariates) {
  using Real = detail::deferred_t<Defer, double>;
  if (max_covariates < 1) throw invalid_input("max_covariates", "is " + std::to_string(max_covariates) + ", must be >= 1");
  check_not_empty("x", x);
  check_finite("x", x);
  check_no_constant_columns("x", x);
  Matrix<Real> z = x.rowwise() - x.colwise().mean();
  z.array().rowwise() /= (z.colwise().squaredNorm() / double(z.rows())).cwiseSqrt().array();
  if (z.cols() <= max_covariates) return z;
  const Eigen::SelfAdjointEigenSolver<Matrix<Real>> eigen(z.transpose() * z / double(z.rows()));
  const Vector<Real>& variance = eigen.eigenvalues();  // ascending
  Index kept = 0;
  while (kept < max_covariates && variance(variance.size() - 1 - kept) > 1e-10 * variance(variance.size() - 1)) ++kept;
  Matrix<Real> loadings = eigen.eigenvectors().rightCols(kept).rowwise().reverse();
  for (Index c = 0; c < loadings.cols(); ++c) {
    Index largest = 0;
    loadings.col(c).cwiseAbs().maxCoeff(&largest);
    if (loadings(largest, c) < 0) loadings.col(c) *= -1;
  }
  Matrix<Real> components = z * loadings;
  for (Index c = 0; c < components.cols(); ++c) {
    components.col(c) /= std::sqrt(components.col(c).squaredNorm() / double(components.rows()));
  }
  return components;
}

/// One token per unit: [z_i padded to p_max with zeros, feature mask (1 for a real covariate),
/// W_i = 2 T_i - 1], rows in unit order. `x` must already be `cina_zs_covariates` output
/// (at most p_max columns) and `t` 0 / 1 (else `invalid_input` naming the argument). O(n p_max).
/// Example: `auto tokens = causalattn::cina_zs_tokens<float>(cina_zs_covariates(x, 20), t, 20);`
template <class Scalar>
Matrix<Scalar> cina_zs_tokens(const Matrix<detail::deferred_t<Scalar, double>>& x,
                              const Vector<detail::deferred_t<Scalar, double>>& t, Index max_covariates) {
  if (x.cols() > max_covariates) {
    throw invalid_input("x", "has " + std::to_string(x.cols()) + " columns, more than max_covariates = " + std::to_string(max_covariates));
  }
  check_shape("t", t, x.rows(), 1);
  for (Index i = 0; i < t.size(); ++i) {
    if (t(i) != 0 && t(i) != 1) throw invalid_input("t", "is " + detail::to_text(t(i)) + " at row " + std::to_string(i) + "; must be 0 or 1");
  }
  Matrix<Scalar> tokens = Matrix<Scalar>::Zero(x.rows(), 2 * max_covariates + 1);
  tokens.leftCols(x.cols()) = x.template cast<Scalar>();
  tokens.middleCols(max_covariates, x.cols()).setOnes();
  tokens.col(2 * max_covariates) = (2 * t.array() - 1).matrix().template cast<Scalar>();
  return tokens;
}

/// The CInA-ZS network: embedding Linear(2 p_max + 1 -> width), a pre-LN transformer encoder
/// without positional encoding (permutation equivariant over units; key-padding masks for padded
/// units), a value head Linear(width -> 1) giving the logit z_i of unit i's balancing weight
/// alpha_i = sigmoid(z_i), and the final keys K = z A from the unit's covariates through a learned
/// linear map held at a fixed norm (kernel k_ij = exp(S_ij - log h_i - log h_j), S = K K' / sqrt(p_max)).
/// Keys computed from the encoder's features instead collapsed during development training to
/// nearly one direction (a near-constant kernel, under which any weights with equal arm totals
/// balance), so the kernel is anchored to the covariates (ours).
/// The value of the attention-SVM identity is V_i = W_i alpha_i / (lambda h_i), so h . W . V =
/// alpha / lambda: inference needs the logits only. A model may also carry an `OutcomeHead` (the
/// per-unit outcome means behind `cina_zs_cate` and, by default, `cina_zs`'s estimate); it is
/// trained apart from the network (`train_outcome_head`). Forward passes cache activations for backward,
/// so one instance must not run on two threads at once; copies are independent (`cina_zs` copies). Parameters are registered by `register_parameters`.
/// Example:
/// \code
///   causalattn::CinaZsModel<float> model(causalattn::CinaZsConfig{}, 1);
///   auto z = model.forward(tokens, causalattn::SequenceLayout::single(tokens.rows()));
/// \endcode
template <class Scalar>
class CinaZsModel {
 public:
  /// A freshly initialised model (Xavier uniform from `seed`). Throws `invalid_input` for a bad config.
  CinaZsModel(const CinaZsConfig& config, std::uint64_t seed) : CinaZsModel(config, Rng(seed)) {}

  /// The pretrained model shipped with the library (examples/models/cina_zs_default.bin, installed
  /// to <prefix>/share/causalattn/models). Read from `path` if given, else from the directory named
  /// by the environment variable CAUSALATTN_MODEL_DIR, else, in a program that links a file compiled
  /// with CAUSALATTN_EMBED_CINA_ZS_MODEL defined (that file registers the copy in
  /// cina_zs_embedded.hpp at start-up), from that copy, else from the places listed at
  /// `cina_zs_default_path`. The shipped model is checked against `cina_zs_default_checksum`; a file
  /// passed by `path` only against its own checksum. Throws `invalid_input` naming the file when it
  /// is missing, corrupted or not the shipped model. O(file size).
  /// Example: `auto model = causalattn::CinaZsModel<float>::load_default();`
  static CinaZsModel load_default(const std::string& path = "");

  /// The architecture.
  const CinaZsConfig& config() const noexcept { return config_; }
  /// Columns of a token: 2 p_max + 1.
  Index token_width() const noexcept { return 2 * config_.max_covariates + 1; }

  /// Weight logits z (one per token) of a batch of data sets stacked by `layout`; padded tokens
  /// (`padding` true) are never attended. Caches what `keys` and `backward` need.
  /// O(sum_b n_b^2 width + tokens width hidden).
  Vector<Scalar> forward(const Matrix<Scalar>& tokens, const SequenceLayout& layout, const KeyPaddingMask& padding = {}) {
    check_shape("tokens", tokens, layout.tokens(), token_width());
    check_finite("tokens", tokens);
    covariates_ = tokens.leftCols(config_.max_covariates);
    features_ = encoder_.forward(embed_.forward(tokens), layout, padding);
    return value_.forward(features_).col(0);
  }

  /// Final keys z A of the last forward pass's tokens. Caches for backward.
  Matrix<Scalar> keys() { return key_.forward(covariates_); }

  /// Keys z A of `tokens` (n x token_width) without a forward pass or cache: the balancing kernel
  /// depends on the covariates only. O(n p_max^2).
  /// Example: `auto k = model.keys_of(tokens);  // n x p_max`
  Matrix<Scalar> keys_of(const Matrix<Scalar>& tokens) const {
    check_shape("tokens", tokens, -1, token_width());
    return key_.apply(tokens.leftCols(config_.max_covariates));
  }

  /// Rescales the key map A back to its Frobenius norm key_scale x sqrt(p_max) (after each step).
  void hold_key_scale() {
    Matrix<Scalar>& a = key_.weight().value;
    a *= Scalar(config_.key_scale * std::sqrt(double(config_.max_covariates))) / a.norm();
  }

  /// Accumulates parameter gradients from dLoss/dlogits and (if non-empty) dLoss/dkeys of the last
  /// forward / keys calls.
  void backward(const Vector<Scalar>& d_logits, const Matrix<Scalar>& d_keys) {
    if (d_keys.size() != 0) key_.backward(d_keys);
    embed_.backward(encoder_.backward(value_.backward(d_logits)));
  }

  /// The outcome head, or nullptr when the model has none (a version-1 model file). O(1).
  /// Example: `if (model.outcome_head()) auto cate = causalattn::cina_zs_cate(model, data);`
  const OutcomeHead* outcome_head() const noexcept { return outcome_ ? &*outcome_ : nullptr; }
  /// Attaches (or replaces) the outcome head; throws `invalid_input` if it is malformed. O(head size).
  /// Example: `model.set_outcome_head(causalattn::OutcomeHead(16, 4, seed));`
  void set_outcome_head(OutcomeHead head) {
    head.validate("head");
    outcome_ = std::move(head);
  }

  /// Adds "embed.*", "encoder.*", "value.*" and (unless `with_keys` is false: a fixed kernel)
  /// "key.*" to `registry` (the model must not move while the registry is in use).
  void register_parameters(ParameterRegistry<Scalar>& registry, bool with_keys = true) {
    embed_.register_parameters(registry, "embed");
    encoder_.register_parameters(registry, "encoder");
    value_.register_parameters(registry, "value");
    if (with_keys) key_.register_parameters(registry, "key");
  }

 private:
  CinaZsModel(const CinaZsConfig& config, Rng rng)
      : config_((config.validate(), config)),
        embed_(token_width(), config.width, rng),
        encoder_(encoder_options(config), rng),
        value_(config.width, 1, rng),
        key_(config.max_covariates, config.max_covariates, rng, false) {
    key_.weight().value = Scalar(config.key_scale) * Matrix<Scalar>::Identity(config.max_covariates, config.max_covariates);
  }

  static EncoderOptions encoder_options(const CinaZsConfig& c) {
    EncoderOptions o;
    o.width = c.width;
    o.hidden = c.hidden;
    o.layers = c.layers;
    o.attention.heads = c.heads;
    o.attention.threads = 0;  // all threads over (data set, head) pairs; results never depend on it
    return o;
  }

  CinaZsConfig config_;
  Linear<Scalar> embed_;
  Encoder<Scalar> encoder_;
  Linear<Scalar> value_, key_;
  Matrix<Scalar> covariates_, features_;
  std::optional<OutcomeHead> outcome_;
};

namespace detail {

inline constexpr const char* cina_zs_config_name = "cina_zs.config";

/// The config as a 1 x 8 tensor: format version, then the fields in declaration order.
template <typename = void>
Matrix<float> cina_zs_config_tensor(const CinaZsConfig& c, const OutcomeHead* head) {
  Matrix<float> t(1, head ? 10 : 8);
  t.leftCols(8) << (head ? 2.0f : 1.0f), float(c.max_covariates), float(c.width), float(c.hidden), float(c.layers),
      float(c.heads), float(c.key_scale), float(c.lambda_relative);
  if (head) t.rightCols(2) << float(head->hidden()), float(head->outputs());
  return t;
}

}  // namespace detail

/// The model in the causalattn parameter format (float values) with its config as the extra tensor
/// "cina_zs.config": version 1 (1 x 8) without an outcome head, version 2 (1 x 10, the head's hidden
/// and output counts appended) with one, whose parameters follow as "outcome.w1", ... O(parameters).
/// Example: `std::string bytes = causalattn::serialize_cina_zs(model);`
template <class Scalar>
std::string serialize_cina_zs(const CinaZsModel<Scalar>& model) {
  CinaZsModel<Scalar> copy = model;
  ParameterRegistry<Scalar> registry;
  copy.register_parameters(registry);
  std::optional<OutcomeHead> head;
  ParameterRegistry<double> head_registry;
  if (model.outcome_head()) {
    head = *model.outcome_head();
    head->register_parameters(head_registry);
  }
  std::vector<Parameter<float>> values;
  values.reserve(registry.size() + head_registry.size() + 1);  // no reallocation: as_float points into it
  ParameterRegistry<float> as_float;
  values.push_back({detail::cina_zs_config_tensor(model.config(), model.outcome_head()), Matrix<float>()});
  as_float.add(detail::cina_zs_config_name, values.back());
  for (const auto& e : registry.entries()) {
    values.push_back({e.parameter->value.template cast<float>(), Matrix<float>()});
    as_float.add(e.name, values.back());
  }
  for (const auto& e : head_registry.entries()) {
    values.push_back({e.parameter->value.template cast<float>(), Matrix<float>()});
    as_float.add(e.name, values.back());
  }
  return serialize_parameters(as_float);
}

/// Reads a model written by `serialize_cina_zs` (any Scalar; values are stored as float). Every
/// defect throws `invalid_input(source, ...)`: those of `parse_parameters` (magic, version,
/// truncation, checksum, ...), a missing or malformed config (version 1, 1 x 8, or version 2,
/// 1 x 10 with the head's hidden and output counts in [1, 256]), a missing, extra or misshapen
/// tensor, a non-finite head parameter. O(bytes).
/// Example: `auto model = causalattn::parse_cina_zs<float>(bytes, "model.bin");`
template <class Scalar>
CinaZsModel<Scalar> parse_cina_zs(std::string_view bytes, const std::string& source = "model") {
  const std::vector<NamedTensor<float>> tensors = parse_parameters<float>(bytes, source);
  const NamedTensor<float>* config_tensor = nullptr;
  for (const auto& t : tensors)
    if (t.name == detail::cina_zs_config_name) config_tensor = &t;
  if (config_tensor == nullptr) throw invalid_input(source, "has no 'cina_zs.config' tensor: not a CInA-ZS model");
  const Matrix<float>& c = config_tensor->value;
  const bool with_head = c.rows() == 1 && c.cols() == 10 && c(0, 0) == 2.0f;
  if (!with_head && (c.rows() != 1 || c.cols() != 8 || c(0, 0) != 1.0f)) {
    throw invalid_input(source, "'cina_zs.config' is neither a version-1 (1 x 8) nor a version-2 (1 x 10) CInA-ZS config");
  }
  for (Index j = 1; j < c.cols(); ++j) {  // integer fields: whole numbers in a range a model can have
    if (j == 6 || j == 7) continue;
    const float top = j >= 8 ? 256.0f : 16384.0f;
    if (!(c(0, j) >= 1 && c(0, j) <= top) || c(0, j) != std::floor(c(0, j))) {
      throw invalid_input(source, "'cina_zs.config' entry " + std::to_string(j) + " is " + detail::to_text(c(0, j)) +
                                      ", not a whole number in [1, " + std::to_string(int(top)) + "]");
    }
  }
  CinaZsConfig config;
  config.max_covariates = Index(c(0, 1));
  config.width = Index(c(0, 2));
  config.hidden = Index(c(0, 3));
  config.layers = Index(c(0, 4));
  config.heads = Index(c(0, 5));
  config.key_scale = double(c(0, 6));
  config.lambda_relative = double(c(0, 7));
  try {
    config.validate();
  } catch (const invalid_input& e) {
    throw invalid_input(source, std::string("holds an invalid config: ") + e.what());
  }
  // The config's size against the file's own: every encoder block holds at least a width x width
  // and a width x hidden matrix, so a few bytes declaring a huge model fail here, before allocation.
  std::uint64_t stored_values = 0;
  for (const auto& t : tensors) stored_values += std::uint64_t(t.value.size());
  const std::uint64_t implied = std::uint64_t(config.layers) * std::uint64_t(config.width) * std::uint64_t(config.width + config.hidden);
  if (implied > stored_values) {
    throw invalid_input(source, "its config (width " + std::to_string(config.width) + ", hidden " + std::to_string(config.hidden) +
                                    ", " + std::to_string(config.layers) + " layers) implies at least " + std::to_string(implied) +
                                    " parameters, the file holds " + std::to_string(stored_values));
  }
  CinaZsModel<Scalar> model(config, 0);
  ParameterRegistry<Scalar> registry;
  model.register_parameters(registry);
  std::optional<OutcomeHead> head;
  ParameterRegistry<double> head_registry;
  if (with_head) {
    head.emplace(Index(c(0, 8)), Index(c(0, 9)), 0);
    head->register_parameters(head_registry);
  }
  if (tensors.size() != registry.size() + head_registry.size() + 1) {
    throw invalid_input(source, "holds " + std::to_string(tensors.size() - 1) + " parameter tensors, the model has " +
                                    std::to_string(registry.size() + head_registry.size()));
  }
  // Copies each registered parameter's tensor from the file, checking that it exists with its shape.
  auto fill = [&](const auto& entries) {
    for (const auto& e : entries) {
      const NamedTensor<float>* found = nullptr;
      for (const auto& t : tensors)
        if (t.name == e.name) found = &t;
      if (found == nullptr) throw invalid_input(source, "lacks the tensor '" + e.name + "'");
      if (found->value.rows() != e.parameter->value.rows() || found->value.cols() != e.parameter->value.cols()) {
        throw invalid_input(source, "tensor '" + e.name + "' has shape " + std::to_string(found->value.rows()) + " x " +
                                        std::to_string(found->value.cols()) + ", the config implies " +
                                        std::to_string(e.parameter->value.rows()) + " x " +
                                        std::to_string(e.parameter->value.cols()));
      }
      using Target = typename std::decay_t<decltype(e.parameter->value)>::Scalar;
      e.parameter->value = found->value.template cast<Target>();
    }
  };
  fill(registry.entries());
  if (head) {
    fill(head_registry.entries());
    head->validate(source);  // names the file; set_outcome_head would name "head"
    model.set_outcome_head(std::move(*head));
  }
  return model;
}

namespace detail {
/// The shipped model compiled into this program, else nullptr (constant-initialised). A linked file
/// compiled with CAUSALATTN_EMBED_CINA_ZS_MODEL sets it during dynamic initialisation (before `main`
/// with GCC, Clang and MSVC), so `load_default` must not be called from a static initialiser to
/// find it. A pointer rather than a macro inside `load_default`, so that every file of a program
/// sees the same definition of it.
struct EmbeddedCinaZsModel {
  static inline std::string_view (*bytes)() = nullptr;
};
}  // namespace detail

/// FNV-1a-64 of the whole shipped file examples/models/cina_zs_default.bin (examples/train_cina_zs.cpp
/// prints it; the command that made the file is in benchmarks/RESULTS.md).
inline constexpr std::uint64_t cina_zs_default_checksum = 0xb0ec64424a1ab492ULL;

/// Where `CinaZsModel::load_default` finds the shipped model, the first that exists of:
/// $CAUSALATTN_MODEL_DIR/cina_zs_default.bin; the directory CMake compiled in (CAUSALATTN_MODEL_DIR:
/// the source tree's examples/models, or the installed share/causalattn/models); and, for builds
/// without CMake that include the headers from a source tree or an install prefix, the same two
/// places relative to this header (../../../examples/models, ../../../share/causalattn/models).
/// Throws `invalid_input` listing the places when none exists. O(1).
/// Example: `std::string where = causalattn::cina_zs_default_path();`
template <typename = void>
std::string cina_zs_default_path() {
  const std::string file = "/cina_zs_default.bin";
  if (const char* directory = std::getenv("CAUSALATTN_MODEL_DIR")) return std::string(directory) + file;
  std::vector<std::string> candidates;
#ifdef CAUSALATTN_MODEL_DIR
  candidates.push_back(std::string(CAUSALATTN_MODEL_DIR) + file);
#endif
  const std::string header = __FILE__;
  const std::string here = header.substr(0, header.find_last_of('/') + 1);  // .../include/causalattn/effects/
  candidates.push_back(here + "../../../examples/models" + file);
  candidates.push_back(here + "../../../share/causalattn/models" + file);
  std::string tried;
  for (const auto& candidate : candidates) {
    struct stat status {};
    if (::stat(candidate.c_str(), &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG) return candidate;
    tried += (tried.empty() ? "" : ", ") + candidate;
  }
  throw invalid_input("CAUSALATTN_MODEL_DIR", "is not set and the shipped model is in none of " + tried +
                                                  ": set the environment variable, pass the model's path or compile with "
                                                  "-DCAUSALATTN_EMBED_CINA_ZS_MODEL");
}

template <class Scalar>
CinaZsModel<Scalar> CinaZsModel<Scalar>::load_default(const std::string& path) {
  const auto parse_shipped = [](std::string_view bytes, const std::string& source) {
    if (detail::fnv1a64(bytes) != cina_zs_default_checksum) {
      throw invalid_input(source, "is not the shipped CInA-ZS model (its checksum differs from cina_zs_default_checksum)");
    }
    return parse_cina_zs<Scalar>(bytes, source);
  };
  if (!path.empty()) return parse_cina_zs<Scalar>(io::read_file_bytes(path, detail::parameter_file_limits()), path);
  if (detail::EmbeddedCinaZsModel::bytes != nullptr && std::getenv("CAUSALATTN_MODEL_DIR") == nullptr) {
    return parse_shipped(detail::EmbeddedCinaZsModel::bytes(), "the embedded CInA-ZS model (cina_zs_embedded.hpp)");
  }
  const std::string file = cina_zs_default_path();
  return parse_shipped(io::read_file_bytes(file, detail::parameter_file_limits()), file);
}

/// Writes `serialize_cina_zs(model)` to `path`.
template <class Scalar>
void save_cina_zs(const std::string& path, const CinaZsModel<Scalar>& model) {
  io::write_file_bytes(path, serialize_cina_zs(model));
}

/// Reads a CInA-ZS model file (errors name `path`).
/// Example: `auto model = causalattn::load_cina_zs<float>("my_model.bin");`
template <class Scalar>
CinaZsModel<Scalar> load_cina_zs(const std::string& path) {
  return parse_cina_zs<Scalar>(io::read_file_bytes(path, detail::parameter_file_limits()), path);
}

}  // namespace causalattn

#ifdef CAUSALATTN_EMBED_CINA_ZS_MODEL
namespace causalattn::detail {
/// Registers the embedded copy with `CinaZsModel::load_default` when the program starts.
inline const bool cina_zs_model_embedded = (EmbeddedCinaZsModel::bytes = &cina_zs_embedded_model, true);
}  // namespace causalattn::detail
#endif
