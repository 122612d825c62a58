#include "causalattn/nn/mesa_attention.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "causalattn/core/random.hpp"
#include "causalattn/kernels/mesa_reference.hpp"
#include "causalattn/nn/encoder.hpp"
#include "causalattn/nn/serialization.hpp"

namespace ca = causalattn;
using ca::Index;
using ca::Matrix;
using Catch::Matchers::Contains;

namespace {

ca::MesaAttentionOptions two_heads(bool normalized, int threads) {
  ca::MesaAttentionOptions options;
  options.heads = 2;
  options.normalize_query_key = normalized;
  options.threads = threads;
  return options;
}

}  // namespace

TEMPLATE_TEST_CASE("mesa attention: each sequence and head is the kernel on its slice; padded tokens add no pair", "[nn][mesa]",
                   float, double) {
  ca::Rng rng(11);
  const auto layout = ca::SequenceLayout::from_lengths({6, 1, 9});
  const Matrix<TestType> x = ca::normal_matrix<TestType>(layout.tokens(), 8, rng);
  ca::KeyPaddingMask padding = ca::KeyPaddingMask::Zero(layout.tokens());
  padding(3) = padding(10) = true;
  for (bool normalized : {false, true}) {
    ca::Rng init(12);
    ca::MesaAttention<TestType> layer(8, two_heads(normalized, 0), init);
    const Matrix<TestType> y = layer.forward(x, layout, padding);
    // The same sequence alone, without the batch around it, gives the same rows.
    for (Index b = 0; b < layout.count(); ++b) {
      const Matrix<TestType> alone = layer.forward(x.middleRows(layout.offset(b), layout.length(b)),
                                                   ca::SequenceLayout::single(layout.length(b)),
                                                   padding.segment(layout.offset(b), layout.length(b)));
      CHECK((alone - y.middleRows(layout.offset(b), layout.length(b))).cwiseAbs().maxCoeff() <
            1000 * std::numeric_limits<TestType>::epsilon());
    }
    // Changing a padded token's input changes only that token's own output row (its query).
    Matrix<TestType> changed = x;
    changed.row(10).setConstant(TestType(5));
    const Matrix<TestType> y_changed = layer.forward(changed, layout, padding);
    Matrix<TestType> difference = (y_changed - y).cwiseAbs();
    CHECK(difference.row(10).maxCoeff() > TestType(1e-3));
    difference.row(10).setZero();
    CHECK(difference.maxCoeff() < 1000 * std::numeric_limits<TestType>::epsilon());
    // The attention matrix reproduces the head's output before the output projection: causal, zero
    // in padded columns.
    layer.forward(x, layout, padding);
    const Matrix<TestType> a = layer.attention_matrix(2, 1);
    REQUIRE(a.rows() == 9);
    CHECK(a.template triangularView<Eigen::StrictlyUpper>().toDenseMatrix().cwiseAbs().maxCoeff() == TestType(0));
    CHECK(a.col(10 - layout.offset(2)).cwiseAbs().maxCoeff() == TestType(0));
  }
}

TEST_CASE("mesa attention: forward and backward identical for any thread count", "[nn][mesa]") {
  const auto layout = ca::SequenceLayout::from_lengths({7, 3, 12, 5, 9});
  ca::Rng data(21);
  const Matrix<double> x = ca::normal_matrix<double>(layout.tokens(), 8, data);
  const Matrix<double> dy = ca::normal_matrix<double>(layout.tokens(), 8, data);
  Matrix<double> reference_y, reference_dx;
  std::vector<Matrix<double>> reference_grads;
  for (int threads : {1, 2, 3, 0}) {
    ca::Rng init(22);
    ca::MesaAttention<double> layer(8, two_heads(true, threads), init);
    ca::ParameterRegistry<double> params;
    layer.register_parameters(params, "mesa");
    params.zero_grad();
    const Matrix<double> y = layer.forward(x, layout);
    const Matrix<double> dx = layer.backward(dy);
    std::vector<Matrix<double>> grads;
    for (const auto& e : params.entries()) grads.push_back(e.parameter->grad);
    if (threads == 1) {
      reference_y = y;
      reference_dx = dx;
      reference_grads = grads;
      continue;
    }
    INFO("threads " << threads);
    CHECK(y == reference_y);
    CHECK(dx == reference_dx);
    for (std::size_t k = 0; k < grads.size(); ++k) CHECK(grads[k] == reference_grads[k]);
  }
}

TEST_CASE("mesa attention: saved and loaded it predicts identically; a bad lambda from a file is refused", "[nn][mesa]") {
  ca::Rng rng(31);
  const auto layout = ca::SequenceLayout::uniform(3, 6);
  const Matrix<double> x = ca::normal_matrix<double>(layout.tokens(), 6, rng);
  ca::MesaAttentionOptions options;
  options.heads = 3;
  options.initial_lambda = 0.5;
  ca::Rng a_rng(1), b_rng(2);
  ca::MesaAttention<double> a(6, options, a_rng), b(6, options, b_rng);
  ca::ParameterRegistry<double> a_params, b_params;
  a.register_parameters(a_params, "mesa");
  b.register_parameters(b_params, "mesa");
  CHECK(a.lambdas().isApprox(ca::Vector<double>::Constant(3, 0.5), 1e-15));
  a_params.at("mesa.log_lambda").value << 0.1, -0.2, 0.3;  // distinct learnt values survive the trip
  const std::string bytes = ca::serialize_parameters(a_params);
  ca::load_parameters(bytes, b_params);
  CHECK(b.forward(x, layout) == a.forward(x, layout));
  // log lambda = -1000: lambda underflows to 0, which the layer refuses by name.
  b_params.at("mesa.log_lambda").value(0, 1) = -1000;
  ca::load_parameters(ca::serialize_parameters(b_params), a_params);
  CHECK_THROWS_WITH(a.forward(x, layout), Contains("log_lambda") && Contains("head 1") && Contains("not a finite number > 0"));
  // Shapes and options.
  CHECK_THROWS_WITH(b.forward(Matrix<double>::Zero(layout.tokens(), 5), layout), Contains("x") && Contains("expected any x 6"));
  CHECK_THROWS_WITH(b.forward(Matrix<double>::Zero(17, 6), layout), Contains("x: has 17 rows"));
  ca::MesaAttentionOptions bad = options;
  bad.initial_lambda = 0;
  CHECK_THROWS_WITH(ca::MesaAttention<double>(6, bad, rng), Contains("options.initial_lambda"));
  bad = options;
  bad.heads = 4;
  CHECK_THROWS_WITH(ca::MesaAttention<double>(6, bad, rng), Contains("options.heads"));
}

TEST_CASE("encoder stacks take a mixer per block; softmax files still load, mesa needs the causal mask", "[nn][mesa]") {
  ca::EncoderOptions options;
  options.width = 8;
  options.hidden = 12;
  options.layers = 3;
  options.attention.heads = 2;
  options.attention.causal = true;
  ca::Rng softmax_rng(5);
  ca::Encoder<double> softmax(options, softmax_rng);
  ca::ParameterRegistry<double> softmax_params;
  softmax.register_parameters(softmax_params, "encoder");
  // Explicit softmax mixers are the default stack, parameter for parameter.
  options.mixers = {ca::Mixer::softmax, ca::Mixer::softmax, ca::Mixer::softmax};
  ca::Rng explicit_rng(5);
  ca::Encoder<double> explicit_softmax(options, explicit_rng);
  ca::ParameterRegistry<double> explicit_params;
  explicit_softmax.register_parameters(explicit_params, "encoder");
  CHECK(ca::serialize_parameters(explicit_params) == ca::serialize_parameters(softmax_params));
  // A hybrid stack names its mesa blocks' parameters differently, so a file records the stack.
  options.mixers = {ca::Mixer::softmax, ca::Mixer::mesa, ca::Mixer::mesa};
  ca::Rng hybrid_rng(5);
  ca::Encoder<double> hybrid(options, hybrid_rng);
  ca::ParameterRegistry<double> hybrid_params;
  hybrid.register_parameters(hybrid_params, "encoder");
  CHECK(hybrid.blocks()[1].mixer() == ca::Mixer::mesa);
  CHECK_NOTHROW(hybrid_params.at("encoder.block1.mesa.log_lambda"));
  CHECK_THROWS(ca::load_parameters(ca::serialize_parameters(softmax_params), hybrid_params));
  const auto layout = ca::SequenceLayout::uniform(2, 5);
  ca::Rng data(6);
  const Matrix<double> x = ca::normal_matrix<double>(layout.tokens(), 8, data);
  CHECK(hybrid.forward(x, layout).allFinite());
  CHECK_THROWS_WITH(hybrid.blocks()[1].attention(), Contains("mesa block"));
  options.mixers = {ca::Mixer::mesa};
  CHECK_THROWS_WITH(ca::Encoder<double>(options, data), Contains("options.mixers") && Contains("1 entries for 3 layers"));
  options.mixers = {ca::Mixer::mesa, ca::Mixer::mesa, ca::Mixer::mesa};
  options.attention.causal = false;
  CHECK_THROWS_WITH(ca::Encoder<double>(options, data), Contains("options.mixers") && Contains("causal"));
}

TEST_CASE("the mesa mixer is installed by its header, and a missing one is named", "[nn][mesa]") {
  // This program includes nn/mesa_attention.hpp: float and double blocks can be mesa blocks; a
  // copied hybrid block copies its mixer (its own parameters, the same outputs).
  CHECK(ca::detail::mixer_factory<float>(ca::Mixer::mesa) != nullptr);
  CHECK(ca::detail::mixer_factory<double>(ca::Mixer::mesa) != nullptr);
  ca::EncoderOptions options;
  options.width = 4;
  options.hidden = 6;
  options.attention.causal = true;
  ca::Rng rng(3);
  ca::EncoderBlock<double> block(options, rng, ca::Mixer::mesa);
  ca::EncoderBlock<double> copy = block;
  const auto layout = ca::SequenceLayout::single(5);
  const Matrix<double> x = ca::normal_matrix<double>(5, 4, rng);
  const Matrix<double> y = block.forward(x, layout);
  CHECK(copy.forward(x, layout) == y);
  CHECK(copy.mixer() == ca::Mixer::mesa);
  // No header installs a long double mixer: what a program without the header gets.
  CHECK_THROWS_WITH(ca::detail::make_mixer<long double>(ca::Mixer::mesa, options, rng, 2),
                    Contains("options.mixers") && Contains("block 2") && Contains("causalattn/nn/mesa_attention.hpp"));
}
